"""Golden diff cases recorded from a real Directus 12.4.1: drift's diff and hash must equal them.

Each folder in ``tests/fixtures/diff/`` is one case, recorded by ``scripts/record_golden.py``:
``current.json`` (the server's own snapshot), ``desired.json`` (the snapshot POSTed to
``/schema/diff``) and ``expected.json`` (the server's answer: status, mode, force, and the
``hash``/``diff`` data verbatim, or the 400 message). Adding a case is adding a folder. The
comparison is ``json.dumps`` equality, so key order inside every diff record counts as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from drift.snapshot.js import js_ordered

CASES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "diff"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expected.json").is_file())
SECTIONS = ("collections", "fields", "systemFields", "relations")


def load(case: str, name: str) -> Any:
    with open(CASES_DIR / case / name, encoding="utf-8") as fh:
        return js_ordered(json.load(fh))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def by_status(*statuses: int) -> list[str]:
    return [c for c in CASES if load(c, "expected.json")["status"] in statuses]


def test_the_corpus_is_there() -> None:
    assert len(CASES) >= 120
    statuses = {load(c, "expected.json")["status"] for c in CASES}
    assert statuses == {200, 204, 400}


@pytest.mark.parametrize("case", by_status(200, 204))
def test_diff_matches_directus(case: str) -> None:
    from drift.diff.engine import snapshot_diff

    current, desired, expected = load(case, "current.json"), load(case, "desired.json"), load(case, "expected.json")
    got = snapshot_diff(current, desired, expected["mode"])
    if expected["status"] == 204:
        assert all(got[k] == [] for k in SECTIONS), dumps(got)[:2000]
    else:
        assert dumps(got) == dumps(expected["diff"])


@pytest.mark.parametrize("case", by_status(200))
def test_hash_matches_directus(case: str) -> None:
    from drift.diff.hashing import versioned_hash

    current, expected = load(case, "current.json"), load(case, "expected.json")
    assert versioned_hash(current, current["directus"]) == expected["hash"]


# -- the CLI, on a sample ----------------------------------------------------------------------------


def run_cli(case: str, *extra: str) -> subprocess.CompletedProcess[str]:
    d = CASES_DIR / case
    return subprocess.run(
        [sys.executable, "-m", "drift", "diff", str(d / "current.json"), str(d / "desired.json"),
         "--format", "json", *extra],
        check=False, capture_output=True, text=True, timeout=120,
    )


def _cli_sample() -> list[str]:
    """Every 12th recorded 200/204 case, plus every forced and merge case."""
    picked = by_status(200, 204)[::12]
    for c in CASES:
        e = load(c, "expected.json")
        if e["status"] != 400 and (e["force"] or e["mode"] == "merge" and c.startswith("merge-")):
            picked.append(c)
    return sorted(set(picked))


@pytest.mark.parametrize("case", _cli_sample())
def test_cli_json_is_the_directus_payload(case: str) -> None:
    expected = load(case, "expected.json")
    args = ["--mode", expected["mode"]] + (["--force"] if expected["force"] else [])
    proc = run_cli(case, *args)
    assert proc.returncode == 0, proc.stderr
    out = js_ordered(json.loads(proc.stdout))
    assert list(out) == ["hash", "diff"]
    if expected["status"] == 204:
        assert all(out["diff"][k] == [] for k in SECTIONS)
    else:
        assert dumps(out) == dumps({"hash": expected["hash"], "diff": expected["diff"]})


@pytest.mark.parametrize("case", by_status(400))
def test_cli_rejects_version_or_vendor_mismatch(case: str) -> None:
    expected = load(case, "expected.json")
    assert expected["message"].startswith("Invalid payload. Provided snapshot")
    proc = run_cli(case)
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("case", by_status(400))
def test_cli_force_gives_the_forced_answer(case: str) -> None:
    """``<case>-forced`` holds Directus's answer to the same snapshot with ``?force=true``."""
    forced = load(case + "-forced", "expected.json")
    assert forced["force"] is True and forced["status"] == 200
    assert dumps(load(case, "desired.json")) == dumps(load(case + "-forced", "desired.json"))
    proc = run_cli(case, "--force")
    assert proc.returncode == 0, proc.stderr
    out = js_ordered(json.loads(proc.stdout))
    assert dumps(out) == dumps({"hash": forced["hash"], "diff": forced["diff"]})
