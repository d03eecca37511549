"""Plain mode: any database without Directus's tables, as a snapshot in Directus's format.

Every base table becomes a collection, every column a field and every foreign key a relation, all
with ``meta: null``; the ``schema`` objects are the same Directus-exact introspection Directus mode
uses, and ``type`` is Directus's ``getLocalType``. Indexes show as ``schema.is_indexed`` /
``schema.is_unique`` on their column (single-column ones, as Directus counts them). Because
``getSnapshot`` drops untracked (``meta: null``) items, the snapshot is assembled here with the
same ``sortDeep`` (:func:`~drift.snapshot.build.sorted_pick`), ordering and sanitizers instead: collections by name, fields in column order
within their collection, relations in constraint order within theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drift.snapshot.build import FULL, PARTIAL, resolve_scope, sorted_pick
from drift.snapshot.js import utf16_key
from drift.snapshot.sanitize import (
    sanitize_collection,
    sanitize_field,
    sanitize_relation,
)
from drift.targets.database.catalog import Catalog
from drift.targets.database.types import get_default_value, get_local_type


def _by_collection(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # stable: items of one collection keep their (column / constraint) order
    return sorted(items, key=lambda x: utf16_key(str(x["collection"])))


def plain_snapshot(
    catalog: Catalog,
    *,
    directus: str,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The snapshot of a database that Directus does not manage."""
    collections = [
        {"collection": t, "meta": None, "schema": {"name": t}} for t in catalog.tables
    ]
    scope = resolve_scope(collections, include, exclude)
    tables = set(catalog.tables) if scope is None else set(catalog.tables) & scope

    def ordinal(c: dict[str, Any]) -> int:
        return int(c.get("ordinal") or 0)

    columns = [c for c in catalog.columns if c["table"] in tables]
    if any("ordinal" in c for c in columns):
        columns = sorted(columns, key=ordinal)
    fields = []
    for c in columns:
        local = get_local_type(c, None)
        fields.append(
            {
                "collection": c["table"],
                "field": c["name"],
                "type": local,
                "meta": None,
                "schema": {**c, "default_value": get_default_value(c, None, local)},
            }
        )
    relations = [
        {
            "collection": fk["table"],
            "field": fk["column"],
            "related_collection": fk["foreign_key_table"],
            "meta": None,
            "schema": fk,
        }
        for fk in catalog.foreign_keys
        if fk["table"] in tables
    ]
    return {
        "version": PARTIAL if scope is not None else FULL,
        "directus": directus,
        "vendor": catalog.vendor,
        "collections": [
            sorted_pick(sanitize_collection(c))
            for c in _by_collection(
                [c for c in collections if c["collection"] in tables]
            )
        ],
        "fields": [sorted_pick(sanitize_field(f)) for f in _by_collection(fields)],
        "systemFields": [],
        "relations": [
            sorted_pick(sanitize_relation(r)) for r in _by_collection(relations)
        ],
    }
