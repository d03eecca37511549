"""Plain mode: databases without Directus's tables, with schemas made by SQL on all three vendors.

Composite keys, views (left out), tables in other PostgreSQL schemas (left out unless asked with
``?schema=``), reserved words, Unicode and quotes in identifiers. The ``schema`` details follow
Directus's inspector rules (checked in Directus mode against real servers); here the point is
that every table, column and foreign key is there, in the snapshot format, with ``meta: null``.
Also: the number of statements does not grow with the number of tables, row counts for
destructive changes, and one consistent reading while the database changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy

from drift.snapshot.js import utf16_key
from drift.targets import TargetOptions, open_target
from drift.targets.database import DatabaseTarget
from drift.targets.database.url import parse_database_url

UNI = "Ünïcødé ✓"

PG = '''
CREATE SCHEMA other;
CREATE TABLE other.hidden (id integer PRIMARY KEY);
CREATE TABLE "order" (
  "select" serial PRIMARY KEY,
  "from" varchar(40) NOT NULL DEFAULT 'it''s',
  "{UNI}" text,
  "say ""hi""" integer UNIQUE,
  amount numeric(10, 2) DEFAULT 1.50,
  flag boolean DEFAULT true,
  created timestamptz DEFAULT now(),
  data jsonb DEFAULT '{"a": 1}',
  big bigint,
  ident integer GENERATED ALWAYS AS IDENTITY
);
CREATE TABLE line_items (
  order_id integer REFERENCES "order" ("select") ON DELETE CASCADE,
  line integer,
  qty bigint,
  PRIMARY KEY (order_id, line)
);
CREATE INDEX line_items_qty ON line_items (qty);
CREATE TABLE "tab'le" ("col""x" integer, ref_a integer, ref_b integer,
  FOREIGN KEY (ref_a, ref_b) REFERENCES line_items (order_id, line));
CREATE TABLE "{UNI}" (id uuid PRIMARY KEY, "order" integer REFERENCES "order" ("select"));
CREATE VIEW order_view AS SELECT "select" FROM "order";
'''.replace("{UNI}", UNI)

MARIADB = """
CREATE TABLE `order` (
  `select` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `from` varchar(40) NOT NULL DEFAULT 'it''s',
  `{UNI}` text,
  `say "hi"` int UNIQUE,
  amount decimal(10,2) DEFAULT 1.50,
  flag tinyint(1) DEFAULT 1,
  created timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  data json,
  big bigint
);
CREATE TABLE line_items (
  order_id int unsigned NOT NULL,
  line int NOT NULL,
  qty bigint,
  PRIMARY KEY (order_id, line),
  KEY line_items_qty (qty),
  CONSTRAINT line_items_order FOREIGN KEY (order_id) REFERENCES `order` (`select`) ON DELETE CASCADE
);
CREATE TABLE `tab'le` (`col``x` int, ref_a int unsigned, ref_b int,
  CONSTRAINT tab_ref FOREIGN KEY (ref_a, ref_b) REFERENCES line_items (order_id, line));
CREATE TABLE `{UNI}` (id char(36) PRIMARY KEY, `order` int unsigned,
  FOREIGN KEY (`order`) REFERENCES `order` (`select`));
CREATE VIEW order_view AS SELECT `select` FROM `order`;
""".replace("{UNI}", UNI)

SQLITE = '''
CREATE TABLE "order" (
  "select" integer PRIMARY KEY AUTOINCREMENT,
  "from" varchar(40) NOT NULL DEFAULT 'it''s',
  "{UNI}" text,
  "say ""hi""" integer UNIQUE,
  amount decimal(10, 2) DEFAULT 1.50,
  flag boolean DEFAULT 1,
  created datetime DEFAULT CURRENT_TIMESTAMP,
  data json,
  big bigint
);
CREATE TABLE line_items (
  order_id integer REFERENCES "order" ("select") ON DELETE CASCADE,
  line integer,
  qty bigint,
  PRIMARY KEY (order_id, line)
);
CREATE INDEX line_items_qty ON line_items (qty);
CREATE TABLE "tab'le" ("col""x" integer, ref_a integer, ref_b integer,
  FOREIGN KEY (ref_a, ref_b) REFERENCES line_items (order_id, line));
