"""The database target renders PostgreSQL DDL and Directus's rows as text itself, for speed; that
text must be exactly what SQLAlchemy's compiler and alembic's operations render for the same
operation (same quoting, escaping, types and defaults), on every column drift can create and on
hostile names and values. The reference side here is alembic/SQLAlchemy Core, built independently.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from drift.errors import TargetError
from drift.targets.database.catalog import Catalog
from drift.targets.database.ddl import Emitter, build_column, q
from drift.targets.database.meta_rows import MetaRows

HOSTILE = ['plain', 'with"quote', "semi;colon' --", "back\\slash", "per%cent:x", "ünï cödé", "Mixed Case"]

KNEX_TYPES = ["string", "text", "csv", "hash", "integer", "bigInteger", "boolean", "float", "decimal", "date",
              "time", "dateTime", "timestamp", "json", "uuid", "binary"]
PG_NATIVE = [
    ("integer", {}), ("bigint", {}), ("smallint", {}), ("text", {}), ("uuid", {}), ("boolean", {}), ("json", {}),
    ("jsonb", {}), ("real", {}), ("double precision", {}), ("date", {}), ("bytea", {}), ("inet", {}),
    ("cidr", {}), ("interval", {}), ("money", {}), ("character varying", {"max_length": 33}),
    ("character varying", {}), ("character", {"max_length": 4}), ("numeric", {"numeric_precision": 9,
    "numeric_scale": 3}), ("numeric", {}), ("time without time zone", {}), ("time with time zone", {}),
    ("timestamp without time zone", {}), ("timestamp with time zone", {}),
]  # fmt: skip
DEFAULTS: list[Any] = [None, "x", "it's", "a\\b", "100%", 7, -3, 2.5, 1e21, True, False, "now()",
                       "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP(3)", "gen_random_uuid()", {"a": [1, "b"]}, ""]


@pytest.fixture(params=[False, True], ids=["standard-strings", "backslash-escapes"])
def pg(request: pytest.FixtureRequest) -> Any:
    """A PostgreSQL dialect as a live connection configures it (``standard_conforming_strings``)."""
    d = postgresql.psycopg.dialect()
    d._backslash_escapes = request.param
    return d


def _both(pg: Any, run: Any) -> tuple[list[str], list[str]]:
    """(what the emitter's own ops render, what alembic renders) for the same operations."""
    em = Emitter(pg)
    with em.change("ours"):
        run(em.op)
    with em.change("alembic"):
        run(em.alembic)
    steps = {s["change"]: s["statements"] for s in em.steps}
    return steps["ours"], steps["alembic"]


def _fields() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in KNEX_TYPES:
        for nullable in (True, False):
            out.append({"field": f"k_{t}_{nullable}", "type": t, "schema": {"is_nullable": nullable, "max_length": 20}})
    for i, (dt, extra) in enumerate(PG_NATIVE):
        out.append({"field": f"n{i}_{dt}", "type": "string", "schema": {"data_type": dt, **extra}})
    for i, d in enumerate(DEFAULTS):
        out.append({"field": f"d{i}", "type": "string", "schema": {"default_value": d}})
        out.append({"field": f"i{i}", "type": "integer", "schema": {"default_value": d, "is_nullable": False}})
    for name in HOSTILE:
        out.append({"field": name, "type": "string", "schema": {"default_value": name}})
    return out


def _cols(fields: list[dict[str, Any]]) -> list[Any]:
    return [build_column(f, "postgres", native=True) for f in fields]


@pytest.mark.parametrize("key", [
    {"type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
    {"type": "bigInteger", "schema": {"is_primary_key": True, "has_auto_increment": True}},
    {"type": "string", "schema": {"data_type": "smallint", "is_primary_key": True, "has_auto_increment": True}},
    {"type": "uuid", "schema": {"is_primary_key": True}},
    {"type": "string", "schema": {"is_primary_key": True, "max_length": 12}},
    {"type": "integer", "schema": {"is_primary_key": True}},
    {"type": "integer", "schema": {"has_auto_increment": True}},
])  # fmt: skip
@pytest.mark.parametrize("table", HOSTILE)
def test_create_table_matches_sqlalchemy(pg: Any, key: dict[str, Any], table: str) -> None:
    fields = [{"field": "id", **key}, *_fields()]
    ours, theirs = _both(pg, lambda op: op.create_table(q(table), *_cols(fields)))
    assert ours == theirs


def test_composite_primary_key_matches_sqlalchemy(pg: Any) -> None:
    fields = [
        {"field": "a", "type": "string", "schema": {"is_primary_key": True}},
        {"field": "b", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "c", "type": "text", "schema": {}},
    ]
    ours, theirs = _both(pg, lambda op: op.create_table(q("t"), *_cols(fields)))
    assert ours == theirs


@pytest.mark.parametrize("field", _fields(), ids=lambda f: f["field"])
def test_add_column_matches_alembic(pg: Any, field: dict[str, Any]) -> None:
    ours, theirs = _both(pg, lambda op: op.add_column(q('my "t"'), build_column(field, "postgres", native=True)))
    assert ours == theirs


@pytest.mark.parametrize("name", HOSTILE)
def test_constraints_and_indexes_match_alembic(pg: Any, name: str) -> None:
    def run(op: Any) -> None:
        op.create_index(q(name + "_ix"), q(name), [q(name)])
        op.create_index(q(name + "_ux"), q(name), [q(name), q("other")], unique=True)
        op.create_unique_constraint(q(name + "_unique"), q(name), [q(name)])
        op.drop_index(q(name + "_ix"), q(name))
        op.drop_constraint(q(name + "_unique"), q(name), type_="unique")
        op.drop_constraint(q(name + "_fk"), q(name), type_="foreignkey")
        op.drop_column(q(name), q(name))
        op.drop_table(q(name))
        for ondelete in (None, "SET NULL", "CASCADE", "NO ACTION"):
            for onupdate in (None, "RESTRICT", "SET DEFAULT"):
                op.create_foreign_key(q(name + "_fk"), q(name), q("ref " + name), [q(name)], [q("id")],
                                      ondelete=ondelete, onupdate=onupdate)

    ours, theirs = _both(pg, run)
    assert ours == theirs


# -- Directus's rows ---------------------------------------------------------------------------------------------

VALUES: list[Any] = [None, "plain", "it's", "back\\slash \\' end", "100% :x ?", "ünï\ncödé\t", "", 0, -7, 2**40,
                     1.5, -0.25, 1e21, 1e-7, True, False, ["a", "b,c"], {"k": [1, None, "v'"]}]


def _reference(dialect: sa.engine.Dialect, schema: str | None, op: str, table: str, *args: Any) -> str:
    """The statement as SQLAlchemy Core compiles it with literal values."""
    def tbl(names: list[str]) -> sa.TableClause:
        t = sa.table(q(table), *(sa.column(q(n)) for n in names))
        if schema:
            t.schema = q(schema)
        return t

    def lit(v: Any) -> Any:
        return sa.null() if v is None else sa.literal(v)

    def where(t: sa.TableClause, w: dict[str, Any]) -> Any:
        return sa.and_(*(t.c[k].is_(None) if v is None else t.c[k] == sa.literal(v) for k, v in w.items()))

    if op == "insert":
        rows = args[0]
        t = tbl(list(rows[0]))
        stmt: Any = sa.insert(t).values([{t.c[k]: lit(v) for k, v in r.items()} for r in rows])
    elif op == "update":
        values, w = args
        t = tbl(list(dict.fromkeys([*values, *w])))
        stmt = sa.update(t).where(where(t, w)).values({t.c[k]: lit(v) for k, v in values.items()})
    else:
        t = tbl(list(args[0]))
        stmt = sa.delete(t).where(where(t, args[0]))
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("vendor", ["postgres", "postgres-escapes", "mysql", "mariadb", "sqlite"])
@pytest.mark.parametrize("schema", [None, 'odd"schema'])
def test_row_statements_match_sqlalchemy_core(vendor: str, schema: str | None) -> None:
    if vendor.startswith("postgres"):
        live: Any = postgresql.psycopg.dialect()
        live._backslash_escapes = vendor == "postgres-escapes"
    elif vendor == "sqlite":
        from sqlalchemy.dialects import sqlite

        live = sqlite.pysqlite.dialect()
    else:
        live = mysql.pymysql.dialect()
        live.is_mariadb = vendor == "mariadb"
    em = Emitter(live)
    table = "directus_fields"
    names = [f"c{i}" for i in range(len(VALUES))] + ['we"ird']
    rows = MetaRows(Catalog(vendor="x", columns=[{"table": table, "name": n} for n in names]), em, schema)
    row = {n: v for n, v in zip(names, VALUES)}
    other = {n: v for n, v in zip(names, reversed(VALUES))}
    where = {"c1": "it's", "c0": None, 'we"ird': "x"}
    with em.change("k"):
        rows.insert(table, row)
        rows.insert_many(table, [row, other, {"c1": "only"}, {"c1": "again"}])
        rows.update(table, row, where)
        rows.delete(table, where)
    got = em.steps[0]["statements"]
    enc = rows.row(table, row)
    enc_other = rows.row(table, other)
    want = [
        _reference(em.dialect, schema, "insert", table, [enc]),
        _reference(em.dialect, schema, "insert", table, [enc, enc_other]),
        _reference(em.dialect, schema, "insert", table, [{"c1": "only"}, {"c1": "again"}]),
        _reference(em.dialect, schema, "update", table, enc, where),
        _reference(em.dialect, schema, "delete", table, where),
    ]
    assert got == want


def test_real_world_schemas_render_as_alembic_does(shared_dir: Path) -> None:
    """Every PostgreSQL real-world snapshot, created from nothing (plain mode, its own tables and
    relations): the whole script from the text renderer equals alembic's, change by change."""
    from drift.diff.engine import snapshot_diff
    from drift.snapshot.files import load_snapshot
    from drift.targets.database.apply import Compiler

    root = shared_dir / "realworld" / "snapshots"
    rows = [r for r in csv.DictReader((root / "manifest.tsv").open(encoding="utf-8"), delimiter="\t")
            if r["vendor"] == "postgres" and r["accepted"] == "yes"]
    compared = 0
    for r in rows:
        desired = load_snapshot(root / "files" / r["file"])
        own = {"fields": [f for f in desired["fields"] if not f["collection"].startswith("directus_")],
               "relations": [x for x in desired["relations"] if not x["collection"].startswith("directus_")
                             and not str(x.get("related_collection") or "").startswith("directus_")]}
        desired = {**desired, **own, "systemFields": []}
        empty = {"version": 1, "directus": desired["directus"], "vendor": "postgres", "collections": [],
                 "fields": [], "relations": []}
        diff = snapshot_diff(empty, desired)
        out: list[Any] = []
        for mode in ("text", "alembic"):
            em = Emitter(postgresql.psycopg.dialect())
            if mode == "alembic":
                em.op = em.alembic
            compiler = Compiler(diff, empty, Catalog(vendor="postgres"), em, vendor="postgres",
                                directus_mode=False, desired_vendor="postgres", allow_destructive=True)
            try:
                out.append(compiler.run())
            except TargetError as exc:  # refused alike (e.g. a PostGIS type): same message
                out.append(exc.message)
        assert out[0] == out[1], r["file"]
        compared += not isinstance(out[0], str)
    assert compared >= 20
