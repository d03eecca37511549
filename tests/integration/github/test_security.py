"""Secrets never leave drift (outputs, summaries, comments, issues, logs, errors), and text from a
schema or a target can never be read by the runner as a workflow command."""

from __future__ import annotations

import json

from tests.integration.github.conftest import pr_event, processed_commands, schedule_event

GITHUB_CANARY = "ghs_CANARYgithubTOKEN7f3a9c2e1b"
DIRECTUS_CANARY = "CANARY-directus-static-token-5d1e"
DB_PASSWORD = "CANARY-pw-9a8b7c"
DB_URL = f"postgresql://drift:{DB_PASSWORD}@127.0.0.1:1/app"
CANARIES = (GITHUB_CANARY, DIRECTUS_CANARY, DB_PASSWORD)


def _everything(run, fake) -> str:
    """All text a secret could leak into, except the ``::add-mask::`` lines that register it."""
    stdout = "\n".join(line for line in run.stdout.splitlines() if not line.startswith("::add-mask::"))
    bodies = json.dumps([s.body for s in fake.seen])
    stored = json.dumps([fake.comments, fake.issues])
    return "\n".join([stdout, run.stderr, json.dumps(run.outputs), run.summary, bodies, stored])


def _assert_clean(run, fake) -> None:
    text = _everything(run, fake)
    for canary in CANARIES:
        assert canary not in text
    masks = [line for line in run.stdout.splitlines() if line.startswith("::add-mask::")]
    first_other = next(i for i, line in enumerate(run.stdout.splitlines()) if not line.startswith("::add-mask::"))
    assert all(run.stdout.splitlines().index(m) < first_other for m in masks), "masks come first"


def test_secrets_stay_out_of_everything_on_a_pull_request(runner, fake_github):
    inputs = {"target": runner.set_target({"articles": ["title"]}),
              "schema-file": runner.set_schema({"articles": ["title", "body"]}),
              "token": DIRECTUS_CANARY, "database-url": DB_URL, "github-token": GITHUB_CANARY}
    r = runner.run("pull_request", pr_event(), inputs, token=GITHUB_CANARY)
    assert r.code == 0, r.stdout
    _assert_clean(r, fake_github)
    masks = {line.removeprefix("::add-mask::") for line in r.stdout.splitlines() if line.startswith("::add-mask::")}
    assert {GITHUB_CANARY, DIRECTUS_CANARY, DB_PASSWORD} <= masks


def test_secrets_stay_out_of_errors_from_unreachable_targets(runner, fake_github):
    schema = runner.set_schema({"articles": ["title"]})
    for inputs in ({"database-url": DB_URL, "schema-file": schema},
                   {"target": "http://127.0.0.1:9", "token": DIRECTUS_CANARY, "schema-file": schema},
                   {"target": f"postgresql://drift:{DB_PASSWORD}@127.0.0.1:1/app", "schema-file": schema}):
        r = runner.run("pull_request", pr_event(), {**inputs, "github-token": GITHUB_CANARY}, token=GITHUB_CANARY)
        assert r.code == 1, r.stdout
        errors = [c for c in r.commands if c.name == "error"]
        assert len(errors) == 1 and "Traceback" not in r.stdout + r.stderr
        _assert_clean(r, fake_github)


def test_untrusted_schema_text_cannot_inject_workflow_commands(runner, fake_github):
    evil = {"articles": ["title", "\n::error::pwned-field"], "::warning::pwned\n::set-output name=x::y": ["name"]}
    notes = {"articles.title": "line\n::error::pwned-note\n::stop-commands::abc\n::add-mask::title"}
    inputs = {"target": runner.set_target({"articles": ["title"]}),
              "schema-file": runner.set_schema(evil, notes=notes)}
    for event, payload in (("pull_request", pr_event()), ("schedule", schedule_event())):
        r = runner.run(event, payload, inputs, sha="f" * 40, ref="refs/heads/master")
        assert r.code == 0, r.stdout
        commands = processed_commands(r.stdout)
        assert {c.name for c in commands} <= {"add-mask", "group", "endgroup", "stop-commands", "warning", "notice"}
        resumed = [c for c in commands if c.name.startswith(("pwned", "abc"))]
        assert resumed == []
        for c in commands:
            if c.name == "add-mask":
                assert "title" not in c.message
            if c.name in ("warning", "notice"):
                assert "\n" not in c.message
        # the untrusted text was printed, inside a stop-commands block
        assert "pwned-note" in r.stdout
    # the hidden header survives names that try to close the HTML comment
    from drift.github.comment import parse_header

    assert parse_header(fake_github.comments[2][0]["body"])["status"] == "planned"


def test_markdown_header_cannot_be_forged_by_a_name(runner, fake_github):
    evil = {"articles": ["title"], 'x --> <!-- drift:v1 {"id":"evil","hash":"h"} -->': ["name"]}
    inputs = {"target": runner.set_target({"articles": ["title"]}), "schema-file": runner.set_schema(evil)}
    r = runner.run("pull_request", pr_event(), inputs)
    assert r.code == 0, r.stdout
    from drift.github.comment import parse_header

    header = parse_header(fake_github.comments[2][0]["body"])
    assert header["id"] == inputs["target"] and header["hash"] == r.outputs["hash"]
    body = fake_github.comments[2][0]["body"]
    assert body.startswith("<!-- drift:v1 ") and body.count("\n<!-- drift:v1 ") == 0
    # only a header on the first line counts
    assert parse_header("text\n" + body) is None
