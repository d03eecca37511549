"""Real Directus servers for integration tests, started with ``scripts/directus-server.sh``.

Import the fixtures where they are needed (``from tests.integration.directus_fixtures import *``):

- ``directus_server`` (session): a PostgreSQL-backed Directus 12.4.1 on a fresh database;
- ``directus_mysql_server`` (session): the same on MariaDB (vendor ``mysql``);
- ``directus`` / ``directus_mysql`` (function): the session server with its schema put back to the
  freshly bootstrapped state first (a diff + apply against the baseline: well under a second).

Each yields a :class:`DirectusServer` (``url``, ``token``, ``admin_email`` ...). When a server cannot
be started the test is skipped with the reason — or fails under ``DRIFT_REQUIRE_SERVICES=1``.
``DRIFT_TEST_DIRECTUS_URL`` + ``DRIFT_TEST_DIRECTUS_TOKEN`` point the PostgreSQL fixture at an
already running server instead (its schema is reset to what it was at the start of the session).
Ports: ``DRIFT_TEST_DIRECTUS_PORT`` (default 8061) and ``DRIFT_TEST_DIRECTUS_MYSQL_PORT`` (8062).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import MARIADB_HOST, PG_HOST, ROOT, unavailable

SCRIPT = ROOT / "scripts" / "directus-server.sh"
START_TIMEOUT = float(os.environ.get("DRIFT_TEST_DIRECTUS_START_TIMEOUT", "900"))

__all__ = [
    "DirectusServer",
    "directus",
    "directus_mysql",
    "directus_mysql_server",
    "directus_server",
    "start_directus",
]


@dataclass
class DirectusServer:
    """A running Directus: where it is, how to log in, and how to put its schema back."""

    url: str
    token: str
    admin_email: str = ""
    admin_password: str = ""
    db_client: str = "pg"
    db_name: str = ""
    port: int = 0
    env: dict[str, str] = field(default_factory=dict, repr=False)
    owned: bool = True  # started by this test session (so it is stopped and dropped afterwards)
    baseline: dict[str, Any] | None = field(default=None, repr=False)

    # ---- plain HTTP, independent of drift's own client -----------------------------------
    def http(self, method: str, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        headers = kw.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {token or self.token}")
        kw.setdefault("timeout", 60)
        return requests.request(method, self.url + path, headers=headers, **kw)

    def snapshot(self, **params: str) -> dict[str, Any]:
        r = self.http("GET", "/schema/snapshot", params=params or None)
        r.raise_for_status()
        return r.json()["data"]

    def apply_snapshot(self, desired: dict[str, Any], force: bool = False) -> None:
        """Make the instance match ``desired`` through Directus's own diff and apply."""
        params = {"force": "true"} if force else None
        r = self.http("POST", "/schema/diff", json=desired, params=params)
        if r.status_code == 204:
            return
        assert r.status_code == 200, r.text
        r = self.http("POST", "/schema/apply", json=r.json()["data"])
        assert r.status_code == 204, r.text

    def reset_schema(self) -> None:
        """Back to the schema the session started with (user collections, fields and relations
        dropped with their data; system indexes restored)."""
        if self.baseline is not None:
            self.apply_snapshot(self.baseline)

    def target_env(self, token: str | None = None) -> dict[str, str]:
        return {"DIRECTUS_TOKEN": self.token if token is None else token}


def _script_env(port: int, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIRECTUS_")}
    env.update({"DIRECTUS_PORT": str(port), "DIRECTUS_DB_URL": db_url, "LOG_LEVEL": "warn"})
    if os.environ.get("DIRECTUS_HOME"):
        env["DIRECTUS_HOME"] = os.environ["DIRECTUS_HOME"]
    return env


def _parse_lines(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("DIRECTUS_"):
            out[key] = value
    return out


def start_directus(port: int, db_client: str = "pg", db_name: str | None = None) -> DirectusServer:
    """Start a Directus on ``port`` with a fresh database (a unique name); skip if impossible."""
    if not SCRIPT.is_file():
        unavailable(f"{SCRIPT.name} is missing")
    name = db_name or f"drift_dx_{port}_{uuid.uuid4().hex[:8]}"
    if db_client == "pg":
        db_url = f"postgres://{PG_HOST}/{name}"
    else:
        db_url = f"mysql://{MARIADB_HOST}/{name}"
    env = _script_env(port, db_url)
    try:
        proc = subprocess.run(["bash", str(SCRIPT), "reset"], check=False, env=env, capture_output=True, text=True,
                              timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        unavailable(f"Directus ({db_client}) did not start on port {port} within {START_TIMEOUT:.0f}s")
        raise  # unreachable: unavailable() skips or fails
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        unavailable(f"Directus ({db_client}) could not be started on port {port}: {tail}")
    info = _parse_lines(proc.stdout)
    server = DirectusServer(
        url=info["DIRECTUS_URL"], token=info["DIRECTUS_TOKEN"], admin_email=info.get("DIRECTUS_ADMIN_EMAIL", ""),
        admin_password=info.get("DIRECTUS_ADMIN_PASSWORD", ""), db_client=db_client, db_name=name, port=port,
        env=env,
    )
    server.baseline = server.snapshot()
    return server


def stop_directus(server: DirectusServer) -> None:
    if server.owned:
        subprocess.run(["bash", str(SCRIPT), "drop"], check=False, env=server.env, capture_output=True, text=True, timeout=120)


def _external() -> DirectusServer | None:
    url = os.environ.get("DRIFT_TEST_DIRECTUS_URL")
    token = os.environ.get("DRIFT_TEST_DIRECTUS_TOKEN")
    if not (url and token):
        return None
    server = DirectusServer(url=url.rstrip("/"), token=token, owned=False)
    try:
        server.baseline = server.snapshot()
    except requests.RequestException as exc:
        unavailable(f"DRIFT_TEST_DIRECTUS_URL does not answer: {type(exc).__name__}")
    server.db_client = "mysql" if server.baseline.get("vendor") == "mysql" else "pg"
    return server


@pytest.fixture(scope="session")
def directus_server() -> Iterator[DirectusServer]:
    server = _external() or start_directus(int(os.environ.get("DRIFT_TEST_DIRECTUS_PORT", "8061")), "pg")
    try:
        yield server
    finally:
        if server.owned:
            stop_directus(server)
        else:
            server.reset_schema()


@pytest.fixture(scope="session")
def directus_mysql_server() -> Iterator[DirectusServer]:
    server = start_directus(int(os.environ.get("DRIFT_TEST_DIRECTUS_MYSQL_PORT", "8062")), "mysql")
    try:
        yield server
    finally:
        stop_directus(server)


@pytest.fixture
def directus(directus_server: DirectusServer) -> Iterator[DirectusServer]:
    directus_server.reset_schema()
    yield directus_server


@pytest.fixture
def directus_mysql(directus_mysql_server: DirectusServer) -> Iterator[DirectusServer]:
    directus_mysql_server.reset_schema()
    yield directus_mysql_server


def script_path() -> Path:
    return SCRIPT
