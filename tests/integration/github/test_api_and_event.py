"""The REST client's retry, pagination and error policy (against the loopback fake, with an
injected clock), and the pure event → activity decision."""

from __future__ import annotations

import pytest

from drift.github.api import GitHubAPI, GitHubError, RetryPolicy
from drift.github.event import APPLY, DRIFT, FILE_PLAN, PLAN, SKIP, decide
from drift.github.settings import Settings
from tests.integration.github.conftest import ACTIONS_TOKEN, pr_event, push_event, schedule_event, webhook


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, s: float) -> None:
        self.waits.append(s)
        self.now += s

    def __call__(self) -> float:
        return self.now


def _api(fake, clock, token=ACTIONS_TOKEN, **policy):
    return GitHubAPI(fake.url, token, retry=RetryPolicy(**policy), sleep=clock.sleep, clock=clock)


PATH = "/repos/Codertocat/Hello-World/issues/5/comments"


def test_5xx_is_retried_with_backoff_then_fails_in_one_line(fake_github):
    clock = Clock()
    fake_github.fail("GET", "/comments$", 503, message="Service Unavailable", times=10)
    with pytest.raises(GitHubError) as err:
        list(_api(fake_github, clock).list_comments("Codertocat", "Hello-World", 5))
    assert clock.waits == [1.0, 2.0, 4.0]
    assert err.value.message == f"GitHub API GET {PATH}: 503 Service Unavailable" and err.value.status == 503
    assert ACTIONS_TOKEN not in err.value.message


def test_permission_errors_and_validation_errors_are_not_retried(fake_github):
    clock = Clock()
    fake_github.fail("POST", "/comments$", 403, message="Resource not accessible by integration")
    with pytest.raises(GitHubError) as err:
        _api(fake_github, clock).create_comment("Codertocat", "Hello-World", 5, "hi")
    assert err.value.forbidden and clock.waits == []
    fake_github.fail("POST", "/comments$", 422, message="Validation Failed")
    with pytest.raises(GitHubError):
        _api(fake_github, clock).create_comment("Codertocat", "Hello-World", 5, "hi")
    assert clock.waits == []


def test_rate_limits_wait_as_github_says(fake_github, monkeypatch):
    clock = Clock()
    import drift.github.api as api_mod

    monkeypatch.setattr(api_mod.time, "time", lambda: 1_000_000.0)
    fake_github.fail("GET", "/comments$", 403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000010"},
                     message="API rate limit exceeded")
    fake_github.fail("GET", "/comments$", 403, message="You have exceeded a secondary rate limit.")
    fake_github.fail("GET", "/comments$", 429, headers={"Retry-After": "7"}, message="slow down")
    assert list(_api(fake_github, clock, attempts=5).list_comments("Codertocat", "Hello-World", 5)) == []
    assert clock.waits == [11.0, 90.0, 7.0]  # the second wait: 60 s doubled, capped at 90 s


def test_waits_are_bounded(fake_github):
    clock = Clock()
    fake_github.fail("GET", "/comments$", 429, headers={"Retry-After": "3600"}, message="later")
    with pytest.raises(GitHubError) as err:
        list(_api(fake_github, clock).list_comments("Codertocat", "Hello-World", 5))
    assert clock.waits == [] and err.value.status == 429


def test_mutations_are_spaced(fake_github):
    clock = Clock()
    api = _api(fake_github, clock)
    api.create_comment("Codertocat", "Hello-World", 5, "one")
    api.create_comment("Codertocat", "Hello-World", 5, "two")
    assert clock.waits == [1.0]


def test_pagination_follows_next_links_on_the_same_host_only(fake_github):
    for i in range(250):
        fake_github.make_comment(5, f"c{i}", "octocat")
    clock = Clock()
    got = list(_api(fake_github, clock).list_comments("Codertocat", "Hello-World", 5))
    assert [c["body"] for c in got] == [f"c{i}" for i in range(250)]
    api = _api(fake_github, clock)
    with pytest.raises(GitHubError, match="outside"):
        api._url("https://evil.example.com/repos/x")


