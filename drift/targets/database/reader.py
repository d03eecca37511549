"""One read session on a database: every catalog query goes through here and is counted.

The database target promises that the number of round trips does not grow with the number of
tables; :class:`Reader` counts them so tests and benchmarks can check it. It also reads whole
tables with the driver's column types at hand, which the dialect modules need to deliver values
the way the Node.js drivers Directus uses would.

Queries run on a cursor of the DB-API connection itself, whoever opened it: drift for a snapshot
(a :class:`Session`), or SQLAlchemy when the caller already holds one of its ``Connection`` objects
(the apply reads inside its own transaction; the statements then run on that connection's driver
connection, in that transaction). Rows come back as the driver's plain tuples. On psycopg 3 the
cursor parses ``json``/``jsonb`` values straight into the values ``JSON.parse`` gives Node.js (see
:func:`js_json_loads`), so the dialect code needs no per-value conversion for them; or leaves
them as bytes for that parser to run later (``raw(..., json_bytes=True)``). A reader is used by
one thread at a time (the database target hands it to a reading thread and waits for it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from drift.targets.database.values import _js_float, _js_int

# the ``:name`` bind-parameter syntax of SQLAlchemy's text() (not ``::cast``)
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")

# SQLAlchemy's dialect names -> the vendor as Directus names it
_VENDORS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


# one decoder for every value (``json.loads`` with options builds a new one per call)
_JS_DECODER = json.JSONDecoder(parse_int=_js_int, parse_float=_js_float)


def js_json_loads(data: Any) -> Any:
    """JSON text (bytes or str) as Node.js's ``JSON.parse`` holds it: every number a double
    (integral ones as ``int``, integers beyond 2**53 rounded)."""
    if not isinstance(data, str):
        data = bytes(data).decode("utf-8")
    if data.startswith("\ufeff"):  # json.loads's own error for a byte order mark
        return json.loads(data, parse_int=_js_int, parse_float=_js_float)
    return _JS_DECODER.decode(data)


@dataclass
class Session:
    """A DB-API connection to read on, with what reading needs to know about it."""

    connection: Any  # the driver's own connection
    vendor: str  # "postgres", "mysql" or "sqlite"
    module: Any  # its DB-API module (``paramstyle``, ``Error``)
    sqlalchemy: Any = None  # the SQLAlchemy Connection it belongs to, if any


def run_steps(steps: Iterable[Callable[[], None]]) -> None:
    """Run the steps a reading yields (each puts rows read so far into the catalog), here and in
    order; ``drift.targets.database._meanwhile`` runs them while the reading goes on instead."""
    for step in steps:
        step()


def session_of(conn: Any) -> Session:
    """``conn`` as a :class:`Session`: itself, a psycopg 3 connection, or the driver connection of
    a SQLAlchemy ``Connection`` (same connection, same transaction)."""
    if isinstance(conn, Session):
        return conn
    if hasattr(conn, "pgconn"):  # a psycopg 3 connection itself (applying on PostgreSQL)
        import psycopg

        return Session(connection=conn, vendor="postgres", module=psycopg)
    dialect = conn.dialect
    return Session(
        connection=conn.connection.driver_connection,
        vendor=_VENDORS[dialect.name],
        module=dialect.loaded_dbapi,
        sqlalchemy=conn,
    )


def bind_params(sql: str, params: Mapping[str, Any], paramstyle: str) -> tuple[str, Any]:
    """``sql`` with ``:name`` parameters in the driver's ``paramstyle``, and its parameters."""
    if paramstyle == "named":
        return sql, dict(params)
    if paramstyle in ("pyformat", "format"):
        sql = sql.replace("%", "%%")
    if paramstyle == "pyformat":
        return _BIND.sub(r"%(\1)s", sql), dict(params)
    order: list[str] = []

    def place(m: re.Match[str]) -> str:
        order.append(m.group(1))
        return {
            "format": "%s",
            "qmark": "?",
            "numeric": f":{len(order)}",
            "numeric_dollar": f"${len(order)}",
        }[paramstyle]

    sql = _BIND.sub(place, sql)
    return sql, [params[n] for n in order]


