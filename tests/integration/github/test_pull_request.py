"""``drift ci`` on pull requests, end to end: the sticky comment, outputs, summary, annotations,
fork pull requests, and the GitHub API's failure modes."""

from __future__ import annotations

import json

from drift.github.comment import parse_header
from tests.integration.github.conftest import ACTIONS_TOKEN, pr_event

BEFORE = {"articles": ["title", "bio"]}
AFTER = {"articles": ["title", "summary"], "authors": ["name"]}


def _inputs(runner, target=BEFORE, schema=AFTER, **extra):
    return {"target": runner.set_target(target), "schema-file": runner.set_schema(schema), **extra}


def test_pr_posts_one_comment_with_header_outputs_summary_and_annotations(runner, fake_github):
    r = runner.run("pull_request", pr_event(), _inputs(runner))
    assert r.code == 0, r.stdout + r.stderr
    comments = fake_github.comments[2]
    assert len(comments) == 1
    body = comments[0]["body"]
    header = parse_header(body)
    assert header is not None
    assert header["hash"] == r.outputs["hash"] and header["digest"] == r.outputs["plan-digest"]
    assert header["destructive"] == 1 and header["consent"] is False and header["status"] == "planned"
    assert header["directus"] == "12.4.1" and header["truncated"] is False
    assert header["head_sha"] == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert "drift:allow-destructive" in body and "[!CAUTION]" in body and "<details>" in body
    assert len(body) <= 65536
    assert r.outputs["has-changes"] == "true" and r.outputs["destructive-count"] == "1"
    assert r.outputs["comment-url"] == comments[0]["html_url"]
    assert "articles.bio" in r.summary and "| Fields |" in r.summary
    warnings = [c for c in r.commands if c.name == "warning"]
    assert any("file=schema/schema.json" in c.props and "line=" in c.props and "articles.bio" in c.message
               for c in warnings), warnings
    # GITHUB_TOKEN cannot read /user: the comment is matched as the Actions bot's
    assert [s.path for s in fake_github.seen][:1] == ["/user"]


def test_rerun_unchanged_does_not_update_and_a_change_updates_the_same_comment(runner, fake_github):
    inputs = _inputs(runner)
    assert runner.run("pull_request", pr_event(), inputs).code == 0
    first = fake_github.comments[2][0]
    writes = len(fake_github.writes())

    r = runner.run("pull_request", pr_event(), inputs)  # another run, same plan
    assert r.code == 0
    assert len(fake_github.writes()) == writes, "an unchanged plan must not be re-posted"
    assert r.outputs["comment-url"] == first["html_url"]

    runner.set_schema({"articles": ["title", "bio", "summary"]})  # new push to the PR
    r = runner.run("pull_request", pr_event(head_sha="a" * 40), inputs)
    assert r.code == 0
    assert len(fake_github.comments[2]) == 1
    patch = fake_github.writes()[-1]
    assert patch.method == "PATCH" and patch.path.endswith(f"/issues/comments/{first['id']}")
    header = parse_header(fake_github.comments[2][0]["body"])
    assert header["destructive"] == 0 and header["head_sha"] == "a" * 40
    assert header["digest"] == r.outputs["plan-digest"]


def test_a_forged_comment_by_another_user_is_ignored(runner, fake_github):
    inputs = _inputs(runner)
    forged_header = '<!-- drift:v1 {"id":"%s","hash":"x","digest":"y","status":"planned"} -->' % inputs["target"]
    fake_github.make_comment(2, forged_header + "\nlooks like drift", "mallory")
    r = runner.run("pull_request", pr_event(), inputs)
    assert r.code == 0
    bodies = [(c["user"]["login"], c["body"]) for c in fake_github.comments[2]]
    assert len(bodies) == 2 and bodies[0] == ("mallory", forged_header + "\nlooks like drift")
    assert bodies[1][0] == "github-actions[bot]"


def test_a_personal_token_matches_its_own_login_across_pages(runner, fake_github):
    pat = "ghp_PERSONALtoken00000000000000000000"
    fake_github.users[pat] = "drift-bot"
    inputs = _inputs(runner, **{"github-token": pat})
    for i in range(230):  # three pages of other people's comments
        fake_github.make_comment(2, f"comment {i}", "octocat")
    assert runner.run("pull_request", pr_event(), inputs, token=pat).code == 0
    own = [c for c in fake_github.comments[2] if c["user"]["login"] == "drift-bot"]
    assert len(own) == 1
    runner.set_schema({"articles": ["title"]})
    assert runner.run("pull_request", pr_event(), inputs, token=pat).code == 0
    own = [c for c in fake_github.comments[2] if c["user"]["login"] == "drift-bot"]
    assert len(own) == 1 and parse_header(own[0]["body"])["destructive"] == 1
    pages = [s.query.get("page", ["1"])[0] for s in fake_github.seen if s.path.endswith("/issues/2/comments")
             and s.method == "GET"]
    assert "3" in pages


def test_consent_label_is_recorded(runner, fake_github):
    r = runner.run("pull_request", pr_event(labels=("drift:allow-destructive",)), _inputs(runner))
    assert r.code == 0
    assert parse_header(fake_github.comments[2][0]["body"])["consent"] is True


