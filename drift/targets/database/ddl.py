"""Dialect-correct DDL for one snapshot field, table, index or foreign key.

This module owns turning Directus snapshot entities (a field's ``type`` and ``schema``, a
relation's ``schema``) into SQLAlchemy column types, server defaults and columns, and emitting the
DDL, so PostgreSQL, MySQL/MariaDB and SQLite each get their own syntax (``ALTER COLUMN … TYPE …
USING``, ``MODIFY``, SQLite's copy-and-move "batch" rebuild). On PostgreSQL the common operations
(tables, columns, indexes, constraints) are written as text by :class:`TextOps` with the dialect's
identifier preparer, type compiler and literal processors — the very text SQLAlchemy and alembic
render, without their per-operation object building; everything else goes through alembic's
operations, imported only then. Every identifier is quoted by the dialect (``quoted_name(…,
quote=True)`` or ``quote_identifier``), so a name from a plan is never read as SQL. Types come from an allowlist per vendor (the snapshot's
``data_type`` when the plan was made against the same vendor, else Directus's own
``addColumnToTable`` mapping from the Directus ``type``); anything else is refused. An
:class:`Emitter` either renders statements as text ("offline": the preview, and what PostgreSQL
and MySQL then execute verbatim) or runs them on a live connection and records them ("online":
SQLite, whose batch rebuilds read the table as it is at that moment).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.elements import TextClause, quoted_name
from sqlalchemy.types import TypeEngine

from drift.errors import TargetError
from drift.snapshot.js import js_json

# Directus's defaults for float/decimal without precision (DEFAULT_NUMERIC_PRECISION/SCALE)
DEFAULT_PRECISION = 10
DEFAULT_SCALE = 5
# the longest identifier each vendor keeps as written (PostgreSQL silently truncates; MySQL refuses)
IDENTIFIER_LIMITS = {"postgres": 63, "mysql": 64, "sqlite": None}
ALIAS_TYPES = ("alias", "o2m", "m2m", "m2a", "o2a", "files", "translations")
_FK_ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")
_TIMESTAMP_PRECISION = re.compile(r"CURRENT_TIMESTAMP\(([0-6])\)\Z")


def q(name: str) -> quoted_name:
    """An identifier the dialect will always quote."""
    return quoted_name(str(name), quote=True)


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


_SPATIAL = {
    "geometry": "GEOMETRY", "point": "POINT", "linestring": "LINESTRING", "polygon": "POLYGON",
    "multipoint": "MULTIPOINT", "multilinestring": "MULTILINESTRING", "multipolygon": "MULTIPOLYGON",
    "geometrycollection": "GEOMETRYCOLLECTION",
}  # fmt: skip


class Spatial(sa.types.UserDefinedType[Any]):
    """A MySQL/SQLite spatial column (``specificType`` in Directus); names from a fixed list only."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        if name.lower() not in _SPATIAL:
            raise TargetError(f"unknown spatial type {name[:40]!r}")
        self.name = name.lower()

    def get_col_spec(self, **kw: Any) -> str:
        return _SPATIAL[self.name]


def _native_postgres(dt: str, n: int | None, p: int | None, s: int | None) -> TypeEngine[Any] | None:
    from sqlalchemy.dialects import postgresql

    simple: dict[str, Any] = {
        "integer": sa.INTEGER, "bigint": sa.BIGINT, "smallint": sa.SMALLINT, "text": sa.TEXT,
        "uuid": postgresql.UUID, "boolean": sa.BOOLEAN, "json": postgresql.JSON,
        "jsonb": postgresql.JSONB, "real": sa.REAL, "double precision": postgresql.DOUBLE_PRECISION,
        "date": sa.DATE, "bytea": postgresql.BYTEA, "inet": postgresql.INET, "cidr": postgresql.CIDR,
        "interval": postgresql.INTERVAL, "money": postgresql.MONEY,
    }  # fmt: skip
    if dt in simple:
        return simple[dt]()  # type: ignore[no-any-return]
    if dt == "character varying":
        return sa.VARCHAR(n)
    if dt == "character":
        return sa.CHAR(n)
    if dt == "numeric":
        return sa.NUMERIC(p, s) if p is not None else sa.NUMERIC()
    if dt in ("time without time zone", "time with time zone"):
        return postgresql.TIME(timezone=dt == "time with time zone")
    if dt in ("timestamp without time zone", "timestamp with time zone"):
        return postgresql.TIMESTAMP(timezone=dt == "timestamp with time zone")
    return None


