"""Database target names are parsed and rendered without SQLAlchemy, exactly as its ``make_url``
and ``render_as_string`` do (the reference side here is SQLAlchemy itself), and the driver is
called with the arguments SQLAlchemy's dialect would give it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from drift.errors import TargetError
from drift.targets.database.url import driver_connect, parse_database_url, parse_url

NAMES = [
    "postgresql://u:p@h:5433/db", "postgres://u@h/db", "mysql://root@h/db", "mariadb+pymysql://r:p%40w@h/db",
    "sqlite:///x.db", "sqlite:////abs/x.db", "sqlite://", "sqlite:///:memory:",
    "postgresql://u:p@h/db?password=zz&schema=a,b", "postgresql://u:p@[::1]:5432/db?a=1&a=2&b=",
    "postgresql://u:p:q@h/d", "postgresql://@h/d", "postgresql://u:@h/d", "postgresql://h", "postgresql://h:5/",
    "postgresql:///db", "postgresql://u%3Ax:p%2F@h/d%20b?x=%20y+z", "x+y://a@b@c/d",
    "postgresql://u:p@h:notaport/x", "postgresql://u:p@h:/x", "mysql+pymysql://u@h/db?charset=utf8mb4&ssl_ca=/x",
    "postgresql+psycopg://ü:p w@host-1.example/db name?sslmode=require&application_name=a b", "nothing",
]  # fmt: skip


def _sqlalchemy(name: str) -> object:
    try:
        u = make_url(name)
    except (ValueError, Exception) as exc:  # noqa: BLE001 - the reference's failure, by class
        return type(exc).__name__ if not isinstance(exc, ValueError) else "ValueError"
    return (u.drivername, u.username, u.password, u.host, u.port, u.database, dict(u.query),
            u.render_as_string(hide_password=False))  # fmt: skip


def _drift(name: str) -> object:
    try:
        u = parse_url(name)
    except ValueError:
        return "ValueError"
    return (u.drivername, u.username, u.password, u.host, u.port, u.database, dict(u.query), u.render())


@pytest.mark.parametrize("name", NAMES)
def test_parse_url_equals_make_url(name: str) -> None:
    expected = _sqlalchemy(name)
    if expected == "ArgumentError":  # not a URL at all: drift says ValueError
        expected = "ValueError"
    assert _drift(name) == expected


def test_sqlalchemy_url_is_the_same_name() -> None:
    db = parse_database_url("postgresql://u:s3cr3t@h:5433/db?sslmode=require&schema=a", {})
    assert db.url.render_as_string(hide_password=False) == "postgresql+psycopg://u:s3cr3t@h:5433/db?sslmode=require"
    assert db.describe() == "postgresql://u:***@h:5433/db?schema=a&sslmode=require"


@pytest.mark.parametrize(
    "name",
    [
        "postgresql://u:p%40w@h:5433/db?sslmode=require&application_name=x",
        "postgresql:///db",
        "postgresql://u@/db?host=/run/postgresql",
        "mysql+pymysql://r:pw@h/db?charset=utf8mb4",
        "mariadb://r@h:3307/db",
    ],
)
def test_driver_arguments_equal_the_dialects(name: str) -> None:
    db = parse_database_url(name, {})
    how = driver_connect(db, 7.5)
    assert how is not None
    module, args, kwargs = how
    engine = create_engine(db.url, poolclass=NullPool, connect_args={"connect_timeout": 7})
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    cparams = {**cparams, "connect_timeout": 7}
    cparams.pop("context", None)  # SQLAlchemy's adapters map: psycopg's defaults, unchanged
    cparams.pop("client_flag", None)  # FOUND_ROWS: only changes UPDATE row counts
    assert (module, list(args), kwargs) == (engine.dialect.loaded_dbapi.__name__, cargs, cparams)


def test_sqlite_arguments_equal_the_dialects(tmp_path: object) -> None:
    for name in ("sqlite:///rel/x.db", "sqlite:////abs/x.db", "sqlite://"):
        db = parse_database_url(name, {})
        how = driver_connect(db, 3)
        assert how is not None
        engine = create_engine(db.url, poolclass=NullPool)
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        assert (how[0], list(how[1]), how[2]) == ("sqlite3", cargs, {**cparams, "timeout": 3.0})


def test_options_only_sqlalchemy_converts_go_through_it() -> None:
    for name in ("mysql+pymysql://r@h/db?connect_timeout=3", "mysql+pymysql://r@h/db?ssl_ca=/ca.pem",
                 "sqlite:///x.db?mode=ro&uri=true", "postgresql://u@h/db?host=a&host=b",
                 "postgresql+psycopg2://u@h/db", "mysql+mysqldb://u@h/db"):  # fmt: skip
        assert driver_connect(parse_database_url(name, {}), 3) is None, name


def test_bad_port_is_one_clear_line() -> None:
    with pytest.raises(TargetError) as info:
        parse_database_url("postgresql://u:s3cr3t@h:notaport/x", {})
    assert "s3cr3t" not in str(info.value)


def test_reading_imports_no_sqlalchemy(tmp_path: object) -> None:
    """A snapshot is read with the driver alone: SQLAlchemy is for applying plans."""
    script = (
        "import sqlite3, sys\n"
        f"path = {str(tmp_path)!r} + '/x.db'\n"
        "sqlite3.connect(path).executescript('CREATE TABLE t (id integer PRIMARY KEY, n text);')\n"
        "from drift.targets import TargetOptions, open_target\n"
        "target = open_target('sqlite:///' + path, TargetOptions())\n"
        "snap = target.snapshot(); target.close()\n"
        "assert [f['field'] for f in snap['fields']] == ['id', 'n'], snap\n"
        "assert not [m for m in sys.modules if m.startswith('sqlalchemy')]\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


# -- edge cases, each compared with SQLAlchemy's own reading --------------------------------------

URLS = [
    "postgresql://u:p@h:5432/db", "postgresql://u@h/db", "postgresql://h/db", "postgresql:///db",
    "postgresql://", "postgres://u:p%40w%3A@h/db", "postgresql+psycopg://u:p@h:1/db?sslmode=require",
    "postgresql+psycopg2://u:p@[::1]:5433/db", "postgresql://u:p@[fe80::1%25eth0]/db",
    "postgresql://u:p@h/db?schema=a,b&schema=c&application_name=x%20y&x=&x=1",
    "postgresql://u:p@h/my%2Fdb?password=zz", "postgresql://u:@h/db", "postgresql://:p@h/db",
    "postgresql://u:p:q@h/db", "postgresql://a:b@c@d/db", "postgresql://u:p@h: 7/db",
    "postgresql://u:p@h:+7/db", "postgresql://u:p@h:/db", "postgresql://u:p@h:port/db",
    "postgresql://u p:s p@h/d b", "postgresql://h/db?", "postgresql://h/db?a", "postgresql://h/db?a=1&a=2&a=3",
    "mysql://root@127.0.0.1:3306/x", "mariadb+pymysql://r:p%40w@h/db", "mysql+pymysql://r@h/db?charset=utf8mb4",
    "sqlite:///rel/path.db", "sqlite:////abs/path.db", "sqlite://", "sqlite:///:memory:",
    "sqlite:///file::memory:?cache=shared", "sqlite:///C:\\dir\\x.db", "postgresql://ünï:cödé@hôst/dä",
    "not a url", "://h/db", "postgresql:/h/db", "post-gres://h/db", "postgresql://h/db\nx",
]  # fmt: skip


def _sa(url: str) -> Any:
    try:
        u = make_url(url)
    except Exception as exc:  # refused
        return type(exc).__name__ in ("ArgumentError", "ValueError")
    return (u.drivername, u.username, u.password, u.host, u.port, u.database, dict(u.query))


def _ours(url: str) -> Any:
    try:
        u = parse_url(url)
    except ValueError:
        return True
    return (u.drivername, u.username, u.password, u.host, u.port, u.database, dict(u.query))


@pytest.mark.parametrize("url", URLS)
def test_parts_are_what_sqlalchemy_reads(url: str) -> None:
    assert _ours(url) == _sa(url)


@pytest.mark.parametrize("url", [u for u in URLS if _sa(u) is not True])
def test_target_url_and_description_as_with_sqlalchemy(url: str) -> None:
    """The SQLAlchemy URL drift builds (driver chosen, ``schema`` taken out) is the one SQLAlchemy's
    own ``make_url``/``set`` give, and the description never holds the password."""
    try:
        db = parse_database_url(url, {})
    except TargetError:
        return
    want = make_url(url)
    if want.get_backend_name() in ("postgresql", "postgres") and (
        "+" not in want.drivername or want.drivername.startswith("postgres+")
    ):
        driver = "postgresql+" + (want.drivername.split("+", 1)[1] if "+" in want.drivername else "psycopg")
        want = want.set(drivername=driver)
    elif "+" not in want.drivername:
        want = want.set(drivername={"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}.get(
            want.drivername, want.drivername))
    want = want.difference_update_query(["schema"])
    assert db.url == want
    if db.password and len(db.password) > 3:
        assert db.password not in db.describe()


def test_password_borrowed_from_the_environment_only_for_the_same_server() -> None:
    env = {"DRIFT_DATABASE_URL": "postgresql://admin:s3cret@db.example:5432/app"}
    assert parse_database_url("postgresql://db.example:5432/app", env).password == "s3cret"
    assert parse_database_url("postgresql://db.example:5432/app", env).parts.username == "admin"
    assert parse_database_url("postgresql://other:5432/app", env).password is None
    assert parse_database_url("postgresql://db.example:5432/app", {"DRIFT_DATABASE_URL": "::"}).password is None
