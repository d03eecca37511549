"""PostgreSQL introspection, with the exact semantics of Directus's ``@directus/schema`` inspector.

Direct ``pg_catalog`` queries, one per concern for all tables at once (tables, columns,
constraints, foreign keys, indexes; geometry types only when PostGIS is there), restricted to the
schemas read (``public`` unless the URL says ``?schema=``). The column query is Directus's own
``columnInfo`` reading: ``atttypid::regtype`` types, typmod-decoded lengths and precisions,
``pg_get_expr`` defaults parsed the way Directus parses them, ``is_indexed`` = a non-unique index on
exactly this column, ``is_unique``/``has_auto_increment`` from single-column constraints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from drift.targets.database.catalog import Catalog, Column, ForeignKey, Index
from drift.targets.database.reader import Reader, js_json_loads, run_steps
from drift.targets.database.values import converter, is_null_text, strip_quotes

VENDOR = "postgres"

_TABLES = """
SELECT rel.relname AS name
FROM pg_class rel JOIN pg_namespace ns ON ns.oid = rel.relnamespace
WHERE ns.nspname = ANY(:schemas) AND rel.relkind = 'r'
ORDER BY rel.relname
"""

_GENERATED_12 = """
  CASE WHEN att.attgenerated = 's' THEN pg_get_expr(ad.adbin, ad.adrelid) ELSE NULL END
    AS generation_expression,
  CASE WHEN att.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) ELSE NULL END
    AS default_value,
  att.attgenerated = 's' AS is_generated,
"""
_GENERATED_OLD = """
  NULL AS generation_expression,
  pg_get_expr(ad.adbin, ad.adrelid) AS default_value,
  FALSE AS is_generated,
"""

_COLUMNS = """
SELECT
  att.attname AS name,
  rel.relname AS "table",
  ns.nspname AS schema,
  att.attnum AS ordinal,
  att.atttypid::regtype::text AS data_type,
  ix.attnum IS NOT NULL AS is_indexed,
  NOT att.attnotnull AS is_nullable,
  {generated}
  CASE
    WHEN att.atttypid IN (1042, 1043) THEN (att.atttypmod - 4)::int4
    WHEN att.atttypid IN (1560, 1562) THEN (att.atttypmod)::int4
    ELSE NULL
  END AS max_length,
  des.description AS comment,
  CASE att.atttypid
    WHEN 21 THEN 16
    WHEN 23 THEN 32
    WHEN 20 THEN 64
    WHEN 1700 THEN
      CASE WHEN att.atttypmod = -1 THEN NULL ELSE (((att.atttypmod - 4) >> 16) & 65535)::int4 END
    WHEN 700 THEN 24
    WHEN 701 THEN 53
    ELSE NULL
  END AS numeric_precision,
  CASE
    WHEN att.atttypid IN (21, 23, 20) THEN 0
    WHEN att.atttypid = 1700 THEN
      CASE WHEN att.atttypmod = -1 THEN NULL ELSE ((att.atttypmod - 4) & 65535)::int4 END
    ELSE NULL
  END AS numeric_scale
FROM pg_attribute att
  JOIN pg_class rel ON att.attrelid = rel.oid
  JOIN pg_namespace ns ON ns.oid = rel.relnamespace
  LEFT JOIN pg_attrdef ad ON (att.attrelid, att.attnum) = (ad.adrelid, ad.adnum)
  LEFT JOIN pg_description des ON (att.attrelid, att.attnum) = (des.objoid, des.objsubid)
  LEFT JOIN (
    -- columns with a non-unique index on exactly them (every key part is that column), the
    -- per-column lookup of the inspector, as one set joined by hash
    SELECT DISTINCT ix.indrelid, ix.indkey[0] AS attnum FROM pg_index ix
    WHERE ix.indisunique = false AND ix.indkey[0] = ALL(ix.indkey)
  ) ix ON ix.indrelid = att.attrelid AND ix.attnum = att.attnum
WHERE ns.nspname = ANY(:schemas)
  AND rel.relkind = 'r'
  AND att.attnum > 0
  AND NOT att.attisdropped
