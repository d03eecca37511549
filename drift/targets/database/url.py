"""Database target names: parsing a SQLAlchemy URL, choosing the driver, and redacting secrets.

A database target is named by a SQLAlchemy URL. This module owns turning that name into something
SQLAlchemy can connect with (``postgresql://`` → psycopg 3, ``mysql://``/``mariadb://`` → PyMySQL,
``sqlite:///path``), finding the password (in the URL itself, or in ``DRIFT_DATABASE_URL`` when the
name leaves it out), and the one redacted rendering used everywhere a human or a file sees the name.
It also scrubs the password out of any driver message, so a secret never leaks through an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from drift.errors import TargetError

ENV_URL = "DRIFT_DATABASE_URL"
REDACTED = "***"

# scheme family -> (default SQLAlchemy driver name, vendor as Directus names it)
_FAMILIES: dict[str, tuple[str, str]] = {
    "postgresql": ("postgresql+psycopg", "postgres"),
    "postgres": ("postgresql+psycopg", "postgres"),
    "mysql": ("mysql+pymysql", "mysql"),
    "mariadb": ("mariadb+pymysql", "mysql"),
    "sqlite": ("sqlite", "sqlite"),
}
# driver modules, for a clear message when one is missing
_DRIVER_MODULES = {
    "psycopg": "psycopg",
    "psycopg2": "psycopg2",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
    "pymysql": "pymysql",
    "mysqldb": "MySQLdb",
    "mysqlconnector": "mysql.connector",
    "mariadbconnector": "mariadb",
    "pysqlite": "sqlite3",
}
_SECRET_QUERY_KEYS = ("password", "passwd", "secret", "token", "sslpassword")


def _family(drivername: str) -> str:
    return drivername.split("+", 1)[0].lower()


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database target name. ``url`` holds the secret; ``describe()`` never does."""

    url: URL = field(repr=False)
    vendor: str  # "postgres", "mysql" or "sqlite", as in a snapshot's ``vendor``
    # the PostgreSQL schemas read (``?schema=a,b``), and the scheme as written, for display
    schemas: tuple[str, ...] = ("public",)
    scheme: str = ""

    @property
    def family(self) -> str:
        return _family(self.url.drivername)

    @property
    def password(self) -> str | None:
        pw = self.url.password
        return None if pw in (None, "") else str(pw)

    @property
    def sqlite_path(self) -> str | None:
        """The file a SQLite URL names (None for an in-memory database)."""
        if self.vendor != "sqlite":
            return None
        db = self.url.database
        if not db or db == ":memory:" or db.startswith("file::memory:"):
            return None
        return db

    def describe(self) -> str:
        """The URL as shown to humans and written to plans: the password is always ``***``."""
        url = self.url
        if self.scheme:
            url = url.set(drivername=self.scheme)
        query = {
            k: (REDACTED if k.lower() in _SECRET_QUERY_KEYS else v)
            for k, v in url.query.items()
        }
        if self.schemas != ("public",):
            query["schema"] = ",".join(self.schemas)
        url = url.set(query=query)
        if self.password is not None:
            url = url.set(password=REDACTED)
        text = url.render_as_string(hide_password=False)
        return text.replace("%2A%2A%2A", REDACTED)

    def scrub(self, text: str) -> str:
        """``text`` with every occurrence of the password replaced by ``***``."""
        pw = self.password
        out = str(text)
        if pw:
            out = out.replace(pw, REDACTED).replace(quote(pw, safe=""), REDACTED)
        for v in self.url.query.values():
            if isinstance(v, str) and len(v) > 3 and v in out:
                for k in _SECRET_QUERY_KEYS:
                    if self.url.query.get(k) == v:
                        out = out.replace(v, REDACTED)
        return out


def _parse(name: str) -> URL:
    try:
        return make_url(name)
    except (ArgumentError, ValueError) as exc:
        # the name may hold a password: never echo it
        scheme = name.partition("://")[0] or "?"
        raise TargetError(
            f"not a valid database URL ({scheme}://…): expected e.g. postgresql://user@host/db"
        ) from exc


def _same_server(a: URL, b: URL) -> bool:
    return (
        _FAMILIES.get(_family(a.drivername), ("", ""))[1]
        == _FAMILIES.get(_family(b.drivername), ("", ""))[1]
        and (a.host or "") == (b.host or "")
        and (a.port or None) == (b.port or None)
        and (a.database or "") == (b.database or "")
        and (not a.username or a.username == b.username)
    )


def parse_database_url(name: str, env: Mapping[str, str] | None = None) -> DatabaseURL:
    """Parse a target name; take the password from ``DRIFT_DATABASE_URL`` when the name has none.

    ``DRIFT_DATABASE_URL`` lends its password (and user) only to a name that points at the same
    server and database, so a secret is never sent to a host it was not meant for.
    """
    env = os.environ if env is None else env
    url = _parse(name)
    scheme = url.drivername
    family = _family(url.drivername)
    if family not in _FAMILIES:
        raise TargetError(
            f"unsupported database scheme {family}:// (use postgresql, mysql, sqlite)"
        )
    default_driver, vendor = _FAMILIES[family]
    if "+" not in url.drivername or family == "postgres":
        driver = default_driver
        if "+" in url.drivername:
            driver = (
                default_driver.split("+")[0] + "+" + url.drivername.split("+", 1)[1]
            )
        url = url.set(drivername=driver)

    if vendor != "sqlite" and not url.password and env.get(ENV_URL):
        try:
            other = make_url(env[ENV_URL])
        except (ArgumentError, ValueError):
            other = None
        if other is not None and other.password and _same_server(url, other):
            url = url.set(
                username=url.username or other.username, password=other.password
            )

    schemas: tuple[str, ...] = ("public",)
    if "schema" in url.query:
        raw = url.query["schema"]
        values = raw if isinstance(raw, tuple) else (raw,)
        parts = tuple(s.strip() for v in values for s in str(v).split(",") if s.strip())
        if vendor != "postgres":
            raise TargetError("the ?schema= option only applies to PostgreSQL URLs")
        schemas = parts or schemas
        url = url.difference_update_query(["schema"])
    db = DatabaseURL(url=url, vendor=vendor, schemas=schemas, scheme=scheme)
    # also known to the process-wide redactor, for any message that does not come through here
    from drift import secrets

    secrets.register(db.password)
    return db


def check_driver(db: DatabaseURL) -> None:
    """Fail with one line when the URL's driver module is not installed."""
    import importlib.util

    driver = db.url.drivername.split("+", 1)[1] if "+" in db.url.drivername else ""
    if not driver:
        driver = {"postgres": "psycopg2", "mysql": "mysqldb", "sqlite": "pysqlite"}[
            db.vendor
        ]
    module = _DRIVER_MODULES.get(driver.lower())
    if module is None:
        raise TargetError(f"unknown database driver {driver!r} in {db.describe()}")
    if importlib.util.find_spec(module) is None:
        raise TargetError(
            f"the database driver {driver!r} is not installed (pip install {module.split('.')[0]})"
            f" for {db.describe()}"
        )
