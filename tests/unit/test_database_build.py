"""The database target's shortcuts in building a Directus-mode snapshot give what the plain
steps give: field records built already picked equal the sanitizer's output, ``meta`` objects
sorted ahead equal the ones sorted in the build (each handed out once), and casting leaves the
rows read untouched."""

from __future__ import annotations

import copy
import json

from drift.snapshot.build import SortedMetas, _sort_by, _without_id_sorted, in_sort_order
from drift.snapshot.sanitize import sanitize_field
from drift.targets.database.catalog import Catalog
from drift.targets.database.directus import (
    DirectusRows,
    cast_rows,
    directus_snapshot,
    fields_raw,
    halves,
    prepare_rows,
)


def _column(table: str, name: str, **extra: object) -> dict[str, object]:
    column: dict[str, object] = {
        "name": name, "table": table, "data_type": "integer", "default_value": None, "max_length": None,
        "numeric_precision": 32, "numeric_scale": 0, "is_nullable": True, "is_unique": False,
        "is_indexed": False, "is_primary_key": False, "is_generated": False, "generation_expression": None,
        "has_auto_increment": False, "foreign_key_table": None, "foreign_key_column": None,
        "foreign_key_schema": None, "comment": None, "ordinal": 1,
    }  # fmt: skip
    column.update(extra)
    return column


def test_picked_field_records_equal_the_sanitizer() -> None:
    missing = _column("t", "odd")
    del missing["default_value"], missing["is_indexed"]
    columns = [
        _column("t", "id", is_primary_key=True, default_value="nextval('t_id_seq'::regclass)"),
        _column("t", "n", data_type="numeric", default_value="1.50"),
        _column("t", "j", data_type="json", default_value='{"b": [1, {"z": 1, "a": 2}]}'),
        _column("t", "flag", data_type="boolean", default_value="true"),
        missing,
        _column("u", "untracked"),
    ]
    catalog = Catalog(vendor="postgres", tables=["t", "u"], columns=columns)
    rows = [
        {"id": 1, "collection": "t", "field": "id", "special": None},
        {"id": 2, "collection": "t", "field": "j", "special": ["cast-json"]},
        {"id": 3, "collection": "t", "field": "kids", "special": ["o2m"]},
        {"id": 4, "collection": "t", "field": "flag", "special": "cast-boolean"},
        {"id": 5, "collection": "t", "special": ["alias", "no-data"]},
    ]
    plain = fields_raw(catalog, copy.deepcopy(rows), {"t", "u"})
    picked = fields_raw(catalog, copy.deepcopy(rows), {"t", "u"}, picked=True)
    assert json.dumps([sanitize_field(f) for f in plain]) == json.dumps(picked)


def test_sorted_metas_are_taken_once() -> None:
    metas = [
        {"id": 7, "sort": 1, "options": {"z": [{"b": 1, "a": 2}], "a": None}, "a,b": 1, "a": 2},
        {"id": 8, "collection": "x", "1": "first", "translations": [{"language": "de"}]},
    ]
    ready = SortedMetas(metas)
    for meta in metas:
        expected = _without_id_sorted(copy.deepcopy(meta))
        got = ready.take(meta)
        assert json.dumps(got) == json.dumps(expected) and list(got) == list(expected)
        assert ready.take(meta) is None  # once only
    assert ready.take({"id": 7}) is None


def test_cast_rows_leave_the_rows_read_alone() -> None:
    rows = [
        {"id": 1, "special": "a,b", "hidden": 0, "options": '{"x": 1.0}'},
        {"id": 2, "special": None, "hidden": True, "options": None},
    ]
    before = copy.deepcopy(rows)
    specials = {("directus_fields", "special"): ["cast-csv"], ("directus_fields", "hidden"): ["cast-boolean"],
                ("directus_fields", "options"): ["cast-json"]}  # fmt: skip
    out = cast_rows(rows, "directus_fields", specials)
    assert rows == before
    assert out == [
        {"id": 1, "special": ["a", "b"], "hidden": False, "options": {"x": 1}},
        {"id": 2, "special": None, "hidden": True, "options": None},
    ]
    assert out[1] is rows[1]  # nothing to cast: the row is shared, not copied


def test_collections_in_sort_order_as_lodash_sorts_fields() -> None:
    """``in_sort_order`` puts names where ``_sort_by`` puts their fields: UTF-16 order beyond
    ASCII (an astral character sorts before U+FFFD there, after it in code points)."""
    names = ["b", "a", "Z", "directus_users", "é", "\U0001f600x", "\ufffdy", "a b", "_x", "10", "9"]
    fields = [{"collection": n, "meta": {"id": i}} for i, n in enumerate(reversed(names))]
    by_fields = [f["collection"] for f in _sort_by(fields, [lambda f: f["collection"]])]
    assert in_sort_order(names) == by_fields
    assert by_fields.index("\U0001f600x") < by_fields.index("\ufffdy")
    assert in_sort_order(["a", 1]) is None  # type: ignore[list-item]


def test_halves_split_the_fields_list_where_collections_meet() -> None:
    """Built for each part, the fields join into the whole list; system fields stay whole."""
    catalog = Catalog(vendor="postgres")
    rows = []
    for t, table in enumerate(["zeta", "alpha", "mid", "émile", "beta"]):
        catalog.tables.append(table)
        catalog.primary_keys[table] = ["id"]
        for c in range(t + 2):
            column = {"name": f"c{c}" if c else "id", "table": table, "data_type": "integer",
                      "default_value": None, "is_nullable": True, "is_unique": False,
                      "is_primary_key": c == 0, "has_auto_increment": False,
                      "foreign_key_table": None, "foreign_key_column": None}
            catalog.columns.append(column)
            rows.append({"id": len(rows) + 1, "collection": table, "field": column["name"],
                         "special": None, "sort": None})
    prepared = prepare_rows(catalog, DirectusRows([], rows, []))
    whole = directus_snapshot(catalog, DirectusRows([], rows, []), directus="12.4.1")
    assert len(whole["fields"]) == len(rows)
    for share in (0.2, 0.5, 0.8):
        parts = halves(catalog, prepared, share)
        assert parts is not None
        first, second = (
            directus_snapshot(catalog, DirectusRows([], rows, []), directus="12.4.1", part=p)
            for p in parts
        )
        assert first["fields"] and second["fields"]
        assert first["fields"] + second["fields"] == whole["fields"]
        assert dict(first, fields=whole["fields"]) == whole
        assert second["collections"] == second["relations"] == []
