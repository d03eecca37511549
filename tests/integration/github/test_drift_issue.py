"""``drift ci`` on schedule / workflow_dispatch: one drift issue per target, opened, updated,
left alone when unchanged, closed with a comment on recovery; who changed what from the hook."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drift.github.issues import parse_issue_header
from tests.integration.github import schemas
from tests.integration.github.conftest import schedule_event, webhook
from tests.integration.github.test_merge import WritableFileTarget

SCHEMA = {"articles": ["title", "bio"]}


def _inputs(runner, target, **extra):
    return {"target": runner.set_target(target), "schema-file": runner.set_schema(SCHEMA), **extra}


def _schedule(runner, inputs, **kw):
    return runner.run("schedule", schedule_event(), inputs, sha="f" * 40, ref="refs/heads/master", **kw)


def test_drift_opens_updates_and_closes_one_issue(runner, fake_github):
    inputs = _inputs(runner, {"articles": ["title", "bio", "added_in_cms"]})
    r = _schedule(runner, inputs)
    assert r.code == 0, r.stdout
    assert len(fake_github.issues) == 1
    issue = fake_github.issues[1]
    assert parse_issue_header(issue["body"])["id"] == inputs["target"]
    assert issue["labels"][0]["name"] == "drift" and "added_in_cms" in issue["body"]
    assert r.outputs["drift-issue-url"] == issue["html_url"] and r.outputs["has-changes"] == "true"

    writes = len(fake_github.writes())
    assert _schedule(runner, inputs).code == 0
    assert len(fake_github.writes()) == writes, "the same drift is not re-posted"

    schemas.write(runner.live / "target.json", {"articles": ["title"]})
    r = _schedule(runner, {**inputs, "fail-on-drift": "true"})
    assert r.code == 2
    assert len(fake_github.issues) == 1 and "added_in_cms" not in fake_github.issues[1]["body"]
    assert fake_github.writes()[-1].method == "PATCH"

    schemas.write(runner.live / "target.json", SCHEMA)
    r = _schedule(runner, {**inputs, "fail-on-drift": "true"})
    assert r.code == 0
    assert fake_github.issues[1]["state"] == "closed" and fake_github.issues[1]["state_reason"] == "completed"
    assert "matches" in fake_github.comments[1][-1]["body"]
    assert r.outputs["drift-issue-url"] == fake_github.issues[1]["html_url"]

    # drifting again opens a new issue; in sync with no open issue writes nothing
    schemas.write(runner.live / "target.json", {"articles": ["title", "bio", "again"]})
    assert _schedule(runner, inputs).code == 0
    assert len(fake_github.issues) == 2


def test_in_sync_without_an_issue_writes_nothing(runner, fake_github):
    r = _schedule(runner, _inputs(runner, SCHEMA))
    assert r.code == 0 and fake_github.writes() == [] and r.outputs["has-changes"] == "false"


def test_issues_by_others_and_pull_requests_are_not_ours(runner, fake_github):
    inputs = _inputs(runner, {"articles": ["title"]})
    header = '<!-- drift:issue {"id":"%s"} -->' % inputs["target"]
    fake_github.make_issue("fake", header, ["drift"], "mallory")
    r = _schedule(runner, inputs)
    assert r.code == 0
    assert len(fake_github.issues) == 2 and fake_github.issues[1]["body"] == header


def test_dispatch_on_another_branch_uses_the_default_branch_schema(runner, fake_github):
    inputs = _inputs(runner, SCHEMA)
    runner.set_schema({"articles": ["title", "bio", "only_on_the_branch"]})
    fake_github.files[("master", "schema/schema.json")] = json.dumps(schemas.snapshot(SCHEMA))
    ev = webhook("workflow_dispatch")
    ev["repository"]["default_branch"] = "master"
    ev["repository"]["full_name"] = "Codertocat/Hello-World"
    r = runner.run("workflow_dispatch", ev, inputs, sha="e" * 40, ref="refs/heads/feature")
    assert r.code == 0, r.stdout
    assert r.outputs["has-changes"] == "false"


class ActivityTarget(WritableFileTarget):
    def schema_activity(self, limit: int) -> list[dict[str, Any]]:
        return [{"action": "create", "collection": "directus_fields", "item": "articles.added_in_cms",
                 "timestamp": "2024-05-01T10:00:00Z", "user": "Ada Lovelace <ada@example.com>"}]


@pytest.fixture
def with_activity(monkeypatch):
    import drift.targets

    monkeypatch.setitem(drift.targets.OPENERS, "testfile", lambda name, options: ActivityTarget(name, options))


def test_who_changed_what_comes_from_the_target_hook(runner, fake_github, with_activity):
    path = runner.set_target({"articles": ["title", "bio", "added_in_cms"]})
    inputs = {"target": f"testfile://{path}", "schema-file": runner.set_schema(SCHEMA)}
    r = _schedule(runner, inputs, in_process=True)
    assert r.code == 0, r.stdout
    body = fake_github.issues[1]["body"]
    assert "Ada Lovelace" in body and "2024-05-01T10:00:00Z" in body and "articles.added_in_cms" in body
