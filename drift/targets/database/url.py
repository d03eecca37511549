"""Database target names: parsing a SQLAlchemy URL, choosing the driver, and redacting secrets.

A database target is named by a SQLAlchemy URL. This module parses that name without importing
SQLAlchemy (the same grammar as its ``make_url``: ``dialect+driver://user:password@host:port/
database?key=value``, percent-decoded user, password and database), picks the driver
(``postgresql://`` → psycopg 3, ``mysql://``/``mariadb://`` → PyMySQL, ``sqlite:///path`` → the
standard library's sqlite3), and says how to connect with it: :func:`driver_connect` gives the
DB-API call for those three drivers, the way SQLAlchemy's dialects would make it; other drivers,
and options only SQLAlchemy knows how to pass, go through SQLAlchemy (:attr:`DatabaseURL.url`). It
finds the password (in the URL itself, or in ``DRIFT_DATABASE_URL`` when the name leaves it out),
and holds the one redacted rendering used everywhere a human or a file sees the name. It also
scrubs the password out of any driver message, so a secret never leaks through an error.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote

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

# SQLAlchemy's URL grammar: name://[user[:password]@][host or [ipv6]][:port][/database][?query]
_URL = re.compile(
    r"""
    (?P<name>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)

Query = Mapping[str, "str | tuple[str, ...]"]


def _family(drivername: str) -> str:
    return drivername.split("+", 1)[0].lower()


@dataclass(frozen=True)
class URLParts:
    """The fields of a SQLAlchemy URL (``query`` values are a string, or a tuple for a repeated
    key), parsed and rendered as SQLAlchemy does, without it."""

    drivername: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: Query = field(default_factory=dict)

    def set(self, **changes: Any) -> URLParts:
        return replace(self, **changes)

    def render(self) -> str:
        """``URL.render_as_string(hide_password=False)``."""
        s = self.drivername + "://"
        if self.username is not None:
            s += quote(self.username, safe=" +")
            if self.password is not None:
                s += ":" + quote(self.password, safe=" +")
            s += "@"
        if self.host is not None:
            s += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            s += f":{self.port}"
        if self.database is not None:
            s += "/" + quote(self.database, safe=" +/")
        if self.query:
            s += "?" + "&".join(
                f"{quote_plus(k)}={quote_plus(v)}"
                for k in sorted(self.query)
                for v in _values(self.query[k])
            )
        return s


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def parse_url(name: str) -> URLParts:
    """``make_url(name)``; raises ValueError when ``name`` is not a URL (or its port no number)."""
    m = _URL.match(name)
    if m is None:
        raise ValueError("not a database URL")
    query: dict[str, str | tuple[str, ...]] = {}
    if m["query"] is not None:
        for key, value in parse_qsl(m["query"]):
            old = query.get(key)
            query[key] = value if old is None else (*_values(old), value)
    port = m["port"]
    return URLParts(
        drivername=m["name"],
        username=None if m["username"] is None else unquote(m["username"]),
        password=None if m["password"] is None else unquote(m["password"]),
        host=m["ipv4host"] or m["ipv6host"],
        port=None if port is None else int(port),
        database=None if m["database"] is None else unquote(m["database"]),
        query=query,
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
        """The name as SQLAlchemy's ``URL`` (for ``create_engine``; imports SQLAlchemy)."""
        from sqlalchemy.engine import URL

        p = self.parts
        return URL.create(
            p.drivername, p.username, p.password, p.host, p.port, p.database, p.query
        )

    @property
    def family(self) -> str:
        return _family(self.parts.drivername)

    @property
    def driver(self) -> str:
        """The driver name: ``psycopg``, ``pymysql``, ``pysqlite`` (SQLAlchemy's defaults), …"""
        drivername = self.parts.drivername
        if "+" in drivername:
            return drivername.split("+", 1)[1]
        return {"postgres": "psycopg2", "mysql": "mysqldb", "sqlite": "pysqlite"}[self.vendor]

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
        url = self.parts
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
        return url.render().replace("%2A%2A%2A", REDACTED)

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
        values = _values(url.query["schema"])
        parts = tuple(s.strip() for v in values for s in str(v).split(",") if s.strip())
        if vendor != "postgres":
            raise TargetError("the ?schema= option only applies to PostgreSQL URLs")
        schemas = parts or schemas
        url = url.set(query={k: v for k, v in url.query.items() if k != "schema"})
    db = DatabaseURL(parts=url, vendor=vendor, schemas=schemas, scheme=scheme)
    # also known to the process-wide redactor, for any message that does not come through here
    from drift import secrets

    secrets.register(db.password)
    return db


def check_driver(db: DatabaseURL) -> None:
    """Fail with one line when the URL's driver module is not installed."""
    import importlib.util

    driver = db.driver
    module = _DRIVER_MODULES.get(driver.lower())
    if module is None:
        raise TargetError(f"unknown database driver {driver!r} in {db.describe()}")
    if importlib.util.find_spec(module) is None:
        raise TargetError(
            f"the database driver {driver!r} is not installed (pip install {module.split('.')[0]})"
            f" for {db.describe()}"
        )


# URL options SQLAlchemy's PyMySQL dialect converts (to numbers, booleans, an ``ssl`` dict) before
# they reach the driver: a URL with one of them is connected through SQLAlchemy
_MYSQL_CONVERTED = frozenset(
    "compress connect_timeout read_timeout write_timeout client_flag local_infile use_unicode "
    "ssl_ca ssl_key ssl_cert ssl_capath ssl_cipher ssl_check_hostname".split()
)


def driver_connect(
    db: DatabaseURL, timeout: float
) -> tuple[str, tuple[Any, ...], dict[str, Any]] | None:
    """The DB-API module and ``connect()`` arguments for the drivers drift ships with (psycopg 3,
    PyMySQL, sqlite3), made as SQLAlchemy's dialect makes them from the same URL (user, password,
    host, port and database, then the URL's options as given, then the connect timeout). None
    when SQLAlchemy has to make the connection: another driver, a repeated option, or an option
    the dialect converts first."""
    p = db.parts
    driver = db.driver.lower()
    if any(not isinstance(v, str) for v in p.query.values()):
        return None
    names = {"host": p.host, "port": p.port, "password": p.password}
    if db.vendor == "postgres" and driver == "psycopg":
        kwargs = {"dbname": p.database, "user": p.username, **names}
        kwargs = {k: v for k, v in kwargs.items() if v}  # SQLAlchemy drops empty parts too
        kwargs.update(p.query)
        kwargs["connect_timeout"] = max(1, int(timeout))
        return "psycopg", (), kwargs
    if db.vendor == "mysql" and driver == "pymysql":
        if _MYSQL_CONVERTED.intersection(p.query):
            return None
        kwargs = {"database": p.database, "user": p.username, **names}
        kwargs = {k: v for k, v in kwargs.items() if v}
        kwargs.update(p.query)
        kwargs["connect_timeout"] = max(1, int(timeout))
        return "pymysql", (), kwargs
    if db.vendor == "sqlite" and driver == "pysqlite":
        if p.query or p.username or p.password or p.host or p.port:
            return None  # SQLAlchemy's options (uri=true, …) and its error for a malformed URL
        path = p.database or ":memory:"
        if path != ":memory:":
            path = os.path.abspath(path)
        # SQLAlchemy lets a file database's connection move between threads
        options = {"timeout": float(timeout), "check_same_thread": path == ":memory:"}
        return "sqlite3", (path,), options
    return None
