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

Reading needs no SQLAlchemy: the URL is parsed by :mod:`.url` and the connection is the DB-API
driver's own (psycopg 3, PyMySQL, sqlite3; other drivers through SQLAlchemy's engine), so a
snapshot does not pay for importing it. Applying a plan (:mod:`.apply`) connects with psycopg
itself on PostgreSQL and goes through SQLAlchemy (imported then) on the other vendors.

In Directus mode on PostgreSQL the catalog is read in two parts (:meth:`_catalog_first`): the
tables, indexes and primary keys, then Directus's tables, then the columns and foreign keys —
most of the server's work — in a thread of their own on the same connection and transaction,
while this thread makes Directus's rows into records ready for the build
(:func:`.directus.prepare_rows`).
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from queue import SimpleQueue
from types import ModuleType
from typing import Any

from drift.errors import TargetError
from drift.snapshot.parallel import Deferred, gc_paused
from drift.targets import TargetOptions
from drift.targets.database import mysql, postgres, sqlite
from drift.targets.database.catalog import Catalog
from drift.targets.database.directus import (
    DEFAULT_EXCLUDE_TABLES,
    META_TABLES,
    DirectusRows,
    FieldsPart,
    Prepared,
    directus_snapshot,
    halves,
    is_directus,
    prepare_rows,
    reference_version,
    system_data,
)
from drift.targets.database.plain import plain_snapshot
from drift.targets.database.reader import Reader, Session, run_steps
from drift.targets.database.url import (
    DatabaseURL,
    check_driver,
    driver_connect,
    parse_database_url,
)

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
    # Directus's rows made ready for the build while the catalog was read (see _meanwhile)
    prepared: Prepared | None = field(default=None, repr=False, compare=False)

    @property
    def mode(self) -> str:
        return "directus" if self.directus_rows is not None else "plain"


# the reading thread's last word (see _meanwhile)
_END = object()

# what reads the rest of a catalog: a generator that runs statements on the connection and yields
# steps, each of which puts some of the rows read so far into the catalog (see _meanwhile)
Rest = Callable[[], Iterator[Callable[[], None]]]


@contextmanager
def _meanwhile(read: Rest, *, threaded: bool) -> Iterator[None]:
    """Run ``read`` (statements on the connection) while the body runs (Python only), in a
    thread of its own when ``threaded``: the server executes the statements while this process
    computes. The steps ``read`` yields (what makes the rows read so far into records; they do
    not use the connection) run here, in order, after the body: each as soon as it is yielded, so
    that the rows already read are made into records while the server still works on the next
    statements. Exceptions of either side are raised here; the thread is always joined first."""
    if not threaded:
        yield
        run_steps(read())
        return
    steps: SimpleQueue[Any] = SimpleQueue()

    def run() -> None:
        try:
            for step in read():
                steps.put(step)
        except BaseException as exc:  # re-raised in the calling thread
            steps.put(exc)
        finally:
            steps.put(_END)

    thread = threading.Thread(target=run, name="drift-catalog", daemon=True)
    # the reading thread needs the interpreter for a moment after each network wait: let it in
    # sooner than the default 5 ms
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.0005))
    thread.start()
    failed: BaseException | None = None
    try:
        yield
        while (item := steps.get()) is not _END:
            if isinstance(item, BaseException):
                failed = item
            elif failed is None:
                item()
    finally:
        thread.join()
        sys.setswitchinterval(interval)
    if failed is not None:
        raise failed


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
    url = db.parts
    host = url.host or "localhost"
    where = f"{host}:{url.port}" if url.port else host
    if "password authentication failed" in low or "access denied" in low:
        return f"authentication failed for user {url.username!r}"
    if "does not exist" in low and "database" in low or "unknown database" in low:
        return f"database {url.database!r} does not exist"
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