def test_identity_is_the_user_or_the_actions_bot(fake_github):
    clock = Clock()
    assert _api(fake_github, clock).identity() == "github-actions[bot]"
    fake_github.users["ghp_x0000000000"] = "octo-deployer"
    assert _api(fake_github, clock, token="ghp_x0000000000").identity() == "octo-deployer"


# -- event → activity ------------------------------------------------------------------------
def _settings(event_name, payload, **inputs):
    env = {"GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_EVENT_NAME": event_name,
           "INPUT_TARGET": inputs.pop("target", "https://cms.example.com"),
           "INPUT_SCHEMA-FILE": "schema.yaml", "GITHUB_SHA": "f" * 40, "GITHUB_REF": "refs/heads/master"}
    for k, v in inputs.items():
        env["INPUT_" + k.upper()] = v
    s = Settings.from_env(env)
    return s, payload


@pytest.mark.parametrize("event_name,payload,inputs,kind", [
    ("pull_request", pr_event(), {}, PLAN),
    ("pull_request", pr_event(fork=True), {}, FILE_PLAN),
    ("pull_request", pr_event(fork=None), {}, FILE_PLAN),
    ("pull_request", pr_event(), {"target": ""}, FILE_PLAN),
    ("pull_request", webhook("pull_request.closed"), {}, SKIP),
    ("push", push_event("a" * 40), {}, APPLY),
    ("push", push_event("a" * 40, ref="refs/heads/dev"), {}, SKIP),
    ("push", push_event("a" * 40, ref="refs/tags/v1"), {}, SKIP),
    ("push", {**push_event("0" * 40), "deleted": True}, {}, SKIP),
    ("schedule", schedule_event(), {}, DRIFT),
    ("schedule", {"schedule": "0 0 * * *"}, {}, DRIFT),
    ("workflow_dispatch", webhook("workflow_dispatch"), {}, DRIFT),
    ("pull_request", pr_event(), {"mode": "drift"}, DRIFT),
    ("issues", {}, {}, SKIP),
    ("pull_request_target", pr_event(), {}, SKIP),
])
def test_decide(event_name, payload, inputs, kind):
    settings, event = _settings(event_name, payload, **inputs)
    activity = decide(settings, event)
    assert activity.kind == kind, activity
    if kind == APPLY:
        assert activity.sha == "a" * 40 and activity.default_branch == "master"
    if kind in (PLAN, FILE_PLAN):
        assert activity.pr_number == 2 and activity.base_ref == "master"


def test_merged_pull_request_event_in_apply_mode_names_the_pr():
    ev = webhook("pull_request.closed")
    ev["pull_request"].update(merged=True, merged_at=ev["pull_request"]["closed_at"])
    settings, event = _settings("pull_request", ev, mode="apply")
    act = decide(settings, event)
    assert act.kind == APPLY and act.pr_number == 2 and act.sha == ev["pull_request"]["merge_commit_sha"]


def test_settings_validate_inputs_and_hide_secrets():
    from drift.errors import InputError

    with pytest.raises(InputError, match="input mode"):
        _settings("push", {}, mode="yolo")
    with pytest.raises(InputError, match="GITHUB_REPOSITORY"):
        Settings.from_env({"GITHUB_EVENT_NAME": "push"})
    s, _ = _settings("push", {}, token="s3cr3t-token", **{"github-token": "ghs_abc"})
    assert "s3cr3t" not in repr(s) and "ghs_abc" not in repr(s)
    assert s.inputs.ignore == ()
    s, _ = _settings("push", {}, ignore="fields.*.meta.sort\narticles.draft, pages\n")
    assert s.inputs.ignore == ("fields.*.meta.sort", "articles.draft", "pages")
