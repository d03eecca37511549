"""The database target: a PostgreSQL, MySQL/MariaDB or SQLite database read directly.

:func:`open_database` is what the target registry calls for a SQLAlchemy URL. A
:class:`DatabaseTarget` reads the whole catalog in one consistent read transaction, in a fixed
number of set-based queries (``postgres``/``mysql``/``sqlite`` modules, same functions each), then
builds the snapshot in Directus mode (the database holds Directus's tables: exactly what Directus's
``GET /schema/snapshot`` returns, :mod:`.directus`) or plain mode (any other database, ``meta:
null``, :mod:`.plain`). Direct catalog queries are used rather than SQLAlchemy's reflection because
the snapshot must carry the raw strings Directus's inspector reports (``regtype`` names, parsed
``pg_get_expr`` defaults, ``COLUMN_TYPE``, declared SQLite types, its own notions of "indexed" and
"unique"), which reflection normalises away, and because reflection on MySQL and SQLite costs
queries per table. It also counts rows that destructive changes would lose.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from drift.errors import TargetError
from drift.targets import TargetOptions
from drift.targets.database import mysql, postgres, sqlite
from drift.targets.database.apply import DatabaseApply
from drift.targets.database.catalog import Catalog
from drift.targets.database.directus import (
    DEFAULT_EXCLUDE_TABLES,
    META_TABLES,
    DirectusRows,
    directus_snapshot,
    is_directus,
    reference_version,
    system_data,
)
from drift.targets.database.plain import plain_snapshot
from drift.targets.database.reader import Reader
from drift.targets.database.url import DatabaseURL, check_driver, parse_database_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

DIALECTS: dict[str, ModuleType] = {
    "postgres": postgres,
    "mysql": mysql,
    "sqlite": sqlite,
}


@dataclass
class Inspection:
    """One consistent reading of a database: its catalog and, in Directus mode, Directus's rows."""

    catalog: Catalog
    directus_rows: DirectusRows | None
    newest_migration: str | None
    round_trips: int

    @property
    def mode(self) -> str:
        return "directus" if self.directus_rows is not None else "plain"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a snapshot is read and built.

    Reading and building allocate a few hundred thousand small dicts and lists that all stay
    alive; the collector would walk them again and again (about half the build time at 1,000
    tables) and find nothing, since none of them is cyclic garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Progress:
    """Stage progress on stderr, only on a terminal and only when asked."""

    def __init__(self, enabled: bool, label: str, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = label
        self.shown = False

    def step(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[2Kdrift: {self.label}: {text}…")
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _reason(db: DatabaseURL, exc: BaseException) -> str:
    """One line saying why the database could not be read (never the password)."""
    orig = getattr(exc, "orig", None) or exc
    text = db.scrub(" ".join(str(orig).split()))
    low = text.lower()
    parts = db.parts
    host = parts.host or "localhost"
    where = f"{host}:{parts.port}" if parts.port else host
    if "password authentication failed" in low or "access denied" in low:
        return f"authentication failed for user {parts.username!r}"
    if "does not exist" in low and "database" in low or "unknown database" in low:
        return f"database {parts.database!r} does not exist"
    if (
        "connection refused" in low
        or "could not connect" in low
        or "can't connect" in low
        or "timeout" in low
        or "timed out" in low
        or "name or service not known" in low
        or "could not translate host name" in low
        or "no route to host" in low
        or "nodename nor servname" in low
    ):
        return f"cannot connect to the server at {where}"
    if "permission denied" in low or "command denied" in low:
        first = text.split(" LINE ")[0]
        return f"permission denied ({first[:200]})"
    # the driver's own first sentence, without its class name
    return text[:300] or type(orig).__name__


class DatabaseTarget(DatabaseApply):  # sql_preview / apply: see .apply
    """A SQL database as a drift target (``kind = "database"``)."""

    kind = "database"

    def __init__(
        self,
        url: DatabaseURL,
        options: TargetOptions | None = None,
        *,
        engine: Engine | None = None,
    ) -> None:
        self.url = url
        self.options = options or TargetOptions()
        self._engine = engine
        self.vendor = url.vendor
        self.dialect = DIALECTS[url.vendor]
        self.last: Inspection | None = None
        self.version_source: str = ""

    # -- protocol ---------------------------------------------------------------------------
    def describe(self) -> str:
        return self.url.describe()

    def close(self) -> None:
        self.discard_started()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def snapshot(self) -> dict[str, Any]:
        """The database's snapshot (Directus mode or plain mode), read in its own transaction."""
        progress = _Progress(self.options.progress, self.describe())
        try:
            with self.connect() as conn:
                return self.snapshot_on(conn, progress=progress)
        finally:
            progress.done()

    def snapshot_on(
        self, conn: Connection, *, progress: _Progress | None = None
    ) -> dict[str, Any]:
        """The snapshot read on ``conn``, inside the caller's transaction (nothing is committed
        or rolled back here). The reading it was built from is left in :attr:`last`."""
        with _gc_paused():
            return self.snapshot_of(self.inspect_on(conn, progress=progress))

    def snapshot_of(self, inspection: Inspection) -> dict[str, Any]:
        """Build the snapshot from one reading (Directus mode or plain mode)."""
        include = (
            list(self.options.include) if self.options.include is not None else None
        )
        exclude = (
            list(self.options.exclude) if self.options.exclude is not None else None
        )
        version = self.directus_version(inspection)
        try:
            if inspection.directus_rows is not None:
                return directus_snapshot(
                    inspection.catalog,
                    inspection.directus_rows,
                    directus=version,
                    include=include,
                    exclude=exclude,
                    exclude_tables=self._exclude_tables(),
                )
            return plain_snapshot(
                inspection.catalog, directus=version, include=include, exclude=exclude
            )
        except ValueError as exc:  # include and exclude together
            raise TargetError(str(exc)) from exc

    # -- reading ----------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        from sqlalchemy import create_engine
        from sqlalchemy import exc as sa_exc
        from sqlalchemy.pool import NullPool

        check_driver(self.url)
        if self.vendor == "sqlite":
            path = self.url.sqlite_path
            if path is not None:
                import os

                if not os.path.isfile(path):
                    raise TargetError(f"no SQLite database at {path}")
        timeout = max(1, int(self.options.timeout))
        connect_args: dict[str, Any]
        if self.vendor in ("postgres", "mysql"):
            connect_args = {"connect_timeout": timeout}
        else:
            connect_args = {"timeout": float(self.options.timeout)}
        try:
            return create_engine(
                self.url.url, poolclass=NullPool, connect_args=connect_args
            )
        except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as exc:
            raise TargetError(
                f"database {self.describe()}: {_reason(self.url, exc)}"
            ) from None

    def connect(self) -> AbstractContextManager[Connection]:
        """A connection in one read-only, repeatable-read transaction (where the vendor allows)."""

        from sqlalchemy import exc as sa_exc

        @contextmanager
        def cm() -> Iterator[Connection]:
            try:
                conn = self.engine.connect()
            except sa_exc.DBAPIError as exc:
                raise TargetError(
                    f"database {self.describe()}: {_reason(self.url, exc)}"
                ) from None
            try:
                if self.vendor == "postgres":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                elif self.vendor == "mysql":
                    conn.exec_driver_sql(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"
                    )
                    conn.exec_driver_sql(
                        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
                    )
                else:
                    conn.exec_driver_sql("BEGIN")
                yield conn
            except sa_exc.DBAPIError as exc:
                raise TargetError(
                    f"database {self.describe()}: {_reason(self.url, exc)}"
                ) from None
            finally:
                try:
                    conn.rollback()
                finally:
                    conn.close()

        return cm()

    def inspect(self) -> Inspection:
        """Read the catalog (and Directus's tables in Directus mode) in one transaction."""
        progress = _Progress(self.options.progress, self.describe())
        try:
            with self.connect() as conn:
                return self.inspect_on(conn, progress=progress)
        finally:
            progress.done()

    def inspect_on(
        self, conn: Connection, *, progress: _Progress | None = None
    ) -> Inspection:
        """Read the catalog (and Directus's tables in Directus mode) on ``conn``, inside the
        caller's transaction; the reading is also kept in :attr:`last`."""
        reader = Reader(conn)
        try:
            if progress is not None:
                progress.step("reading the catalog")
            catalog = self._inspect_catalog(reader)
            rows = None
            newest = None
            if is_directus(catalog):
                if progress is not None:
                    progress.step("reading Directus's tables")
                rows = DirectusRows(*(self._read_table(reader, t) for t in META_TABLES))
                if "directus_migrations" in catalog.tables:
                    newest = self._newest_migration(reader)
        finally:
            reader.close()
        catalog.round_trips = reader.round_trips
        self.last = Inspection(catalog, rows, newest, reader.round_trips)
        return self.last

    def _inspect_catalog(self, reader: Reader) -> Catalog:
        if self.vendor == "postgres":
            return postgres.inspect(reader, self.url.schemas)
        if self.vendor == "mysql":
            return mysql.inspect(reader)
        return sqlite.inspect(reader)

    def _read_table(self, reader: Reader, table: str) -> list[dict[str, Any]]:
        if self.vendor == "postgres":
            return postgres.read_table(reader, table, self.url.schemas)
        return self.dialect.read_table(reader, table)  # type: ignore[no-any-return]

    def _newest_migration(self, reader: Reader) -> str | None:
        table = reader.quote("directus_migrations")
        if self.vendor == "postgres":
            table = reader.quote(self.url.schemas[0]) + "." + table
        rows = reader.all(f"SELECT MAX(version) AS v FROM {table}")
        value = rows[0]["v"] if rows else None
        return str(value) if value is not None else None

    def _exclude_tables(self) -> tuple[str, ...]:
        raw = self.options.env.get("DB_EXCLUDE_TABLES")
        if raw is None:
            return DEFAULT_EXCLUDE_TABLES
        return tuple(s for s in raw.split(",") if s)

    def directus_version(self, inspection: Inspection | None = None) -> str:
        """The ``directus`` version for the snapshot and its hash.

        ``--directus-version`` wins. Otherwise the evidence is ``directus_migrations``: a database
        whose newest migration is the newest one the reference release ships was migrated by that
        release, so its version is the reference version. With no (or other) evidence the
        reference version is used too — it is the format drift writes — and
        :attr:`version_source` says so.
        """
        if self.options.directus_version:
            self.version_source = "--directus-version"
            return self.options.directus_version
        ref = reference_version()
        newest = inspection.newest_migration if inspection else None
        known = system_data()["migrations"]
        if newest is None:
            self.version_source = f"no directus_migrations: assumed Directus {ref}"
        elif newest == known[-1]:
            self.version_source = (
                f"directus_migrations ends at {newest}: Directus {ref}"
            )
        elif newest < known[-1]:
            self.version_source = (
                f"directus_migrations ends at {newest}, older than Directus {ref} "
                f"(ends at {known[-1]}): assumed {ref}; pass --directus-version"
            )
        else:
            self.version_source = (
                f"directus_migrations ends at {newest}, newer than Directus {ref}: assumed {ref}; "
                "pass --directus-version"
            )
        return ref

    # -- destructive-change row counts ------------------------------------------------------
    def rows_affected(self, plan: Any) -> dict[str, int]:
        """Rows a plan would lose: ``collection`` → rows in a dropped table, ``collection.field``
        → non-null values in a dropped column. Only tables and columns that exist are counted."""
        diff = _diff_of(plan)
        if not diff:
            return {}
        tables_dropped: list[str] = []
        columns_dropped: list[tuple[str, str]] = []
        for entry in diff.get("collections") or []:
            if _is_drop(entry):
                tables_dropped.append(entry.get("collection"))
        for entry in diff.get("fields") or []:
            if _is_drop(entry):
                columns_dropped.append((entry.get("collection"), entry.get("field")))
        if not tables_dropped and not columns_dropped:
            return {}
        with self.connect() as conn:
            reader = Reader(conn)
            catalog = self._inspect_catalog(reader)
            existing = set(catalog.tables)
            cols = {(c["table"], c["name"]) for c in catalog.columns}
            parts: list[tuple[str, str]] = []
            for t in dict.fromkeys(tables_dropped):
                if t in existing:
                    parts.append(
                        (t, f"SELECT COUNT(*) FROM {self._qualified(reader, t)}")
                    )
            for t, f in dict.fromkeys(columns_dropped):
                if (t, f) in cols and t not in tables_dropped:
                    parts.append(
                        (
                            f"{t}.{f}",
                            f"SELECT COUNT({reader.quote(f)}) FROM {self._qualified(reader, t)}",
                        )
                    )
            if not parts:
                return {}
            select = ", ".join(f"({sql}) AS c{i}" for i, (_, sql) in enumerate(parts))
            rows, _ = reader.raw(f"SELECT {select}")
            values = rows[0]
            return {key: int(values[i]) for i, (key, _) in enumerate(parts)}

    def _qualified(self, reader: Reader, table: str) -> str:
        if self.vendor == "postgres":
            return reader.quote(self.url.schemas[0]) + "." + reader.quote(table)
        return reader.quote(table)


def _diff_of(plan: Any) -> Mapping[str, Any] | None:
    """The diff (``collections``/``fields``/``relations`` lists) inside a plan, a ``{hash, diff}``
    payload or a bare diff."""
    candidate = getattr(plan, "diff", plan)
    if (
        isinstance(candidate, Mapping)
        and "diff" in candidate
        and isinstance(candidate["diff"], Mapping)
    ):
        candidate = candidate["diff"]
    if isinstance(candidate, Mapping) and any(
        k in candidate for k in ("collections", "fields", "relations")
    ):
        return candidate
    return None


def _is_drop(entry: Any) -> bool:
    """Directus's apply deletes an entity when its first change is a ``D`` (gotcha 2)."""
    if not isinstance(entry, Mapping):
        return False
    changes = entry.get("diff") or []
    return (
        bool(changes)
        and isinstance(changes[0], Mapping)
        and changes[0].get("kind") == "D"
    )


def open_database(name: str, options: TargetOptions | None = None) -> DatabaseTarget:
    """Open the database a SQLAlchemy URL names (nothing is connected until it is read)."""
    options = options or TargetOptions()
    return DatabaseTarget(parse_database_url(name, options.env), options)


__all__ = ["DIALECTS", "DatabaseTarget", "Inspection", "open_database"]
