"""From the GitHub event to what the Action does: a pure function, no I/O.

:func:`decide` maps the settings (event name, payload, inputs) to one :class:`Activity`:
plan a pull request (or, when the pull request comes from a fork or no target is configured,
a file-only diff against the base branch), apply the reviewed plan after a push to the default
branch, check a target for drift on a schedule or a manual dispatch, or skip with a reason. The
``mode`` input can force plan, apply or drift; ``auto`` follows the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drift.github.settings import CONSENT_LABEL, Settings

PLAN = "plan"
FILE_PLAN = "file-plan"
APPLY = "apply"
DRIFT = "drift"
SKIP = "skip"

PR_EVENTS = ("pull_request",)
DRIFT_EVENTS = ("schedule", "workflow_dispatch")
ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class Activity:
    """What to do. ``pr_number`` and the refs are filled in where the event tells them."""

    kind: str
    reason: str = ""
    pr_number: int | None = None
    head_sha: str = ""
    base_ref: str = ""
    base_sha: str = ""
    sha: str = ""
    default_branch: str = ""
    fork: bool = False
    labels: tuple[str, ...] = field(default_factory=tuple)

    @property
    def consent_label(self) -> bool:
        return CONSENT_LABEL in self.labels


def _pr(event: dict[str, Any]) -> dict[str, Any] | None:
    pr = event.get("pull_request")
    return pr if isinstance(pr, dict) else None


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def is_fork(pr: dict[str, Any], repository: str) -> bool:
    """A PR whose head lives in another repository (a deleted fork has ``head.repo: null``)."""
    head_repo = _get(pr, "head", "repo")
    if not isinstance(head_repo, dict):
        return True
    return head_repo.get("full_name") != repository


def _labels(pr: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for label in pr.get("labels") or []:
        if isinstance(label, dict) and isinstance(label.get("name"), str):
            out.append(label["name"])
    return tuple(out)


def default_branch(event: dict[str, Any]) -> str:
    branch = _get(event, "repository", "default_branch") or _get(event, "pull_request", "base", "repo", "default_branch")
    return branch if isinstance(branch, str) else ""


def _plan_pr(settings: Settings, event: dict[str, Any], pr: dict[str, Any]) -> Activity:
    number = pr.get("number", event.get("number"))
    if not isinstance(number, int):
        return Activity(SKIP, reason="the event names no pull request number")
    fork = is_fork(pr, settings.repository)
    no_target = not settings.inputs.target_name
    kind = FILE_PLAN if (fork or no_target) else PLAN
    reason = ""
    if fork:
        reason = "the pull request comes from a fork, so the target's credentials are not available"
    elif no_target:
        reason = "no target is configured (inputs target and database-url are empty)"
    return Activity(
        kind,
        reason=reason,
        pr_number=number,
        head_sha=str(_get(pr, "head", "sha") or ""),
        base_ref=str(_get(pr, "base", "ref") or settings.base_ref),
        base_sha=str(_get(pr, "base", "sha") or ""),
        sha=settings.sha,
        default_branch=default_branch(event),
        fork=fork,
        labels=_labels(pr),
    )


def decide(settings: Settings, event: dict[str, Any] | None = None) -> Activity:
    """The one activity for this run (``event`` defaults to the payload the settings read)."""
    event = settings.event if event is None else event
    name, mode = settings.event_name, settings.inputs.mode
    branch = default_branch(event)
    pr = _pr(event)

    if mode == "drift" or (mode == "auto" and name in DRIFT_EVENTS):
        return Activity(DRIFT, sha=settings.sha, default_branch=branch)

    if mode == "apply" or (mode == "auto" and name == "push"):
        if name == "pull_request" and pr is not None:
            # mode: apply on `pull_request: types: [closed]` — the payload names the PR.
            if not pr.get("merged"):
                return Activity(SKIP, reason="the pull request was closed without being merged; nothing to apply")
            return Activity(APPLY, pr_number=pr.get("number"), sha=str(pr.get("merge_commit_sha") or settings.sha),
                            default_branch=branch, labels=_labels(pr), base_ref=str(_get(pr, "base", "ref") or ""))
        if name != "push" and mode == "auto":
            return Activity(SKIP, reason=f"nothing to do for the {name} event")
        ref = str(event.get("ref") or settings.ref)
        if event.get("deleted") or str(event.get("after") or "") == ZERO_SHA:
            return Activity(SKIP, reason="the push deleted a ref; nothing to apply")
        if not ref.startswith("refs/heads/"):
            return Activity(SKIP, reason=f"the push is to {ref or 'an unknown ref'}, not a branch; nothing to apply")
        if branch and ref != f"refs/heads/{branch}":
            return Activity(SKIP, reason=f"the push is to {ref}, not the default branch {branch}; nothing to apply")
        sha = str(event.get("after") or settings.sha)
        return Activity(APPLY, sha=sha, default_branch=branch, base_ref=branch)

    if mode == "plan" or (mode == "auto" and name in PR_EVENTS):
        if pr is None:
            return Activity(SKIP, reason=f"the {name} event carries no pull request to plan")
        if mode == "auto" and event.get("action") == "closed":
            return Activity(SKIP, reason="the pull request was closed; the merge is handled by the push to the default branch")
        return _plan_pr(settings, event, pr)

    if name == "pull_request_target":
        return Activity(SKIP, reason="pull_request_target is not supported: run drift on pull_request")
    return Activity(SKIP, reason=f"nothing to do for the {name} event")
