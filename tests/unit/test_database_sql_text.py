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


# -- PostgreSQL without SQLAlchemy: types, ALTER COLUMN, the revisions update -------------------------------------


def _reference_pg_type(field: dict[str, Any], native: bool) -> Any:
    """The PostgreSQL allowlist as SQLAlchemy types (the reference the text spelling must equal)."""
    schema = field.get("schema") or {}
    type_, dt = str(field.get("type") or ""), str(schema.get("data_type") or "").lower()

    def num(v: Any) -> int | None:
        if isinstance(v, float) and v == int(v):
            v = int(v)
        return v if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 else None

    n, p = num(schema.get("max_length")), num(schema.get("numeric_precision"))
    s = schema.get("numeric_scale")
    s = s if isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 1000 else None
    if native and dt:
        simple = {"integer": sa.INTEGER, "bigint": sa.BIGINT, "smallint": sa.SMALLINT, "text": sa.TEXT,
                  "uuid": postgresql.UUID, "boolean": sa.BOOLEAN, "json": postgresql.JSON, "jsonb": postgresql.JSONB,
                  "real": sa.REAL, "double precision": postgresql.DOUBLE_PRECISION, "date": sa.DATE,
                  "bytea": postgresql.BYTEA, "inet": postgresql.INET, "cidr": postgresql.CIDR,
                  "interval": postgresql.INTERVAL, "money": postgresql.MONEY}
        if dt in simple:
            return simple[dt]()
        if dt == "character varying":
            return sa.VARCHAR(n)
        if dt == "character":
            return sa.CHAR(n)
        if dt == "numeric":
            return sa.NUMERIC(p, s) if p is not None else sa.NUMERIC()
        if dt.startswith(("time ", "timestamp ")) and dt.endswith(" time zone"):
            cls = postgresql.TIME if dt.startswith("time ") else postgresql.TIMESTAMP
            return cls(timezone=dt.endswith(" with time zone"))
    if schema.get("has_auto_increment"):
        return sa.BIGINT() if type_ == "bigInteger" else sa.INTEGER()
    knex = {"text": sa.TEXT(), "csv": sa.TEXT(), "integer": sa.INTEGER(), "bigInteger": sa.BIGINT(),
            "boolean": sa.BOOLEAN(), "float": sa.REAL(), "date": sa.DATE(), "time": sa.TIME(),
            "dateTime": postgresql.TIMESTAMP(timezone=False), "timestamp": postgresql.TIMESTAMP(timezone=True),
            "json": postgresql.JSON(), "uuid": postgresql.UUID(), "binary": sa.LargeBinary(),
            "string": sa.VARCHAR(n or 255), "hash": sa.VARCHAR(255),
            "decimal": sa.DECIMAL(p or 10, 5 if s is None else s)}
    return knex.get(type_)


def _type_fields() -> list[dict[str, Any]]:
    variants: list[dict[str, Any]] = [{}, {"max_length": 20}, {"max_length": 20.0}, {"numeric_precision": 12,
                                      "numeric_scale": 4}, {"numeric_precision": 7}, {"numeric_scale": 0},
                                      {"has_auto_increment": True}, {"max_length": True}, {"numeric_scale": -1}]
    out = [{"type": t, "schema": v} for t in [*KNEX_TYPES, "geometry", "geometry.Point", "unknown"] for v in variants]
    for dt, extra in [*PG_NATIVE, ("bogus", {}), ("numeric", {"numeric_scale": 3}), ("CHARACTER VARYING", {}),
                      ("character varying", {"max_length": 0}), ("integer", {"has_auto_increment": True})]:
        out += [{"type": t, "schema": {"data_type": dt, **extra}} for t in ("string", "unknown", "bigInteger")]
    return out


@pytest.mark.parametrize("native", [True, False], ids=["native", "other-vendor"])
def test_postgres_types_are_spelled_as_sqlalchemy_compiles_them(native: bool) -> None:
    from drift.targets.database.ddl import column_type

    pg = postgresql.psycopg.dialect()
    for field in _type_fields():
        want = _reference_pg_type(field, native)
        try:
            got = column_type(field, "postgres", native=native)
        except TargetError:
            assert want is None, field
            continue
        assert want is not None, field
        assert got.sql == want.compile(dialect=pg), field
        assert got.to_sa().compile(dialect=pg) == got.sql
        kind = ("bigint" if isinstance(want, sa.BigInteger) else "smallint" if isinstance(want, sa.SmallInteger)
                else "integer" if isinstance(want, sa.Integer) else None)
        assert got.integer == kind, field


ALTERS: list[dict[str, Any]] = [
    {"nullable": False}, {"nullable": True, "existing_nullable": False},
    {"server_default": None}, {"server_default": "it's \\ 100%"},
    {"server_default": "SQLTEXT:now()"}, {"server_default": "SQLTEXT:-1"},
    {"type_": "VARCHAR(20)", "postgresql_using": '"c"::VARCHAR(20)', "existing_nullable": True},
    {"type_": "TIMESTAMP WITH TIME ZONE", "postgresql_using": '"c"::TIMESTAMP WITH TIME ZONE',
     "nullable": False, "server_default": "SQLTEXT:CURRENT_TIMESTAMP(3)"},
    {"type_": "BIGINT", "nullable": True, "server_default": None, "existing_server_default": "x"},
]


