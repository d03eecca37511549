"""Plans for the renderer tests, made by the real pipeline from real snapshots: Directus's own
fixture snapshots (``directus/fixtures/pg``) and real users' files (``realworld/snapshots``)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drift.pipeline import DiffOptions, compare
from drift.plan.model import Plan
from drift.snapshot.files import load_snapshot


def _unwrap(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["data"] if "data" in doc and "version" not in doc else doc


def load_json(path: Path) -> dict[str, Any]:
    return _unwrap(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture
def pg_dir(shared_dir: Path) -> Path:
    return shared_dir / "directus" / "fixtures" / "pg"


@pytest.fixture
def pg_current(pg_dir: Path) -> dict[str, Any]:
    return load_json(pg_dir / "snapshot.json")


@pytest.fixture
def pg_plan(pg_dir: Path, pg_current: dict[str, Any]) -> Plan:
    """snapshot.json (the server) vs snapshot.modified.json: Directus answered diff.response.json."""
    return compare(pg_current, load_json(pg_dir / "snapshot.modified.json"), DiffOptions(), target="https://cms.example.test")


@pytest.fixture
def directus_pg_diff(pg_dir: Path) -> dict[str, Any]:
    """What the real Directus returned from POST /schema/diff for the pg_plan pair."""
    return load_json(pg_dir / "diff.response.json")


@dataclass
class Case:
    id: str
    plan: Plan
    desired_path: Path
    expected: dict[str, Any]


def _side(case: Path, name: str) -> Path:
    return next(p for p in sorted(case.iterdir()) if p.stem == name and p.suffix in (".yaml", ".yml", ".json"))


@pytest.fixture(scope="session")
def realworld_cases(shared_dir: Path) -> list[Case]:
    """Every real-world case Directus answered with a diff (status 200), planned by drift."""
    root = shared_dir / "realworld" / "snapshots" / "cases"
    out = []
    for case in sorted(p for p in root.iterdir() if (p / "expected.json").is_file()):
        expected = json.loads((case / "expected.json").read_text())
        if expected["status"] != 200:
            continue
        desired_path = _side(case, "desired")
        plan = compare(load_snapshot(_side(case, "current")), load_snapshot(desired_path),
                       DiffOptions(force=bool(expected["force"])), target=f"file {case.name}")
        out.append(Case(case.name, plan, desired_path, expected))
    assert len(out) >= 60, "the real-world corpus should hold about 68 answered cases"
    return out


def hostile(current: dict[str, Any]) -> dict[str, Any]:
    """``current`` plus a collection and fields whose names and notes try to break a renderer."""
    desired = copy.deepcopy(current)
    base = next(c for c in desired["collections"] if c.get("schema"))
    evil = copy.deepcopy(base)
    name = "evil|@octocat<b>x</b>`tick`\x1b[31m"
    evil["collection"] = name
    evil["schema"] = {"name": name}
    if isinstance(evil.get("meta"), dict):
        evil["meta"]["collection"] = name
        evil["meta"]["note"] = "ping @org/team and #12 <img src=x onerror=alert(1)> ```"
    desired["collections"].append(evil)
    field = copy.deepcopy(next(f for f in desired["fields"] if f["collection"] == base["collection"] and f.get("schema")))
    field["collection"] = name
    field["field"] = "c|d @someone"
    if isinstance(field.get("meta"), dict):
        field["meta"]["collection"] = name
        field["meta"]["field"] = field["field"]
    if isinstance(field.get("schema"), dict):
        field["schema"]["table"] = name
        field["schema"]["name"] = field["field"]
    desired["fields"].append(field)
    return desired
