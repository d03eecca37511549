"""Fixtures for the database target's integration tests: fresh databases made on demand.

``make_pg`` / ``make_mariadb`` create databases with unique names (dropped after the test) and
return a connection URL; ``restore_pg`` / ``restore_mariadb`` load a SQL dump into one with the
vendor's own command-line client, exactly as the dump's README says to.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import MARIADB_HOST, PG_HOST, unavailable


def _split(host: str) -> tuple[str, str, str]:
    user, _, hostport = host.partition("@")
    h, _, port = hostport.partition(":")
    return user, h, port


@pytest.fixture
def make_pg() -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty PostgreSQL databases; yields their ``postgresql://`` URLs."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    admin = sqlalchemy.create_engine(
        f"postgresql+psycopg://{PG_HOST}/postgres", isolation_level="AUTOCOMMIT"
    )
    made: list[str] = []

    def make() -> str:
        name = f"drift_t_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # noqa: BLE001 - any failure here means "no server"
            unavailable(f"PostgreSQL not reachable at {PG_HOST}: {type(exc).__name__}")
        made.append(name)
        return f"postgresql://{PG_HOST}/{name}"

    yield make
    with admin.connect() as c:
        for name in made:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def make_mariadb() -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty MariaDB databases; yields their ``mysql+pymysql://`` URLs."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    admin = sqlalchemy.create_engine(f"mysql+pymysql://{MARIADB_HOST}/")
    made: list[str] = []

    def make() -> str:
        name = f"drift_t_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as c:
                c.exec_driver_sql(
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
        except Exception as exc:  # noqa: BLE001
            unavailable(
                f"MariaDB not reachable at {MARIADB_HOST}: {type(exc).__name__}"
            )
        made.append(name)
        return f"mysql+pymysql://{MARIADB_HOST}/{name}"

    yield make
    with admin.connect() as c:
        for name in made:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    admin.dispose()


def restore_pg(url: str, dump: Path) -> None:
    """Load a plain ``pg_dump`` file with ``psql`` (stop at the first error)."""
    if shutil.which("psql") is None:
        unavailable("psql (the PostgreSQL client) is not installed")
    user, host, port = _split(PG_HOST)
    db = url.rsplit("/", 1)[1]
    proc = subprocess.run(
        ["psql", "-X", "-q", "-h", host, "-p", port or "5432", "-U", user, "-d", db,
         "-v", "ON_ERROR_STOP=1", "-f", str(dump)],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]


def restore_mariadb(url: str, dump: Path) -> None:
    """Load a ``mysqldump`` file with the ``mysql`` client."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        unavailable("the MariaDB/MySQL client is not installed")
    user, host, port = _split(MARIADB_HOST)
    db = url.rsplit("/", 1)[1]
    with dump.open("rb") as fh:
        proc = subprocess.run(
            [client, "-h", host, "-P", port or "3306", "-u", user, db],
            check=False, stdin=fh, capture_output=True, timeout=300,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
