"""Dialect-correct DDL for one snapshot field, table, index or foreign key.

This module owns turning Directus snapshot entities (a field's ``type`` and ``schema``, a
relation's ``schema``) into column types, server defaults and columns, and emitting the DDL, so
PostgreSQL, MySQL/MariaDB and SQLite each get their own syntax (``ALTER COLUMN … TYPE … USING``,
``MODIFY``, SQLite's copy-and-move "batch" rebuild).

PostgreSQL is written as text by :class:`TextOps`, with no SQLAlchemy at all: its column types are
:class:`PgType` values spelled as SQLAlchemy's PostgreSQL type compiler spells them, identifiers
are quoted by :func:`pg_quote` (always quoted, quotes doubled: the dialect's ``quote_identifier``)
and values are literals of :class:`PgLiterals` (the dialect's literal processors, backslashes
doubled when the server reads them as escapes) — the very text SQLAlchemy and alembic render,
which the unit tests check operation by operation. Only a key column SQLAlchemy would render in
an unusual way goes through alembic, imported then. MySQL/MariaDB and SQLite use SQLAlchemy types
and alembic's operations (imported when those vendors are used), every identifier wrapped by
:func:`q` (``quoted_name(…, quote=True)``), so a name from a plan is never read as SQL. Types come
from an allowlist per vendor (the snapshot's ``data_type`` when the plan was made against the same
vendor, else Directus's own ``addColumnToTable`` mapping from the Directus ``type``); anything else
is refused. An :class:`Emitter` either renders statements as text ("offline": the preview, and what
PostgreSQL and MySQL then execute verbatim) or runs them on a live connection and records them
("online": SQLite, whose batch rebuilds read the table as it is at that moment).
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from drift.errors import TargetError
from drift.snapshot.js import js_json

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect

# Directus's defaults for float/decimal without precision (DEFAULT_NUMERIC_PRECISION/SCALE)
DEFAULT_PRECISION = 10
DEFAULT_SCALE = 5
# the longest identifier each vendor keeps as written (PostgreSQL silently truncates; MySQL refuses)
IDENTIFIER_LIMITS = {"postgres": 63, "mysql": 64, "sqlite": None}
ALIAS_TYPES = ("alias", "o2m", "m2m", "m2a", "o2a", "files", "translations")
_FK_ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")
_TIMESTAMP_PRECISION = re.compile(r"CURRENT_TIMESTAMP\(([0-6])\)\Z")
# SQLAlchemy's PostgreSQL dialect: the longest name it accepts for a constraint or index
PG_MAX_NAME = 63


def q(name: str) -> Any:
    """An identifier SQLAlchemy will always quote (``quoted_name(…, quote=True)``)."""
    from sqlalchemy.sql.elements import quoted_name

    return quoted_name(str(name), quote=True)


def pg_quote(name: Any) -> str:
    """A PostgreSQL identifier, always quoted, embedded quotes doubled (``quote_identifier``)."""
    return '"' + str(name).replace('"', '""') + '"'


def check_identifier(name: Any, vendor: str, what: str) -> str:
    """Refuse names the vendor would truncate or reject, before any statement runs."""
    if not isinstance(name, str) or name == "":
        raise TargetError(f"{what} has no usable name ({name!r})")
    if "\x00" in name:
        raise TargetError(f"{what} {name[:40]!r}… contains a NUL character")
    limit = IDENTIFIER_LIMITS.get(vendor)
    size = len(name.encode("utf-8")) if vendor == "postgres" else len(name)
    if limit is not None and size > limit:
        raise TargetError(
            f"{what} {name[:40]!r}… is {size} {'bytes' if vendor == 'postgres' else 'characters'} long; "
            f"{vendor} keeps at most {limit}"
        )
    return name


# -- Directus's default index names ------------------------------------------------------------------


def simple_hash(text: str) -> str:
    """``getSimpleHash`` of ``@directus/utils``: a 31-multiplier int32 hash over UTF-16 units, hex."""
    h = 0
    data = text.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h = 31 * h + (data[i] | (data[i + 1] << 8))
        h &= 0xFFFFFFFF
        if h >= 0x80000000:
            h -= 0x100000000
    return format(abs(h), "x")


def default_index_name(kind: str, collection: str, field: str, max_length: int = 60) -> str:
    """``getDefaultIndexName(kind, collection, field)``: ``<table>_<field>_<kind>``, lowercased,
    cut to 60 characters with a hash suffix."""
    name = (re.sub(r"[.\-]", "_", collection) + "_" + field + "_" + kind).lower()
    if len(name) <= max_length:
        return name
    suffix = f"__{simple_hash(name)}_{kind}"
    return name[: max_length - len(suffix)] + suffix


# -- types -------------------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value) or value != int(value):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value < 2**31:
        return value
    return None


def _scale(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1000 else None


class PgType:
    """A PostgreSQL column type: its name and arguments as SQLAlchemy's PostgreSQL type compiler
    writes them (``VARCHAR(255)``, ``NUMERIC(12, 4)``, ``TIMESTAMP WITH TIME ZONE``), and which
    integer type it is (``integer``, ``bigint``, ``smallint``: a SERIAL key's kind), if any."""

    __slots__ = ("args", "integer", "name")

    def __init__(self, name: str, *args: int, integer: str | None = None) -> None:
        self.name = name
        self.args = args
        self.integer = integer

    @property
    def sql(self) -> str:
        return f"{self.name}({', '.join(map(str, self.args))})" if self.args else self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PgType) and (self.name, self.args) == (other.name, other.args)

    def __hash__(self) -> int:
        return hash((self.name, self.args))

    def __repr__(self) -> str:
        return f"PgType({self.sql})"

    def to_sa(self) -> Any:
        """The same type as a SQLAlchemy type (for alembic's operations)."""
        import sqlalchemy as sa
        from sqlalchemy.dialects import postgresql as pg

        ctor: Any = {
            "INTEGER": sa.INTEGER, "BIGINT": sa.BIGINT, "SMALLINT": sa.SMALLINT, "TEXT": sa.TEXT,
            "UUID": pg.UUID, "BOOLEAN": sa.BOOLEAN, "JSON": pg.JSON, "JSONB": pg.JSONB, "REAL": sa.REAL,
            "DOUBLE PRECISION": pg.DOUBLE_PRECISION, "DATE": sa.DATE, "BYTEA": pg.BYTEA, "INET": pg.INET,
            "CIDR": pg.CIDR, "INTERVAL": pg.INTERVAL, "MONEY": pg.MONEY, "VARCHAR": sa.VARCHAR,
            "CHAR": sa.CHAR, "NUMERIC": sa.NUMERIC, "DECIMAL": sa.DECIMAL,
            "TIME WITHOUT TIME ZONE": lambda: pg.TIME(timezone=False),
            "TIME WITH TIME ZONE": lambda: pg.TIME(timezone=True),
            "TIMESTAMP WITHOUT TIME ZONE": lambda: pg.TIMESTAMP(timezone=False),
            "TIMESTAMP WITH TIME ZONE": lambda: pg.TIMESTAMP(timezone=True),
        }[self.name]
        return ctor(*self.args)


