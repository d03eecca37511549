"""Bad input and faults: every failure is one clear line (a ``TargetError``), never a secret.

Also the small pieces the target is made of that need no server: URL parsing and redaction,
JavaScript number and default-value semantics, and progress shown only on a terminal.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy

from drift.errors import DriftError, TargetError
from drift.targets import TargetOptions, open_target
from drift.targets.database import _Progress
from drift.targets.database.types import get_default_value, get_local_type
from drift.targets.database.url import parse_database_url
from drift.targets.database.values import js_number, strip_quotes
from tests.conftest import MARIADB_HOST, PG_HOST, ROOT

SECRET = "s3cr3t-Pa55"


def _fail(url: str, env: dict[str, str] | None = None) -> str:
    target = open_target(url, TargetOptions(env=env or {}, timeout=5))
    try:
        with pytest.raises(TargetError) as info:
            target.snapshot()
    finally:
        target.close()
    message = str(info.value)
    assert "\n" not in message and SECRET not in message
    assert isinstance(info.value, DriftError)
    return message


def test_unreachable_host() -> None:
    message = _fail(f"postgresql://postgres:{SECRET}@127.0.0.1:1/nothing")
    assert "cannot connect to the server at 127.0.0.1:1" in message
    assert "postgresql://postgres:***@127.0.0.1:1/nothing" in message
    message = _fail(f"mysql+pymysql://root:{SECRET}@127.0.0.1:1/nothing")
    assert "cannot connect" in message


def test_missing_database(make_pg: Callable[[], str]) -> None:
    make_pg()  # skips when PostgreSQL is not there
    message = _fail(f"postgresql://{PG_HOST}/drift_missing_{uuid.uuid4().hex[:8]}")
    assert "does not exist" in message


def test_missing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    assert _fail(f"sqlite:///{path}") == f"no SQLite database at {path}"
    assert not path.exists()  # and nothing was created


def test_missing_driver() -> None:
    message = _fail("postgresql+pg8000://u@127.0.0.1/x")
    assert "driver 'pg8000' is not installed" in message


def test_not_a_url() -> None:
    with pytest.raises(TargetError) as info:
        open_target(f"postgresql://u:{SECRET}@h:notaport/x")
    assert SECRET not in str(info.value)


@pytest.fixture
def mariadb_user(make_mariadb: Callable[[], str]) -> Iterator[tuple[str, str]]:
    """A database and a MariaDB user with the password ``SECRET`` allowed to read it."""
    url = make_mariadb()
    db = url.rsplit("/", 1)[1]
    user = f"drift_u_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(f"mysql+pymysql://{MARIADB_HOST}/")
    with admin.begin() as c:
        c.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{SECRET}'")
        c.exec_driver_sql(f"GRANT SELECT ON `{db}`.* TO '{user}'@'%%'")
        c.exec_driver_sql(f"CREATE TABLE `{db}`.things (id int PRIMARY KEY)")
    try:
        yield user, db
    finally:
        with admin.begin() as c:
            c.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
        admin.dispose()


def test_wrong_password_is_redacted(mariadb_user: tuple[str, str]) -> None:
    user, db = mariadb_user
    host = MARIADB_HOST.split("@", 1)[1]
    message = _fail(f"mysql+pymysql://{user}:{SECRET}x@{host}/{db}")
    assert f"authentication failed for user '{user}'" in message
    assert f"mysql+pymysql://{user}:***@{host}/{db}" in message
    # the right password, given through DRIFT_DATABASE_URL for a URL without one
    env = {"DRIFT_DATABASE_URL": f"mysql+pymysql://{user}:{SECRET}@{host}/{db}"}
    target = open_target(f"mysql+pymysql://{user}@{host}/{db}", TargetOptions(env=env))
    try:
        snap = target.snapshot()
        assert SECRET not in target.describe() and "***" in target.describe()
    finally:
        target.close()
    assert [c["collection"] for c in snap["collections"]] == ["things"]
    # never lent to another server
    other = parse_database_url(f"mysql+pymysql://{user}@elsewhere.invalid/{db}", env)
    assert other.password is None


def test_no_privilege_on_directus_tables(make_pg: Callable[[], str]) -> None:
    url = make_pg()
    db = url.rsplit("/", 1)[1]
    role = f"drift_r_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(parse_database_url(url).url)
    with engine.begin() as c:
        for t in ("directus_collections", "directus_fields", "directus_relations"):
            c.exec_driver_sql(f"CREATE TABLE {t} (id integer PRIMARY KEY)")
        c.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
    host = PG_HOST.split("@", 1)[1]
    try:
        message = _fail(f"postgresql://{role}@{host}/{db}")
        assert message.startswith(
            f"database postgresql://{role}@{host}/{db}: permission denied"
        )
    finally:
        with engine.begin() as c:
            c.exec_driver_sql(f'DROP OWNED BY "{role}"')
            c.exec_driver_sql(f'DROP ROLE "{role}"')
        engine.dispose()


def test_cli_fault_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "drift", "snapshot", f"postgresql://u:{SECRET}@127.0.0.1:1/x"],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert SECRET not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_url_forms() -> None:
    cases = {
        "postgresql://u:p@h:5433/db": ("postgresql+psycopg", "postgres", "postgresql://u:***@h:5433/db"),
        "postgres://u@h/db": ("postgresql+psycopg", "postgres", "postgres://u@h/db"),
        "mysql://root@h/db": ("mysql+pymysql", "mysql", "mysql://root@h/db"),
        "mariadb+pymysql://r:p%40w@h/db": ("mariadb+pymysql", "mysql", "mariadb+pymysql://r:***@h/db"),
        "sqlite:///x.db": ("sqlite", "sqlite", "sqlite:///x.db"),
    }  # fmt: skip
    for url, (driver, vendor, shown) in cases.items():
        parsed = parse_database_url(url, {})
        assert (parsed.url.drivername, parsed.vendor, parsed.describe()) == (
            driver,
            vendor,
            shown,
        )
    assert parse_database_url("mariadb+pymysql://r:p%40w@h/db", {}).password == "p@w"
    parsed = parse_database_url("postgresql://u:p@h/db?password=zz&schema=a,b", {})
    assert parsed.schemas == ("a", "b") and "zz" not in parsed.describe()


def test_js_semantics() -> None:
    assert (
        js_number(" 12 ") == 12 and js_number("1.50") == 1.5 and js_number("0x10") == 16
    )
    assert js_number("") == 0 and js_number("1e3") == 1000
    assert math.isnan(js_number("10,2")) and math.isnan(js_number("1_000"))
    assert strip_quotes(" 'a' ") == "a" and strip_quotes(" a ") == " a "
    col = {"data_type": "numeric", "numeric_precision": 10, "numeric_scale": 2,
           "max_length": None, "default_value": "nextval('s')"}  # fmt: skip
    assert get_local_type(col) == "decimal" and get_default_value(col) == "nextval('s')"
    col = {"data_type": "varchar", "max_length": None, "numeric_precision": None,
           "numeric_scale": None, "default_value": None}  # fmt: skip
    assert get_local_type(col) == "text"
    geo = {"data_type": "point", "max_length": None, "numeric_precision": None}
    assert (
        get_local_type(geo, {"special": []}) == "geometry"
    )  # [] is truthy in JavaScript
    assert get_local_type(geo, {"special": None}) == "geometry.Point"


def test_progress_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        p = _Progress(True, "db", stream)
        p.step("reading")
        p.done()
    assert "reading" in tty.getvalue() and pipe.getvalue() == ""
    quiet = Tty()
    _Progress(False, "db", quiet).step("reading")
    assert quiet.getvalue() == ""
