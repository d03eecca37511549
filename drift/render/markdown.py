"""The GitHub-flavoured Markdown rendering of a plan: the pull-request comment body, the job
summary and the drift issue.

Order: a one-line verdict, warnings, a ``> [!CAUTION]`` banner listing destructive changes with
their reasons and rows affected, counts by action and risk (a small table), the table of changes
(section, entity, action, risk, what changes), ignored differences, the SQL preview in ``sql``
blocks, and the full diff JSON in ``<details>``. Every piece of text that came from a schema (names,
values, notes, SQL) is escaped: Markdown and HTML are neutralised, ``@mentions`` are broken with a
zero-width space, and code fences are made longer than any backtick run inside them. With
``max_chars`` the body is fitted under the limit (GitHub comments allow 65,536 characters): first
the diff JSON is cut, then dropped, then the SQL, then the change table ends with "… and N more";
length is counted in UTF-16 code units, never fewer than GitHub's count. Pure: returns a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drift.plan import risk as _risk
from drift.plan.model import Change, Plan
from drift.render import common as c
from drift.snapshot.js import js_json

RISK_BADGES = {
    _risk.DESTRUCTIVE: "🔴 destructive",
    _risk.MODIFYING: "🟠 modifying",
    _risk.ADDITIVE: "🟢 additive",
    _risk.METADATA: "⚪ metadata",
}
TRUNCATED_NOTE = "…truncated to fit; the full plan is in the job summary or `drift plan -o plan.json`"
_ZWSP = "\u200b"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")
_ISSUE_REF = re.compile(r"#(?=\d)")
_BACKTICKS = re.compile(r"`+")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (what JavaScript and GitHub's limit count), at C speed."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# -- escaping ------------------------------------------------------------------------------
def _neutralise(text: str) -> str:
    """Break @mentions and #123 references with a zero-width space; keep one line."""
    text = c.safe(text).replace("\r", " ").replace("\n", " ")
    text = _MENTION.sub("@" + _ZWSP, text)
    return _ISSUE_REF.sub("#" + _ZWSP, text)


def escape(text: object) -> str:
    """Plain Markdown text: HTML entities for ``& < >``, backslashes for Markdown punctuation."""
    s = _neutralise(str(text))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def code(text: object, *, table: bool = False) -> str:
    """An inline code span holding ``text`` literally (backticks and pipes included)."""
    s = _neutralise(str(text))
    runs = [len(m) for m in _BACKTICKS.findall(s)]
    fence = "`" * (max(runs) + 1 if runs else 1)
    if s.startswith("`") or s.endswith("`") or (s.startswith(" ") and s.endswith(" ") and s.strip()):
        s = f" {s} "
    if table:
        s = s.replace("|", "\\|")
    return f"{fence}{s}{fence}" if s else "` `"


def fence_for(body: str) -> str:
    runs = [len(m) for m in _BACKTICKS.findall(body)]
    return "`" * max(3, max(runs) + 1 if runs else 3)


def code_block(body: str, lang: str) -> str:
    body = body.replace("\r", "")
    f = fence_for(body)
    return f"{f}{lang}\n{body}\n{f}"


# -- pieces --------------------------------------------------------------------------------
def _entity(change: Change, *, table: bool = True) -> str:
    text = code(change.key, table=table)
    if change.section == "relations" and change.related_collection:
        text += " → " + code(change.related_collection, table=table)
    return text


def _what(change: Change, limit: int = 3) -> str:
    """A short table cell: the created thing, or the first sub-changes of an update."""
    if change.action != "update":
        about = c.summary(change)
        return escape(about) if about else ""
    subs = c.details(change)
    cells = []
    for d in subs[:limit]:
        if d.verb == "set":
            cells.append(f"{code(d.path, table=True)} {code(c.fmt_value(d.old, 40), table=True)} → {code(c.fmt_value(d.new, 40), table=True)}")
        elif d.verb == "add":
            cells.append(f"+ {code(d.path, table=True)} {code(c.fmt_value(d.new, 40), table=True)}")
        elif d.verb == "remove":
            cells.append(f"− {code(d.path, table=True)} {code(c.fmt_value(d.old, 40), table=True)}")
        else:
            cells.append(f"reorder {code(d.path, table=True)}")
    if len(subs) > limit:
        cells.append(f"… {len(subs) - limit} more")
    return "<br>".join(cells)


