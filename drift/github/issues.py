"""Scheduled drift reports: one GitHub issue per target, opened, updated, and closed on recovery.

The issue is found again by a hidden header (``<!-- drift:issue {"id": …} -->``) in issues written
by the token's own identity; it is opened when the target drifts, its body replaced when the drift
changes (never re-posted when it is the same), and closed with a comment when the target matches
the schema file again. For Directus targets the body also says who changed the schema and when,
from Directus's activity log: a target may provide ``schema_activity(limit) -> list[dict]`` (the
hook); otherwise a Directus target's REST client is asked for ``/activity`` entries on
``directus_collections``, ``directus_fields`` and ``directus_relations``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from drift.github.api import GitHubAPI
from drift.github.comment import FOOTER_OPEN, header_json, parse_header, same_content

ISSUE_MARKER = "drift:issue"
LABEL = "drift"
SCHEMA_COLLECTIONS = ("directus_collections", "directus_fields", "directus_relations")
_HEADER = re.compile(r"\A\s*<!-- drift:issue (\{[^\n]*?\}) -->")  # only the first line counts


@runtime_checkable
class ActivitySource(Protocol):
    """The hook a target fills to say who changed its schema: newest first, each entry
    ``{"action", "collection", "item", "timestamp", "user"}`` (``user`` a display string)."""

    def schema_activity(self, limit: int) -> list[dict[str, Any]]: ...


def directus_activity(client: Any, limit: int) -> list[dict[str, Any]]:
    """The latest schema edits from a Directus server's ``/activity`` (via its REST client)."""
    answer = client.get_json("/activity", params={
        "filter": json.dumps({"collection": {"_in": list(SCHEMA_COLLECTIONS)}}, separators=(",", ":")),
        "sort": "-timestamp",
        "limit": str(limit),
        "fields": "action,collection,item,timestamp,user.email,user.first_name,user.last_name",
    })
    rows = answer.get("data") if isinstance(answer, dict) else None
    out: list[dict[str, Any]] = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        user = row.get("user")
        if isinstance(user, dict):
            name = " ".join(str(user.get(k)) for k in ("first_name", "last_name") if user.get(k))
            who = f"{name} <{user['email']}>" if name and user.get("email") else (name or str(user.get("email") or ""))
        else:
            who = str(user or "")
        out.append({"action": row.get("action"), "collection": row.get("collection"), "item": row.get("item"),
                    "timestamp": row.get("timestamp"), "user": who or "unknown"})
    return out


def schema_activity(target: Any, limit: int = 20) -> list[dict[str, Any]] | None:
    """Who changed what, when the target can tell (None when it cannot)."""
    if isinstance(target, ActivitySource):
        return target.schema_activity(limit)
    client = getattr(target, "client", None)
    if getattr(target, "kind", "") == "directus" and hasattr(client, "get_json"):
        return directus_activity(client, limit)
    return None


def activity_markdown(entries: list[dict[str, Any]]) -> str:
    from drift.render.markdown import code, escape

    if not entries:
        return "**Recent schema changes on the target:** none recorded in the activity log."
    lines = ["**Recent schema changes on the target** (Directus activity log, newest first):", "",
             "| When | Who | Action | What |", "|---|---|---|---|"]
    for e in entries:
        what = f"{e.get('collection')} {e.get('item')}"
        lines.append(f"| {escape(e.get('timestamp') or '')} | {escape(e.get('user') or '')} | "
                     f"{escape(e.get('action') or '')} | {code(what, table=True)} |")
    return "\n".join(lines)


def issue_header(issue_id: str) -> str:
    return f"<!-- {ISSUE_MARKER} {header_json({'id': issue_id})} -->"


def parse_issue_header(body: str) -> dict[str, Any] | None:
    return parse_header(body, _HEADER)


@dataclass(frozen=True)
class IssueOutcome:
    action: str  # opened | updated | unchanged | closed | none
    url: str = ""
    number: int | None = None


def _own_issue(api: GitHubAPI, owner: str, repo: str, identity: str, issue_id: str) -> dict[str, Any] | None:
    def match(items: Any) -> dict[str, Any] | None:
        for it in items:
            if not isinstance(it, dict) or "pull_request" in it:
                continue
            if (it.get("user") or {}).get("login") != identity:
                continue
            header = parse_issue_header(str(it.get("body") or ""))
            if header is not None and header.get("id") == issue_id:
                return it
        return None

    # The label narrows the search; labels are dropped silently without push access, so fall back.
    return (match(api.list_issues(owner, repo, state="open", labels=LABEL))
            or match(api.list_issues(owner, repo, state="open")))


def report_drift(api: GitHubAPI, owner: str, repo: str, identity: str, issue_id: str, title: str,
                 body: str) -> IssueOutcome:
    """Open the target's drift issue, or bring its body up to date."""
    full = issue_header(issue_id) + "\n" + body
    existing = _own_issue(api, owner, repo, identity, issue_id)
    if existing is None:
        created = api.create_issue(owner, repo, title, full, [LABEL])
        return IssueOutcome("opened", str(created.get("html_url", "")), created.get("number"))
    url, number = str(existing.get("html_url", "")), existing.get("number")
    if same_content(str(existing.get("body") or ""), full) and existing.get("title") == title:
        return IssueOutcome("unchanged", url, number)
    api.update_issue(owner, repo, int(existing["number"]), title=title, body=full)
    return IssueOutcome("updated", url, number)


def report_in_sync(api: GitHubAPI, owner: str, repo: str, identity: str, issue_id: str,
                   note: str) -> IssueOutcome:
    """Close the target's drift issue, if one is open, with a comment saying why."""
    existing = _own_issue(api, owner, repo, identity, issue_id)
    if existing is None:
        return IssueOutcome("none")
    number = int(existing["number"])
    api.create_comment(owner, repo, number, note)
    api.update_issue(owner, repo, number, state="closed", state_reason="completed")
    return IssueOutcome("closed", str(existing.get("html_url", "")), number)


__all__ = ["ActivitySource", "FOOTER_OPEN", "IssueOutcome", "activity_markdown", "report_drift", "report_in_sync",
           "schema_activity"]
