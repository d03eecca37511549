"""The HTTP calls a plan makes against Directus: only the ones the job needs, and errors in order.

``make_plan`` (what ``drift diff`` / ``drift plan`` and the Action run) is driven against a real
Directus through a recording proxy: the server engine costs the admin check and one
``POST /schema/diff`` (Directus checks version and vendor itself, so no extra schema read), the
local engine the admin check and one ``GET /schema/snapshot``; ``--force`` alone reads the
instance's identity. The target's first read overlaps the loading of the schema file, but a bad
file is still reported first, at once.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from drift.cli import Common, Console
from drift.errors import CompatibilityError, DriftError, TargetError
from drift.workflow import make_plan
from tests.integration.directus.fault_proxy import FaultProxy
from tests.integration.directus.test_apply import additive

pytestmark = pytest.mark.directus


def _plan(url: str, desired: Path, token: str, *, engine: str = "auto", force: bool = False,
          extras: bool = False) -> Any:
    return make_plan(url, str(desired), Common(force=force), Console(quiet=True), engine=engine,
                     with_extras=extras, env={"DIRECTUS_TOKEN": token})


def _calls(proxy: FaultProxy) -> list[str]:
    return [f"{s.method} {s.path}{'?' + s.query if s.query else ''}" for s in proxy.seen]


@pytest.fixture
def desired_file(seeded, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    desired = additive(seeded.snapshot())
    path = tmp_path / "desired.json"
    path.write_text(json.dumps(desired), encoding="utf-8")
    return path, desired


def test_server_engine_makes_only_the_admin_check_and_the_diff(seeded, desired_file):
    path, desired = desired_file
    with FaultProxy(seeded.url) as proxy:
        plan = _plan(proxy.url, path, seeded.token)
        assert _calls(proxy) == ["GET /policies/me/globals", "POST /schema/diff"]
    truth = seeded.http("POST", "/schema/diff", json=desired).json()["data"]
    assert plan.hash == truth["hash"] and plan.has_changes
    assert (plan.directus, plan.vendor) == (seeded.baseline["directus"], seeded.baseline["vendor"])


def test_local_engine_makes_only_the_admin_check_and_one_snapshot(seeded, desired_file):
    path, desired = desired_file
    with FaultProxy(seeded.url) as proxy:
        plan = _plan(proxy.url, path, seeded.token, engine="local")
        assert _calls(proxy) == ["GET /policies/me/globals", "GET /schema/snapshot"]
    truth = seeded.http("POST", "/schema/diff", json=desired).json()["data"]
    assert plan.hash == truth["hash"]


def test_plan_adds_only_the_row_counts(seeded, desired_file, tmp_path):
    _, desired = desired_file
    desired["collections"] = [c for c in desired["collections"] if c["collection"] != "tags"]
    desired["fields"] = [f for f in desired["fields"] if f["collection"] != "tags"
                         and (f["collection"], f["field"]) != ("authors", "bio")]
    path = tmp_path / "destructive.json"
    path.write_text(json.dumps(desired), encoding="utf-8")
    with FaultProxy(seeded.url) as proxy:
        plan = _plan(proxy.url, path, seeded.token, extras=True)
        calls = _calls(proxy)
    assert calls[:2] == ["GET /policies/me/globals", "POST /schema/diff"]
    assert sorted(calls[2:]) == ["GET /items/authors?aggregate%5Bcount%5D=bio",
                                 "GET /items/tags?aggregate%5Bcount%5D=%2A"]
    assert plan.rows_affected == {"tags": 5, "authors.bio": 2}


def test_force_reads_the_identity_for_its_warnings(seeded, desired_file, tmp_path):
    _, desired = desired_file
    desired["directus"] = "12.3.0"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(desired), encoding="utf-8")
    with FaultProxy(seeded.url) as proxy:
        with pytest.raises(CompatibilityError) as err:
            _plan(proxy.url, path, seeded.token)
        assert "12.3.0" in err.value.message and "--force" in err.value.message
        assert all(s.path != "/schema/snapshot" for s in proxy.seen)
        proxy.clear()
        plan = _plan(proxy.url, path, seeded.token, force=True)
        assert _calls(proxy) == ["GET /policies/me/globals", "GET /schema/snapshot?includeCollections=",
                                 "POST /schema/diff?force=true"]
    assert plan.directus == seeded.baseline["directus"]
    assert any("12.3.0" in w for w in plan.warnings)


def test_bad_file_is_reported_first_and_at_once(tmp_path):
    with socket.socket() as s:  # a port nothing listens on: every connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "directus": ', encoding="utf-8")
    for engine in ("server", "local"):
        started = time.monotonic()
        with pytest.raises(DriftError) as err:
            _plan(f"http://127.0.0.1:{port}", bad, "some-token", engine=engine)
        assert "bad.json" in err.value.message and "invalid JSON" in err.value.message
        assert time.monotonic() - started < 2.0  # not after the unreachable server's retries


def test_non_admin_is_still_refused_before_the_diff(seeded, desired_file):
    path, _ = desired_file
    r = seeded.http("POST", "/users", json={"email": "calls-reader@example.com", "password": "reader-pw-123",
                                            "token": "calls-non-admin-token", "status": "active"})
    assert r.status_code == 200, r.text
    try:
        with FaultProxy(seeded.url) as proxy:
            with pytest.raises(TargetError, match="not an administrator's"):
                _plan(proxy.url, path, "calls-non-admin-token")
            assert _calls(proxy) == ["GET /policies/me/globals"]
    finally:
        seeded.http("DELETE", f"/users/{r.json()['data']['id']}")
