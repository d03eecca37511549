"""Shared test fixtures: paths, and the real services integration tests run against.

Services (PostgreSQL, MariaDB, a real Directus) are used for real. Where one is missing the test
is skipped with the reason, except when ``DRIFT_REQUIRE_SERVICES=1`` (set by ``.ci/run``): then a
missing service is a failure, so CI can never pass by skipping. The same holds for ``../shared``
(the real-world corpus and the captured Directus fixtures), which a user's own clone may lack.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DRIFT_SHARED_DIR", ROOT.parent / "shared")).resolve()
FIXTURES = ROOT / "tests" / "fixtures"

PG_HOST = os.environ.get("DRIFT_TEST_PG", "postgres@127.0.0.1:5432")
MARIADB_HOST = os.environ.get("DRIFT_TEST_MARIADB", "root@127.0.0.1:3306")


def services_required() -> bool:
    return os.environ.get("DRIFT_REQUIRE_SERVICES", "") not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip — or fail, when CI requires every service — because something is missing."""
    if services_required():
        pytest.fail(f"required service missing (DRIFT_REQUIRE_SERVICES=1): {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "spec").is_dir():
        unavailable(f"the shared corpus is not beside the project ({SHARED})")
    return SHARED


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (dropped afterwards); yields its SQLAlchemy URL."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    name = f"drift_t_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(
        f"postgresql+psycopg://{PG_HOST}/postgres", isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        admin.dispose()
        unavailable(f"PostgreSQL not reachable at {PG_HOST}: {type(exc).__name__}")
    try:
        yield f"postgresql+psycopg://{PG_HOST}/{name}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A fresh, empty MariaDB database (dropped afterwards); yields its SQLAlchemy URL."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    name = f"drift_t_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(f"mysql+pymysql://{MARIADB_HOST}/")
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        unavailable(f"MariaDB not reachable at {MARIADB_HOST}: {type(exc).__name__}")
    try:
        yield f"mysql+pymysql://{MARIADB_HOST}/{name}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()
