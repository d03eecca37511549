"""Fixtures for applying plans to real databases: fresh PostgreSQL, MariaDB and SQLite databases.

``db`` is parametrised over the three vendors and yields a :class:`Db` with the URL, a way to run
SQL as the database's owner would (not through drift), and the vendor name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.database.conftest import make_mariadb, make_pg  # noqa: F401 - fixtures


@dataclass
class Db:
    vendor: str
    url: str

    def engine(self) -> sa.Engine:
        url = self.url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return sa.create_engine(url, poolclass=sa.pool.NullPool)

    def run(self, *statements: str) -> None:
        eng = self.engine()
        try:
            with eng.begin() as c:
                for s in statements:
                    c.exec_driver_sql(s)
        finally:
            eng.dispose()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        eng = self.engine()
        try:
            with eng.connect() as c:
                return [tuple(r) for r in c.exec_driver_sql(sql)]
        finally:
            eng.dispose()

    def q(self, name: str) -> str:
        return f"`{name}`" if self.vendor == "mysql" else f'"{name}"'


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def new_db(request: pytest.FixtureRequest) -> Iterator[Callable[[], Db]]:
    """A factory of fresh, empty databases of one vendor (each vendor in turn)."""
    yield request.getfixturevalue(f"_{request.param}_factory")


def _sqlite(tmp_path: Path) -> Callable[[], Db]:
    n = iter(range(1000))

    def make() -> Db:
        path = tmp_path / f"db{next(n)}.sqlite"
        sa.create_engine(f"sqlite:///{path}").connect().close()
        return Db("sqlite", f"sqlite:///{path}")

    return make


@pytest.fixture
def _sqlite_factory(tmp_path: Path) -> Callable[[], Db]:
    return _sqlite(tmp_path)


@pytest.fixture
def _postgres_factory(make_pg: Callable[[], str]) -> Callable[[], Db]:  # noqa: F811
    return lambda: Db("postgres", make_pg())


@pytest.fixture
def _mysql_factory(make_mariadb: Callable[[], str]) -> Callable[[], Db]:  # noqa: F811
    return lambda: Db("mysql", make_mariadb())