ORDER BY rel.relname, att.attnum
"""

_CONSTRAINTS = """
SELECT
  con.contype AS type,
  rel.relname AS "table",
  att.attname AS "column",
  frel.relnamespace::regnamespace::text AS foreign_key_schema,
  frel.relname AS foreign_key_table,
  fatt.attname AS foreign_key_column,
  CASE
    WHEN con.contype = 'p'
      THEN pg_get_serial_sequence(att.attrelid::regclass::text, att.attname) != ''
    ELSE NULL
  END AS has_auto_increment
FROM pg_constraint con
  JOIN pg_namespace cns ON cns.oid = con.connamespace
  LEFT JOIN pg_class rel ON con.conrelid = rel.oid
  LEFT JOIN pg_class frel ON con.confrelid = frel.oid
  LEFT JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
  LEFT JOIN pg_attribute fatt ON fatt.attrelid = con.confrelid AND fatt.attnum = con.confkey[1]
WHERE cns.nspname = ANY(:schemas)
  AND array_length(con.conkey, 1) <= 1
  AND (con.confkey IS NULL OR array_length(con.confkey, 1) = 1)
"""

_ACTION = """CASE {col} WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
  WHEN 'd' THEN 'SET DEFAULT' WHEN 'a' THEN 'NO ACTION' ELSE NULL END"""

_FOREIGN_KEYS = f"""
SELECT
  con.conname AS constraint_name,
  rel.relname AS "table",
  att.attname AS "column",
  frel.relnamespace::regnamespace::text AS foreign_key_schema,
  frel.relname AS foreign_key_table,
  fatt.attname AS foreign_key_column,
  {_ACTION.format(col="con.confupdtype")} AS on_update,
  {_ACTION.format(col="con.confdeltype")} AS on_delete
FROM pg_constraint con
  JOIN pg_namespace cns ON cns.oid = con.connamespace
  LEFT JOIN pg_class rel ON con.conrelid = rel.oid
  LEFT JOIN pg_class frel ON con.confrelid = frel.oid
  LEFT JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
  LEFT JOIN pg_attribute fatt ON fatt.attrelid = con.confrelid AND fatt.attnum = con.confkey[1]
WHERE cns.nspname = ANY(:schemas)
  AND array_length(con.conkey, 1) <= 1
  AND (con.confkey IS NULL OR array_length(con.confkey, 1) = 1)
  AND con.contype = 'f'
"""

_INDEXES = """
SELECT
  t.relname AS "table",
  i.relname AS name,
  ix.indisunique AS is_unique,
  ix.indisprimary AS is_primary,
  ARRAY(
    SELECT a.attname
    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
      LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
    ORDER BY k.ord
  ) AS columns
FROM pg_index ix
  JOIN pg_class t ON t.oid = ix.indrelid
  JOIN pg_class i ON i.oid = ix.indexrelid
  JOIN pg_namespace ns ON ns.oid = t.relnamespace
WHERE ns.nspname = ANY(:schemas) AND t.relkind = 'r'
ORDER BY t.relname, i.relname
"""

_GEOMETRY = """
WITH geometries AS (SELECT * FROM geometry_columns UNION SELECT * FROM geography_columns)
SELECT f_table_name AS "table", f_geometry_column AS name, type AS data_type
FROM geometries WHERE f_table_schema = ANY(:schemas)
"""

_SERVER = """
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS num,
       EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'postgis_version') AS postgis
"""


def parse_default(value: str | None) -> str | None:
    """The PostgreSQL inspector's ``parseDefaultValue``."""
    if value is None:
        return None
    if value.startswith("nextval("):
        return value
    value = value.split("::")[0]
    if is_null_text(value):
        return None
    return strip_quotes(value)


def server(reader: Reader) -> dict[str, Any]:
    return reader.all(_SERVER)[0]


def tables(reader: Reader, schemas: tuple[str, ...]) -> list[str]:
    return [r["name"] for r in reader.all(_TABLES, {"schemas": list(schemas)})]


def foreign_keys(reader: Reader, schemas: tuple[str, ...]) -> list[ForeignKey]:
    return reader.all(_FOREIGN_KEYS, {"schemas": list(schemas)})


def indexes(reader: Reader, schemas: tuple[str, ...]) -> list[Index]:
    return [
        Index(
            table=r["table"],
            name=r["name"],
            columns=tuple(r["columns"] or ()),
            unique=bool(r["is_unique"]),
            primary=bool(r["is_primary"]),
        )
        for r in reader.all(_INDEXES, {"schemas": list(schemas)})
    ]


