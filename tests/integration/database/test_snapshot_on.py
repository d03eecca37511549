"""``DatabaseTarget.snapshot_on`` and the fast reading and building paths.

``snapshot_on(conn)`` reads inside the caller's transaction (it sees that transaction's own
uncommitted changes and ends nothing), on a SQLAlchemy connection as on drift's own. On PostgreSQL
the reader's psycopg cursor parses JSON the JavaScript way; the snapshot must be the same as with
psycopg's default JSON parsing and drift's per-value conversion, and the same on a SQLAlchemy
connection as on the driver connection drift opens itself. The faster ``sortDeep`` and ``sortBy``
of the build must equal the reference ones on any input.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy

from drift.snapshot.build import _lodash_cmp, _sort_by, deep_sorted
from drift.snapshot.sanitize import sort_deep
from drift.targets import TargetOptions, open_target
from drift.targets.database import DatabaseTarget
from drift.targets.database.reader import Reader, js_json_loads
from drift.targets.database.url import parse_database_url

DIRECTUS_TABLES = """
CREATE TABLE directus_collections (collection varchar(64) PRIMARY KEY, icon varchar(64),
  hidden boolean NOT NULL DEFAULT false, translations json, sort integer, "group" varchar(64));
CREATE TABLE directus_fields (id serial PRIMARY KEY, collection varchar(64) NOT NULL,
  field varchar(64) NOT NULL, special varchar(64), interface varchar(64), options json,
  readonly boolean NOT NULL DEFAULT false, hidden boolean NOT NULL DEFAULT false, sort integer,
  validation jsonb, validation_message text);
CREATE TABLE directus_relations (id serial PRIMARY KEY, many_collection varchar(64) NOT NULL,
  many_field varchar(64) NOT NULL, one_collection varchar(64), one_field varchar(64),
  one_deselect_action varchar(255) NOT NULL DEFAULT 'nullify');
CREATE TABLE things (id serial PRIMARY KEY, name varchar(20), data json DEFAULT '{"b": 1.0, "a": [2]}',
  parent integer REFERENCES things (id));
INSERT INTO directus_collections VALUES ('things', 'box', false, '[{"language": "de", "translation": "Dinge"}]', 1, NULL);
INSERT INTO directus_fields (collection, field, special, interface, options, sort, validation) VALUES
  ('things', 'id', NULL, 'input', NULL, 1, NULL),
  ('things', 'name', NULL, 'input', '{"z": 1.0, "a": 9007199254740993, "n": -0.0, "e": 1e400, "1": "x"}', 2,
   '{"_and": [{"name": {"_neq": "x"}}]}'),
  ('things', 'data', 'cast-json', 'input-code', '{"template": "{{a}}", "a,b": 1, "a": 2}', 3, NULL),
  ('things', 'parent', NULL, 'select-dropdown-m2o', NULL, 4, NULL),
  ('things', 'children', 'o2m', 'list-o2m', '[]', 5, NULL);
INSERT INTO directus_relations (many_collection, many_field, one_collection, one_field)
  VALUES ('things', 'parent', 'things', 'children');