class DatabaseTarget:
    """A SQL database as a drift target (``kind = "database"``).

    Reading (``snapshot``, ``inspect``, ``rows_affected``) connects with the DB-API driver itself;
    ``sql_preview``, ``start_apply`` and ``apply`` are
    :class:`~drift.targets.database.apply.DatabaseApply`'s (psycopg itself on PostgreSQL, else
    SQLAlchemy's :attr:`engine`), imported only when a plan is previewed or applied.
    """

    kind = "database"

    def __init__(
        self,
        url: DatabaseURL,
        options: TargetOptions | None = None,
        *,
        engine: Any = None,
    ) -> None:
        self.url = url
        self.options = options or TargetOptions()
        self._engine = engine
        self._apply_side: Any = None  # the DatabaseApply side, made on first use
        self.vendor = url.vendor
        self.dialect = DIALECTS[url.vendor]
        self.last: Inspection | None = None
        self.version_source: str = ""

    # -- protocol ---------------------------------------------------------------------------
    def describe(self) -> str:
        return self.url.describe()

    def close(self) -> None:
        if self._apply_side is not None:
            self._apply_side.discard_started()  # an apply transaction started but not used
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def snapshot(self) -> dict[str, Any]:
        """The database's snapshot (Directus mode or plain mode), read in its own transaction."""
        with gc_paused():
            return self.snapshot_deferred().build(None)

    def snapshot_deferred(self) -> Deferred:
        """The database read in its own transaction (closed on return), and what builds its
        snapshot, whole or a part of its fields at a time (Directus mode)."""
        progress = _Progress(self.options.progress, self.describe())
        try:
            with gc_paused(), self.connect() as conn:
                inspection = self.inspect_on(conn, progress=progress)
        finally:
            progress.done()

        def build(part: FieldsPart | None) -> dict[str, Any]:
            return self.snapshot_of(inspection, part=part)

        def split(share: float) -> tuple[FieldsPart, FieldsPart] | None:
            prepared = inspection.prepared
            if prepared is None or prepared.exclude_tables != self._exclude_tables():
                return None
            return halves(inspection.catalog, prepared, share)

        directus = inspection.directus_rows is not None
        return Deferred(build, len(inspection.catalog.columns), split if directus else None)

    def snapshot_on(
        self, conn: Any, *, progress: _Progress | None = None
    ) -> dict[str, Any]:
        """The snapshot read on ``conn`` (a :class:`~.reader.Session` or a SQLAlchemy
        ``Connection``), inside the caller's transaction (nothing is committed or rolled back
        here). The reading it was built from is left in :attr:`last`."""
        with gc_paused():
            return self.snapshot_of(self.inspect_on(conn, progress=progress))

    def snapshot_of(
        self, inspection: Inspection, *, part: FieldsPart | None = None
    ) -> dict[str, Any]:
        """Build the snapshot from one reading (Directus mode or plain mode; ``part``: only that
        part of the fields, Directus mode only)."""
        include = (
            list(self.options.include) if self.options.include is not None else None
        )
        exclude = (
            list(self.options.exclude) if self.options.exclude is not None else None
        )
        version = self.directus_version(inspection)
        if part is not None and inspection.directus_rows is None:
            raise RuntimeError("a plain-mode snapshot is built whole")
        try:
            if inspection.directus_rows is not None:
                return directus_snapshot(
                    inspection.catalog,
                    inspection.directus_rows,
                    directus=version,
                    include=include,
                    exclude=exclude,
                    exclude_tables=self._exclude_tables(),
                    prepared=inspection.prepared,
                    part=part,
                )
            return plain_snapshot(
                inspection.catalog, directus=version, include=include, exclude=exclude
            )
        except ValueError as exc:  # include and exclude together
            raise TargetError(str(exc)) from exc

    # -- applying ---------------------------------------------------------------------------
    def _applier(self) -> Any:
        if self._apply_side is None:
            self._apply_side = _applier(self)
        return self._apply_side

    def sql_preview(self, plan: Any) -> list[dict[str, Any]]:
        """The statements an apply of ``plan`` would run (see :mod:`.apply`)."""
        return self._applier().sql_preview(plan)  # type: ignore[no-any-return]

    def start_apply(self) -> None:
        """Begin the apply's transaction before the plan is known (see :mod:`.apply`)."""
        self._applier().start_apply()

    def apply(
        self, plan: Any, *, allow_destructive: bool = False, dry_run: bool = False
    ) -> dict[str, Any]:
        """Apply exactly the reviewed plan (see :mod:`.apply`)."""
        return self._applier().apply(  # type: ignore[no-any-return]
            plan, allow_destructive=allow_destructive, dry_run=dry_run
        )

    @property
    def engine(self) -> Any:
        """The SQLAlchemy engine, for applying (made, and SQLAlchemy imported, on first use)."""
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Any:
        from sqlalchemy import create_engine
        from sqlalchemy import exc as sa_exc
        from sqlalchemy.pool import NullPool

        self._check_reachable()
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

    def _check_reachable(self) -> None:
        """The driver is installed and, for SQLite, the file is there (never created)."""
        check_driver(self.url)
        path = self.url.sqlite_path
        if path is not None:
            import os

            if not os.path.isfile(path):
                raise TargetError(f"no SQLite database at {path}")

    # -- reading ----------------------------------------------------------------------------
    def _open_session(self) -> tuple[Session, Any]:
        """A fresh connection and what closes it: the driver's own ``connect()`` for psycopg 3,
        PyMySQL and sqlite3, else a raw connection of the SQLAlchemy engine."""
        self._check_reachable()
        how = driver_connect(self.url, self.options.timeout)
        if how is not None:
            name, args, kwargs = how
            module = importlib.import_module(name)
            try:
                conn = module.connect(*args, **kwargs)
            except module.Error as exc:
                raise TargetError(
                    f"database {self.describe()}: {_reason(self.url, exc)}"
                ) from None
            return Session(conn, self.vendor, module), conn
        from sqlalchemy import exc as sa_exc

        try:
            raw = self.engine.raw_connection()
        except sa_exc.DBAPIError as exc:
            raise TargetError(
                f"database {self.describe()}: {_reason(self.url, exc)}"
            ) from None
        module = self.engine.dialect.loaded_dbapi
        driver = raw.driver_connection
        driver.rollback()  # whatever the dialect's first-connect queries left open
        return Session(driver, self.vendor, module), raw

    def _begin_read(self, session: Session) -> None:
        """Start one read-only, repeatable-read transaction (where the vendor allows)."""
        conn = session.connection
        if self.vendor == "postgres":
            if type(conn).__module__.split(".")[0] == "psycopg":
                # psycopg 3 opens the transaction with these in its BEGIN
                conn.isolation_level = session.module.IsolationLevel.REPEATABLE_READ
                conn.read_only = True
                return
            statements = ["SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"]
        elif self.vendor == "mysql":
            statements = [
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
            ]
        else:
            statements = ["BEGIN"]
        cur = conn.cursor()
        try:
            for statement in statements:
                cur.execute(statement)
        finally:
            cur.close()

    def connect(self) -> AbstractContextManager[Session]:
        """A connection in one read-only, repeatable-read transaction (where the vendor allows),
        rolled back and closed at the end. Driver errors become one-line ``TargetError``s."""

        @contextmanager
        def cm() -> Iterator[Session]:
            session, closer = self._open_session()
            try:
                try:
                    self._begin_read(session)
                    yield session
                finally:
                    try:
                        session.connection.rollback()
                    finally:
                        closer.close()
            except session.module.Error as exc:
                raise TargetError(
                    f"database {self.describe()}: {_reason(self.url, exc)}"
                ) from None

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
        self, conn: Any, *, progress: _Progress | None = None
    ) -> Inspection:
        """Read the catalog (and Directus's tables in Directus mode) on ``conn``, inside the
        caller's transaction; the reading is also kept in :attr:`last`."""
        reader = Reader(conn)
        prepared = None
        try:
            if progress is not None:
                progress.step("reading the catalog")
            catalog, rest = self._catalog_first(reader)
            rows = None
            newest = None
            if is_directus(catalog):
                if progress is not None:
                    progress.step("reading Directus's tables")
                later = [self._read_table_later(reader, t) for t in META_TABLES]
                if "directus_migrations" in catalog.tables:
                    newest = self._newest_migration(reader)
                # the rest of the catalog (columns, foreign keys: most of the server's work) is
                # read while Directus's rows are made into records and ready for the build
                with _meanwhile(rest, threaded=reader.fast):
                    rows = DirectusRows(*(records() for records in later))
                    prepared = prepare_rows(catalog, rows, self._exclude_tables())
            else:
                run_steps(rest())
        finally:
            reader.close()
        catalog.round_trips = reader.round_trips
        self.last = Inspection(catalog, rows, newest, reader.round_trips, prepared)
        return self.last

    def _inspect_catalog(self, reader: Reader) -> Catalog:
        """The whole catalog."""
        catalog, rest = self._catalog_first(reader)
        run_steps(rest())
        return catalog

    def _catalog_first(self, reader: Reader) -> tuple[Catalog, Rest]:
        """The catalog's tables, indexes and primary keys, and what reads the rest: it runs the
        remaining statements and yields what puts their rows into the catalog (on PostgreSQL the
        columns and foreign keys are read last; the others read it all first)."""
        if self.vendor == "postgres":
            return postgres.inspect_first(reader, self.url.schemas)
        if self.vendor == "mysql":
            return mysql.inspect(reader), _nothing
        return sqlite.inspect(reader), _nothing

    def _read_table_later(
        self, reader: Reader, table: str
    ) -> Callable[[], list[dict[str, Any]]]:
        """Run the query for every row of ``table`` now; what makes them records, for later."""
        if self.vendor == "postgres":
            return postgres.read_table_later(reader, table, self.url.schemas)
        return self.dialect.read_table_later(reader, table)  # type: ignore[no-any-return]

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


def _nothing() -> Iterator[Callable[[], None]]:
    yield from ()


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


def _applier(target: DatabaseTarget) -> Any:
    """``target`` with :class:`~.apply.DatabaseApply`'s methods (previews and applies; its own
    state, such as an apply transaction started early, stays on it): every other attribute is the
    target's own."""
    from drift.targets.database.apply import DatabaseApply

    class Applier(DatabaseApply):
        def __getattr__(self, name: str) -> Any:
            return getattr(target, name)

    return Applier()


def open_database(name: str, options: TargetOptions | None = None) -> DatabaseTarget:
    """Open the database a SQLAlchemy URL names (nothing is connected until it is read)."""
    options = options or TargetOptions()
    return DatabaseTarget(parse_database_url(name, options.env), options)


__all__ = ["DIALECTS", "DatabaseTarget", "Inspection", "open_database"]