def _native_mysql(dt: str, n: int | None, p: int | None, s: int | None) -> TypeEngine[Any] | None:
    from sqlalchemy.dialects import mysql

    unsigned = dt.endswith(" unsigned")
    base = dt[: -len(" unsigned")] if unsigned else dt
    ints: dict[str, Any] = {
        "int": mysql.INTEGER, "integer": mysql.INTEGER, "bigint": mysql.BIGINT,
        "smallint": mysql.SMALLINT, "tinyint": mysql.TINYINT, "mediumint": mysql.MEDIUMINT,
    }  # fmt: skip
    if base in ints:
        return ints[base](unsigned=unsigned)  # type: ignore[no-any-return]
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
        return simple[base]()  # type: ignore[no-any-return]
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


def _native_sqlite(dt: str, n: int | None, p: int | None, s: int | None) -> TypeEngine[Any] | None:
    simple: dict[str, Any] = {
        "integer": sa.INTEGER, "int": sa.INTEGER, "bigint": sa.BIGINT, "smallint": sa.SMALLINT,
        "text": sa.TEXT, "boolean": sa.BOOLEAN, "float": sa.FLOAT, "real": sa.REAL,
        "double": sa.DOUBLE, "numeric": sa.NUMERIC, "decimal": sa.DECIMAL, "datetime": sa.DATETIME,
        "date": sa.DATE, "time": sa.TIME, "timestamp": sa.TIMESTAMP, "json": sa.JSON,
        "blob": sa.BLOB,
    }  # fmt: skip
    if dt in simple:
        return simple[dt]()  # type: ignore[no-any-return]
    if dt == "varchar":
        return sa.VARCHAR(n)
    if dt == "char":
        return sa.CHAR(n)
    return None


_NATIVE = {"postgres": _native_postgres, "mysql": _native_mysql, "sqlite": _native_sqlite}


def _knex_type(type_: str, vendor: str, schema: dict[str, Any]) -> TypeEngine[Any] | None:
    """The column ``FieldsService.addColumnToTable`` (knex) creates for a Directus ``type``."""
    # each vendor's dialect module is imported only when that vendor is in use
    if vendor == "postgres":
        from sqlalchemy.dialects import postgresql
    elif vendor == "mysql":
        from sqlalchemy.dialects import mysql
    n = _int(schema.get("max_length"))
    p = _int(schema.get("numeric_precision"))
    s = schema.get("numeric_scale")
    s = s if isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 1000 else None
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
        if vendor == "postgres":
            return sa.REAL()
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
        return postgresql.TIMESTAMP(timezone=False) if vendor == "postgres" else sa.DATETIME()
    if type_ == "timestamp":
        if vendor == "postgres":
            return postgresql.TIMESTAMP(timezone=True)
        return mysql.TIMESTAMP() if vendor == "mysql" else sa.DATETIME()
    if type_ == "json":
        return postgresql.JSON() if vendor == "postgres" else sa.JSON()
    if type_ == "uuid":
        return postgresql.UUID() if vendor == "postgres" else sa.CHAR(36)
    if type_ == "binary":
        return sa.LargeBinary()
    if type_.startswith("geometry") and vendor in ("mysql", "sqlite"):
        sub = type_.split(".", 1)[1].lower() if "." in type_ else "geometry"
        return Spatial(sub) if sub in _SPATIAL else None
    return None