"""


def _target(url: str) -> DatabaseTarget:
    target = open_target(url, TargetOptions())
    assert isinstance(target, DatabaseTarget)
    return target


def _run(url: str, script: str) -> None:
    engine = sqlalchemy.create_engine(parse_database_url(url).url)
    with engine.begin() as conn:
        for statement in script.split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement)
    engine.dispose()


def test_snapshot_on_reads_inside_the_callers_transaction(
    make_pg: Callable[[], str],
) -> None:
    url = make_pg()
    _run(url, "CREATE TABLE kept (id integer PRIMARY KEY)")
    target = _target(url)
    try:
        before = target.snapshot()
        with target.engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE uncommitted (id integer PRIMARY KEY)")
            inside = target.snapshot_on(conn)
            assert target.last is not None and target.last.mode == "plain"
            # the caller's transaction is still open and usable
            conn.exec_driver_sql("SELECT 1")
            conn.rollback()
        after = target.snapshot()
    finally:
        target.close()
    names = lambda s: [c["collection"] for c in s["collections"]]
    assert names(before) == ["kept"] == names(after)
    assert names(inside) == ["kept", "uncommitted"]


def test_fast_reader_equals_converting_reader(
    make_pg: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_pg()
    _run(url, DIRECTUS_TABLES)
    target = _target(url)
    try:
        fast = target.snapshot()
        assert target.last is not None and target.last.mode == "directus"
        with target.engine.connect() as conn:
            on_sqlalchemy = target.snapshot_on(conn)
            conn.rollback()
        monkeypatch.setattr(Reader, "fast", property(lambda self: False))
        slow = target.snapshot()
    finally:
        target.close()
    assert json.dumps(fast) == json.dumps(slow) == json.dumps(on_sqlalchemy)
    name = next(f for f in fast["fields"] if f["field"] == "name")
    # JSON.parse: 1.0 is 1, 2**53 + 1 rounds to a double, an integer-like key comes first
    assert list(name["meta"]["options"]) == ["1", "a", "e", "n", "z"]
    assert name["meta"]["options"]["z"] == 1 and isinstance(
        name["meta"]["options"]["z"], int
    )
    assert name["meta"]["options"]["a"] == 9007199254740992
    data = next(f for f in fast["fields"] if f["field"] == "data")
    # sortDeep's pair rule: "a,b" is ordered by its value against "a"
    assert list(data["meta"]["options"]) == list(
        sort_deep({"template": "{{a}}", "a,b": 1, "a": 2})
    )


def test_directus_rows_prepared_while_the_catalog_is_read(make_pg: Callable[[], str]) -> None:
    """In Directus mode the columns and foreign keys are read (in a thread of their own) while
    Directus's rows are prepared; a change committed meanwhile by another session is not seen."""
    url = make_pg()
    _run(url, DIRECTUS_TABLES)
    engine = sqlalchemy.create_engine(parse_database_url(url).url)

    class Racing(DatabaseTarget):
        def _catalog_first(self, reader: Any) -> Any:
            catalog, rest = super()._catalog_first(reader)
            with engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE things ADD COLUMN late integer")
                conn.exec_driver_sql("CREATE TABLE later (id integer PRIMARY KEY)")
            return catalog, rest

    target = Racing(parse_database_url(url), TargetOptions())
    try:
        snap = target.snapshot()
        assert target.last is not None and target.last.prepared is not None
    finally:
        target.close()
        engine.dispose()
    fields = [(f["collection"], f["field"]) for f in snap["fields"]]
    assert ("things", "late") not in fields and ("things", "name") in fields
    assert "later" not in [c["collection"] for c in snap["collections"]]
    assert ("things", "parent") in [(r["collection"], r["field"]) for r in snap["relations"]]


def test_js_json_loads_numbers() -> None:
    assert js_json_loads(b'{"a": 1.0, "b": [2.5, 1e2], "c": 12345678901234567890}') == {
        "a": 1,
        "b": [2.5, 100],
        "c": int(float(12345678901234567890)),  # the double JSON.parse holds
    }
    assert type(js_json_loads("1.0")) is int


_KEYS = ["a", "a,b", "a b", "a,", "b", "1", "01", "10", "2", "é", "\U0001f600", "\uff01", "sort",
         "sort_field", "validation", "validation_message", "id", "x!", "x", "x,", "__proto__"]  # fmt: skip
_LEAVES = [None, True, False, 0, 1, 2.5, "", "a", "b,c", "z", [1, None], -3, {}]


def _random_value(rnd: random.Random, depth: int = 0) -> Any:
    r = rnd.random()
    if depth < 3 and r < 0.3:
        return {
            rnd.choice(_KEYS): _random_value(rnd, depth + 1)
            for _ in range(rnd.randint(0, 7))
        }
    if depth < 3 and r < 0.45:
        return [_random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
    return rnd.choice(_LEAVES)


def test_deep_sorted_equals_sort_deep() -> None:
    rnd = random.Random(4)
    for _ in range(20000):
        value = _random_value(rnd)
        assert json.dumps(deep_sorted(value)) == json.dumps(sort_deep(value)), value


def test_sort_by_equals_lodash_comparison() -> None:
    rnd = random.Random(7)
    keys = [lambda x: x["c"], lambda x: x["m"]]

    def cmp(x: dict[str, Any], y: dict[str, Any]) -> int:
        for k in keys:
            r = _lodash_cmp(k(x), k(y))
            if r:
                return r
        return 0

    for _ in range(3000):
        items = [
            {"c": rnd.choice(["a", "B", "é", "\U0001f600", "\uffff", None]),
             "m": rnd.choice([1, 2, 3, None, 2.5, "s"])}
            for _ in range(rnd.randint(0, 30))
        ]  # fmt: skip
        expected = sorted(items, key=functools.cmp_to_key(cmp))
        assert [id(x) for x in _sort_by(items, keys)] == [id(x) for x in expected]
