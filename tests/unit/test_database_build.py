"""The database target's shortcuts in building a Directus-mode snapshot give what the plain
steps give: field records built already picked equal the sanitizer's output, ``meta`` objects
sorted ahead equal the ones sorted in the build (each handed out once), and casting leaves the
rows read untouched."""

from __future__ import annotations

import copy
import json

from drift.snapshot.build import SortedMetas, _without_id_sorted
from drift.snapshot.sanitize import sanitize_field
from drift.targets.database.catalog import Catalog
from drift.targets.database.directus import cast_rows, fields_raw


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