def _counts_table(plan: Plan) -> str:
    grid = {a: {r: 0 for r in _risk.RISKS} for a in ("create", "update", "delete")}
    for ch in plan.changes:
        grid[ch.action][ch.risk] += 1
    risks = [r for r in reversed(_risk.RISKS)]
    lines = ["| | " + " | ".join(RISK_BADGES[r] for r in risks) + " | total |", "|---|" + "---:|" * (len(risks) + 1)]
    for action in ("create", "update", "delete"):
        row = grid[action]
        total = sum(row.values())
        if not total:
            continue
        lines.append(f"| {c.ACTION_TITLES[action]} | " + " | ".join(str(row[r]) for r in risks) + f" | {total} |")
    totals = plan.counts()["by_risk"]
    lines.append("| **total** | " + " | ".join(f"**{totals[r]}**" for r in risks) + f" | **{len(plan.changes)}** |")
    return "\n".join(lines)


def _change_rows(plan: Plan, riskiest_first: bool = False) -> list[str]:
    rows = []
    changes = plan.changes
    if riskiest_first:
        rank = {r: i for i, r in enumerate(_risk.RISKS)}
        changes = sorted(changes, key=lambda ch: -rank[ch.risk])
    for ch in changes:
        rows.append(
            f"| {c.SECTION_TITLES[ch.section]} | {_entity(ch)} | {c.ACTION_TITLES[ch.action]} | "
            f"{RISK_BADGES[ch.risk]} | {_what(ch)} |"
        )
    return rows


_TABLE_HEAD = "| Section | Entity | Action | Risk | What changes |\n|---|---|---|---|---|"


def _banner(plan: Plan, limit: int | None) -> str:
    """The caution banner. Changes that share a reason and have no row count are listed together,
    so a schema file without ``systemFields`` reads as one item, not forty."""
    destructive = plan.destructive
    if not destructive:
        return ""
    total_rows = 0
    counted = 0
    groups: dict[tuple[str, str, tuple[str, ...]], list[Change]] = {}
    items: list[Change | list[Change]] = []  # one change with its row count, or a group
    for ch in destructive:
        rows = c.rows_for(plan, ch)
        if rows is not None:
            items.append(ch)
            if rows.count is not None and rows.scope == "entity":
                total_rows += rows.count
                counted += 1
            continue
        key = (ch.action, ch.section, tuple(c.reason_text(ch, r) for r in ch.reasons))
        if key not in groups:
            groups[key] = []
            items.append(groups[key])
        groups[key].append(ch)
    lines = ["> [!CAUTION]", f"> **{c.plural(len(destructive), 'destructive change')}**: applying this plan can lose data."]
    shown = items if limit is None else items[:limit]
    for what in shown:
        if isinstance(what, Change):
            ch = what
            why = "; ".join(escape(c.reason_text(ch, r)) for r in ch.reasons) or "destructive"
            rows = c.rows_for(plan, ch)
            item = f"> - {c.ACTION_TITLES[ch.action]} {c.ENTITY_NOUNS[ch.section]} {_entity(ch, table=False)}: {why}"
            if rows is not None:
                item += f" — **{escape(c.rows_text(rows))}**"
            lines.append(item)
            continue
        first = what[0]
        why = "; ".join(escape(c.reason_text(first, r)) for r in first.reasons) or "destructive"
        if len(what) == 1:
            names = f"{c.ENTITY_NOUNS[first.section]} {_entity(first, table=False)}"
        else:
            listed = ", ".join(_entity(ch, table=False) for ch in what[:10])
            more = f" and {len(what) - 10} more" if len(what) > 10 else ""
            names = f"{len(what)} {c.ENTITY_NOUNS[first.section]}s ({listed}{more})"
        lines.append(f"> - {c.ACTION_TITLES[first.action]} {names}: {why}")
    if len(shown) < len(items):
        hidden = sum(1 if isinstance(w, Change) else len(w) for w in items[len(shown):])
        lines.append(f"> - … and {hidden} more")
    if counted > 1:
        lines.append(f">\n> Rows affected in total: **{total_rows:,}**.")
    return "\n".join(lines)