_PG_INTEGERS = {"integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT"}
_PG_SIMPLE = {
    "text": "TEXT", "uuid": "UUID", "boolean": "BOOLEAN", "json": "JSON", "jsonb": "JSONB", "real": "REAL",
    "double precision": "DOUBLE PRECISION", "date": "DATE", "bytea": "BYTEA", "inet": "INET", "cidr": "CIDR",
    "interval": "INTERVAL", "money": "MONEY", "time without time zone": "TIME WITHOUT TIME ZONE",
    "time with time zone": "TIME WITH TIME ZONE", "timestamp without time zone": "TIMESTAMP WITHOUT TIME ZONE",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
}  # fmt: skip


def _pg_int(kind: str) -> PgType:
    return PgType(_PG_INTEGERS[kind], integer=kind)


def _opt(*args: int | None) -> tuple[int, ...]:
    """Type arguments up to the first one not given (``VARCHAR``, ``NUMERIC(9)``)."""
    out: list[int] = []
    for a in args:
        if a is None:
            break
        out.append(a)
    return tuple(out)


def _native_postgres(dt: str, n: int | None, p: int | None, s: int | None) -> PgType | None:
    if dt in _PG_INTEGERS:
        return _pg_int(dt)
    if dt in _PG_SIMPLE:
        return PgType(_PG_SIMPLE[dt])
    if dt == "character varying":
        return PgType("VARCHAR", *_opt(n))
    if dt == "character":
        return PgType("CHAR", *_opt(n))
    if dt == "numeric":
        return PgType("NUMERIC", *_opt(p, s))
    return None


def _knex_postgres(type_: str, schema: dict[str, Any]) -> PgType | None:
    """The column ``FieldsService.addColumnToTable`` (knex) creates for a Directus ``type`` on
    PostgreSQL."""
    n = _int(schema.get("max_length"))
    p = _int(schema.get("numeric_precision"))
    s = _scale(schema.get("numeric_scale"))
    if schema.get("has_auto_increment"):
        return _pg_int("bigint" if type_ == "bigInteger" else "integer")
    simple = {
        "text": "TEXT", "csv": "TEXT", "boolean": "BOOLEAN", "float": "REAL", "date": "DATE",
        "time": "TIME WITHOUT TIME ZONE", "dateTime": "TIMESTAMP WITHOUT TIME ZONE",
        "timestamp": "TIMESTAMP WITH TIME ZONE", "json": "JSON", "uuid": "UUID", "binary": "BYTEA",
    }  # fmt: skip
    if type_ in ("string", "hash"):
        return PgType("VARCHAR", 255 if type_ == "hash" else (n or 255))
    if type_ == "integer":
        return _pg_int("integer")
    if type_ == "bigInteger":
        return _pg_int("bigint")
    if type_ == "decimal":
        return PgType("DECIMAL", p or DEFAULT_PRECISION, DEFAULT_SCALE if s is None else s)
    if type_ in simple:
        return PgType(simple[type_])
    return None