class Reader:
    """A DB-API connection plus a round-trip counter."""

    def __init__(self, conn: Any) -> None:
        self.session = session_of(conn)
        self.conn = conn
        self.round_trips = 0
        self._cursor: Any = None
        self._bytes_cursor: Any = None
        self._psycopg: bool | None = None
        # sqlite3 takes ``:name`` as it is; the others get their own paramstyle
        self._paramstyle = (
            "named" if self.session.vendor == "sqlite" else self.session.module.paramstyle
        )

    def all(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run ``sql`` (with ``:name`` parameters); rows as dicts."""
        names, rows = self.rows(sql, params)
        return [dict(zip(names, row)) for row in rows]

    def raw(
        self, sql: str, *, json_bytes: bool = False
    ) -> tuple[list[tuple[Any, ...]], Sequence[Any]]:
        """Run driver-level SQL (no parameters); rows as tuples plus the DB-API description.
        With ``json_bytes`` on the fast cursor, ``json``/``jsonb`` values are left as the bytes
        :func:`js_json_loads` parses, for the caller to parse when it wants."""
        cur = self._json_bytes_cursor() if json_bytes and self.fast else self._driver_cursor()
        self.round_trips += 1
        with self._errors(sql):
            cur.execute(sql)
            return list(cur.fetchall()), cur.description or ()

    def rows(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run ``sql`` (``:name`` parameters); column names and rows as tuples."""
        cur = self._driver_cursor()
        self.round_trips += 1
        with self._errors(sql):
            if params:
                cur.execute(*bind_params(sql, params, self._paramstyle))
            else:
                cur.execute(sql)
            names = [d[0] for d in cur.description or ()]
            return names, list(cur.fetchall())

    def quote(self, name: str) -> str:
        """An identifier, always quoted (``"x"``; MySQL's ```x```)."""
        if self.session.vendor == "mysql":
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    # -- the driver's cursor -------------------------------------------------------------------
    @property
    def fast(self) -> bool:
        """True when the cursor is psycopg 3's, parsing JSON the JavaScript way."""
        if self._psycopg is None:
            driver = self.session.connection
            self._psycopg = type(driver).__module__.split(".")[
                0
            ] == "psycopg" and hasattr(driver, "adapters")
        return self._psycopg

    def _driver_cursor(self) -> Any:
        if self._cursor is None:
            cur = self.session.connection.cursor()
            if self.fast:
                from psycopg.types.json import set_json_loads

                # only this cursor parses JSON the JavaScript way; the connection is left as it was
                set_json_loads(js_json_loads, cur)
            self._cursor = cur
        return self._cursor

    def _json_bytes_cursor(self) -> Any:
        if self._bytes_cursor is None:
            from psycopg.adapt import Loader

            class JsonBytes(Loader):
                def load(self, data: Any) -> bytes:
                    return bytes(data)

            cur = self.session.connection.cursor()
            cur.adapters.register_loader("json", JsonBytes)
            cur.adapters.register_loader("jsonb", JsonBytes)
            self._bytes_cursor = cur
        return self._bytes_cursor

    @contextmanager
    def _errors(self, sql: str) -> Iterator[None]:
        """Driver errors as they are; on a SQLAlchemy connection, as SQLAlchemy's ``DBAPIError``
        (what the code holding that connection handles)."""
        if self.session.sqlalchemy is None:
            yield
            return
        error = self.session.module.Error
        try:
            yield
        except error as exc:
            from sqlalchemy import exc as sa_exc

            raise sa_exc.DBAPIError.instance(sql, None, exc, error) from exc

    def close(self) -> None:
        for cur in (self._cursor, self._bytes_cursor):
            if cur is not None:
                cur.close()
        self._cursor = self._bytes_cursor = None