def _ignored(plan: Plan, limit: int = 50) -> str:
    if not plan.ignored:
        return ""
    lines = [f"**Ignored differences ({len(plan.ignored)})** — not part of this plan:", ""]
    for ig in plan.ignored[:limit]:
        lines.append(f"- {escape(ig.label())}")
    if len(plan.ignored) > limit:
        lines.append(f"- … and {len(plan.ignored) - limit} more")
    return "\n".join(lines)


def _sql_body(plan: Plan) -> str:
    body_lines = []
    for label, stmts in c.sql_groups(plan):
        if label:
            body_lines.append(f"-- {c.safe(label)}")
        body_lines.extend(c.statement_text(s) for s in stmts)
    return "\n".join(body_lines)


def _sql(body: str, budget: int | None) -> str:
    if not body:
        return ""
    note = ""
    if budget is not None and utf16_len(body) > budget:
        body = _cut_lines(body, budget)
        note = "\n\n" + TRUNCATED_NOTE
    return "**SQL that would run**\n\n" + code_block(body, "sql") + note


def _details(body: str, budget: int | None) -> str:
    note = ""
    if budget is not None and utf16_len(body) > budget:
        body = _cut_lines(body, budget)
        note = "\n\n" + TRUNCATED_NOTE
    return (
        "<details><summary>Full diff (JSON, as <code>POST /schema/apply</code> takes it)</summary>\n\n"
        + code_block(body, "json") + note + "\n\n</details>"
    )


def _cut_lines(body: str, budget: int) -> str:
    """The longest prefix of whole lines within ``budget`` UTF-16 units, then a ``…`` line."""
    out, used = [], 0
    for line in body.split("\n"):
        n = utf16_len(line) + 1
        if used + n > budget - 2:
            break
        out.append(line)
        used += n
    out.append("…")
    return "\n".join(out)


def _cut_chars(text: str, budget: int) -> str:
    out, used = [], 0
    for ch in text:
        used += utf16_len(ch)
        if used > budget:
            break
        out.append(ch)
    return "".join(out)


def _footer(plan: Plan) -> str:
    bits = [f"hash `{plan.hash}`", f"digest `{plan.digest}`"]
    if plan.directus:
        bits.append(f"Directus {escape(plan.directus)}")
    if plan.vendor:
        bits.append(escape(plan.vendor))
    if plan.mode != "mirror":
        bits.append(f"mode {escape(plan.mode)}")
    return "<sub>" + " · ".join(bits) + "</sub>"


# -- assembly ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarkdownResult:
    text: str
    truncated: bool