def columns(
    reader: Reader, schemas: tuple[str, ...], *, server_num: int, postgis: bool
) -> list[Column]:
    out: list[Column] = []
    run_steps(read_columns(reader, schemas, out, server_num=server_num, postgis=postgis))
    return out


def read_columns(
    reader: Reader,
    schemas: tuple[str, ...],
    into: list[Column],
    *,
    server_num: int,
    postgis: bool,
) -> Iterator[Callable[[], None]]:
    """Run the column queries, yielding the steps that put the columns into ``into``: the first
    makes the column rows into records (while the constraints are read), the second sets what
    the constraints say (unique, primary key, auto increment, first foreign key)."""
    params = {"schemas": list(schemas)}
    sql = _COLUMNS.format(
        generated=_GENERATED_12 if server_num >= 120000 else _GENERATED_OLD
    )
    got = reader.rows(sql, params)
    yield lambda: _column_records(got, into)
    constraints = reader.rows(_CONSTRAINTS, params)
    geometry = reader.all(_GEOMETRY, params) if postgis else []
    yield lambda: _column_constraints(into, constraints, postgis, geometry)


def _column_records(
    got: tuple[list[str], list[tuple[Any, ...]]], out: list[Column]
) -> None:
    """The columns' records, without what the constraints say yet (not unique, no primary key,
    no auto increment, no foreign key)."""
    names, rows = got
    i = {n: k for k, n in enumerate(names)}
    i_name, i_table, i_type, i_default = (
        i["name"],
        i["table"],
        i["data_type"],
        i["default_value"],
    )
    i_genexpr, i_len, i_prec, i_scale = (
        i["generation_expression"],
        i["max_length"],
        i["numeric_precision"],
        i["numeric_scale"],
    )
    i_gen, i_null, i_index, i_comment, i_ord = (
        i["is_generated"],
        i["is_nullable"],
        i["is_indexed"],
        i["comment"],
        i["ordinal"],
    )
    append = out.append
    for col in rows:
        default = col[i_default]
        append(
            {
                "name": col[i_name],
                "table": col[i_table],
                "data_type": col[i_type],
                "default_value": None if default is None else parse_default(default),
                "generation_expression": col[i_genexpr],
                "max_length": col[i_len],
                "numeric_precision": col[i_prec],
                "numeric_scale": col[i_scale],
                "is_generated": bool(col[i_gen]),
                "is_nullable": bool(col[i_null]),
                "is_unique": False,
                "is_indexed": bool(col[i_index]),
                "is_primary_key": False,
                "has_auto_increment": False,
                "foreign_key_schema": None,
                "foreign_key_table": None,
                "foreign_key_column": None,
                "comment": col[i_comment],
                "ordinal": col[i_ord],
            }
        )


def _column_constraints(
    out: list[Column],
    constraints: tuple[list[str], list[tuple[Any, ...]]],
    postgis: bool,
    geometry_rows: list[dict[str, Any]],
) -> None:
    """Set on each column what its single-column constraints say, then (with PostGIS) the
    geometry types."""
    cnames, crows = constraints
    # per column: [is_unique, is_primary_key, has_auto_increment, first foreign key]
    flags: dict[tuple[str, str], list[Any]] = {}
    ci = {n: i for i, n in enumerate(cnames)}
    c_type, c_table, c_column = ci["type"], ci["table"], ci["column"]
    c_auto = ci["has_auto_increment"]
    c_fk = (ci["foreign_key_schema"], ci["foreign_key_table"], ci["foreign_key_column"])
    for c in crows:
        key = (c[c_table], c[c_column])
        entry = flags.get(key)
        if entry is None:
            entry = flags[key] = [False, False, False, None]
        kind = c[c_type]
        if kind in ("u", "p"):
            entry[0] = True
        if kind == "p":
            entry[1] = True
        if c[c_auto]:
            entry[2] = True
        if kind == "f" and entry[3] is None:
            entry[3] = (c[c_fk[0]], c[c_fk[1]], c[c_fk[2]])
    if flags:
        get = flags.get
        for col in out:
            entry = get((col["table"], col["name"]))
            if entry is not None:
                col["is_unique"], col["is_primary_key"], col["has_auto_increment"], fk = entry
                if fk is not None:
                    (
                        col["foreign_key_schema"],
                        col["foreign_key_table"],
                        col["foreign_key_column"],
                    ) = fk
    if postgis:
        for col in out:
            if col["data_type"] in ("point", "polygon"):
                col["data_type"] = "unknown"
        geometry = {(g["table"], g["name"]): g["data_type"] for g in geometry_rows}
        for col in out:
            if (col["table"], col["name"]) in geometry:
                col["data_type"] = geometry[(col["table"], col["name"])]


