"""Database target names: parsing a SQLAlchemy URL, choosing the driver, and redacting secrets.

A database target is named by a SQLAlchemy URL. This module owns turning that name into something
SQLAlchemy can connect with (``postgresql://`` → psycopg 3, ``mysql://``/``mariadb://`` → PyMySQL,
``sqlite:///path``), finding the password (in the URL itself, or in ``DRIFT_DATABASE_URL`` when the
name leaves it out), and the one redacted rendering used everywhere a human or a file sees the name.
It also scrubs the password out of any driver message, so a secret never leaks through an error.

The name is parsed by :class:`URLParts` with the grammar of SQLAlchemy's ``make_url`` (the same
fields from the same text) without importing SQLAlchemy: applying a plan to PostgreSQL connects
with psycopg alone. The SQLAlchemy ``URL`` is built from those parts when something asks for it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

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


# SQLAlchemy's URL grammar: name://[user[:password]@][host or [ipv6]][:port][/database][?query]
_URL = re.compile(
    r"(?P<name>[\w+]+)://"
    r"(?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?"
    r"(?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?"
    r"(?:/(?P<database>[^?]*))?"
    r"(?:\?(?P<query>.*))?"
)


@dataclass(frozen=True)
class URLParts:
    """A database URL's parts, as SQLAlchemy's ``make_url`` reads them (same fields, same values;
    ``query`` keeps a repeated key's values as a tuple), and the few ``URL`` methods drift uses."""

    drivername: str
    username: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query_items: tuple[tuple[str, str | tuple[str, ...]], ...] = ()

    @property
    def query(self) -> dict[str, str | tuple[str, ...]]:
        return dict(self.query_items)

    def set(self, **changes: Any) -> URLParts:
        """Like ``URL.set``: a value of None leaves that part as it is."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "query" in changes:
            changes["query_items"] = _query_items(changes.pop("query").items())
        return replace(self, **changes)

    def difference_update_query(self, names: Iterable[str]) -> URLParts:
        drop = set(names)
        return replace(self, query_items=tuple(kv for kv in self.query_items if kv[0] not in drop))

    def to_sqlalchemy(self) -> Any:
        from sqlalchemy.engine import URL

        return URL.create(self.drivername, self.username, self.password, self.host, self.port, self.database,
                          self.query)


def _query_items(items: Iterable[tuple[str, Any]]) -> tuple[tuple[str, str | tuple[str, ...]], ...]:
    return tuple((k, v if isinstance(v, str) else tuple(v)) for k, v in items)


def parse_url(name: str) -> URLParts:
    """Parse a URL as SQLAlchemy's ``make_url`` does; ValueError when it would refuse it."""
    m = _URL.match(name)
    if m is None:
        raise ValueError("Could not parse SQLAlchemy URL from given URL string")
    g = m.groupdict()
    query: dict[str, Any] = {}
    if g["query"] is not None:
        for key, value in parse_qsl(g["query"]):
            if key in query:
                query[key] = (*(query[key] if isinstance(query[key], tuple) else (query[key],)), value)
            else:
                query[key] = value
    port: int | None = None
    if g["port"] is not None:
        port = int(g["port"])  # "" and non-numbers are refused, as SQLAlchemy refuses them
    return URLParts(
        drivername=g["name"],
        username=unquote(g["username"]) if g["username"] is not None else None,
        password=unquote(g["password"]) if g["password"] is not None else None,
        host=g["ipv4host"] or g["ipv6host"],
        port=port,
        database=unquote(g["database"]) if g["database"] is not None else None,
        query_items=_query_items(query.items()),
    )


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database target name. ``parts`` holds the secret; ``describe()`` never does."""

    parts: URLParts = field(repr=False)
    vendor: str  # "postgres", "mysql" or "sqlite", as in a snapshot's ``vendor``
    # the PostgreSQL schemas read (``?schema=a,b``), and the scheme as written, for display
    schemas: tuple[str, ...] = ("public",)
    scheme: str = ""

    @functools.cached_property
    def url(self) -> Any:
        """The SQLAlchemy ``URL`` (SQLAlchemy is imported then)."""
        return self.parts.to_sqlalchemy()

    @property
    def family(self) -> str:
        return _family(self.parts.drivername)

    @property
    def password(self) -> str | None:
        pw = self.parts.password
        return None if pw in (None, "") else str(pw)

    @property
    def sqlite_path(self) -> str | None:
        """The file a SQLite URL names (None for an in-memory database)."""
        if self.vendor != "sqlite":
            return None
        db = self.parts.database
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
        query = self.parts.query
        for v in query.values():
            if isinstance(v, str) and len(v) > 3 and v in out:
                for k in _SECRET_QUERY_KEYS:
                    if query.get(k) == v:
                        out = out.replace(v, REDACTED)
        return out


def _parse(name: str) -> URLParts:
    try:
        return parse_url(name)
    except ValueError as exc:
        # the name may hold a password: never echo it
        scheme = name.partition("://")[0] or "?"
        raise TargetError(
            f"not a valid database URL ({scheme}://…): expected e.g. postgresql://user@host/db"
        ) from exc


def _same_server(a: URLParts, b: URLParts) -> bool:
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
            other: URLParts | None = parse_url(env[ENV_URL])
        except ValueError:
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
    db = DatabaseURL(parts=url, vendor=vendor, schemas=schemas, scheme=scheme)
    # also known to the process-wide redactor, for any message that does not come through here
    from drift import secrets

    secrets.register(db.password)
    return db


def check_driver(db: DatabaseURL) -> None:
    """Fail with one line when the URL's driver module is not installed."""
    import importlib.util

    drivername = db.parts.drivername
    driver = drivername.split("+", 1)[1] if "+" in drivername else ""
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
