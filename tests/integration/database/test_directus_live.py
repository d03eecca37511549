"""A real Directus 12.4.1 on PostgreSQL and on MariaDB: drift reading its database directly returns
exactly what the server's ``GET /schema/snapshot`` returns, and the hash the server computes.

The servers are started by ``scripts/directus-server.sh`` (ports 8057 for PostgreSQL, 8058 for
MariaDB, each on a fresh database with a unique name, dropped afterwards). The schema is built
through the REST API by :mod:`rich_schema`; then hand-made SQL adds what Directus does not track.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy

from drift.targets import TargetOptions, open_target
from drift.targets.database.url import parse_database_url
from tests.conftest import MARIADB_HOST, PG_HOST, ROOT
from tests.integration.database.rich_schema import build_rich_schema
from tests.integration.directus_fixtures import (
    DirectusServer,
    start_directus,
    stop_directus,
)

pytestmark = [pytest.mark.directus]

PORTS = {
    "postgres": int(os.environ.get("DRIFT_TEST_DB_DIRECTUS_PG_PORT", "8057")),
    "mysql": int(os.environ.get("DRIFT_TEST_DB_DIRECTUS_MARIADB_PORT", "8058")),
}


def _db_url(server: DirectusServer) -> str:
    if server.db_client == "pg":
        return f"postgresql://{PG_HOST}/{server.db_name}"
    return f"mysql+pymysql://{MARIADB_HOST}/{server.db_name}"


@pytest.fixture(scope="module", params=["postgres", "mysql"])
def rich_directus(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[DirectusServer, str]]:
    """A Directus with the rich schema built through its API, and its database's URL."""
    vendor = request.param
    server = start_directus(PORTS[vendor], "pg" if vendor == "postgres" else "mysql")
    try:
        build_rich_schema(server.http, vendor)
        yield server, _db_url(server)
    finally:
        stop_directus(server)


def _drift_snapshot(url: str, **options: Any) -> dict[str, Any]:
    target = open_target(url, TargetOptions(**options))
    try:
        return target.snapshot()
    finally:
        target.close()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _server_hash(server: DirectusServer, snapshot: dict[str, Any]) -> str:
    """The hash Directus itself computes for its current schema (from a ``/schema/diff``)."""
    desired = copy.deepcopy(snapshot)
    desired["collections"][0]["meta"]["note"] = (
        "drift: a change, to get a diff and its hash"
    )
    r = server.http("POST", "/schema/diff", json=desired)
    assert r.status_code == 200, r.text
    return str(r.json()["data"]["hash"])


def test_database_snapshot_equals_directus(
    rich_directus: tuple[DirectusServer, str],
) -> None:
    server, url = rich_directus
    expected = server.snapshot()
    ours = _drift_snapshot(url)
    assert _dumps(ours) == _dumps(expected)
    # the schema really is rich: folders, aliases, every relation kind, system-collection fields
    assert len(expected["collections"]) >= 15
    assert any("schema" not in c for c in expected["collections"])  # folders
    assert any(f["type"] == "alias" and "schema" not in f for f in expected["fields"])
    assert any(f["collection"] == "directus_users" for f in expected["fields"])
    assert any("schema" not in r for r in expected["relations"])  # the m2a relation


def test_database_hash_equals_servers(
    rich_directus: tuple[DirectusServer, str],
) -> None:
    from drift.diff.hashing import versioned_hash

    server, url = rich_directus
    ours = _drift_snapshot(url)
    assert versioned_hash(ours, ours["directus"]) == _server_hash(server, ours)


def test_partial_snapshot_equals_directus(
    rich_directus: tuple[DirectusServer, str],
) -> None:
    server, url = rich_directus
    include = ("articles", "directus_users", "content", "no_such_collection")
    expected = server.snapshot(includeCollections=",".join(include))
    assert _dumps(_drift_snapshot(url, include=include)) == _dumps(expected)
    exclude = ("authors", "directus_activity")
    expected = server.snapshot(excludeCollections=",".join(exclude))
    assert _dumps(_drift_snapshot(url, exclude=exclude)) == _dumps(expected)


def test_untracked_objects_left_out_like_directus(
    rich_directus: tuple[DirectusServer, str],
) -> None:
    """Tables, columns and foreign keys made with SQL (no Directus rows) stay invisible."""
    server, url = rich_directus
    engine = sqlalchemy.create_engine(parse_database_url(url).url)
    q = engine.dialect.identifier_preparer.quote
    statements = [
        f"CREATE TABLE {q('raw_untracked')} (id INTEGER PRIMARY KEY, label VARCHAR(20))",
        f"ALTER TABLE {q('events')} ADD COLUMN {q('raw_col')} VARCHAR(10) DEFAULT 'x'",
        f"ALTER TABLE {q('events')} ADD COLUMN {q('raw_ref')} INTEGER",
        (
            f"ALTER TABLE {q('events')} ADD CONSTRAINT {q('events_raw_ref_fk')} FOREIGN KEY "
            f"({q('raw_ref')}) REFERENCES {q('raw_untracked')} ({q('id')})"
        ),
    ]
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
        r = server.http("POST", "/utils/cache/clear", params={"system": ""})
        assert r.status_code in (200, 204), r.text
        expected = server.snapshot()
        assert _dumps(_drift_snapshot(url)) == _dumps(expected)
        assert not any(f["field"] in ("raw_col", "raw_ref") for f in expected["fields"])
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {q('events')} DROP CONSTRAINT {q('events_raw_ref_fk')}"
                                 if server.db_client == "pg" else
                                 f"ALTER TABLE {q('events')} DROP FOREIGN KEY {q('events_raw_ref_fk')}")  # fmt: skip
            conn.exec_driver_sql(
                f"ALTER TABLE {q('events')} DROP COLUMN {q('raw_ref')}"
            )
            conn.exec_driver_sql(
                f"ALTER TABLE {q('events')} DROP COLUMN {q('raw_col')}"
            )
            conn.exec_driver_sql(f"DROP TABLE {q('raw_untracked')}")
        engine.dispose()
        server.http("POST", "/utils/cache/clear", params={"system": ""})


def test_cli_snapshot_equals_directus(
    rich_directus: tuple[DirectusServer, str],
) -> None:
    server, url = rich_directus
    proc = subprocess.run(
        [sys.executable, "-m", "drift", "snapshot", url, "--format", "json"],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert _dumps(json.loads(proc.stdout)) == _dumps(server.snapshot())