_SPATIAL = {
    "geometry": "GEOMETRY", "point": "POINT", "linestring": "LINESTRING", "polygon": "POLYGON",
    "multipoint": "MULTIPOINT", "multilinestring": "MULTILINESTRING", "multipolygon": "MULTIPOLYGON",
    "geometrycollection": "GEOMETRYCOLLECTION",
}  # fmt: skip


@functools.cache
def _spatial_type() -> Any:
    import sqlalchemy as sa

    class Spatial(sa.types.UserDefinedType[Any]):
        """A MySQL/SQLite spatial column (``specificType`` in Directus); names from a fixed list only."""

        cache_ok = True

        def __init__(self, name: str) -> None:
            if name.lower() not in _SPATIAL:
                raise TargetError(f"unknown spatial type {name[:40]!r}")
            self.name = name.lower()

        def get_col_spec(self, **kw: Any) -> str:
            return _SPATIAL[self.name]

    return Spatial


def Spatial(name: str) -> Any:  # noqa: N802 - a type, built when first used
    return _spatial_type()(name)


def _native_mysql(dt: str, n: int | None, p: int | None, s: int | None) -> Any:
    from sqlalchemy.dialects import mysql

    unsigned = dt.endswith(" unsigned")
    base = dt[: -len(" unsigned")] if unsigned else dt
    ints: dict[str, Any] = {
        "int": mysql.INTEGER, "integer": mysql.INTEGER, "bigint": mysql.BIGINT,
        "smallint": mysql.SMALLINT, "tinyint": mysql.TINYINT, "mediumint": mysql.MEDIUMINT,
    }  # fmt: skip
    if base in ints:
        return ints[base](unsigned=unsigned)
    if unsigned:
        return None
    simple: dict[str, Any] = {
        "boolean": mysql.BOOLEAN, "text": mysql.TEXT, "tinytext": mysql.TINYTEXT,
        "mediumtext": mysql.MEDIUMTEXT, "longtext": mysql.LONGTEXT, "json": mysql.JSON,
        "datetime": mysql.DATETIME, "timestamp": mysql.TIMESTAMP, "date": mysql.DATE,
        "time": mysql.TIME, "double": mysql.DOUBLE, "blob": mysql.BLOB, "tinyblob": mysql.TINYBLOB,
        "mediumblob": mysql.MEDIUMBLOB, "longblob": mysql.LONGBLOB, "year": mysql.YEAR,
    }  # fmt: skip
    if base in simple:
        return simple[base]()
    if base == "varchar":
        return mysql.VARCHAR(n) if n is not None else None
    if base == "char":
        return mysql.CHAR(n)
    if base == "binary":
        return mysql.BINARY(n)
    if base == "varbinary":
        return mysql.VARBINARY(n) if n is not None else None
    if base in ("decimal", "numeric"):
        return mysql.DECIMAL(p, s) if p is not None else mysql.DECIMAL()
    if base == "float":
        return mysql.FLOAT(p, s) if p is not None and s is not None else mysql.FLOAT()
    if base in _SPATIAL:
        return Spatial(base)
    return None


def _native_sqlite(dt: str, n: int | None, p: int | None, s: int | None) -> Any:
    import sqlalchemy as sa

    simple: dict[str, Any] = {
        "integer": sa.INTEGER, "int": sa.INTEGER, "bigint": sa.BIGINT, "smallint": sa.SMALLINT,
        "text": sa.TEXT, "boolean": sa.BOOLEAN, "float": sa.FLOAT, "real": sa.REAL,
        "double": sa.DOUBLE, "numeric": sa.NUMERIC, "decimal": sa.DECIMAL, "datetime": sa.DATETIME,
        "date": sa.DATE, "time": sa.TIME, "timestamp": sa.TIMESTAMP, "json": sa.JSON,
        "blob": sa.BLOB,
    }  # fmt: skip
    if dt in simple:
        return simple[dt]()
    if dt == "varchar":
        return sa.VARCHAR(n)
    if dt == "char":
        return sa.CHAR(n)
    return None


_NATIVE = {"postgres": _native_postgres, "mysql": _native_mysql, "sqlite": _native_sqlite}


