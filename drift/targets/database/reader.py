"""One read session on a database: every catalog query goes through here and is counted.

The database target promises that the number of round trips does not grow with the number of
tables; :class:`Reader` counts them so tests and benchmarks can check it. It also reads whole
tables with the driver's column types at hand, which the dialect modules need to deliver values
the way the Node.js drivers Directus uses would.

On PostgreSQL through psycopg 3, :meth:`Reader.rows` runs on a cursor of the driver connection
itself (same connection, same transaction as the SQLAlchemy one): rows come back as plain tuples
without SQLAlchemy's result layer, and ``json``/``jsonb`` values are parsed straight into the
values ``JSON.parse`` gives Node.js (see :func:`js_json_loads`), so the dialect code needs no
per-value conversion for them. Other drivers go through SQLAlchemy with the same results. A psycopg
connection may also be handed over as it is (applying a plan connects with psycopg alone): then
no SQLAlchemy is involved at all, and the driver's own errors are raised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from drift.snapshot.js import normalize_number

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# SQLAlchemy text()'s bind-parameter syntax (``:name``, not ``::cast``)
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def _js_int(text_: str) -> int | float:
    return normalize_number(int(text_))


def _js_float(text_: str) -> int | float:
    return normalize_number(float(text_))


def js_json_loads(data: Any) -> Any:
    """JSON text (bytes or str) as Node.js's ``JSON.parse`` holds it: every number a double
    (integral ones as ``int``, integers beyond 2**53 rounded)."""
    if not isinstance(data, str):
        data = bytes(data).decode("utf-8")
    return json.loads(data, parse_int=_js_int, parse_float=_js_float)


class Reader:
    """A SQLAlchemy connection (or a psycopg connection itself) plus a round-trip counter."""

    def __init__(self, conn: Connection | Any) -> None:
        self.conn = conn
        self.round_trips = 0
        self._cursor: Any = None
        self._psycopg: bool | None = None
        # a psycopg connection handed over as it is, not wrapped by SQLAlchemy
        self._driver: Any = conn if hasattr(conn, "pgconn") else None

    # -- SQLAlchemy level --------------------------------------------------------------------
    def all(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run ``sql`` (SQLAlchemy ``text`` with ``:name`` parameters); rows as dicts."""
        names, rows = self.rows(sql, params)
        return [dict(zip(names, row)) for row in rows]

    def raw(self, sql: str) -> tuple[list[tuple[Any, ...]], Sequence[Any]]:
        """Run driver-level SQL (no parameters); rows as tuples plus the DB-API description."""
        if self.fast:
            cur = self._driver_cursor()
            self.round_trips += 1
            with self._errors(sql):
                cur.execute(sql)
                return cur.fetchall(), cur.description or ()
        self.round_trips += 1
        result = self.conn.exec_driver_sql(sql)
        description = result.cursor.description if result.cursor is not None else ()
        rows = [tuple(r) for r in result.fetchall()]
        return rows, description or ()

    def rows(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run ``sql`` (``:name`` parameters); column names and rows as tuples."""
        if self.fast:
            cur = self._driver_cursor()
            self.round_trips += 1
            with self._errors(sql):
                if params:
                    cur.execute(_BIND.sub(r"%(\1)s", sql), dict(params))
                else:
                    cur.execute(sql)
                names = [d[0] for d in cur.description or ()]
                return names, cur.fetchall()
        from sqlalchemy import text

        self.round_trips += 1
        result = self.conn.execute(text(sql), dict(params or {}))
        return list(result.keys()), [tuple(r) for r in result.fetchall()]

    def quote(self, name: str) -> str:
        if self._driver is not None:  # PostgreSQL's quoting, as the dialect's quote_identifier
            return '"' + name.replace('"', '""') + '"'
        return self.conn.dialect.identifier_preparer.quote_identifier(name)  # type: ignore[no-any-return]

    # -- the driver's own cursor (psycopg 3) ---------------------------------------------------
    @property
    def fast(self) -> bool:
        """True when queries run on a psycopg 3 cursor of the same connection."""
        if self._psycopg is None:
            driver = self._driver
            if driver is None:
                driver = getattr(self.conn.connection, "driver_connection", None)
            self._psycopg = type(driver).__module__.split(".")[
                0
            ] == "psycopg" and hasattr(driver, "adapters")
        return self._psycopg

    def _driver_cursor(self) -> Any:
        if self._cursor is None:
            from psycopg.types.json import set_json_loads

            driver = self._driver if self._driver is not None else self.conn.connection.driver_connection
            cur = driver.cursor()
            # only this cursor parses JSON the JavaScript way; the connection is left as it was
            set_json_loads(js_json_loads, cur)
            self._cursor = cur
        return self._cursor

    @contextmanager
    def _errors(self, sql: str) -> Iterator[None]:
        """Driver errors raised as SQLAlchemy's ``DBAPIError``, as on the SQLAlchemy path (a bare
        psycopg connection's own errors stay as they are)."""
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            if self._driver is not None:
                raise
            from sqlalchemy import exc as sa_exc

            raise sa_exc.DBAPIError.instance(sql, None, exc, psycopg.Error) from exc

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
