"""Risk grades, Directus hazards and ignore rules, on diffs from Directus's own fixtures."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from drift.diff.engine import snapshot_diff
from drift.errors import InputError
from drift.pipeline import DiffOptions, compare
from drift.plan.ignore import parse_rules
from drift.plan.model import Plan, build_plan, diff_digest
from drift.snapshot.files import parse_json


@pytest.fixture
def base(shared_dir: Path) -> dict:
    doc = parse_json((shared_dir / "directus/fixtures/pg/snapshot.json").read_text(), "snapshot.json")
    return doc["data"]


def _field(snap: dict, coll: str, name: str) -> dict:
    return next(f for f in snap["fields"] if f["collection"] == coll and f["field"] == name)


def _plan(cur: dict, des: dict, *ignore: str) -> Plan:
    return compare(cur, des, DiffOptions(ignore=tuple(parse_rules(list(ignore)))))


def test_drops_are_destructive_and_creates_additive(base: dict) -> None:
    des = copy.deepcopy(base)
    des["fields"] = [f for f in des["fields"] if (f["collection"], f["field"]) != ("articles", "views")]
    des["collections"] = [c for c in des["collections"] if c["collection"] != "authors"]
    new = copy.deepcopy(_field(base, "articles", "body"))
    new["field"] = new["meta"]["field"] = new["schema"]["name"] = "summary"
    des["fields"].append(new)
    plan = _plan(base, des)
    risks = {(c.section, c.key): (c.action, c.risk) for c in plan.changes}
    assert risks[("collections", "authors")] == ("delete", "destructive")
    assert risks[("fields", "articles.views")] == ("delete", "destructive")
    assert risks[("fields", "articles.summary")] == ("create", "additive")


def test_type_narrowing_and_not_null_are_destructive_meta_only_is_metadata(base: dict) -> None:
    base = copy.deepcopy(base)
    _field(base, "authors", "name")["schema"]["is_nullable"] = True
    des = copy.deepcopy(base)
    f = _field(des, "authors", "name")
    f["schema"]["max_length"] = 10
    f["schema"]["is_nullable"] = False
    _field(des, "articles", "body")["meta"]["note"] = "just a note"
    plan = _plan(base, des)
    by_key = {c.key: c for c in plan.changes}
    assert by_key["authors.name"].risk == "destructive"
    assert any("narrows" in r for r in by_key["authors.name"].reasons)
    assert any("NOT NULL" in r for r in by_key["authors.name"].reasons)
    assert by_key["articles.body"].risk == "metadata"
    widen = copy.deepcopy(base)
    _field(widen, "authors", "name")["schema"]["max_length"] = 500
    assert _plan(base, widen).changes[0].risk == "modifying"


def test_directus_hazards_are_flagged(base: dict) -> None:
    # a collection losing its schema: Directus drops the table
    des = copy.deepcopy(base)
    coll = next(c for c in des["collections"] if c["collection"] == "authors")
    del coll["schema"]
    plan = _plan(base, des)
    change = next(c for c in plan.changes if c.section == "collections")
    assert change.risk == "destructive" and "dropping its table" in change.reasons[0]
    # a nested-path D on a field (e.g. an old snapshot without schema.is_indexed): Directus deletes the field
    des = copy.deepcopy(base)
    del _field(des, "articles", "body")["schema"]["is_indexed"]
    change = next(c for c in _plan(base, des).changes if c.key == "articles.body")
    assert change.risk == "destructive" and "deleting" in change.reasons[0]
    # a full snapshot without systemFields: every system index dropped
    des = copy.deepcopy(base)
    del des["systemFields"]
    plan = _plan(base, des)
    sys_changes = [c for c in plan.changes if c.section == "systemFields"]
    assert sys_changes and all(c.risk == "destructive" for c in sys_changes)
    assert "systemFields" in sys_changes[0].reasons[0]


def test_ignore_rules_count_and_list_what_they_hide(base: dict) -> None:
    des = copy.deepcopy(base)
    _field(des, "articles", "body")["meta"]["sort"] = 99
    _field(des, "articles", "body")["meta"]["note"] = "kept"
    _field(des, "authors", "name")["meta"]["sort"] = 42
    des["fields"] = [f for f in des["fields"] if (f["collection"], f["field"]) != ("articles", "views")]
    plan = _plan(base, des, "fields.*.meta.sort", "articles.views")
    keys = {c.key for c in plan.changes}
    assert keys == {"articles.body"}
    assert json.dumps(plan.changes[0].records) .count("sort") == 0 or all(
        r.get("path") != ["meta", "sort"] for r in plan.changes[0].records
    )
    labels = [i.label() for i in plan.ignored]
    assert len(plan.ignored) == 3 and plan.counts()["ignored"] == 3
    assert any("articles.views" in s for s in labels) and any("meta.sort" in s for s in labels)


def test_ignored_keys_are_reset_inside_a_collapsed_meta_edit(base: dict) -> None:
    des = copy.deepcopy(base)
    f = _field(des, "articles", "body")
    f["meta"]["sort"] = 77
    f["meta"]["custom_key"] = 1  # an N under meta collapses all meta changes into one E
    raw = snapshot_diff(base, des)
    entry = next(e for e in raw["fields"] if e["field"] == "body")
    assert entry["diff"][0]["path"] == ["meta"]
    plan = _plan(base, des, "fields.articles.body.meta.sort")
    rec = plan.changes[0].records[0]
    assert rec["rhs"]["sort"] == rec["lhs"]["sort"] and rec["rhs"]["custom_key"] == 1


def test_bad_ignore_rules_are_one_line_errors() -> None:
    with pytest.raises(InputError, match="property"):
        parse_rules(["fields.*.nothing"])


def test_plan_record_round_trip_and_digest_guard(base: dict) -> None:
    des = copy.deepcopy(base)
    _field(des, "authors", "name")["meta"]["note"] = "x"
    plan = _plan(base, des)
    rec = json.loads(json.dumps(plan.to_record()))
    again = Plan.from_record(rec, "plan.json")
    assert again.digest == plan.digest == diff_digest(plan.diff) and again.hash == plan.hash
    rec["diff"]["fields"][0]["diff"][0]["rhs"] = "tampered"
    with pytest.raises(InputError, match="digest"):
        Plan.from_record(rec, "plan.json")
    assert build_plan(plan.hash, {}).has_changes is False
