"""Assemble a snapshot from raw collection, field and relation records, as ``getSnapshot`` does.

Targets that read Directus's own tables (the database target in Directus mode) produce the raw
records Directus's services would (``CollectionsService.readByQuery``, ``FieldsService.readAll``,
``RelationsService.readAll``: ``meta`` is the whole system-table row, ``meta.system`` marks the
hard-coded system rows, ``meta: None`` an untracked table/column/foreign key) and hand them here.
This module applies the filters, ``sortDeep``, the ordering and the sanitizers of
``api/src/utils/schema/get-snapshot.ts``.
"""

from __future__ import annotations

import functools
from typing import Any, Iterable, Sequence

from drift.snapshot.js import utf16_key
from drift.snapshot.sanitize import (
    sanitize_collection,
    sanitize_field,
    sanitize_relation,
    sanitize_system_field,
    sort_deep,
)

FULL = 1
PARTIAL = 2


def _meta(item: dict[str, Any]) -> Any:
    return item.get("meta")


def is_non_system(item: dict[str, Any]) -> bool:
    meta = _meta(item)
    return not (isinstance(meta, dict) and meta.get("system") is True)


def is_managed(item: dict[str, Any]) -> bool:
    return "meta" not in item or item["meta"] is not None


def is_indexed_system_field(item: dict[str, Any]) -> bool:
    meta = _meta(item)
    schema = item.get("schema")
    return bool(
        isinstance(meta, dict)
        and meta.get("system") is True
        and isinstance(schema, dict)
        and schema.get("is_indexed")
    )


def resolve_scope(
    collections: Iterable[dict[str, Any]],
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
) -> set[str] | None:
    """``resolveScopedCollections``: None for a full snapshot, else the collections in scope."""
    if include is not None and exclude is not None:
        raise ValueError('"includeCollections" and "excludeCollections" cannot be used together')
    names = {c.get("collection") for c in collections}
    if include is not None:
        return {c for c in include if c in names}
    if exclude is not None:
        return {c for c in names if c not in set(exclude)}  # type: ignore[misc]
    return None


def _lodash_cmp(a: Any, b: Any) -> int:
    """lodash ``compareAscending`` for the strings and numbers snapshots sort by."""
    if a is b or a == b and type(a) is type(b):
        return 0
    # undefined / null sort last, like lodash
    if a is None:
        return 1
    if b is None:
        return -1
    if isinstance(a, str) and isinstance(b, str):
        ka, kb = utf16_key(a), utf16_key(b)
        return (ka > kb) - (ka < kb)
    try:
        return (a > b) - (a < b)
    except TypeError:
        return 0


def _sort_by(items: list[dict[str, Any]], keys: Sequence[Any]) -> list[dict[str, Any]]:
    def cmp(x: dict[str, Any], y: dict[str, Any]) -> int:
        for k in keys:
            r = _lodash_cmp(k(x), k(y))
            if r:
                return r
        return 0

    return sorted(items, key=functools.cmp_to_key(cmp))


def _meta_id(item: dict[str, Any]) -> Any:
    meta = item.get("meta")
    return meta.get("id") if isinstance(meta, dict) else None


def _omit_meta_id(item: dict[str, Any]) -> dict[str, Any]:
    meta = item.get("meta")
    if isinstance(meta, dict) and "id" in meta:
        item = dict(item)
        item["meta"] = {k: v for k, v in meta.items() if k != "id"}
    return item


def build_snapshot(
    collections_raw: Iterable[dict[str, Any]],
    fields_raw: Iterable[dict[str, Any]],
    relations_raw: Iterable[dict[str, Any]],
    *,
    vendor: str,
    directus: str,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The snapshot Directus's ``getSnapshot`` returns for these raw records."""
    collections_raw = list(collections_raw)
    fields_raw = list(fields_raw)
    relations_raw = list(relations_raw)
    scope = resolve_scope(collections_raw, include, exclude)

    def keep(item: dict[str, Any]) -> bool:
        return (
            is_non_system(item)
            and is_managed(item)
            and (scope is None or item.get("collection") in scope)
        )

    coll = [sort_deep(c) for c in collections_raw if keep(c)]
    fields = [sort_deep(f) for f in fields_raw if keep(f)]
    rels = [sort_deep(r) for r in relations_raw if keep(r)]
    sysf = [
        f
        for f in fields_raw
        if is_indexed_system_field(f) and (scope is None or f.get("collection") in scope)
    ]
    by_coll = lambda x: x.get("collection")  # noqa: E731
    by_field = lambda x: x.get("field")  # noqa: E731
    return {
        "version": PARTIAL if scope is not None else FULL,
        "directus": directus,
        "vendor": vendor,
        "collections": [sanitize_collection(c) for c in _sort_by(coll, [by_coll])],
        "fields": [
            sanitize_field(_omit_meta_id(f)) for f in _sort_by(fields, [by_coll, _meta_id])
        ],
        "systemFields": [
            sanitize_system_field(f) for f in _sort_by(sysf, [by_coll, by_field])
        ],
        "relations": [
            sanitize_relation(_omit_meta_id(r)) for r in _sort_by(rels, [by_coll, _meta_id])
        ],
    }
