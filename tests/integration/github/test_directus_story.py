"""The whole story against a real Directus 12.4.1: pull request → comment with the plan → merge →
applied → comment updated → re-check clean; the stale path; destructive without consent; scheduled
drift with who changed what from Directus's activity log, then closed on recovery."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drift.github.comment import parse_header
from tests.integration.directus_fixtures import DirectusServer, directus, directus_server  # noqa: F401
from tests.integration.github.conftest import pr_event, push_event, schedule_event

pytestmark = pytest.mark.directus

MERGE_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


def _ok(resp: Any) -> None:
    assert resp.status_code in (200, 204), resp.text


def _add_collection(server: DirectusServer, name: str, *fields: str) -> None:
    _ok(server.http("POST", "/collections", json={
        "collection": name, "meta": {"icon": "note"}, "schema": {},
        "fields": [{"field": "id", "type": "integer", "meta": {"hidden": True, "interface": "input", "readonly": True},
                    "schema": {"is_primary_key": True, "has_auto_increment": True}},
                   *({"field": f, "type": "string", "meta": {"interface": "input"}, "schema": {}} for f in fields)]}))


def _desired(server: DirectusServer, name: str, *fields: str) -> dict[str, Any]:
    """The snapshot the instance would have with one more collection (made on the server, then undone)."""
    _add_collection(server, name, *fields)
    snap = server.snapshot()
    server.reset_schema()
    return snap


def _write_schema(runner, snap: dict[str, Any]) -> str:
    path = runner.workspace / "schema" / "snapshot.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snap, indent=2), encoding="utf-8")
    return "schema/snapshot.json"


def _collections(server: DirectusServer) -> set[str]:
    return {c["collection"] for c in server.snapshot()["collections"]}


def _merge(runner, inputs):
    return runner.run("push", push_event(MERGE_SHA), inputs, sha=MERGE_SHA, ref="refs/heads/master")


def test_plan_merge_apply_recheck(runner, fake_github, directus):
    inputs = {"target": directus.url, "token": directus.token, "environment": "production",
              "schema-file": _write_schema(runner, _desired(directus, "gh_notes", "title"))}
    r = runner.run("pull_request", pr_event(), inputs)
    assert r.code == 0, r.stdout + r.stderr
    header = parse_header(fake_github.comments[2][0]["body"])
    assert header["directus"] == "12.4.1" and header["environment"] == "production"
    assert header["hash"] == r.outputs["hash"] and r.outputs["has-changes"] == "true"
    assert directus.token not in json.dumps(fake_github.comments)

    fake_github.add_merged_pull(MERGE_SHA, 2)
    r = _merge(runner, inputs)
    assert r.code == 0, r.stdout + r.stderr
    assert "gh_notes" in _collections(directus)
    body = fake_github.comments[2][0]["body"]
    assert parse_header(body)["status"] == "applied" and "now matches the schema file" in body

    r = runner.run("pull_request", pr_event(number=3), inputs)
    assert r.code == 0 and r.outputs["has-changes"] == "false"


def test_target_changed_after_review_is_stale_and_nothing_is_applied(runner, fake_github, directus):
    inputs = {"target": directus.url, "token": directus.token,
              "schema-file": _write_schema(runner, _desired(directus, "gh_notes", "title"))}
    r = runner.run("pull_request", pr_event(), inputs)
    assert r.code == 0, r.stdout + r.stderr
    _add_collection(directus, "gh_edited_in_the_cms")
    fake_github.add_merged_pull(MERGE_SHA, 2)
    r = _merge(runner, inputs)
    assert r.code == 4, r.stdout + r.stderr
    assert parse_header(fake_github.comments[2][0]["body"])["status"] == "stale"
    assert "gh_notes" not in _collections(directus)


def test_destructive_without_consent_is_blocked(runner, fake_github, directus):
    _add_collection(directus, "gh_doomed", "title")
    directus.baseline, saved = directus.snapshot(), directus.baseline
    try:
        snap = _desired(directus, "gh_other")
        snap["collections"] = [c for c in snap["collections"] if c["collection"] != "gh_doomed"]
        snap["fields"] = [f for f in snap["fields"] if f["collection"] != "gh_doomed"]
        inputs = {"target": directus.url, "token": directus.token, "schema-file": _write_schema(runner, snap)}
        r = runner.run("pull_request", pr_event(), inputs)
        assert r.code == 0 and int(r.outputs["destructive-count"]) >= 1
        fake_github.add_merged_pull(MERGE_SHA, 2)
        r = _merge(runner, inputs)
        assert r.code == 3, r.stdout + r.stderr
        assert {"gh_doomed"} <= _collections(directus) and "gh_other" not in _collections(directus)
    finally:
        directus.baseline = saved
        directus.reset_schema()


def test_scheduled_drift_names_who_changed_what_and_closes_on_recovery(runner, fake_github, directus):
    inputs = {"target": directus.url, "token": directus.token, "environment": "production",
              "schema-file": _write_schema(runner, directus.snapshot())}
    _add_collection(directus, "gh_drifted", "title")
    r = runner.run("schedule", schedule_event(), inputs, sha="f" * 40, ref="refs/heads/master")
    assert r.code == 0, r.stdout + r.stderr
    body = fake_github.issues[1]["body"]
    assert "gh\\_drifted" in body or "gh_drifted" in body
    assert "Directus activity log" in body and "directus_collections" in body
    if directus.admin_email:  # the admin made the change: the issue names them
        assert directus.admin_email.split("@")[0] in body, body[-1500:]
    directus.reset_schema()
    r = runner.run("schedule", schedule_event(), inputs, sha="f" * 40, ref="refs/heads/master")
    assert r.code == 0
    assert fake_github.issues[1]["state"] == "closed"
