"""The command-line contract: outputs, exit codes decided in one place, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drift.diff.hashing import versioned_hash
from drift.snapshot.files import parse_json
from tests.clirun import run, run_process


@pytest.fixture
def pair(shared_dir: Path, tmp_path: Path) -> tuple[Path, Path, dict]:
    pg = shared_dir / "directus" / "fixtures" / "pg"
    current = tmp_path / "current.json"
    current.write_text(json.dumps(json.loads((pg / "snapshot.json").read_text())["data"]))
    return current, pg / "snapshot.modified.json", json.loads((pg / "diff.response.json").read_text())["data"]


def test_json_output_is_the_directus_diff_payload(pair: tuple[Path, Path, dict]) -> None:
    current, desired, expected = pair
    r = run("diff", str(current), str(desired), "--format", "json")
    assert r.code == 0 and r.err == ""
    assert json.dumps(json.loads(r.out)) == json.dumps(expected)


def test_no_differences_prints_the_hash_and_four_empty_lists(pair: tuple[Path, Path, dict]) -> None:
    current, _, _ = pair
    r = run("diff", str(current), str(current), "--format", "json", "--exit-code")
    assert r.code == 0
    snap = parse_json(current.read_text(), "x")
    assert json.loads(r.out) == {
        "hash": versioned_hash(snap, snap["directus"]),
        "diff": {"collections": [], "fields": [], "systemFields": [], "relations": []},
    }


def test_exit_code_two_only_when_asked(pair: tuple[Path, Path, dict]) -> None:
    current, desired, _ = pair
    assert run("diff", str(current), str(desired)).code == 0
    assert run("diff", str(current), str(desired), "--exit-code").code == 2


def test_text_is_plain_without_colour_and_marks_destructive(pair: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    current, desired, _ = pair
    monkeypatch.setenv("NO_COLOR", "1")
    r = run("diff", str(current), str(desired))
    assert "\x1b[" not in r.out
    assert "articles.views" in r.out and "DESTRUCTIVE" in r.out.upper()


def test_version_mismatch_is_refused_then_forced_loudly(pair: tuple[Path, Path, dict], tmp_path: Path) -> None:
    current, desired, _ = pair
    other = json.loads(desired.read_text())
    other["directus"] = "11.5.1"
    p = tmp_path / "other.json"
    p.write_text(json.dumps(other))
    refused = run("diff", str(current), str(p), "--format", "json")
    assert refused.code == 1 and refused.out == "" and "--force" in refused.err
    forced = run("diff", str(current), str(p), "--format", "json", "--force")
    assert forced.code == 0 and "warning" in forced.err and "11.5.1" in forced.err


def test_plan_file_then_apply_to_a_file_is_refused(pair: tuple[Path, Path, dict], tmp_path: Path) -> None:
    current, desired, _ = pair
    plan = tmp_path / "plan.json"
    r = run("plan", str(current), str(desired), "-o", str(plan), "--format", "json")
    assert r.code == 0
    rec = json.loads(plan.read_text())
    assert rec["format"] == "drift-plan/1" and rec["digest"].startswith("sha256:")
    assert rec["counts"]["by_risk"]["destructive"] == 1
    # consent is checked before the target is asked to do anything
    blocked = run("apply", str(current), "--plan", str(plan))
    assert blocked.code == 3 and "--allow-destructive" in blocked.err
    refused = run("apply", str(current), "--plan", str(plan), "--allow-destructive")
    assert refused.code == 1 and "not a target" in refused.err


def test_errors_are_one_line_without_traceback_in_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [1\n  : :")
    r = run_process("diff", str(bad), str(bad))
    assert r.code == 1 and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1 and "bad.yaml" in r.err
    missing = run_process("diff", str(bad), str(tmp_path / "nope.yaml"))
    assert missing.code == 1 and "nope.yaml" in missing.err and "no such file" in missing.err


def test_usage_errors_exit_one() -> None:
    assert run("diff").code == 1
    assert run("diff", "a.yaml", "b.yaml", "--format", "xml").code == 1
    assert run("--version").code == 0