CREATE TABLE "{UNI}" (id char(36) PRIMARY KEY, "order" integer REFERENCES "order" ("select"));
CREATE VIEW order_view AS SELECT "select" FROM "order";
'''.replace("{UNI}", UNI)


def _run_sql(url: str, script: str) -> None:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1])
        conn.executescript(script)
        conn.commit()
        conn.close()
        return
    engine = sqlalchemy.create_engine(parse_database_url(url).url)
    with engine.begin() as conn:
        for statement in script.split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement.replace("%", "%%"))
    engine.dispose()


def _target(url: str, **options: Any) -> DatabaseTarget:
    target = open_target(url, TargetOptions(**options))
    assert isinstance(target, DatabaseTarget)
    return target


def _snapshot(url: str, **options: Any) -> dict[str, Any]:
    target = _target(url, **options)
    try:
        return target.snapshot()
    finally:
        target.close()


def _check_common(
    snap: dict[str, Any], vendor: str, quoted: str = 'col"x'
) -> dict[tuple[str, str], dict[str, Any]]:
    assert (
        snap["vendor"] == vendor and snap["version"] == 1 and snap["systemFields"] == []
    )
    names = [c["collection"] for c in snap["collections"]]
    # base tables only (no view, no other schema), sorted like Directus sorts (UTF-16)
    assert names == sorted(["order", "line_items", "tab'le", UNI], key=utf16_key)
    assert all(
        c["meta"] is None and c["schema"] == {"name": c["collection"]}
        for c in snap["collections"]
    )
    assert all(f["meta"] is None and list(f) == ["collection", "field", "type", "meta", "schema"]
               for f in snap["fields"])  # fmt: skip
    fields = {(f["collection"], f["field"]): f for f in snap["fields"]}
    # columns in table order, grouped by collection
    assert [f["field"] for f in snap["fields"] if f["collection"] == "line_items"] == [
        "order_id", "line", "qty",
    ]  # fmt: skip
    assert [f["field"] for f in snap["fields"] if f["collection"] == "order"][:4] == [
        "select", "from", UNI, 'say "hi"',
    ]  # fmt: skip
    order = {k[1]: v for k, v in fields.items() if k[0] == "order"}
    assert order["select"]["schema"]["is_primary_key"] is True
    assert order["select"]["schema"]["has_auto_increment"] is True
    assert order['say "hi"']["schema"]["is_unique"] is True
    assert order["from"]["schema"]["is_nullable"] is False
    assert order["from"]["schema"]["max_length"] == 40
    assert order["amount"]["schema"]["default_value"] == 1.5
    assert order["big"]["type"] == "bigInteger"
    assert fields[("line_items", "qty")]["schema"]["is_indexed"] is True
    assert ("tab'le", quoted) in fields
    rels = {(r["collection"], r["field"]): r for r in snap["relations"]}
    li = rels[("line_items", "order_id")]
    assert li["meta"] is None and li["related_collection"] == "order"
    assert (
        li["schema"]["foreign_key_column"] == "select"
        and li["schema"]["on_delete"] == "CASCADE"
    )
    assert rels[(UNI, "order")]["related_collection"] == "order"
    return fields


def test_plain_postgres(make_pg: Callable[[], str]) -> None:
    url = make_pg()
    _run_sql(url, PG)
    snap = _snapshot(url)
    fields = _check_common(snap, "postgres")
    order = {k[1]: v for k, v in fields.items() if k[0] == "order"}
    assert (
        order["select"]["schema"]["default_value"]
        == "nextval('order_select_seq'::regclass)"
    )
    assert order["amount"]["type"] == "decimal"
    assert order["amount"]["schema"]["numeric_precision"] == 10
    assert order["data"]["type"] == "json" and order["data"]["schema"][
        "default_value"
    ] == {"a": 1}
    assert order["flag"]["schema"]["default_value"] is True
    assert order["created"]["type"] == "timestamp"
    assert (
        order["ident"]["schema"]["has_auto_increment"] is False
    )  # not the primary key
    # PostgreSQL counts single-column constraints only: a composite key marks no column
    assert fields[("line_items", "line")]["schema"]["is_primary_key"] is False
    # a composite foreign key is not a relation (Directus reads single-column ones)
    assert not any(r["collection"] == "tab'le" for r in snap["relations"])
    assert fields[(UNI, "id")]["type"] == "uuid"
    # the reading keeps what Directus leaves out, for planning DDL
    target = _target(url)
    try:
        inspection = target.inspect()
    finally:
        target.close()
    assert inspection.mode == "plain"
    assert inspection.catalog.primary_keys["line_items"] == ["order_id", "line"]
    # another schema, when asked for
    other = _snapshot(url + "?schema=other")
    assert [c["collection"] for c in other["collections"]] == ["hidden"]


def test_plain_mariadb(make_mariadb: Callable[[], str]) -> None:
    url = make_mariadb()
    _run_sql(url, MARIADB)
    snap = _snapshot(url)
    fields = _check_common(snap, "mysql", "col`x")
    order = {k[1]: v for k, v in fields.items() if k[0] == "order"}
    assert order["select"]["schema"]["data_type"] == "int unsigned"
    assert (
        order["flag"]["type"] == "boolean"
        and order["flag"]["schema"]["default_value"] is True
    )
    assert order["amount"]["schema"]["numeric_scale"] == 2
    # MySQL marks every column of a composite primary key
    assert fields[("line_items", "line")]["schema"]["is_primary_key"] is True
    assert fields[(UNI, "id")]["type"] == "string"
    tab = [r for r in snap["relations"] if r["collection"] == "tab'le"]
    assert [r["field"] for r in tab] == ["ref_a", "ref_b"]


def test_plain_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    _run_sql(url, SQLITE)
    snap = _snapshot(url)
    fields = _check_common(snap, "sqlite")
    assert (
        fields[("order", "from")]["schema"]["default_value"] == "it''s"
    )  # Directus keeps ''
    assert (
        fields[("line_items", "order_id")]["schema"]["is_primary_key"] is True
    )  # pk == 1
    assert fields[("line_items", "line")]["schema"]["is_primary_key"] is False
    assert {r["field"] for r in snap["relations"] if r["collection"] == "tab'le"} == {
        "ref_a", "ref_b",
    }  # fmt: skip
    # a scoped reading
    part = _snapshot(url, include=("line_items",))
    assert part["version"] == 2 and [c["collection"] for c in part["collections"]] == [
        "line_items"
    ]
    assert {f["collection"] for f in part["fields"]} == {"line_items"}


def _many_tables(url: str, n: int) -> None:
    script = "".join(
        f"CREATE TABLE t{i} (id integer PRIMARY KEY, name varchar(20), ref integer "
        f"REFERENCES t0 (id));\nCREATE INDEX t{i}_name ON t{i} (name);\n"
        for i in range(n)
    )
    _run_sql(url, script)


def _round_trips(url: str) -> int:
    target = _target(url)
    try:
        return target.inspect().round_trips
    finally:
        target.close()


def test_round_trips_do_not_grow_with_tables(
    make_pg: Callable[[], str], make_mariadb: Callable[[], str], tmp_path: Path
) -> None:
    for make in (make_pg, make_mariadb, lambda: f"sqlite:///{tmp_path / 'rt.db'}"):
        small, large = make(), make()
        if small.startswith("sqlite"):
            small, large = (
                f"sqlite:///{tmp_path / 'small.db'}",
                f"sqlite:///{tmp_path / 'large.db'}",
            )
        _many_tables(small, 3)
        _many_tables(large, 60)
        assert _round_trips(small) == _round_trips(large) <= 10, small


def test_rows_affected_counts_rows_and_values(
    tmp_path: Path, make_pg: Callable[[], str]
) -> None:
    for url in (f"sqlite:///{tmp_path / 'rows.db'}", make_pg()):
        _run_sql(url, "CREATE TABLE a (id integer PRIMARY KEY, note text);\n"
                      "CREATE TABLE b (id integer PRIMARY KEY, v text);\n"
                      "INSERT INTO a VALUES (1, 'x'), (2, NULL), (3, 'y');\n"
                      "INSERT INTO b VALUES (1, NULL), (2, NULL);\n")  # fmt: skip
        diff = {
            "collections": [{"collection": "b", "diff": [{"kind": "D", "lhs": {}}]},
                            {"collection": "gone", "diff": [{"kind": "D", "lhs": {}}]}],
            "fields": [{"collection": "a", "field": "note", "diff": [{"kind": "D", "lhs": {}}]},
                       {"collection": "a", "field": "id", "diff": [{"kind": "E", "path": ["x"]}]}],
            "systemFields": [],
            "relations": [],
        }  # fmt: skip
        target = _target(url)
        try:
            assert target.rows_affected({"hash": "x", "diff": diff}) == {
                "b": 2,
                "a.note": 2,
            }
            assert target.rows_affected(diff) == {"b": 2, "a.note": 2}
            assert target.rows_affected({"collections": [], "fields": []}) == {}
        finally:
            target.close()


def test_one_consistent_reading(make_pg: Callable[[], str]) -> None:
    """A change committed while the snapshot is being read is not half-seen: not by the part of
    the catalog read after the tables (the columns), nor when the catalog is read again."""
    url = make_pg()
    _run_sql(url, "CREATE TABLE first (id integer PRIMARY KEY);\n")
    engine = sqlalchemy.create_engine(parse_database_url(url).url)
    changed: list[bool] = []

    class Racing(DatabaseTarget):
        def _catalog_first(self, reader: Any) -> Any:
            catalog, rest = super()._catalog_first(reader)
            if not changed:
                changed.append(True)
                with engine.begin() as conn:  # another session changes the schema meanwhile
                    conn.exec_driver_sql("CREATE TABLE second (id integer PRIMARY KEY)")
                    conn.exec_driver_sql("ALTER TABLE first ADD COLUMN late integer")
                # read again inside the same transaction: the same picture
                again = self._inspect_catalog(reader)
                assert again.tables == catalog.tables == ["first"]
                assert [c["name"] for c in again.columns] == ["id"]
            return catalog, rest

    target = Racing(parse_database_url(url), TargetOptions())
    try:
        snap = target.snapshot()
    finally:
        target.close()
        engine.dispose()
    assert changed
    assert [c["collection"] for c in snap["collections"]] == ["first"]
    assert [f["field"] for f in snap["fields"]] == ["id"]
    assert [f["field"] for f in snap["fields"]] == ["id"]
