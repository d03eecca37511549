"""Early reads against a real Directus, through the ``drift`` command (a real process).

The command sends its read-only calls as it starts (:mod:`drift.early`); a recording, fault-injecting
proxy checks that they are exactly the calls the job needs, that an early read the proxy spoils is
made again by the ``requests`` client with the same result, and that a lasting failure gives the
same message and exit code as the in-process command (which never reads early).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import run
from tests.integration.directus.fault_proxy import FaultProxy
from tests.integration.directus.test_apply import additive

pytestmark = pytest.mark.directus


def drift(*args: str, token: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIRECTUS_", "GITHUB_"))}
    env.update(DIRECTUS_TOKEN=token, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "drift", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def in_process(*args: str, token: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    with monkeypatch.context() as m:
        m.setenv("DIRECTUS_TOKEN", token)
        m.setenv("NO_COLOR", "1")
        r = run(*args)
    return r.code, r.out, r.err


def calls(proxy: FaultProxy) -> list[str]:
    return sorted(f"{s.method} {s.path}{'?' + s.query if s.query else ''}" for s in proxy.seen)


@pytest.fixture
def desired(seeded, tmp_path: Path) -> Path:
    snap = additive(seeded.snapshot())
    snap["collections"] = [c for c in snap["collections"] if c["collection"] != "tags"]
    snap["fields"] = [f for f in snap["fields"] if f["collection"] != "tags"]
    snap["relations"] = [r for r in snap["relations"] if r["collection"] != "tags"
                         and r.get("related_collection") != "tags"]
    path = tmp_path / "desired.json"
    path.write_text(json.dumps(snap, indent=2), encoding="utf-8")
    return path


def test_each_job_makes_exactly_its_calls_and_the_same_output(seeded, desired, tmp_path, monkeypatch):
    jobs: list[tuple[list[str], list[str]]] = [
        (["snapshot", "{url}", "--format", "json"], ["GET /policies/me/globals", "GET /schema/snapshot"]),
        (["diff", "{url}", str(desired), "--format", "json"], ["GET /policies/me/globals", "POST /schema/diff"]),
        (["diff", "{url}", str(desired), "--engine", "local", "--format", "json"],
         ["GET /policies/me/globals", "GET /schema/snapshot"]),
        (["plan", "{url}", str(desired)], sorted(["GET /policies/me/globals", "POST /schema/diff",
                                                  "GET /items/tags?aggregate%5Bcount%5D=%2A"])),
    ]
    with FaultProxy(seeded.url) as proxy:
        for argv, expected in jobs:
            args = [a.replace("{url}", proxy.url) for a in argv]
            proxy.clear()
            r = drift(*args, token=seeded.token, cwd=tmp_path)
            assert calls(proxy) == expected, args
            assert (r.returncode, r.stdout, r.stderr) == in_process(*args, token=seeded.token, monkeypatch=monkeypatch)


@pytest.mark.parametrize("action, method, path", [
    ("status", "GET", "/schema/snapshot"),
    ("status", "GET", "/policies/me/globals"),
    ("drop_before", "GET", "/schema/snapshot"),
    ("drop_after", "GET", "/schema/snapshot"),
    ("status", "POST", "/schema/diff"),
    ("drop_before", "POST", "/schema/diff"),
    ("drop_after", "POST", "/schema/diff"),
])
def test_a_spoiled_early_read_is_made_again_with_the_same_result(seeded, desired, tmp_path, action, method, path):
    job = ["snapshot", "{url}", "--format", "json"] if method == "GET" else ["diff", "{url}", str(desired),
                                                                             "--format", "json"]
    with FaultProxy(seeded.url) as proxy:
        args = [a.replace("{url}", proxy.url) for a in job]
        clean = drift(*args, token=seeded.token, cwd=tmp_path)
        assert clean.returncode == 0, clean.stderr
        proxy.clear()
        proxy.add(action, method=method, path=path, status=503, times=1)
        r = drift(*args, token=seeded.token, cwd=tmp_path)
        assert (r.returncode, r.stdout) == (clean.returncode, clean.stdout)
        assert proxy.count(method, path) == 2  # the early read, then the client's own call
        assert seeded.token not in r.stderr


@pytest.mark.parametrize("status, path", [(500, "/schema/snapshot"), (401, "/policies/me/globals"),
                                          (500, "/policies/me/globals")])
def test_a_lasting_failure_gives_the_same_message_and_exit_code(seeded, tmp_path, monkeypatch, status, path):
    body = (b'{"errors":[{"message":"Invalid user credentials.","extensions":{"code":"INVALID_CREDENTIALS"}}]}'
            if status == 401 else
            b'{"errors":[{"message":"boom","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}')
    with FaultProxy(seeded.url) as proxy:
        proxy.add("status", method="GET", path=path, status=status, body=body)
        r = drift("snapshot", proxy.url, token=seeded.token, cwd=tmp_path)
        error = r.stderr.splitlines()[-1]
        assert r.returncode != 0 and error.startswith("drift: error: ")
        code, out, err = in_process("snapshot", proxy.url, token=seeded.token, monkeypatch=monkeypatch)
        # (the retries' warning lines go to the test's log capture in process)
        assert (r.returncode, r.stdout, error) == (code, out, err.splitlines()[-1])
        assert seeded.token not in r.stderr


def test_a_wrong_token_gives_the_same_message(seeded, tmp_path, monkeypatch):
    r = drift("snapshot", seeded.url, token="not-the-token-9f2e", cwd=tmp_path)
    assert r.returncode == 1 and "rejected the token" in r.stderr and "not-the-token-9f2e" not in r.stderr
    assert (r.returncode, r.stdout, r.stderr) == in_process("snapshot", seeded.url, token="not-the-token-9f2e",
                                                            monkeypatch=monkeypatch)


def test_an_invalid_desired_file_is_reported_even_though_the_server_answered(seeded, desired, tmp_path):
    snap: dict[str, Any] = json.loads(desired.read_text(encoding="utf-8"))
    snap["fields"][0]["field"] = ""
    desired.write_text(json.dumps(snap), encoding="utf-8")
    with FaultProxy(seeded.url) as proxy:
        r = drift("plan", proxy.url, str(desired), token=seeded.token, cwd=tmp_path)
        assert r.returncode == 1 and r.stdout == ""
        assert r.stderr.count("\n") == 1 and "desired.json" in r.stderr and "fields[0].field" in r.stderr
        assert proxy.count("POST", "/schema/apply") == 0
