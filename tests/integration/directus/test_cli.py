"""The Directus target through the ``drift`` command line, as a user runs it (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.directus.test_apply import additive, names, without

pytestmark = pytest.mark.directus

CANARY = "canary-token-cli-0b5e"


def drift(*args: str, token: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIRECTUS_", "GITHUB_"))}
    env.update(DIRECTUS_TOKEN=token, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "drift", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def write(path: Path, snapshot: dict[str, Any]) -> str:
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    return str(path)


def test_snapshot_diff_plan_apply_round_trip(seeded, tmp_path):
    url, token = seeded.url, seeded.token
    r = drift("snapshot", url, "--format", "json", "-o", "snap.json", token=token, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "snap.json").read_text()) == seeded.snapshot()
    desired = write(tmp_path / "desired.json", additive(seeded.snapshot()))
    server = drift("diff", url, desired, "--format", "json", "--engine", "server", token=token, cwd=tmp_path)
    local = drift("diff", url, desired, "--format", "json", "--engine", "local", token=token, cwd=tmp_path)
    assert server.returncode == local.returncode == 0
    assert server.stdout == local.stdout and json.loads(server.stdout)["diff"]["collections"]
    r = drift("plan", url, desired, "-o", "plan.json", token=token, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert token not in (tmp_path / "plan.json").read_text() + r.stdout + r.stderr
    r = drift("apply", url, "--plan", "plan.json", token=token, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Converged" in r.stdout
    assert "reviews" in names(seeded.snapshot())
    r = drift("diff", url, desired, "--exit-code", token=token, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    # the same plan again: the instance moved on, so it is stale
    r = drift("apply", url, "--plan", "plan.json", token=token, cwd=tmp_path)
    assert r.returncode == 4 and "nothing was applied" in r.stderr


def test_stale_and_destructive_exit_codes_change_nothing(seeded, tmp_path):
    url, token = seeded.url, seeded.token
    desired = write(tmp_path / "desired.json", without(seeded.snapshot(), "tags"))
    assert drift("plan", url, desired, "-o", "plan.json", token=token, cwd=tmp_path).returncode == 0
    r = drift("apply", url, "--plan", "plan.json", token=token, cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    assert "tags" in names(seeded.snapshot())
    seeded.http("PATCH", "/collections/articles", json={"meta": {"note": "changed after review"}})
    r = drift("apply", url, "--plan", "plan.json", "--allow-destructive", token=token, cwd=tmp_path)
    assert r.returncode == 4, r.stderr
    assert "tags" in names(seeded.snapshot())


def test_wrong_token_and_version_mismatch_via_cli(seeded, tmp_path):
    r = drift("snapshot", seeded.url, token=CANARY, cwd=tmp_path)
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "rejected the token" in r.stderr
    assert "Traceback" not in r.stderr and CANARY not in r.stdout + r.stderr
    old = additive(seeded.snapshot())
    old["directus"] = "12.3.0"
    desired = write(tmp_path / "old.json", old)
    r = drift("diff", seeded.url, desired, token=seeded.token, cwd=tmp_path)
    assert r.returncode == 1 and "12.3.0" in r.stderr and "--force" in r.stderr
    r = drift("diff", seeded.url, desired, "--force", "--exit-code", token=seeded.token, cwd=tmp_path)
    assert r.returncode == 2 and "force" in r.stderr.lower()
