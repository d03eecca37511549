"""The terminal rendering of a plan: Directus's dry-run plan (``directus schema apply --dry-run``),
made more useful for review.

Layout: warnings first, then a one-line verdict, then one block per non-empty section
(Collections, Fields, System fields, Relations) with ``+ Create`` (green), ``~ Update`` (magenta)
and ``- Delete`` (red) lines. Updates list every sub-change as ``Set <path> to <new> (was <old>)``,
``Add …``, ``Remove …`` — array edits included, which Directus leaves out. Destructive changes get a
red ``!`` and a ``DESTRUCTIVE`` tag with the reasons and, when the target counted them, the rows
affected. Then the ignored differences, the SQL preview (database targets) and, in verbose mode,
the hash and digest. ANSI colour only when ``color`` is true; the caller decides (``NO_COLOR``,
``--no-color``, a terminal or not). Pure: returns the text, prints nothing.
"""

from __future__ import annotations

from drift.plan.model import SECTIONS, Change, Plan
from drift.render import common as c

_CODES = {
    "bold": "1",
    "dim": "2",
    "underline": "4",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
}

_ACTION_STYLE = {"create": ("+", "green"), "update": ("~", "magenta"), "delete": ("-", "red")}
_VALUE_LIMIT = 80


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles or not text:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def _change_lines(plan: Plan, change: Change, paint: _Paint, verbose: bool) -> list[str]:
    mark, colour = _ACTION_STYLE[change.action]
    if change.destructive:
        mark = "!"
    head = f"  {paint(mark, colour, 'bold') if change.destructive else paint(mark, colour)} "
    head += paint(c.ACTION_TITLES[change.action], colour) + " " + c.entity_label(change)
    about = c.summary(change)
    if about:
        head += paint(f" ({about})", "dim")
    if change.destructive:
        head += "  " + paint("DESTRUCTIVE", "red", "bold")
    elif change.risk == "modifying":
        head += "  " + paint("modifying", "yellow")
    elif change.risk == "metadata" and change.action != "update":
        head += "  " + paint("metadata only", "dim")
    lines = [head]
    pad = "      "
    for reason in change.reasons:
        text = c.reason_text(change, reason)
        lines.append(pad + (paint("! " + text, "red") if change.destructive else paint(text, "dim")))
    rows = c.rows_for(plan, change)
    if rows is not None:
        lines.append(pad + paint(c.rows_text(rows), "red" if change.destructive else "dim"))
    limit = None if verbose else _VALUE_LIMIT
    subs = c.details(change)
    shown = subs if verbose or len(subs) <= 25 else subs[:20]
    for d in shown:
        lines.append("    - " + d.render(limit))
    if len(shown) < len(subs):
        lines.append("    " + paint(f"… and {len(subs) - len(shown)} more (use --verbose)", "dim"))
    return lines


def render_text(plan: Plan, *, color: bool, verbose: bool = False, schema_file: str | None = None) -> str:
    """The plan as terminal text (ends with a newline). ``schema_file`` names the desired side in
    the no-change sentence."""
    paint = _Paint(color)
    out: list[str] = []
    for w in plan.warnings:
        out.append(paint("warning: ", "yellow", "bold") + paint(c.safe(w), "yellow"))
    if plan.warnings:
        out.append("")
    verdict = c.verdict(plan, schema_file=schema_file)
    if plan.destructive:
        out.append(paint(verdict, "red", "bold"))
    else:
        out.append(paint(verdict, "bold"))
    if plan.has_changes and plan.target:
        out.append(paint(f"Target: {c.safe(plan.target)}", "dim"))

    for section in SECTIONS:
        changes = [ch for ch in plan.changes if ch.section == section]
        if not changes:
            continue
        out.append("")
        out.append(paint(c.SECTION_TITLES[section] + ":", "bold", "underline"))
        for ch in changes:
            out.extend(_change_lines(plan, ch, paint, verbose))

    if plan.ignored:
        out.append("")
        out.append(paint(f"Ignored ({len(plan.ignored)}):", "bold"))
        shown = plan.ignored if verbose or len(plan.ignored) <= 30 else plan.ignored[:25]
        for ig in shown:
            out.append("  " + paint(c.safe(ig.label()), "dim"))
        if len(shown) < len(plan.ignored):
            out.append("  " + paint(f"… and {len(plan.ignored) - len(shown)} more (use --verbose)", "dim"))

    groups = c.sql_groups(plan)
    if groups:
        out.append("")
        out.append(paint("SQL:", "bold", "underline"))
        for label, stmts in groups:
            if label:
                out.append("  " + paint(f"-- {c.safe(label)}", "dim"))
            for stmt in stmts:
                for line in c.statement_text(stmt).splitlines():
                    out.append("  " + paint(c.safe(line), "cyan"))

    if verbose:
        out.append("")
        out.append(paint(f"hash {plan.hash}", "dim"))
        out.append(paint(f"digest {plan.digest}", "dim"))
        if plan.directus or plan.vendor:
            out.append(paint(f"Directus {c.safe(plan.directus or '?')}, {c.safe(plan.vendor or '?')}", "dim"))
    return "\n".join(out) + "\n"
