"""MySQL and MariaDB introspection, with the exact semantics of Directus's ``@directus/schema``.

Direct ``INFORMATION_SCHEMA`` queries over the connection's database, one per concern for all
tables at once. The column query is Directus's ``columnInfo``: ``COLUMNS`` left-joined with
``KEY_COLUMN_USAGE``, ``REFERENTIAL_CONSTRAINTS`` and ``STATISTICS`` (non-unique, first in the
index), where the first joined row of each column wins — the same rows in the same server order
Directus sees, so a column that is both unique and a foreign key reads exactly as it does there.
``data_type`` is ``COLUMN_TYPE`` without its first parenthesis (``tinyint(1…)`` → ``boolean``),
``is_unique``/``is_primary_key`` come from ``COLUMN_KEY``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from drift.targets.database.catalog import Catalog, Column, ForeignKey, Index
from drift.targets.database.reader import Reader
from drift.targets.database.values import driver_value, is_null_text, strip_quotes

VENDOR = "mysql"

_TABLES = """
SELECT TABLE_NAME AS name FROM information_schema.tables
WHERE table_schema = :db AND table_type = 'BASE TABLE'
"""

_COLUMNS = """
SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_DEFAULT, c.COLUMN_TYPE, c.CHARACTER_MAXIMUM_LENGTH,
  c.IS_NULLABLE, c.COLUMN_KEY, c.EXTRA, c.COLLATION_NAME, c.COLUMN_COMMENT, c.NUMERIC_PRECISION,
  c.NUMERIC_SCALE, c.GENERATION_EXPRESSION, c.ORDINAL_POSITION, fk.REFERENCED_TABLE_NAME, fk.REFERENCED_COLUMN_NAME,
  fk.CONSTRAINT_NAME, rc.UPDATE_RULE, rc.DELETE_RULE, rc.MATCH_OPTION, stats.INDEX_NAME
FROM INFORMATION_SCHEMA.COLUMNS AS c
LEFT JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE AS fk
  ON c.TABLE_NAME = fk.TABLE_NAME AND fk.COLUMN_NAME = c.COLUMN_NAME
  AND fk.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA
LEFT JOIN INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS AS rc
  ON rc.TABLE_NAME = fk.TABLE_NAME AND rc.CONSTRAINT_NAME = fk.CONSTRAINT_NAME
  AND rc.CONSTRAINT_SCHEMA = fk.CONSTRAINT_SCHEMA
LEFT JOIN INFORMATION_SCHEMA.STATISTICS AS stats
  ON stats.TABLE_SCHEMA = c.TABLE_SCHEMA AND stats.TABLE_NAME = c.TABLE_NAME
  AND stats.COLUMN_NAME = c.COLUMN_NAME AND stats.NON_UNIQUE = 1 AND stats.SEQ_IN_INDEX = 1
WHERE c.TABLE_SCHEMA = :db
"""

_FOREIGN_KEYS = """
SELECT DISTINCT
  rc.TABLE_NAME AS `table`,
  kcu.COLUMN_NAME AS `column`,
  rc.REFERENCED_TABLE_NAME AS foreign_key_table,
  kcu.REFERENCED_COLUMN_NAME AS foreign_key_column,
  rc.CONSTRAINT_NAME AS constraint_name,
  rc.UPDATE_RULE AS on_update,
  rc.DELETE_RULE AS on_delete
FROM information_schema.referential_constraints AS rc
JOIN information_schema.key_column_usage AS kcu
  ON rc.CONSTRAINT_NAME = kcu.CONSTRAINT_NAME AND kcu.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
  AND kcu.TABLE_NAME = rc.TABLE_NAME
WHERE rc.CONSTRAINT_SCHEMA = :db
"""

_INDEXES = """
SELECT TABLE_NAME AS `table`, INDEX_NAME AS name, NON_UNIQUE AS non_unique,
  SEQ_IN_INDEX AS seq, COLUMN_NAME AS `column`
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = :db
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""

_SERVER = "SELECT DATABASE() AS db, VERSION() AS version"

_FIRST_PARENS = re.compile(r"\(.*?\)")


def parse_default(value: str | None) -> str | None:
    """The MySQL inspector's ``parseDefaultValue``."""
    if value is None or is_null_text(value):
        return None
    return strip_quotes(value)


def data_type(column_type: str) -> str:
    if column_type.startswith("tinyint(1)"):
        return "boolean"
    return _FIRST_PARENS.sub("", column_type, count=1)


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


