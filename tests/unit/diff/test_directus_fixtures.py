"""The responses captured from a real Directus 12.4.1 (``../shared/directus/fixtures``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drift.diff.engine import snapshot_diff
from drift.diff.hashing import versioned_hash
from drift.snapshot.files import load_document, parse_json


def _data(p: Path) -> dict:
    doc = parse_json(p.read_text(), str(p))
    return doc["data"] if "data" in doc and "version" not in doc else doc


@pytest.fixture
def pg(shared_dir: Path) -> Path:
    return shared_dir / "directus" / "fixtures" / "pg"


def test_server_diff_and_hash(pg: Path) -> None:
    current, desired = _data(pg / "snapshot.json"), _data(pg / "snapshot.modified.json")
    expected = _data(pg / "diff.response.json")
    assert json.dumps(snapshot_diff(current, desired)) == json.dumps(expected["diff"])
    assert versioned_hash(current, current["directus"]) == expected["hash"]


def test_merge_mode_keeps_everything_but_whole_deletes(pg: Path) -> None:
    current, desired = _data(pg / "snapshot.json"), _data(pg / "snapshot.modified.json")
    expected = _data(pg / "diff.response.mode-merge.json")
    assert json.dumps(snapshot_diff(current, desired, "merge")) == json.dumps(expected["diff"])


def test_partial_snapshot_from_the_server_is_valid(pg: Path) -> None:
    from drift.snapshot.validate import snapshot_problem

    partial = _data(pg / "snapshot.partial-authors.json")
    assert partial["version"] == 2 and snapshot_problem(partial) is None
    assert {c["collection"] for c in partial["collections"]} == {"authors"}


def test_yaml_export_equals_json_snapshot(pg: Path) -> None:
    assert load_document(pg / "snapshot.export.yaml") == _data(pg / "snapshot.json")