def _knex_type(type_: str, vendor: str, schema: dict[str, Any]) -> Any:
    """The column ``FieldsService.addColumnToTable`` (knex) creates for a Directus ``type``."""
    if vendor == "postgres":
        return _knex_postgres(type_, schema)
    import sqlalchemy as sa

    if vendor == "mysql":
        from sqlalchemy.dialects import mysql
    n = _int(schema.get("max_length"))
    p = _int(schema.get("numeric_precision"))
    s = _scale(schema.get("numeric_scale"))
    if schema.get("has_auto_increment"):
        if vendor == "mysql":
            return mysql.BIGINT(unsigned=True) if type_ == "bigInteger" else mysql.INTEGER(unsigned=True)
        return sa.BIGINT() if type_ == "bigInteger" else sa.INTEGER()
    if type_ in ("string", "hash"):
        return sa.VARCHAR(255 if type_ == "hash" else (n or 255))
    if type_ in ("text", "csv"):
        return sa.TEXT()
    if type_ == "integer":
        return sa.INTEGER()
    if type_ == "bigInteger":
        return sa.BIGINT()
    if type_ == "boolean":
        return sa.BOOLEAN()
    if type_ == "float":
        if vendor == "mysql":
            return mysql.FLOAT(p or DEFAULT_PRECISION, DEFAULT_SCALE if s is None else s)
        return sa.FLOAT()
    if type_ == "decimal":
        return sa.DECIMAL(p or DEFAULT_PRECISION, DEFAULT_SCALE if s is None else s)
    if type_ == "date":
        return sa.DATE()
    if type_ == "time":
        return sa.TIME()
    if type_ == "dateTime":
        return sa.DATETIME()
    if type_ == "timestamp":
        return mysql.TIMESTAMP() if vendor == "mysql" else sa.DATETIME()
    if type_ == "json":
        return sa.JSON()
    if type_ == "uuid":
        return sa.CHAR(36)
    if type_ == "binary":
        return sa.LargeBinary()
    if type_.startswith("geometry"):
        sub = type_.split(".", 1)[1].lower() if "." in type_ else "geometry"
        return Spatial(sub) if sub in _SPATIAL else None
    return None


def column_type(field: dict[str, Any], vendor: str, *, native: bool) -> Any:
    """The column type of a snapshot field on ``vendor``: a :class:`PgType` on PostgreSQL, a
    SQLAlchemy type elsewhere.

    ``native``: the plan's snapshots are of the same vendor, so ``schema.data_type`` (with its
    lengths) is reproduced exactly; otherwise, or for a type the allowlist does not know, the
    Directus ``type`` decides as in Directus's own apply."""
    schema = field.get("schema") or {}
    type_ = str(field.get("type") or "")
    dt = str(schema.get("data_type") or "").lower()
    n = _int(schema.get("max_length"))
    p = _int(schema.get("numeric_precision"))
    s = _scale(schema.get("numeric_scale"))
    result: Any = None
    if native and dt:
        if vendor == "mysql" and type_ == "json" and dt == "longtext":
            from sqlalchemy.dialects import mysql

            result = mysql.JSON()  # MariaDB reports its JSON alias as longtext
        elif vendor == "sqlite" and dt in ("float", "decimal") and type_ in ("float", "decimal"):
            import sqlalchemy as sa

            result = sa.FLOAT() if dt == "float" else sa.DECIMAL()
        else:
            result = _NATIVE[vendor](dt, n, p, s)
    if result is None:
        result = _knex_type(type_, vendor, schema)
    if result is None:
        what = f"{field.get('collection')}.{field.get('field')}"
        raise TargetError(
            f"field {what[:120]}: cannot create a column of type {type_!r}"
            + (f" (data type {dt[:40]!r})" if dt else "")
            + f" on {vendor}"
        )
    return result


# -- defaults ------------------------------------------------------------------------------------------------


