"""One read session on a database: every catalog query goes through here and is counted.

The database target promises that the number of round trips does not grow with the number of
tables; :class:`Reader` counts them so tests and benchmarks can check it. It also reads whole
tables with the driver's column types at hand, which the dialect modules need to deliver values
the way the Node.js drivers Directus uses would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection


class Reader:
    """A SQLAlchemy connection plus a round-trip counter."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.round_trips = 0

    def all(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run ``sql`` (SQLAlchemy ``text`` with ``:name`` parameters); rows as dicts."""
        self.round_trips += 1
        result = self.conn.execute(text(sql), dict(params or {}))
        keys = list(result.keys())
        return [dict(zip(keys, row)) for row in result.fetchall()]

    def raw(self, sql: str) -> tuple[list[tuple[Any, ...]], Sequence[Any]]:
        """Run driver-level SQL (no parameters); rows as tuples plus the DB-API description."""
        self.round_trips += 1
        result = self.conn.exec_driver_sql(sql)
        description = result.cursor.description if result.cursor is not None else ()
        rows = [tuple(r) for r in result.fetchall()]
        return rows, description or ()

    def quote(self, name: str) -> str:
        return self.conn.dialect.identifier_preparer.quote_identifier(name)
