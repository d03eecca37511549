"""Small Directus-format schema files for the Action's tests, built in code.

``snapshot({"articles": ["title", "body"]})`` is a Postgres-flavoured Directus 12.4.1 snapshot with
one table per key, an integer primary key ``id`` and a ``character varying(255)`` field per name;
``notes`` puts a field note (any text, for injection tests) on a field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _collection(name: str, note: str | None) -> dict[str, Any]:
    return {"collection": name, "meta": {
        "accountability": "all", "archive_app_filter": True, "archive_field": None, "archive_value": None,
        "autosave_revision_interval": None, "collapse": "open", "collection": name, "color": None,
        "display_template": None, "group": None, "hidden": False, "icon": None, "item_duplication_fields": None,
        "note": note, "preview_url": None, "singleton": False, "sort": None, "sort_field": None,
        "status": "active", "translations": None, "unarchive_value": None, "versioning": False,
    }, "schema": {"name": name}}


def _field(table: str, name: str, sort: int, note: str | None) -> dict[str, Any]:
    pk = name == "id"
    return {"collection": table, "field": name, "type": "integer" if pk else "string", "meta": {
        "collection": table, "conditions": None, "display": None, "display_options": None, "field": name,
        "group": None, "hidden": pk, "interface": "input", "note": note, "options": None, "readonly": pk,
        "required": False, "searchable": True, "sort": sort, "special": None, "translations": None,
        "validation": None, "validation_message": None, "width": "full",
    }, "schema": {
        "name": name, "table": table, "data_type": "integer" if pk else "character varying",
        "default_value": f"nextval('\"{table}_id_seq\"'::regclass)" if pk else None,
        "max_length": None if pk else 255, "numeric_precision": 32 if pk else None,
        "numeric_scale": 0 if pk else None, "is_nullable": not pk, "is_unique": pk, "is_indexed": False,
        "is_primary_key": pk, "is_generated": False, "generation_expression": None, "has_auto_increment": pk,
        "foreign_key_table": None, "foreign_key_column": None,
    }}


def snapshot(tables: dict[str, list[str]], notes: dict[str, str] | None = None,
             collection_notes: dict[str, str] | None = None) -> dict[str, Any]:
    notes = notes or {}
    collection_notes = collection_notes or {}
    collections = [_collection(t, collection_notes.get(t)) for t in sorted(tables)]
    fields = []
    for t in sorted(tables):
        for i, name in enumerate(["id", *tables[t]], start=1):
            fields.append(_field(t, name, i, notes.get(f"{t}.{name}")))
    return {"version": 1, "directus": "12.4.1", "vendor": "postgres", "collections": collections,
            "fields": fields, "systemFields": [], "relations": []}


def write(path: Path, tables: dict[str, list[str]], **kw: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snapshot(tables, **kw), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