class SqlText(str):
    """A default written as SQL as it is (``now()``, ``true``, ``3``), not as a quoted literal."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return str(self)


def server_default(field: dict[str, Any], vendor: str) -> SqlText | str | None:
    """The server default for a field's ``schema.default_value`` (None: no default): a
    :class:`SqlText` written as it is, or a ``str`` written as a quoted string literal.

    Numbers and booleans are written as literals, the time functions Directus allows
    (``now()``, ``CURRENT_TIMESTAMP[(n)]``, ``gen_random_uuid()``) raw, every other value as a
    quoted string literal (objects as their JSON text)."""
    schema = field.get("schema") or {}
    value = schema.get("default_value")
    if value is None or schema.get("has_auto_increment"):
        return None
    if isinstance(value, bool):
        if vendor == "postgres":
            return SqlText("true" if value else "false")
        return SqlText("1" if value else "0") if vendor == "mysql" else "1" if value else "0"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise TargetError(f"default {value!r} cannot be written")
        text = js_json(value)
        if vendor == "postgres" and text.startswith("-"):
            return text  # quoted, as PostgreSQL itself shows negative literals
        return SqlText(text)
    if isinstance(value, (dict, list)):
        return js_json(value)
    if isinstance(value, str):
        if value.lower() == "now()" or value == "CURRENT_TIMESTAMP":
            return SqlText(value if vendor == "postgres" else "CURRENT_TIMESTAMP")
        if _TIMESTAMP_PRECISION.match(value):
            return SqlText(value)
        if value == "gen_random_uuid()" and vendor == "postgres":
            return SqlText(value)
        # Directus's inspectors strip the outer quotes of the SQL literal but keep its doubled
        # quotes: undo that, so the default reads back as the same text
        return value.replace("''", "'")
    raise TargetError(f"default {value!r} cannot be written")


def sa_default(default: Any) -> Any:
    """A :func:`server_default` as SQLAlchemy and alembic take it (``text()`` for raw SQL)."""
    if isinstance(default, SqlText):
        import sqlalchemy as sa

        return sa.text(str(default))
    return default


def sa_type(type_: Any) -> Any:
    """A :func:`column_type` as SQLAlchemy and alembic take it."""
    return type_.to_sa() if isinstance(type_, PgType) else type_


def sa_alter_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    """``alter_column`` arguments with their types and defaults as alembic takes them."""
    out = dict(kw)
    for key in ("type_", "existing_type"):
        if key in out:
            out[key] = sa_type(out[key])
    for key in ("server_default", "existing_server_default"):
        if key in out:
            out[key] = sa_default(out[key])
    return out


# -- columns ------------------------------------------------------------------------------------------------


def is_column(field: dict[str, Any]) -> bool:
    """Whether a field is stored in a column (has ``schema``, not an alias type)."""
    return bool(field.get("schema")) and field.get("type") not in ALIAS_TYPES


def creatable(field: dict[str, Any], vendor: str, *, native: bool) -> bool:
    """A column drift can create: any known type, and an ``unknown`` one (which Directus itself
    skips) when its ``data_type`` is on the vendor's allowlist."""
    if not is_column(field):
        return False
    if field.get("type") != "unknown":
        return True
    try:
        column_type(field, vendor, native=native)
    except TargetError:
        return False
    return True


class ColumnDef:
    """One column to create: what :func:`build_column` decides, before any SQLAlchemy object exists.

    :meth:`to_sa` makes the SQLAlchemy ``Column`` that alembic's operations take; PostgreSQL's text
    renderer (:class:`TextOps`) reads the fields directly."""

    __slots__ = ("autoincrement", "name", "nullable", "primary_key", "server_default", "type")

    def __init__(self, name: str, type_: Any, *, primary_key: bool, autoincrement: bool,
                 nullable: bool, server_default: Any) -> None:
        self.name = name
        self.type = type_
        self.primary_key = primary_key
        self.autoincrement = autoincrement
        self.nullable = nullable
        self.server_default = server_default

    def to_sa(self) -> Any:
        import sqlalchemy as sa

        kw: dict[str, Any] = {}
        if self.server_default is not None:
            kw["server_default"] = sa_default(self.server_default)
        return sa.Column(q(self.name), sa_type(self.type), primary_key=self.primary_key,
                         autoincrement=self.autoincrement, nullable=self.nullable, **kw)


def build_column(field: dict[str, Any], vendor: str, *, native: bool) -> ColumnDef:
    schema = field.get("schema") or {}
    name = check_identifier(field.get("field"), vendor, "field")
    pk = bool(schema.get("is_primary_key"))
    return ColumnDef(
        name,
        column_type(field, vendor, native=native),
        primary_key=pk,
        autoincrement=bool(schema.get("has_auto_increment")),
        nullable=False if pk else schema.get("is_nullable") is not False,
        server_default=server_default(field, vendor),
    )


# -- emitting ---------------------------------------------------------------------------------------------------


def render_dialect(live: Dialect) -> Dialect:
    """A copy of the connection's dialect (server version, MariaDB, backslash escapes) that renders
    statements for verbatim execution: named paramstyle, so no ``%`` is doubled."""
    d = copy.copy(live)
    d.paramstyle = "named"
    d.positional = False
    d.identifier_preparer = d.preparer(d)
    return d