def column_type(field: dict[str, Any], vendor: str, *, native: bool) -> TypeEngine[Any]:
    """The SQLAlchemy type of a snapshot field on ``vendor``.

    ``native``: the plan's snapshots are of the same vendor, so ``schema.data_type`` (with its
    lengths) is reproduced exactly; otherwise, or for a type the allowlist does not know, the
    Directus ``type`` decides as in Directus's own apply."""
    schema = field.get("schema") or {}
    type_ = str(field.get("type") or "")
    dt = str(schema.get("data_type") or "").lower()
    n = _int(schema.get("max_length"))
    p = _int(schema.get("numeric_precision"))
    s_raw = schema.get("numeric_scale")
    s = s_raw if isinstance(s_raw, int) and not isinstance(s_raw, bool) and 0 <= s_raw < 1000 else None
    result: TypeEngine[Any] | None = None
    if native and dt:
        if vendor == "mysql" and type_ == "json" and dt == "longtext":
            from sqlalchemy.dialects import mysql

            result = mysql.JSON()  # MariaDB reports its JSON alias as longtext
        elif vendor == "sqlite" and dt in ("float", "decimal") and type_ in ("float", "decimal"):
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


def server_default(field: dict[str, Any], vendor: str) -> Any:
    """The ``server_default`` for a field's ``schema.default_value`` (None: no default).

    Numbers and booleans are written as literals, the time functions Directus allows
    (``now()``, ``CURRENT_TIMESTAMP[(n)]``, ``gen_random_uuid()``) raw, every other value as a
    quoted string literal (objects as their JSON text)."""
    schema = field.get("schema") or {}
    value = schema.get("default_value")
    if value is None or schema.get("has_auto_increment"):
        return None
    if isinstance(value, bool):
        if vendor == "postgres":
            return sa.text("true" if value else "false")
        return sa.text("1" if value else "0") if vendor == "mysql" else "1" if value else "0"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise TargetError(f"default {value!r} cannot be written")
        text = js_json(value)
        if vendor == "postgres" and text.startswith("-"):
            return text  # quoted, as PostgreSQL itself shows negative literals
        return sa.text(text)
    if isinstance(value, (dict, list)):
        return js_json(value)
    if isinstance(value, str):
        if value.lower() == "now()" or value == "CURRENT_TIMESTAMP":
            return sa.text(value if vendor == "postgres" else "CURRENT_TIMESTAMP")
        if _TIMESTAMP_PRECISION.match(value):
            return sa.text(value)
        if value == "gen_random_uuid()" and vendor == "postgres":
            return sa.text(value)
        # Directus's inspectors strip the outer quotes of the SQL literal but keep its doubled
        # quotes: undo that, so the default reads back as the same text
        return value.replace("''", "'")
    raise TargetError(f"default {value!r} cannot be written")


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

    def __init__(self, name: str, type_: TypeEngine[Any], *, primary_key: bool, autoincrement: bool,
                 nullable: bool, server_default: Any) -> None:
        self.name = name
        self.type = type_
        self.primary_key = primary_key
        self.autoincrement = autoincrement
        self.nullable = nullable
        self.server_default = server_default

    def to_sa(self) -> sa.Column[Any]:
        kw: dict[str, Any] = {}
        if self.server_default is not None:
            kw["server_default"] = self.server_default
        return sa.Column(q(self.name), self.type, primary_key=self.primary_key,
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


def type_sql(type_: TypeEngine[Any], dialect: Dialect) -> str:
    return type_.compile(dialect=dialect)


# -- emitting ---------------------------------------------------------------------------------------------------


def render_dialect(live: Dialect) -> Dialect:
    """A copy of the connection's dialect (server version, MariaDB, backslash escapes) that renders
    statements for verbatim execution: named paramstyle, so no ``%`` is doubled."""
    d = copy.copy(live)
    d.paramstyle = "named"
    d.positional = False
    d.identifier_preparer = d.preparer(d)
    return d


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
            type_ = self._types[kind] = sa.literal(value).type
        return self.compiler.render_literal_value(value, type_)  # type: ignore[no-any-return]


class TextOps:
    """PostgreSQL DDL rendered as text with the dialect's identifier preparer, type compiler and
    literal processors: the same statements SQLAlchemy's DDL compiler and alembic's operations give
    (same quoting, same spelling), without building a ``MetaData``/``Table`` and compiling it per
    operation. Every identifier goes through ``quote_identifier`` (always quoted, quotes doubled);
    types come from the allowlist (:func:`column_type`) and are compiled by the dialect; defaults
    are literals of the dialect's ``String`` or the few raw expressions :func:`server_default`
    allows. Operations it does not render itself (``alter_column``, batch mode) go to alembic."""

    def __init__(self, emitter: Emitter) -> None:
        self.em = emitter
        self.dialect = emitter.dialect
        self.qi = self.dialect.identifier_preparer.quote_identifier
        self.types = self.dialect.type_compiler_instance
        self.literal = emitter.literal
        self.max_name = self.dialect.max_identifier_length

    def _name(self, name: Any) -> str:
        """A constraint or index name, checked as SQLAlchemy checks it, quoted."""
        if len(str(name)) > self.max_name:
            raise TargetError(f"name {str(name)[:40]!r}… is longer than {self.max_name} characters")
        return self.qi(str(name))

    def _colspec(self, col: ColumnDef, serial: bool) -> str:
        spec = self.qi(col.name)
        if serial:
            if isinstance(col.type, sa.BigInteger):
                spec += " BIGSERIAL"
            elif isinstance(col.type, sa.SmallInteger):
                spec += " SMALLSERIAL"
            else:
                spec += " SERIAL"
        else:
            spec += " " + self.types.process(col.type)
            default = col.server_default
            if default is not None:
                spec += " DEFAULT " + (default.text if isinstance(default, TextClause) else self.literal(str(default)))
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
        return len(auto) <= 1 and all(isinstance(c.type, sa.Integer) and c.server_default is None for c in auto)

    def create_table(self, name: Any, *cols: ColumnDef, **kw: Any) -> None:
        columns = list(cols)
        if kw or not self._plain(columns):
            self.em.alembic.create_table(name, *(c.to_sa() for c in columns), **kw)
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
            self.em.alembic.add_column(table, col.to_sa())
            return
        self.em.record(f"ALTER TABLE {self.qi(table)} ADD COLUMN {self._colspec(col, False)}")

    def drop_column(self, table: Any, column: Any) -> None:
        self.em.record(f"ALTER TABLE {self.qi(table)} DROP COLUMN {self.qi(column)}")

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

    def __getattr__(self, name: str) -> Any:  # alter_column, batch_alter_table, …: alembic
        return getattr(self.em.alembic, name)


class _AlembicOps:
    """alembic's ``Operations``, taking :class:`ColumnDef` where it takes a ``Column``."""

    def __init__(self, ops: Any) -> None:
        self.ops = ops

    def create_table(self, name: Any, *cols: Any, **kw: Any) -> Any:
        return self.ops.create_table(name, *(c.to_sa() if isinstance(c, ColumnDef) else c for c in cols), **kw)

    def add_column(self, table: Any, col: Any, **kw: Any) -> Any:
        return self.ops.add_column(table, col.to_sa() if isinstance(col, ColumnDef) else col, **kw)

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


class Emitter:
    """Where DDL and row statements go, grouped by the plan change they belong to.

    Offline (``conn`` None): statements are rendered as text with literal values — on PostgreSQL
    by :class:`TextOps`, elsewhere by alembic's operations in "as SQL" mode. Online (SQLite):
    alembic executes each operation on ``conn`` (its batch mode reads the table as it is) and the
    statements are recorded as they run. alembic is imported only when it is used.
    """

    def __init__(self, dialect: Dialect, conn: Connection | None = None) -> None:
        self.dialect = render_dialect(dialect)
        self.conn = conn
        self.steps: list[dict[str, Any]] = []
        self._current: list[str] | None = None
        self._alembic: Any = None
        self.literal = Literals(self.dialect)
        self.qi = self.dialect.identifier_preparer.quote_identifier
        if conn is not None:
            event.listen(conn, "before_cursor_execute", self._seen)
        self.op: Any = TextOps(self) if conn is None and self.dialect.name == "postgresql" else _LazyOps(self)

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
        return self.qi(str(name))

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
    "TextOps",
    "build_column",
    "check_identifier",
    "column_type",
    "default_index_name",
    "is_column",
    "q",
    "render_dialect",
    "server_default",
    "simple_hash",
]