def server(reader: Reader) -> dict[str, Any]:
    return reader.all(_SERVER)[0]


def tables(reader: Reader, db: str) -> list[str]:
    return [_text(r["name"]) for r in reader.all(_TABLES, {"db": db})]


def foreign_keys(reader: Reader, db: str) -> list[ForeignKey]:
    return [
        {k: _text(v) for k, v in r.items()}
        for r in reader.all(_FOREIGN_KEYS, {"db": db})
    ]


def indexes(reader: Reader, db: str) -> list[Index]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in reader.all(_INDEXES, {"db": db}):
        grouped.setdefault((_text(r["table"]), _text(r["name"])), []).append(r)
    return [
        Index(
            table=table,
            name=name,
            columns=tuple(_text(r["column"]) for r in rows),
            unique=not int(rows[0]["non_unique"]),
            primary=name == "PRIMARY",
        )
        for (table, name), rows in grouped.items()
    ]


def columns(reader: Reader, db: str) -> list[Column]:
    out: list[Column] = []
    seen: set[tuple[str, str]] = set()
    for raw in reader.all(_COLUMNS, {"db": db}):
        r = {k: _text(v) for k, v in raw.items()}
        key = (r["TABLE_NAME"], r["COLUMN_NAME"])
        # Directus sorts with a comparator that never returns < 0 (a no-op in V8), then keeps the
        # first row of every column: the server's row order decides
        if key in seen:
            continue
        seen.add(key)
        extra = r["EXTRA"] or ""
        out.append(
            {
                "name": r["COLUMN_NAME"],
                "table": r["TABLE_NAME"],
                "data_type": data_type(r["COLUMN_TYPE"]),
                "default_value": parse_default(r["COLUMN_DEFAULT"]),
                "generation_expression": r["GENERATION_EXPRESSION"] or None,
                "max_length": driver_value(r["CHARACTER_MAXIMUM_LENGTH"]),
                "numeric_precision": driver_value(r["NUMERIC_PRECISION"]),
                "numeric_scale": driver_value(r["NUMERIC_SCALE"]),
                "is_generated": extra.endswith("GENERATED"),
                "is_nullable": r["IS_NULLABLE"] == "YES",
                "is_unique": r["COLUMN_KEY"] == "UNI",
                "is_indexed": bool(r["INDEX_NAME"]),
                "is_primary_key": r["CONSTRAINT_NAME"] == "PRIMARY"
                or r["COLUMN_KEY"] == "PRI",
                "has_auto_increment": extra == "auto_increment",
                "foreign_key_column": r["REFERENCED_COLUMN_NAME"],
                "foreign_key_table": r["REFERENCED_TABLE_NAME"],
                "comment": r["COLUMN_COMMENT"],
                "ordinal": r["ORDINAL_POSITION"],
            }
        )
    return out


def inspect(reader: Reader, db: str | None = None) -> Catalog:
    """Read the whole catalog of the connection's database in a fixed number of queries."""
    info = server(reader)
    db = db or _text(info["db"])
    cols = columns(reader, db)
    primary: dict[str, list[str]] = {}
    for c in cols:
        if c["is_primary_key"]:
            primary.setdefault(c["table"], []).append(c["name"])
    cat = Catalog(
        vendor=VENDOR,
        tables=tables(reader, db),
        columns=cols,
        foreign_keys=foreign_keys(reader, db),
        indexes=indexes(reader, db),
        primary_keys=primary,
        server_version=str(_text(info["version"])),
    )
    cat.round_trips = reader.round_trips
    return cat


# pymysql field types: DECIMAL/NEWDECIMAL arrive as strings from mysql2; JSON is parsed by mysql2
_STRING_TYPES = {0, 246}
_JSON_TYPES = {245}


def read_table_later(
    reader: Reader, table: str, db: str | None = None
) -> Callable[[], list[dict[str, Any]]]:
    """Every row of ``table`` (``SELECT *``, no order), values as mysql2 delivers them: the query
    runs now, and what it returns makes the rows into records later."""
    rows, desc = reader.raw(f"SELECT * FROM {reader.quote(table)}")
    cols = [(d[0], d[1]) for d in desc]
    return lambda: [
        {
            name: driver_value(
                v, as_string=t in _STRING_TYPES, as_json=t in _JSON_TYPES
            )
            for (name, t), v in zip(cols, row)
        }
        for row in rows
    ]
