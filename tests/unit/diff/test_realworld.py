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


def _case_forms() -> list[tuple[str, str]]:
    """Every case with its desired file as committed, and again in its JSON form where one exists
    (the js-yaml load of an accepted YAML file, re-serialised)."""
    out = []
    for case_id in _cases():
        out.append((case_id, "original"))
        desired_json = CASES / case_id / "desired.json"
        if desired_json.is_file() and _side(CASES / case_id, "desired") != desired_json:
            out.append((case_id, "json"))
    return out


def _side(case: Path, name: str, prefer_json: bool = False) -> Path:
    """The case's file for ``name``: as committed (YAML when there is one), or its JSON form."""
    files = [p for p in sorted(case.iterdir()) if p.stem == name and p.suffix in (".yaml", ".yml", ".json")]
    files.sort(key=lambda p: (p.suffix == ".json") != prefer_json)
    return files[0]


@pytest.mark.parametrize("case_id,desired_form", _case_forms())
def test_realworld_case(shared_dir: Path, case_id: str, desired_form: str) -> None:
    case = CASES / case_id
    expected = json.loads((case / "expected.json").read_text())
    current = _side(case, "current")
    desired = _side(case, "desired", prefer_json=desired_form == "json")
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
