"""Real users' snapshot files: drift diff agrees with Directus 12.4.1 on every case.

The cases (``../shared/realworld/snapshots/cases``) hold Directus's own answers, computed by its
real ``getSnapshotDiff``/``validateSnapshot``/object-hash. For 200: the same hash and diff, key
order included; for 204: four empty lists; for "rejected": exit 1 with one clear line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import run
from tests.conftest import SHARED

CASES = SHARED / "realworld" / "snapshots" / "cases"


def _cases() -> list[str]:
    if not CASES.is_dir():
        return ["(absent)"]
    return sorted(p.name for p in CASES.iterdir() if (p / "expected.json").is_file())


def _side(case: Path, name: str, prefer_json: bool = False) -> Path:
    if prefer_json and (case / f"{name}.json").exists():
        return case / f"{name}.json"
    return next(p for p in sorted(case.iterdir()) if p.stem == name and p.suffix in (".yaml", ".yml", ".json"))


@pytest.mark.parametrize("case_id", _cases())
@pytest.mark.parametrize("desired_form", ["original", "json"])
def test_realworld_case(shared_dir: Path, case_id: str, desired_form: str) -> None:
    case = CASES / case_id
    expected = json.loads((case / "expected.json").read_text())
    current = _side(case, "current")
    desired = _side(case, "desired", prefer_json=desired_form == "json")
    if desired_form == "json" and desired.suffix != ".json":
        pytest.skip("no JSON form of the desired file for this case")
    args = ["diff", str(current), str(desired), "--format", "json"]
    if expected["force"]:
        args.append("--force")
    r = run(*args)
    if expected["status"] == "rejected":
        assert r.code == 1, r.out[:500]
        lines = [line for line in r.err.splitlines() if line.strip()]
        assert 1 <= len(lines) <= 3 and "Traceback" not in r.err, r.err
        return
    assert r.code == 0, r.err
    got = json.loads(r.out)
    if expected["status"] == 204:
        assert got["diff"] == {"collections": [], "fields": [], "systemFields": [], "relations": []}
        return
    assert got["hash"] == expected["hash"]
    assert json.dumps(got["diff"]) == json.dumps(expected["diff"])


def test_mismatched_versions_are_refused_without_force(shared_dir: Path) -> None:
    forced = [c for c in _cases() if json.loads((CASES / c / "expected.json").read_text()).get("force")
              and json.loads((CASES / c / "expected.json").read_text())["status"] == 200]
    assert forced, "the corpus has cases whose sides differ in version or vendor"
    case = CASES / forced[0]
    r = run("diff", str(_side(case, "current")), str(_side(case, "desired")), "--format", "json")
    assert r.code == 1
    assert "--force" in r.err and r.out == ""
