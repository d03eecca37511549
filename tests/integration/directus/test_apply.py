"""Plan → apply → re-diff on a real Directus, guarded by the recorded hash.

Every scenario checks the outcome on the server itself (its own ``GET /schema/snapshot``), not
only what drift reports.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from drift.errors import DestructiveBlocked, StalePlan
from drift.targets.directus import is_empty_diff

pytestmark = pytest.mark.directus


def names(snapshot: dict[str, Any]) -> set[str]:
    return {c["collection"] for c in snapshot["collections"]}


def field_names(snapshot: dict[str, Any], collection: str) -> set[str]:
    return {f["field"] for f in snapshot["fields"] if f["collection"] == collection}


def plan_for(target: Any, desired: dict[str, Any], mode: str = "mirror") -> dict[str, Any]:
    answer = target.server_diff(desired, mode=mode)
    return {"hash": answer["hash"], "diff": answer["diff"], "desired": desired, "mode": mode}


def additive(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A copy with a new collection ``reviews`` (id + label) and a changed note."""
    s = copy.deepcopy(snapshot)
    tags = next(c for c in s["collections"] if c["collection"] == "tags")
    new = copy.deepcopy(tags)
    new["collection"] = "reviews"
    new["meta"].update(collection="reviews", group=None, icon="rate_review")
    new["schema"]["name"] = "reviews"
    s["collections"].append(new)
    for f in [f for f in snapshot["fields"] if f["collection"] == "tags"]:
        g = copy.deepcopy(f)
        g["collection"] = g["meta"]["collection"] = g["schema"]["table"] = "reviews"
        s["fields"].append(g)
    next(f for f in s["fields"] if f["collection"] == "articles" and f["field"] == "title")["meta"]["note"] = "New"
    return s


def without(snapshot: dict[str, Any], collection: str | None = None, field: str | None = None) -> dict[str, Any]:
    s = copy.deepcopy(snapshot)
    if field is None:
        s["collections"] = [c for c in s["collections"] if c["collection"] != collection]
        s["fields"] = [f for f in s["fields"] if f["collection"] != collection]
        s["relations"] = [r for r in s["relations"] if r["collection"] != collection]
    else:
        s["fields"] = [f for f in s["fields"] if (f["collection"], f["field"]) != (collection, field)]
    return s


def test_plan_apply_then_rediff_is_empty(seeded, make_target):
    target = make_target(seeded)
    desired = additive(target.snapshot())
    plan = plan_for(target, desired)
    assert not is_empty_diff(plan["diff"])
    report = target.apply(plan)
    assert report["outcome"] == "applied" and report["applied"] is True
    assert report["converged"] is True and report["exit_code"] == 0
    assert report["hash_before"] == plan["hash"] != report["hash_after"]
    # on the server: the change is there, and Directus's own diff has nothing left
    assert "reviews" in names(seeded.snapshot())
    assert seeded.http("POST", "/schema/diff", json=desired).status_code == 204


def test_apply_with_the_plan_model(seeded, make_target):
    build_plan = pytest.importorskip("drift.plan.model").build_plan
    target = make_target(seeded)
    desired = additive(target.snapshot())
    answer = target.server_diff(desired)
    plan = build_plan(answer["hash"], answer["diff"], desired=desired, target=target.describe(),
                      directus="12.4.1", vendor="postgres")
    report = target.apply(plan, allow_destructive=False)
    assert report["converged"] is True
    assert "reviews" in names(seeded.snapshot())


def test_instance_changed_between_plan_and_apply_is_stale_and_nothing_is_applied(seeded, make_target):
    target = make_target(seeded)
    desired = additive(target.snapshot())
    plan = plan_for(target, desired)
    # someone changes the instance after review
    r = seeded.http("PATCH", "/collections/authors", json={"meta": {"note": "edited by hand"}})
    assert r.status_code == 200
    before = seeded.snapshot()
    with pytest.raises(StalePlan) as err:
        target.apply(plan)
    assert err.value.exit_code == 4
    assert "nothing was applied" in str(err.value)
    assert json.dumps(seeded.snapshot()) == json.dumps(before)
    assert "reviews" not in names(before)


def test_directus_hash_mismatch_answer_maps_to_stale_plan(seeded, make_target, monkeypatch):
    """A change that lands after drift's own check but before Directus's: Directus's 400 wins."""
    target = make_target(seeded)
    desired = additive(target.snapshot())
    plan = plan_for(target, desired)
    seeded.http("PATCH", "/collections/authors", json={"meta": {"note": "raced"}})
    monkeypatch.setattr(target, "_current_hash_for", lambda *a: plan["hash"])  # the check passed "just before"
    before = seeded.snapshot()
    with pytest.raises(StalePlan, match="Directus refused the apply") as err:
        target.apply(plan)
    assert err.value.exit_code == 4
    assert json.dumps(seeded.snapshot()) == json.dumps(before)


def test_destructive_without_consent_is_blocked_and_nothing_is_applied(seeded, make_target):
    target = make_target(seeded)
    desired = without(target.snapshot(), "tags")
    plan = plan_for(target, desired)
    with pytest.raises(DestructiveBlocked) as err:
        target.apply(plan)
    assert err.value.exit_code == 3 and "tags" in str(err.value)
    assert "tags" in names(seeded.snapshot())
    assert len(seeded.http("GET", "/items/tags").json()["data"]) == 5
    report = target.apply(plan, allow_destructive=True)
    assert report["converged"] is True
    assert "tags" not in names(seeded.snapshot())


def test_dry_run_checks_the_hash_and_sends_nothing(seeded, make_target):
    target = make_target(seeded)
    desired = without(additive(target.snapshot()), "authors", "bio")
    plan = plan_for(target, desired)
    before = seeded.snapshot()
    report = target.apply(plan, dry_run=True)
    assert report["outcome"] == "dry-run" and report["applied"] is False
    assert json.dumps(seeded.snapshot()) == json.dumps(before)
    seeded.http("PATCH", "/collections/authors", json={"meta": {"note": "moved on"}})
    with pytest.raises(StalePlan):
        target.apply(plan, dry_run=True)


def test_empty_plan_is_nothing_to_do(seeded, make_target):
    target = make_target(seeded)
    plan = plan_for(target, target.snapshot())
    assert is_empty_diff(plan["diff"]) and plan["hash"]  # the 204 case still carries the current hash
    assert target.apply(plan)["outcome"] == "nothing-to-do"


def test_rows_affected_counts_items_and_non_null_values(seeded, make_target):
    target = make_target(seeded)
    desired = without(without(without(target.snapshot(), "tags"), "authors", "bio"), "articles", "views")
    desired = without(desired, "articles", "rating")
    plan = plan_for(target, desired)
    # tags: 5 rows; authors.bio: 2 non-null of 3; articles.views: 4 (default 0); rating: none set
    assert target.rows_affected(plan) == {"tags": 5, "authors.bio": 2, "articles.views": 4, "articles.rating": 0}
    # a folder holds no rows, an alias field no column
    folderless = without(without(target.snapshot(), "library"), "authors", "articles")
    counted = target.rows_affected(plan_for(target, folderless))
    assert "library" not in counted and "authors.articles" not in counted


def test_merge_mode_plan_applies_without_deleting(seeded, make_target):
    target = make_target(seeded)
    desired = without(additive(target.snapshot()), "tags")
    plan = plan_for(target, desired, mode="merge")
    report = target.apply(plan)
    assert report["converged"] is True
    assert {"tags", "reviews"} <= names(seeded.snapshot())