@pytest.mark.parametrize("kw", ALTERS, ids=lambda kw: ",".join(kw))
@pytest.mark.parametrize("name", HOSTILE)
def test_alter_column_matches_alembic(pg: Any, kw: dict[str, Any], name: str) -> None:
    from drift.targets.database.ddl import PgType, SqlText, column_type

    args = dict(kw)
    for key in ("server_default", "existing_server_default"):
        if isinstance(args.get(key), str) and args[key].startswith("SQLTEXT:"):
            args[key] = SqlText(args[key][len("SQLTEXT:"):])
    if "type_" in args:
        spelled = {t.sql: t for t in (column_type(f, "postgres", native=True) for f in _type_fields()
                                      if _reference_pg_type(f, True) is not None)}
        args["type_"] = spelled[args["type_"]]
        assert isinstance(args["type_"], PgType)
    args["existing_type"] = column_type({"type": "string", "schema": {}}, "postgres", native=True)
    ours, theirs = _both(pg, lambda op: op.alter_column(q(name), q("c"), **dict(args)))
    assert ours == theirs


@pytest.mark.parametrize("escapes", [False, True])
@pytest.mark.parametrize("schema", [None, 'odd"schema'])
def test_postgres_revisions_update_matches_sqlalchemy_core(escapes: bool, schema: str | None) -> None:
    live = postgresql.psycopg.dialect()
    live._backslash_escapes = escapes
    em = Emitter.postgres(backslash_escapes=escapes)
    names = ["id", "parent", "collection"]
    rows = MetaRows(Catalog(vendor="postgres", columns=[{"table": "directus_revisions", "name": n} for n in names]),
                    em, schema)
    collection = "it's a \\ 'name'"
    with em.change("k"):
        rows._unparent_revisions(collection)
    t = sa.table(q("directus_revisions"), *(sa.column(q(n)) for n in names))
    if schema:
        t.schema = q(schema)
    inner = sa.select(t.c["id"]).where(t.c["collection"] == sa.literal(collection))
    stmt = sa.update(t).where(t.c["parent"].in_(inner)).values({t.c["parent"]: sa.null()})
    want = str(stmt.compile(dialect=Emitter(live).dialect, compile_kwargs={"literal_binds": True}))
    assert em.steps[0]["statements"] == [want]


def test_postgres_emitter_without_sqlalchemy_renders_the_same(pg: Any) -> None:
    """``Emitter.postgres()`` (no SQLAlchemy dialect at all) renders what an emitter built on the
    SQLAlchemy dialect renders."""
    fields = [{"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
              *_fields()]
    out = []
    for em in (Emitter(pg), Emitter.postgres(backslash_escapes=pg._backslash_escapes)):
        with em.change("k"):
            em.op.create_table("t", *_cols(fields))
            em.op.alter_column("t", "c", nullable=False, server_default="x'\\")
            rows = MetaRows(Catalog(vendor="postgres", columns=[{"table": "directus_fields", "name": "note"}]), em)
            rows.insert("directus_fields", {"note": "a'b\\c"})
        out.append(em.steps)
    assert out[0] == out[1]


def test_postgres_apply_path_imports_neither_sqlalchemy_nor_alembic() -> None:
    """Parsing a PostgreSQL URL and compiling a plan into PostgreSQL statements load neither."""
    import subprocess
    import sys

    code = """
import sys
from drift.targets.database import open_database
from drift.targets.database.apply import Compiler
from drift.targets.database.catalog import Catalog
from drift.targets.database.ddl import Emitter
from drift.diff.engine import snapshot_diff
t = open_database("postgresql://u:secret@localhost:5432/db?schema=s&application_name=x", None)
assert t.url.vendor == "postgres" and t.url.schemas == ("s",)
empty = {"version": 1, "directus": "12.4.1", "vendor": "postgres", "collections": [], "fields": [], "relations": []}
field = {"collection": "t", "field": "id", "type": "integer", "meta": None,
         "schema": {"name": "id", "table": "t", "data_type": "integer", "is_primary_key": True,
                    "has_auto_increment": True, "is_nullable": False}}
desired = dict(empty, collections=[{"collection": "t", "meta": None, "schema": {"name": "t"}}], fields=[field])
em = Emitter.postgres()
Compiler(snapshot_diff(empty, desired), empty, Catalog(vendor="postgres"), em, vendor="postgres",
         directus_mode=False, desired_vendor="postgres", allow_destructive=True).run()
assert em.steps, em.steps
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic"))
assert not loaded, loaded
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("url", ["mysql+pymysql://", "mariadb+pymysql://"])
def test_mysql_revisions_update_reads_through_a_derived_table(url: str) -> None:
    """MySQL refuses an UPDATE whose subquery reads the updated table: the statement reads it
    through a derived table, for a ``mariadb+`` URL (MariaDB dialect) as for a ``mysql+`` one."""
    from sqlalchemy.engine import make_url

    em = Emitter(make_url(url).get_dialect()())
    assert em.vendor == "mysql"
    rows = MetaRows(Catalog(vendor="mysql", columns=[{"table": "directus_revisions", "name": n}
                                                     for n in ("id", "parent", "collection")]), em)
    with em.change("k"):
        rows._unparent_revisions("c")
    (statement,) = em.steps[0]["statements"]
    assert statement.startswith("UPDATE `directus_revisions`")
    assert ") AS x" in statement