def pg_render_dialect(backslash_escapes: bool) -> Dialect:
    """SQLAlchemy's PostgreSQL dialect set up as :class:`TextOps` renders (for alembic)."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    live = PGDialect_psycopg()
    live._backslash_escapes = backslash_escapes
    return render_dialect(live)


class Literals:
    """SQL literals exactly as the dialect's compiler renders them with ``literal_binds`` (its
    types' literal processors: ``String``'s quote doubling, ``Boolean``, numbers; then the
    compiler's backslash escaping where the server reads backslashes as escapes), one cached type
    per Python type, without building a statement object per value."""

    def __init__(self, dialect: Dialect) -> None:
        self.compiler = dialect.statement_compiler(dialect, None)
        self._types: dict[type, Any] = {}

    def __call__(self, value: Any) -> str:
        if value is None:
            return "NULL"
        kind = type(value)
        type_ = self._types.get(kind)
        if type_ is None:
            if kind not in (str, int, float, bool):
                raise TargetError(f"cannot write a {kind.__name__} value")
            import sqlalchemy as sa

            type_ = self._types[kind] = sa.literal(value).type
        return self.compiler.render_literal_value(value, type_)  # type: ignore[no-any-return]


class PgLiterals:
    """PostgreSQL literals as SQLAlchemy's PostgreSQL compiler renders them with ``literal_binds``:
    a string in single quotes with quotes doubled (and backslashes doubled when the server reads
    them as escapes, ``standard_conforming_strings`` off), ``true``/``false``, numbers as Python
    writes them, ``NULL``."""

    def __init__(self, backslash_escapes: bool) -> None:
        self.backslash_escapes = backslash_escapes

    def __call__(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            text = value.replace("'", "''")
            if self.backslash_escapes:
                text = text.replace("\\", "\\\\")
            return f"'{text}'"
        if value is None:
            return "NULL"
        if kind is bool:
            return "true" if value else "false"
        if kind is int or kind is float:
            return str(value)
        raise TargetError(f"cannot write a {kind.__name__} value")


class TextOps:
    """PostgreSQL DDL rendered as text, with no SQLAlchemy: the same statements SQLAlchemy's DDL
    compiler and alembic's operations give (same quoting, same spelling), without building a
    ``MetaData``/``Table`` and compiling it per operation. Every identifier goes through
    :func:`pg_quote` (always quoted, quotes doubled); types come from the allowlist
    (:func:`column_type`, :class:`PgType`); defaults are string literals or the few raw expressions
    :func:`server_default` allows. A table whose key column SQLAlchemy would render in an unusual
    way (see :meth:`_plain`) goes to alembic."""

    def __init__(self, emitter: Emitter) -> None:
        self.em = emitter
        self.qi = pg_quote
        self.literal = emitter.literal
        self.max_name = PG_MAX_NAME

    def _name(self, name: Any) -> str:
        """A constraint or index name, checked as SQLAlchemy checks it, quoted."""
        if len(str(name)) > self.max_name:
            raise TargetError(f"name {str(name)[:40]!r}… is longer than {self.max_name} characters")
        return self.qi(str(name))

    def _default(self, default: Any) -> str:
        return default.text if isinstance(default, SqlText) else self.literal(str(default))

    def _colspec(self, col: ColumnDef, serial: bool) -> str:
        spec = self.qi(col.name)
        if serial:
            kind = col.type.integer
            spec += " BIGSERIAL" if kind == "bigint" else " SMALLSERIAL" if kind == "smallint" else " SERIAL"
        else:
            spec += " " + col.type.sql
            if col.server_default is not None:
                spec += " DEFAULT " + self._default(col.server_default)
        if not col.nullable:
            spec += " NOT NULL"
        return spec

    @staticmethod
    def _serial(cols: list[ColumnDef]) -> ColumnDef | None:
        """The table's autoincrement column as SQLAlchemy picks it (primary key, marked
        autoincrement); None also when SQLAlchemy would refuse (see :meth:`_plain`)."""
        auto = [c for c in cols if c.primary_key and c.autoincrement]
        return auto[0] if len(auto) == 1 else None

    @staticmethod
    def _plain(cols: list[ColumnDef]) -> bool:
        """Columns this renderer handles exactly: at most one autoincrement key column, of an
        integer type, and no server default on it."""
        auto = [c for c in cols if c.primary_key and c.autoincrement]
        return len(auto) <= 1 and all(
            isinstance(c.type, PgType) and c.type.integer is not None and c.server_default is None for c in auto
        )

    def create_table(self, name: Any, *cols: ColumnDef, **kw: Any) -> None:
        columns = list(cols)
        if kw or not self._plain(columns):
            self.em.alembic.create_table(q(name), *columns, **kw)
            return
        serial = self._serial(columns)
        parts = [self._colspec(c, c is serial) for c in columns]
        pk = [c for c in columns if c.primary_key]
        if pk:
            if serial is not None:  # SQLAlchemy lists the autoincrement column first
                pk = [serial] + [c for c in pk if c is not serial]
            parts.append("PRIMARY KEY (" + ", ".join(self.qi(c.name) for c in pk) + ")")
        self.em.record(f"CREATE TABLE {self.qi(name)} (\n    " + ", \n    ".join(parts) + "\n)")

    def drop_table(self, name: Any) -> None:
        self.em.record(f"DROP TABLE {self.qi(name)}")

    def add_column(self, table: Any, col: ColumnDef) -> None:
        if not self._plain([col]) or col.primary_key:
            self.em.alembic.add_column(q(table), col)
            return
        self.em.record(f"ALTER TABLE {self.qi(table)} ADD COLUMN {self._colspec(col, False)}")

    def drop_column(self, table: Any, column: Any) -> None:
        self.em.record(f"ALTER TABLE {self.qi(table)} DROP COLUMN {self.qi(column)}")

    def alter_column(self, table: Any, column: Any, *, type_: PgType | None = None,
                     postgresql_using: str | None = None, nullable: bool | None = None,
                     server_default: Any = False, **existing: Any) -> None:
        """alembic's PostgreSQL ``alter_column``: the type (with ``USING``), then ``NULL``-ness,
        then the default, one statement each (``existing_*`` values change nothing here)."""
        head = f"ALTER TABLE {self.qi(table)} ALTER COLUMN {self.qi(column)}"
        if type_ is not None:
            self.em.record(f"{head} TYPE {type_.sql}" + (f" USING {postgresql_using}" if postgresql_using else ""))
        if nullable is not None:
            self.em.record(f"{head} {'DROP' if nullable else 'SET'} NOT NULL")
        if server_default is not False:
            if server_default is None:
                self.em.record(f"{head} DROP DEFAULT")
            else:
                self.em.record(f"{head} SET DEFAULT {self._default(server_default)}")

    def create_index(self, name: Any, table: Any, columns: list[Any], unique: bool = False) -> None:
        cols = ", ".join(self.qi(c) for c in columns)
        self.em.record(f"CREATE {'UNIQUE ' if unique else ''}INDEX {self._name(name)} ON {self.qi(table)} ({cols})")

    def drop_index(self, name: Any, table: Any) -> None:
        self.em.record(f"DROP INDEX {self._name(name)}")

    def create_unique_constraint(self, name: Any, table: Any, columns: list[Any]) -> None:
        cols = ", ".join(self.qi(c) for c in columns)
        self.em.record(f"ALTER TABLE {self.qi(table)} ADD CONSTRAINT {self._name(name)} UNIQUE ({cols})")

    def drop_constraint(self, name: Any, table: Any, type_: str | None = None) -> None:
        self.em.record(f"ALTER TABLE {self.qi(table)} DROP CONSTRAINT {self._name(name)}")

    def create_foreign_key(self, name: Any, source: Any, referent: Any, local: list[Any], remote: list[Any],
                           ondelete: str | None = None, onupdate: str | None = None) -> None:
        for action in (ondelete, onupdate):
            if action is not None and action.upper() not in _FK_ACTIONS:
                raise TargetError(f"{action[:40]!r} is not a foreign-key action")
        text = (
            f"ALTER TABLE {self.qi(source)} ADD CONSTRAINT {self._name(name)} "
            f"FOREIGN KEY({', '.join(self.qi(c) for c in local)}) "
            f"REFERENCES {self.qi(referent)} ({', '.join(self.qi(c) for c in remote)})"
        )
        if ondelete is not None:
            text += f" ON DELETE {ondelete}"
        if onupdate is not None:
            text += f" ON UPDATE {onupdate}"
        self.em.record(text)


class _AlembicOps:
    """alembic's ``Operations``, taking :class:`ColumnDef`, :class:`PgType` and :func:`server_default`
    values where it takes SQLAlchemy's ``Column``, types and ``text()``."""

    def __init__(self, ops: Any) -> None:
        self.ops = ops

    def create_table(self, name: Any, *cols: Any, **kw: Any) -> Any:
        return self.ops.create_table(name, *(c.to_sa() if isinstance(c, ColumnDef) else c for c in cols), **kw)

    def add_column(self, table: Any, col: Any, **kw: Any) -> Any:
        return self.ops.add_column(table, col.to_sa() if isinstance(col, ColumnDef) else col, **kw)

    def alter_column(self, table: Any, column: Any, **kw: Any) -> Any:
        return self.ops.alter_column(table, column, **sa_alter_kwargs(kw))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ops, name)


