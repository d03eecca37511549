"""Database URLs are parsed without SQLAlchemy; every part must be what SQLAlchemy's ``make_url``
reads from the same text (the URL handed to SQLAlchemy, and the psycopg connection of an apply,
are built from those parts)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import make_url as sa_make_url

from drift.errors import TargetError
from drift.targets.database.url import parse_database_url, parse_url

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
        u = sa_make_url(url)
    except Exception as exc:  # refused
        return type(exc).__name__ in ("ArgumentError", "ValueError")
    return (u.drivername, u.username, u.password, u.host, u.port, u.database, dict(u.query))


def _ours(url: str) -> Any:
    try:
        u = parse_url(url)
    except ValueError:
        return True
    return (u.drivername, u.username, u.password, u.host, u.port, u.database, u.query)


@pytest.mark.parametrize("url", URLS)
def test_parts_are_what_sqlalchemy_reads(url: str) -> None:
    assert _ours(url) == _sa(url)
    if _sa(url) is not True:
        assert parse_url(url).to_sqlalchemy() == sa_make_url(url)


@pytest.mark.parametrize("url", [u for u in URLS if _sa(u) is not True])
def test_target_url_and_description_as_with_sqlalchemy(url: str) -> None:
    """The SQLAlchemy URL drift builds (driver chosen, ``schema`` taken out) is the one SQLAlchemy's
    own ``make_url``/``set`` give, and the description never holds the password."""
    try:
        db = parse_database_url(url, {})
    except TargetError:
        return
    want = sa_make_url(url)
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
