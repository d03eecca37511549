"""The apply report: what an apply did, for the terminal.

Targets return a plain dict from ``apply``: ``outcome`` (``applied``, ``dry-run``,
``nothing-to-do``), ``applied``, ``converged`` (None when not checked), ``note``, and for database
targets ``statements`` (the SQL in order) and ``ran`` / ``not_ran`` after a partial failure.
"""

from __future__ import annotations

from typing import Any


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render_apply_report(report: dict[str, Any], *, color: bool = False) -> str:
    outcome = str(report.get("outcome") or ("applied" if report.get("applied") else "not applied"))
    lines = []
    if outcome == "dry-run":
        lines.append(_paint("Dry run: the target still has the recorded hash; nothing was changed.", "1", color))
    elif outcome == "nothing-to-do":
        lines.append("Nothing to apply.")
    elif report.get("applied"):
        lines.append(_paint("Applied the reviewed plan.", "1;32", color))
    else:
        lines.append(_paint(f"Not applied ({outcome}).", "1;31", color))
    statements = report.get("statements") or []
    if statements:
        lines.append("")
        lines.append("SQL:" if outcome == "dry-run" else "SQL that ran:")
        for s in statements:
            lines.append(f"  {s.rstrip(';')};")
    converged = report.get("converged")
    if converged is True:
        lines.append(_paint("Converged: a fresh diff against the plan's desired schema is empty.", "32", color))
    elif converged is False:
        lines.append(_paint("NOT converged: the target still differs from the plan's desired schema.", "1;31", color))
    if report.get("note"):
        lines.append(str(report["note"]))
    return "\n".join(lines) + "\n"
