"""SQLite introspection, with the exact semantics of Directus's ``@directus/schema`` inspector.

Directus runs ``PRAGMA table_xinfo``/``foreign_key_list``/``index_list``/``index_info`` once per
table; here the same pragmas are read for all tables at once through their table-valued forms
(``pragma_table_xinfo(name)`` joined with ``sqlite_master``), so the number of statements stays
fixed. Semantics kept: ``data_type`` is the declared type stripped to its letters, ``max_length`` is
``Number()`` of the first parenthesis (NaN for ``decimal(10,2)``), ``is_unique``/``is_indexed``
come from single-column indexes, ``has_auto_increment`` from ``AUTOINCREMENT`` in the table's SQL,
``constraint_name`` is always null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drift.targets.database.catalog import Catalog, Column, ForeignKey, Index
from drift.targets.database.reader import Reader
from drift.targets.database.values import (
    driver_value,
    extract_max_length,
    extract_type,
    is_null_text,
    strip_quotes,
)

VENDOR = "sqlite"

_TABLE_FILTER = "m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
_TABLES = (
    f"SELECT m.name AS name, m.sql AS sql FROM sqlite_master AS m WHERE {_TABLE_FILTER}"
)
_AUTOINCREMENT = "SELECT name FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%'"
_COLUMNS = f"""
SELECT m.name AS tbl, p.cid AS cid, p.name AS name, p.type AS type, p."notnull" AS "notnull",
  p.dflt_value AS dflt_value, p.pk AS pk, p.hidden AS hidden
FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p
WHERE {_TABLE_FILTER}
"""
_FOREIGN_KEYS = f"""
SELECT m.name AS tbl, f.id AS id, f.seq AS seq, f."table" AS "table", f."from" AS "from",
  f."to" AS "to", f.on_update AS on_update, f.on_delete AS on_delete
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE {_TABLE_FILTER}
"""
_INDEX_LIST = f"""
SELECT m.name AS tbl, il.seq AS seq, il.name AS name, il."unique" AS "unique", il.origin AS origin
FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS il
WHERE {_TABLE_FILTER}
"""
_INDEX_INFO = f"""
SELECT il.name AS idx, ii.seqno AS seqno, ii.name AS name
FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS il JOIN pragma_index_info(il.name) AS ii
WHERE {_TABLE_FILTER}
"""


def parse_default(value: str | None) -> str | None:
    """The SQLite inspector's ``parseDefaultValue``."""
    if value is None or is_null_text(value):
        return None
    return strip_quotes(value)


def tables(reader: Reader) -> list[str]:
    return [r["name"] for r in reader.all(_TABLES)]


def foreign_keys(reader: Reader) -> list[ForeignKey]:
    return [
        {
            "table": r["tbl"],
            "column": r["from"],
            "foreign_key_table": r["table"],
            "foreign_key_column": r["to"],
            "on_update": r["on_update"],
            "on_delete": r["on_delete"],
            "constraint_name": None,
        }
        for r in reader.all(_FOREIGN_KEYS)
    ]


def _index_lists(
    reader: Reader,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[Any]]]:
    per_table: dict[str, list[dict[str, Any]]] = {}
    for r in reader.all(_INDEX_LIST):
        per_table.setdefault(r["tbl"], []).append(r)
    info: dict[str, list[Any]] = {}
    for r in reader.all(_INDEX_INFO):
        info.setdefault(r["idx"], []).append(r["name"])
    return per_table, info


def indexes(reader: Reader) -> list[Index]:
    per_table, info = _index_lists(reader)
    return _indexes(per_table, info)


def _indexes(
    per_table: dict[str, list[dict[str, Any]]], info: dict[str, list[Any]]
) -> list[Index]:
    return [
        Index(
            table=table,
            name=i["name"],
            columns=tuple(info.get(i["name"], ())),
            unique=i["unique"] == 1,
            primary=i["origin"] == "pk",
        )
        for table, items in per_table.items()
        for i in items
    ]


def columns(
    reader: Reader,
    fks: list[ForeignKey],
    index_list: dict[str, list[dict[str, Any]]],
    index_info: dict[str, list[Any]],
) -> list[Column]:
    return _columns_and_keys(reader, fks, index_list, index_info)[0]


def _columns_and_keys(
    reader: Reader,
    fks: list[ForeignKey],
    index_list: dict[str, list[dict[str, Any]]],
    index_info: dict[str, list[Any]],
) -> tuple[list[Column], dict[str, list[str]]]:
    autoincrement = {r["name"] for r in reader.all(_AUTOINCREMENT)}
    first_fk: dict[tuple[str, str], ForeignKey] = {}
    for fk in fks:
        first_fk.setdefault((fk["table"], fk["column"]), fk)
    out: list[Column] = []
    pk_pos: dict[str, list[tuple[int, str]]] = {}
    for raw in reader.all(_COLUMNS):
        table, name = raw["tbl"], raw["name"]
        if raw["pk"]:
            # table_xinfo's pk is the 1-based position in the key; 0 for other columns
            pk_pos.setdefault(table, []).append((raw["pk"], name))
        unique = indexed = False
        for idx in index_list.get(table, []):
            cols = index_info.get(idx["name"], [])
            if name not in cols or len(cols) != 1:
                continue
            if idx["unique"] == 1:
                unique = True
            elif len(idx["name"]) > 0:
                indexed = True
            if unique and indexed:
                break
        fk = first_fk.get((table, name))
        declared = raw["type"] or ""
        out.append(
            {
                "name": name,
                "table": table,
                "data_type": extract_type(declared),
                "default_value": parse_default(raw["dflt_value"]),
                "max_length": extract_max_length(declared),
                "numeric_precision": None,
                "numeric_scale": None,
                "is_generated": raw["hidden"] != 0,
                "generation_expression": None,
                "is_nullable": raw["notnull"] == 0,
                "is_unique": unique,
                "is_indexed": indexed,
                "is_primary_key": raw["pk"] == 1,
                "has_auto_increment": raw["pk"] == 1 and table in autoincrement,
                "foreign_key_column": (fk["foreign_key_column"] if fk else None)
                or None,
                "foreign_key_table": (fk["foreign_key_table"] if fk else None) or None,
                "ordinal": raw["cid"],
            }
        )
    primary = {t: [n for _, n in sorted(v)] for t, v in pk_pos.items()}
    return out, primary


def inspect(reader: Reader) -> Catalog:
    """Read the whole catalog in a fixed number of statements."""
    fks = foreign_keys(reader)
    index_list, index_info = _index_lists(reader)
    cols, primary = _columns_and_keys(reader, fks, index_list, index_info)
    version = reader.all("SELECT sqlite_version() AS v")[0]["v"]
    cat = Catalog(
        vendor=VENDOR,
        tables=tables(reader),
        columns=cols,
        foreign_keys=fks,
        indexes=_indexes(index_list, index_info),
        primary_keys=primary,
        server_version=str(version),
    )
    cat.round_trips = reader.round_trips
    return cat


def read_table_later(
    reader: Reader, table: str, _ns: Any = None
) -> Callable[[], list[dict[str, Any]]]:
    """Every row of ``table`` (``SELECT *``, no order), values as node-sqlite3 delivers them: the
    query runs now, and what it returns makes the rows into records later."""
    rows, desc = reader.raw(f"SELECT * FROM {reader.quote(table)}")
    names = [d[0] for d in desc]
    return lambda: [{n: driver_value(v) for n, v in zip(names, row)} for row in rows]
