"""drift's sticky pull-request comment: its hidden header, its body, and finding it again.

One comment per target/environment on a pull request. Its first line is a hidden, machine-readable
header ``<!-- drift:v1 {json} -->`` holding the plan's hash (the target's schema hash) and digest
(the reviewed diff), the environment, the Directus version, the destructive count and whether
consent was given, and the comment's status (planned, applied, stale, blocked, failed). The merge
job reads it back, trusting only comments written by the token's own identity. The body is the
Markdown plan from :mod:`drift.render.markdown` fitted under GitHub's 65,536-character limit, with
a status block the merge job rewrites, and a footer naming the run (ignored when deciding whether
the comment changed, so an unchanged plan is not re-posted).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from drift import __version__
from drift.snapshot.js import utf16_len

MARKER = "drift:v1"
COMMENT_LIMIT = 65_536
_SAFETY = 1_000  # room for the header, status block and footer beyond the Markdown budget
_HEADER = re.compile(r"\A\s*<!-- drift:v1 (\{[^\n]*?\}) -->")  # only the first line counts
STATUS_OPEN, STATUS_CLOSE = "<!-- drift:status -->", "<!-- /drift:status -->"
FOOTER_OPEN = "<!-- drift:footer -->"
_STATUS_BLOCK = re.compile(re.escape(STATUS_OPEN) + r".*?" + re.escape(STATUS_CLOSE), re.DOTALL)

PLANNED, APPLIED, STALE, BLOCKED, FAILED, NOTHING = "planned", "applied", "stale", "blocked", "failed", "nothing"


def header_json(fields: dict[str, Any]) -> str:
    """Compact JSON that cannot end the HTML comment it sits in (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\n", "\\n")


def render_header(fields: dict[str, Any]) -> str:
    return f"<!-- {MARKER} {header_json(fields)} -->"


def parse_header(body: str, pattern: re.Pattern[str] = _HEADER) -> dict[str, Any] | None:
    """The header of a drift comment (or, with another ``pattern``, issue), or None (a body
    without one, or with an unreadable one)."""
    m = pattern.match(body or "")
    if not m:
        return None
    try:
        value = json.loads(m.group(1))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def comment_id_for(environment: str, target: str) -> str:
    """The id that tells this target's comment from others on the same pull request."""
    return environment or target or "default"


@dataclass(frozen=True)
class Record:
    """What the header records about a plan."""

    id: str
    environment: str
    hash: str
    digest: str
    directus: str | None
    vendor: str | None
    destructive: int
    consent: bool
    head_sha: str
    status: str = PLANNED
    truncated: bool = False

    def fields(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "environment": self.environment,
            "hash": self.hash,
            "digest": self.digest,
            "directus": self.directus,
            "vendor": self.vendor,
            "destructive": self.destructive,
            "consent": self.consent,
            "head_sha": self.head_sha,
            "status": self.status,
            "truncated": self.truncated,
            "version": __version__,
        }


def status_block(text: str) -> str:
    return f"{STATUS_OPEN}\n{text}\n{STATUS_CLOSE}"


def footer(run_url: str, run_id: str, sha: str) -> str:
    where = f"[drift run {run_id}]({run_url})" if run_url else "drift"
    at = f" at `{sha[:12]}`" if sha else ""
    return f"{FOOTER_OPEN}\n<sub>Written by {where}{at}.</sub>"


def planned_status(record: Record, has_changes: bool) -> str:
    if not has_changes:
        return "✅ The target already matches the schema file; nothing will be applied on merge."
    lines = [f"⏳ On merge, this plan is applied only if the target still has schema hash `{record.hash}` "
             "and the diff is unchanged."]
    if record.destructive and not record.consent:
        lines.append(f"🛑 {record.destructive} destructive change{'s' if record.destructive != 1 else ''}: "
                     "applied on merge only with consent (add the label `drift:allow-destructive` "
                     "or set the input `allow-destructive: true`).")
    elif record.destructive:
        lines.append("⚠️ Consent for destructive changes is recorded.")
    return "\n\n".join(lines)


def plan_markdown(plan: Any, title: str, max_chars: int | None, schema_file: str | None) -> tuple[str, bool]:
    """The plan's Markdown and whether it was cut to fit ``max_chars``."""
    try:
        from drift.render.markdown import markdown_document
    except ImportError:  # pragma: no cover - the renderer ships with drift; a minimal stand-in
        return _minimal_markdown(plan, title), False
    doc = markdown_document(plan, title=title, max_chars=max_chars, schema_file=schema_file)
    return doc.text, doc.truncated


def _minimal_markdown(plan: Any, title: str) -> str:
    counts = plan.counts()
    lines = [f"### {title}", f"**{counts['total']} change(s)**, {len(plan.destructive)} destructive", ""]
    for c in plan.changes:
        lines.append(f"- {c.action} `{c.key}` ({c.risk})")
    return "\n".join(lines) + "\n"


def build_body(plan: Any, record: Record, *, title: str, status: str, foot: str,
               schema_file: str | None = None, limit: int = COMMENT_LIMIT) -> tuple[str, Record]:
    """The whole comment under ``limit`` characters; the record comes back marked if truncated."""
    fixed = utf16_len(render_header(record.fields())) + utf16_len(status_block(status)) + utf16_len(foot) + _SAFETY
    markdown, truncated = plan_markdown(plan, title, max(limit - fixed, 2_000), schema_file)
    if truncated:
        record = Record(**{**record.__dict__, "truncated": True})
    body = "\n".join([render_header(record.fields()), status_block(status), "", markdown.rstrip("\n"), "", foot])
    if utf16_len(body) > limit:  # only with a tiny limit: a hard cut keeping the header
        keep = body[: max(0, limit - 200)]
        body = keep.rsplit("\n", 1)[0] + "\n\n…truncated; the full plan is in the job summary\n"
    return body, record


def with_status(body: str, status: str, text: str) -> str:
    """``body`` with its header's status and its status block replaced."""
    fields = parse_header(body) or {}
    fields["status"] = status
    m = _HEADER.match(body)
    new = render_header(fields) + body[m.end():] if m else render_header(fields) + "\n" + body
    if _STATUS_BLOCK.search(new):
        return _STATUS_BLOCK.sub(lambda _m: status_block(text), new, count=1)
    lines = new.split("\n", 1)
    return lines[0] + "\n" + status_block(text) + ("\n" + lines[1] if len(lines) > 1 else "")


def with_footer(body: str, foot: str) -> str:
    return without_footer(body).rstrip("\n") + "\n\n" + foot


def without_footer(body: str) -> str:
    i = (body or "").find(FOOTER_OPEN)
    return body if i < 0 else body[:i].rstrip("\n")


def same_content(old: str, new: str) -> bool:
    """Equal but for the footer (which names the run): no need to update."""
    return without_footer(old).rstrip() == without_footer(new).rstrip()


def find_own(comments: Iterable[dict[str, Any]], identity: str, comment_id: str) -> dict[str, Any] | None:
    """The first comment written by ``identity`` whose header carries ``comment_id``."""
    for c in comments:
        user = c.get("user") if isinstance(c, dict) else None
        if not isinstance(user, dict) or user.get("login") != identity:
            continue
        header = parse_header(str(c.get("body") or ""))
        if header is not None and header.get("id") == comment_id:
            return c
    return None