def inspect_first(
    reader: Reader, schemas: tuple[str, ...] = ("public",)
) -> tuple[Catalog, Callable[[], Iterator[Callable[[], None]]]]:
    """The catalog's tables, indexes and primary keys, and the generator that runs the queries
    for its columns and foreign keys and yields the steps that put their rows into it (the
    queries may run in another thread, the steps in this one, each as soon as it is yielded; a
    fixed number of queries in all)."""
    info = server(reader)
    idx = indexes(reader, schemas)
    cat = Catalog(
        vendor=VENDOR,
        tables=tables(reader, schemas),
        indexes=idx,
        primary_keys={i.table: [c for c in i.columns if c] for i in idx if i.primary},
        server_version=str(info["version"]),
    )
    cat.round_trips = reader.round_trips

    def rest() -> Iterator[Callable[[], None]]:
        cols: list[Column] = []
        yield from read_columns(
            reader, schemas, cols, server_num=int(info["num"]), postgis=bool(info["postgis"])
        )
        fks = foreign_keys(reader, schemas)
        round_trips = reader.round_trips

        def finish() -> None:
            cat.columns = cols
            cat.foreign_keys = fks
            cat.round_trips = round_trips

        yield finish

    return cat, rest


def inspect(reader: Reader, schemas: tuple[str, ...] = ("public",)) -> Catalog:
    """Read the whole catalog of ``schemas`` in a fixed number of queries."""
    cat, rest = inspect_first(reader, schemas)
    run_steps(rest())
    return cat


# node-postgres hands int8, numeric and money over as strings; text-like types, int2/int4/oid and
# booleans need no conversion; json/jsonb arrive parsed (numbers still to be made JavaScript's,
# unless the reader's own cursor parsed them that way already)
_STRING_OIDS = {20, 1700, 790}
_PLAIN_OIDS = {16, 21, 23, 25, 26, 1042, 1043, 19, 18}
_JSON_OIDS = {114, 3802}


def _kind(oid: int) -> str:
    if oid in _STRING_OIDS:
        return "string"
    if oid in _PLAIN_OIDS:
        return "plain"
    return "value"


def read_table_later(
    reader: Reader, table: str, schemas: tuple[str, ...]
) -> Callable[[], list[dict[str, Any]]]:
    """Every row of ``table`` (``SELECT *``, no order, like Directus), values as node-postgres
    delivers them: the query runs now, and what it returns makes the rows into records later
    (on the fast reader JSON values stay bytes until then)."""
    name = reader.quote(schemas[0]) + "." + reader.quote(table)
    rows, desc = reader.raw(f"SELECT * FROM {name}", json_bytes=True)
    fast = reader.fast
    return lambda: _records(rows, desc, fast)


def _records(
    rows: list[tuple[Any, ...]], desc: Any, json_bytes: bool
) -> list[dict[str, Any]]:
    names = [d[0] for d in desc]
    oids = [getattr(d, "type_code", d[1]) for d in desc]
    ready = _PLAIN_OIDS | _JSON_OIDS if json_bytes else _PLAIN_OIDS
    convert = [
        (n, converter(_kind(oid))) for n, oid in zip(names, oids) if oid not in ready
    ]
    if json_bytes:  # parsed here, by the parser the fast cursor uses
        convert += [(n, _json_or_none) for n, oid in zip(names, oids) if oid in _JSON_OIDS]
    out = [dict(zip(names, row)) for row in rows]
    for n, f in convert:
        for row in out:
            row[n] = f(row[n])
    return out


def _json_or_none(data: Any) -> Any:
    return None if data is None else js_json_loads(data)