def test_environment_names_the_comment_and_two_environments_get_two_comments(runner, fake_github):
    inputs = _inputs(runner)
    assert runner.run("pull_request", pr_event(), {**inputs, "environment": "staging"}).code == 0
    assert runner.run("pull_request", pr_event(), {**inputs, "environment": "production"}).code == 0
    assert runner.run("pull_request", pr_event(), {**inputs, "environment": "production"}).code == 0
    ids = [parse_header(c["body"])["id"] for c in fake_github.comments[2]]
    assert ids == ["staging", "production"]


def test_a_huge_plan_is_cut_under_the_limit_and_marked_truncated(runner, fake_github):
    big = {f"table_{i:03d}": [f"column_{j:02d}" for j in range(40)] for i in range(60)}
    r = runner.run("pull_request", pr_event(), _inputs(runner, target={"articles": ["title"]}, schema=big))
    assert r.code == 0, r.stdout
    body = fake_github.comments[2][0]["body"]
    assert len(body.encode("utf-16-le")) // 2 <= 65536
    header = parse_header(body)
    assert header["truncated"] is True
    assert len(r.summary) > len(body), "the job summary carries the full plan"


def test_comment_without_write_permission_only_warns(runner, fake_github):
    fake_github.read_only_tokens.add(ACTIONS_TOKEN)
    r = runner.run("pull_request", pr_event(), _inputs(runner))
    assert r.code == 0
    assert any(c.name == "warning" and "pull-requests: write" in c.message for c in r.commands)
    assert r.outputs["comment-url"] == "" and "articles.bio" in r.summary


def test_transient_failures_are_retried(runner, fake_github):
    fake_github.fail("GET", r"/issues/2/comments$", 502, message="Server Error")
    fake_github.fail("POST", r"/issues/2/comments$", 403, headers={"Retry-After": "1"},
                     message="You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
    fake_github.fail("POST", r"/issues/2/comments$", 429, headers={"Retry-After": "0"}, message="Too many requests")
    r = runner.run("pull_request", pr_event(), _inputs(runner))
    assert r.code == 0, r.stdout
    assert len(fake_github.comments[2]) == 1


def test_validation_errors_fail_with_one_line(runner, fake_github):
    fake_github.fail("POST", r"/issues/2/comments$", 422, message="Validation Failed",
                     errors=[{"resource": "IssueComment", "code": "unprocessable", "field": "data",
                              "message": "Body is too long (maximum is 65536 characters)"}])
    r = runner.run("pull_request", pr_event(), _inputs(runner))
    assert r.code == 1
    errors = [c for c in r.commands if c.name == "error"]
    assert len(errors) == 1 and "422" in errors[0].message and "Body is too long" in errors[0].message
    assert "Traceback" not in r.stdout + r.stderr
    assert len([s for s in fake_github.seen if s.method == "POST"]) == 1, "422 is never retried"


def test_fork_pr_diffs_files_only_never_fails_and_writes_the_summary(runner, fake_github):
    schema = runner.set_schema({"articles": ["title", "bio"]})
    runner.git("init", "-q", "-b", "master")
    runner.git("add", ".")
    runner.git("commit", "-q", "-m", "base")
    base_sha = runner.git("rev-parse", "HEAD")
    runner.set_schema({"articles": ["title"]})  # the fork's change
    ev = pr_event(fork=True)
    ev["pull_request"]["base"]["sha"] = base_sha
    # the target is unreachable and there is no token: a fork run must not need either
    r = runner.run("pull_request", ev, {"target": "http://127.0.0.1:9", "schema-file": schema})
    assert r.code == 0, r.stdout + r.stderr
    assert fake_github.writes() == []
    assert "fork" in r.summary and "articles.bio" in r.summary
    assert r.outputs["has-changes"] == "true" and r.outputs["destructive-count"] == "1"
    assert any(c.name == "notice" and "fork" in c.message for c in r.commands)


def test_fork_pr_without_git_history_reads_the_base_file_through_the_api(runner, fake_github):
    schema = runner.set_schema({"articles": ["title"]})
    from tests.integration.github import schemas

    base = schemas.snapshot({"articles": ["title"]})
    fake_github.files[("master", "schema/schema.json")] = json.dumps(base)
    r = runner.run("pull_request", pr_event(fork=None), {"target": "", "schema-file": schema})
    assert r.code == 0, r.stdout + r.stderr
    assert r.outputs["has-changes"] == "false"
    assert any(s.path.endswith("/contents/schema%2Fschema.json") for s in fake_github.seen)


def test_closed_pull_request_is_skipped(runner, fake_github):
    from tests.integration.github.conftest import webhook

    r = runner.run("pull_request", webhook("pull_request.closed"), _inputs(runner))
    assert r.code == 0 and fake_github.seen == []
    assert any(c.name == "notice" for c in r.commands)


def test_bad_inputs_fail_with_one_clear_line(runner, fake_github):
    r = runner.run("pull_request", pr_event(), {**_inputs(runner), "allow-destructive": "yes"})
    assert r.code == 1
    assert [c.message for c in r.commands if c.name == "error"] == [
        "input allow-destructive: 'yes' is not a boolean (use true or false)"]
    r = runner.run("pull_request", pr_event(), {"target": runner.set_target(BEFORE), "schema-file": "missing.json"})
    assert r.code == 1 and "missing.json" in [c for c in r.commands if c.name == "error"][0].message
    assert fake_github.writes() == []