class _Sink:
    def __init__(self, emitter: Emitter) -> None:
        self.emitter = emitter

    def write(self, text: str) -> None:
        stmt = text.strip()
        if stmt.endswith(";"):
            stmt = stmt[:-1].rstrip()
        if stmt:
            self.emitter.record(stmt)

    def flush(self) -> None:
        pass


_DIALECT_VENDORS = {"postgresql": "postgres", "mariadb": "mysql"}


class Emitter:
    """Where DDL and row statements go, grouped by the plan change they belong to.

    Offline (``conn`` None): statements are rendered as text with literal values — on PostgreSQL
    by :class:`TextOps` (no SQLAlchemy: :meth:`postgres`), elsewhere by alembic's operations in
    "as SQL" mode. Online (SQLite): alembic executes each operation on ``conn`` (its batch mode
    reads the table as it is) and the statements are recorded as they run. alembic is imported
    only when it is used.
    """

    def __init__(self, dialect: Dialect | None, conn: Connection | None = None, *,
                 backslash_escapes: bool = False) -> None:
        self.conn = conn
        self.steps: list[dict[str, Any]] = []
        self._current: list[str] | None = None
        self._alembic: Any = None
        # the vendor as a snapshot names it (a ``mariadb+`` URL's dialect is MySQL's)
        self.vendor = "postgres" if dialect is None else _DIALECT_VENDORS.get(dialect.name, dialect.name)
        self._dialect = render_dialect(dialect) if dialect is not None else None
        if self.vendor == "postgres" and conn is None:
            if dialect is not None:
                backslash_escapes = bool(getattr(dialect, "_backslash_escapes", False))
            self.backslash_escapes = backslash_escapes
            self.literal: Any = PgLiterals(backslash_escapes)
            self.qi: Any = pg_quote
            self.op: Any = TextOps(self)
            return
        assert self._dialect is not None, "only PostgreSQL is rendered without a SQLAlchemy dialect"
        self.literal = Literals(self._dialect)
        self.qi = self._dialect.identifier_preparer.quote_identifier
        if conn is not None:
            from sqlalchemy import event

            event.listen(conn, "before_cursor_execute", self._seen)
        self.op = _LazyOps(self)

    @classmethod
    def postgres(cls, *, backslash_escapes: bool = False) -> Emitter:
        """PostgreSQL statements as text, with no SQLAlchemy (``backslash_escapes``: the server has
        ``standard_conforming_strings`` off)."""
        return cls(None, backslash_escapes=backslash_escapes)

    @property
    def dialect(self) -> Dialect:
        """The SQLAlchemy dialect statements are rendered for (on PostgreSQL, built on first use)."""
        if self._dialect is None:
            self._dialect = pg_render_dialect(self.backslash_escapes)
        return self._dialect

    def name(self, name: Any) -> Any:
        """An identifier as this emitter's operations take it: text for :class:`TextOps`, which
        always quotes, ``quoted_name(…, quote=True)`` for SQLAlchemy and alembic."""
        return str(name) if isinstance(self.op, TextOps) else q(name)

    @property
    def alembic(self) -> Any:
        """alembic's operations on this emitter (built on first use)."""
        if self._alembic is None:
            from alembic.migration import MigrationContext
            from alembic.operations import Operations

            if self.conn is None:
                ctx = MigrationContext.configure(
                    dialect=self.dialect,
                    opts={"as_sql": True, "output_buffer": _Sink(self), "literal_binds": True},
                )
            else:
                ctx = MigrationContext.configure(connection=self.conn, opts={})
            self._alembic = _AlembicOps(Operations(ctx))
        return self._alembic

    @property
    def online(self) -> bool:
        return self.conn is not None

    def close(self) -> None:
        if self.conn is not None:
            from sqlalchemy import event

            event.remove(self.conn, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self._current is None:
            return
        head = statement.lstrip()[:7].upper()
        if head.startswith(("PRAGMA", "SELECT")):
            return  # reading the table (batch mode reflects it): not a change
        statement = statement.replace("\t", "    ")
        if parameters:
            statement = f"{statement} -- {parameters!r}"
        self.record(statement.strip())

    def record(self, statement: str) -> None:
        if self._current is None:
            raise RuntimeError("statement outside a change")
        self._current.append(statement)

    @contextmanager
    def change(self, key: str) -> Iterator[None]:
        """Statements emitted inside belong to plan change ``key`` (``section:key``)."""
        self._current = []
        try:
            yield
        finally:
            if self._current:
                self.steps.append({"change": key, "statements": self._current})
            self._current = None

    def quote(self, name: str) -> str:
        return self.qi(str(name))  # type: ignore[no-any-return]

    def sql(self, element: Any) -> None:
        """A Core statement (insert/update/delete, DDL element): rendered with literal values
        offline, executed as that same text online."""
        text = str(element.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))
        self.raw(text)

    def raw(self, text: str) -> None:
        if self.conn is None:
            self.record(text)
        else:
            self.conn.exec_driver_sql(text)


class _LazyOps:
    """The emitter's alembic operations, created when the first one is called."""

    def __init__(self, emitter: Emitter) -> None:
        self.em = emitter

    def __getattr__(self, name: str) -> Any:
        return getattr(self.em.alembic, name)


__all__ = [
    "ALIAS_TYPES",
    "ColumnDef",
    "Emitter",
    "Literals",
    "PgLiterals",
    "PgType",
    "SqlText",
    "TextOps",
    "build_column",
    "check_identifier",
    "column_type",
    "default_index_name",
    "is_column",
    "pg_quote",
    "q",
    "render_dialect",
    "sa_alter_kwargs",
    "sa_default",
    "sa_type",
    "server_default",
    "simple_hash",
]
