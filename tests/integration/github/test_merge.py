"""``drift ci`` on a push to the default branch: apply the reviewed plan only when the recorded hash
and digest still match, with consent for destructive changes, and report on the PR comment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drift.errors import StalePlan
from drift.github.comment import parse_header
from tests.integration.github.conftest import pr_event, push_event

MERGE_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
BEFORE = {"articles": ["title", "bio"]}
ADDITIVE = {"articles": ["title", "bio", "summary"]}
DESTRUCTIVE = {"articles": ["title"]}


class WritableFileTarget:
    """A schema file that accepts applies (``testfile://PATH``): stands in for a live target that
    can apply, guarded by the same schema hash a server would check."""

    kind = "file"

    def __init__(self, name: str, options: Any = None) -> None:
        self.path = Path(name.removeprefix("testfile://"))
        self.applied = 0

    def describe(self) -> str:
        return f"testfile://{self.path.name}"

    def snapshot(self) -> dict[str, Any]:
        from drift.snapshot.files import load_snapshot

        return load_snapshot(self.path)

    def apply(self, plan: Any, *, allow_destructive: bool, dry_run: bool) -> dict[str, Any]:
        from drift.diff.hashing import versioned_hash

        snap = self.snapshot()
        if versioned_hash(snap, snap.get("directus", "")) != plan.hash:
            raise StalePlan(f"{self.describe()} changed since the plan was made")
        self.path.write_text(json.dumps(plan.desired, indent=2), encoding="utf-8")
        return {"outcome": "applied", "applied": True, "converged": None}

    def close(self) -> None:
        pass


@pytest.fixture
def writable(monkeypatch):
    import drift.targets

    monkeypatch.setitem(drift.targets.OPENERS, "testfile", lambda name, options: WritableFileTarget(name, options))


def _review(runner, fake_github, schema, *, target=BEFORE, labels=(), in_process=False, target_name=None):
    path = runner.set_target(target)
    inputs = {"target": target_name or path, "schema-file": runner.set_schema(schema)}
    r = runner.run("pull_request", pr_event(labels=labels), inputs, in_process=in_process)
    assert r.code == 0, r.stdout
    fake_github.add_merged_pull(MERGE_SHA, 2, labels=labels)
    return inputs, path


def _merge(runner, inputs, **kw):
    return runner.run("push", push_event(MERGE_SHA), inputs, sha=MERGE_SHA, ref="refs/heads/master", **kw)


def test_merge_with_matching_plan_applies_and_reports_convergence(runner, fake_github, writable):
    path = runner.set_target(BEFORE)
    inputs, _ = _review(runner, fake_github, ADDITIVE, in_process=True, target_name=f"testfile://{path}")
    r = _merge(runner, inputs, in_process=True)
    assert r.code == 0, r.stdout
    body = fake_github.comments[2][0]["body"]
    assert parse_header(body)["status"] == "applied"
    assert "**Applied**" in body and "now matches the schema file" in body
    assert r.outputs["has-changes"] == "false"
    assert "summary" in [f["field"] for f in json.loads(Path(path).read_text())["fields"]]
    # the re-check after merge is clean
    r = runner.run("pull_request", pr_event(), inputs, in_process=True)
    assert r.code == 0 and r.outputs["has-changes"] == "false"


def test_target_changed_since_review_exits_4_and_marks_the_comment_stale(runner, fake_github):
    inputs, path = _review(runner, fake_github, ADDITIVE)
    from tests.integration.github import schemas

    schemas.write(Path(path), {"articles": ["title", "bio", "edited_in_the_cms"]})  # someone changed the target
    r = _merge(runner, inputs)
    assert r.code == 4, r.stdout
    body = fake_github.comments[2][0]["body"]
    assert parse_header(body)["status"] == "stale"
    assert "the target changed since review — re-run the check" in body
    assert any(c.name == "error" and "changed since review" in c.message for c in r.commands)
    assert "edited_in_the_cms" in Path(path).read_text(), "nothing applied"


def test_schema_file_changed_after_review_is_refused(runner, fake_github):
    inputs, _ = _review(runner, fake_github, ADDITIVE)
    runner.set_schema({"articles": ["title", "bio", "summary", "unreviewed"]})
    r = _merge(runner, inputs)
    assert r.code == 4
    assert parse_header(fake_github.comments[2][0]["body"])["status"] == "stale"


def test_destructive_without_consent_exits_3_and_says_so_on_the_comment(runner, fake_github):
    inputs, path = _review(runner, fake_github, DESTRUCTIVE)
    r = _merge(runner, inputs)
    assert r.code == 3, r.stdout
    body = fake_github.comments[2][0]["body"]
    assert parse_header(body)["status"] == "blocked" and "drift:allow-destructive" in body
    assert "bio" in Path(path).read_text()


def test_destructive_with_the_label_applies(runner, fake_github, writable):
    path = runner.set_target(BEFORE)
    inputs, _ = _review(runner, fake_github, DESTRUCTIVE, labels=("drift:allow-destructive",), in_process=True,
                        target_name=f"testfile://{path}")
    r = _merge(runner, inputs, in_process=True)
    assert r.code == 0, r.stdout
    assert parse_header(fake_github.comments[2][0]["body"])["status"] == "applied"
    assert '"bio"' not in Path(path).read_text()


def test_a_target_that_cannot_apply_fails_and_the_comment_says_so(runner, fake_github):
    inputs, _ = _review(runner, fake_github, ADDITIVE)
    r = _merge(runner, inputs)
    assert r.code == 1
    body = fake_github.comments[2][0]["body"]
    assert parse_header(body)["status"] == "failed" and "**Apply failed**" in body


def test_no_merged_pr_applies_nothing_and_fails_unless_in_sync(runner, fake_github):
    inputs = {"target": runner.set_target(BEFORE), "schema-file": runner.set_schema(ADDITIVE)}
    r = _merge(runner, inputs)
    assert r.code == 1
    assert any(c.name == "error" and "no merged pull request" in c.message and "nothing was applied" in c.message
               for c in r.commands)
    assert fake_github.writes() == []
    runner.set_schema(BEFORE)
    r = _merge(runner, inputs)
    assert r.code == 0 and "already matches" in r.summary


def test_a_pr_without_drift_comment_applies_nothing(runner, fake_github):
    inputs = {"target": runner.set_target(BEFORE), "schema-file": runner.set_schema(ADDITIVE)}
    fake_github.add_merged_pull(MERGE_SHA, 2)
    fake_github.make_comment(2, '<!-- drift:v1 {"id":"%s","hash":"h","digest":"d"} -->' % inputs["target"], "mallory")
    r = _merge(runner, inputs)
    assert r.code == 1
    assert any("has no drift plan comment" in c.message for c in r.commands if c.name == "error")
    assert fake_github.writes() == []


def test_pushes_elsewhere_are_skipped(runner, fake_github):
    inputs = {"target": runner.set_target(BEFORE), "schema-file": runner.set_schema(ADDITIVE)}
    r = runner.run("push", push_event(MERGE_SHA, ref="refs/heads/feature"), inputs, sha=MERGE_SHA,
                   ref="refs/heads/feature")
    assert r.code == 0 and fake_github.seen == []
    r = runner.run("push", push_event(MERGE_SHA, ref="refs/tags/v1"), inputs, sha=MERGE_SHA, ref="refs/tags/v1")
    assert r.code == 0 and fake_github.seen == []


def test_sqlite_database_target_end_to_end(runner, fake_github, tmp_path):
    from drift.targets.database import DatabaseTarget

    if not hasattr(DatabaseTarget, "apply"):
        pytest.skip("the database target cannot apply yet")
    import sqlite3

    db = tmp_path / "app.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT)")
    url = f"sqlite:///{db}"
    from drift.snapshot.files import dump_snapshot
    from drift.targets import open_target

    t = open_target(url)
    snap = t.snapshot()
    t.close()
    schema_path = runner.workspace / "schema" / "schema.json"
    schema_path.parent.mkdir(parents=True)
    wanted = json.loads(dump_snapshot(snap, "json"))
    extra = json.loads(json.dumps([f for f in wanted["fields"] if f["field"] == "title"][0]))
    extra["field"] = extra["schema"]["name"] = "summary"
    if extra.get("meta"):
        extra["meta"]["field"] = "summary"
    wanted["fields"].append(extra)
    schema_path.write_text(json.dumps(wanted), encoding="utf-8")
    inputs = {"database-url": url, "schema-file": "schema/schema.json"}
    assert runner.run("pull_request", pr_event(), inputs).code == 0
    fake_github.add_merged_pull(MERGE_SHA, 2)
    r = _merge(runner, inputs)
    assert r.code == 0, r.stdout
    with sqlite3.connect(db) as con:
        cols = [row[1] for row in con.execute("PRAGMA table_info(articles)")]
    assert "summary" in cols