class _Cache:
    """Pieces computed once per document, however many times it is fitted."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._rows: dict[bool, list[str]] = {}
        self._sql: str | None = None
        self._json: str | None = None

    def rows(self, riskiest_first: bool) -> list[str]:
        if riskiest_first not in self._rows:
            self._rows[riskiest_first] = _change_rows(self.plan, riskiest_first)
        return self._rows[riskiest_first]

    def sql(self) -> str:
        if self._sql is None:
            self._sql = _sql_body(self.plan)
        return self._sql

    def json(self) -> str:
        if self._json is None:
            self._json = js_json(self.plan.payload(), indent=2)
        return self._json


def _assemble(plan: Plan, title: str | None, schema_file: str | None, *, rows: int | None, banner: int | None,
              sql: int | None | bool, details: int | None | bool, cache: _Cache) -> str:
    """``sql``/``details``: True in full, an int cuts to that budget, False leaves out with a note;
    ``details`` None leaves it out silently (the caller asked for no details)."""
    parts: list[str] = []
    if title:
        parts.append("### " + escape(title))
    verdict = escape(c.verdict(plan, schema_file=schema_file))
    if plan.has_changes and plan.target:
        verdict = f"**{verdict}** on {code(plan.target)}"
    elif plan.has_changes:
        verdict = f"**{verdict}**"
    parts.append(verdict)
    for w in plan.warnings:
        parts.append("> [!WARNING]\n> " + escape(w))
    if plan.has_changes:
        b = _banner(plan, banner)
        if b:
            parts.append(b)
        parts.append(_counts_table(plan))
        all_rows = cache.rows(rows is not None and rows < len(plan.changes))
        shown = all_rows if rows is None else all_rows[:rows]
        table = _TABLE_HEAD + "\n" + "\n".join(shown)
        if len(shown) < len(all_rows):
            table += (f"\n\n… and {len(all_rows) - len(shown)} more changes (riskiest shown first; the rest "
                      "left out to fit the size limit)")
        parts.append(table)
    ign = _ignored(plan)
    if ign:
        parts.append(ign)
    if plan.has_changes:
        if sql is not False:
            s = _sql(cache.sql(), None if sql is True else sql)
            if s:
                parts.append(s)
        elif cache.sql():
            parts.append("*SQL preview omitted to fit; see the job summary.*")
        if details is None:
            pass  # left out on request
        elif details is not False:
            parts.append(_details(cache.json(), None if details is True else details))
        else:
            parts.append("*Full diff omitted to fit; see the job summary or `drift diff --format json`.*")
    parts.append(_footer(plan))
    return "\n\n".join(parts) + "\n"


def markdown_document(plan: Plan, *, title: str | None = None, max_chars: int | None = None, details: bool = True,
                      schema_file: str | None = None) -> MarkdownResult:
    """The Markdown and whether it had to be cut to fit ``max_chars``."""
    cache = _Cache(plan)

    def build(rows: int | None = None, banner: int | None = None, sql: int | None | bool = True,
              det: int | None | bool = True if details else None) -> str:
        return _assemble(plan, title, schema_file, rows=rows, banner=banner, sql=sql, details=det, cache=cache)

    text = build()
    if max_chars is None or utf16_len(text) <= max_chars:
        return MarkdownResult(text, False)

    # 1. cut the diff JSON to what fits, or drop it
    drop = False if details else None
    if details:
        without = build(det=False)
        spare = max_chars - utf16_len(without) - 400
        if spare > 1000:
            text = build(det=spare)
            if utf16_len(text) <= max_chars:
                return MarkdownResult(text, True)
    # 2. the same for the SQL
    base = build(det=drop, sql=False)
    if cache.sql():
        spare = max_chars - utf16_len(base) - 400
        if spare > 1000:
            text = build(det=drop, sql=spare)
            if utf16_len(text) <= max_chars:
                return MarkdownResult(text, True)
    if utf16_len(base) <= max_chars:
        return MarkdownResult(base, True)
    # 3. fewer table rows (and banner items), found by bisection
    banner_items = min(len(plan.destructive), 50)
    lo, hi = 0, len(plan.changes)
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        t = build(rows=mid, banner=banner_items, det=drop, sql=False)
        if utf16_len(t) <= max_chars:
            best, lo = t, mid + 1
        else:
            hi = mid - 1
    if best is not None:
        return MarkdownResult(best, True)
    # 4. last resort: a hard cut at a line boundary
    t = build(rows=0, banner=5, det=drop, sql=False)
    t = _cut_lines(t, max_chars - utf16_len(TRUNCATED_NOTE) - 4) + "\n\n" + TRUNCATED_NOTE + "\n"
    if utf16_len(t) > max_chars:  # a limit smaller than the note itself
        t = _cut_chars(t, max_chars)
    return MarkdownResult(t, True)


def render_markdown(plan: Plan, *, title: str | None = None, max_chars: int | None = None, details: bool = True,
                    schema_file: str | None = None) -> str:
    """The plan as GitHub-flavoured Markdown, under ``max_chars`` when given."""
    return markdown_document(plan, title=title, max_chars=max_chars, details=details, schema_file=schema_file).text
