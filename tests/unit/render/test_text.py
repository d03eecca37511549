"""The terminal plan: Directus's dry-run content, grouped, with destructive changes marked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from drift.pipeline import DiffOptions, compare
from drift.plan.ignore import parse_rules
from drift.render.text import render_text
from drift.snapshot.files import load_snapshot

from .conftest import hostile

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _directus_counts(diff: dict[str, Any]) -> dict[str, int]:
    """create/update/delete as Directus's apply decides them: by the first record alone."""
    counts = {"create": 0, "update": 0, "delete": 0}
    for section in ("collections", "fields", "systemFields", "relations"):
        for entry in diff[section]:
            first = entry["diff"][0]
            if "path" not in first and first["kind"] == "N":
                counts["create"] += 1
            elif "path" not in first and first["kind"] == "D":
                counts["delete"] += 1
            else:
                counts["update"] += 1
    return counts


def test_verdict_counts_match_directus_diff(pg_plan, directus_pg_diff) -> None:
    counts = _directus_counts(directus_pg_diff["diff"])
    total = sum(counts.values())
    first = render_text(pg_plan, color=False).splitlines()[0]
    assert first.startswith(f"{total} changes: ")
    for action, n in counts.items():
        if n:
            assert f"{n} {action}" in first
    assert first.endswith("— 1 destructive")


def test_directus_dry_run_lines_all_appear(pg_dir: Path) -> None:
    """Every line of the real `directus schema apply --dry-run` output has its counterpart."""
    plan = compare(load_snapshot(pg_dir / "cli-snapshot.yaml"), load_snapshot(pg_dir / "cli-snapshot.modified.yaml"), DiffOptions())
    ours = render_text(plan, color=False).splitlines()
    dry = (pg_dir / "cli-apply-dry-run.stdout.txt").read_text().splitlines()
    dry = [line for line in dry if not line.startswith("{")]  # Directus's JSON log lines
    entity_lines = [line.strip()[2:] for line in dry if re.match(r"^  - (Create|Update|Delete) ", line)]
    set_lines = [line.strip()[2:] for line in dry if line.startswith("    - Set ")]
    assert entity_lines and set_lines
    # entities: same verb, same label, same order
    our_entities = [m.group(1) for line in ours if (m := re.match(r"^  [+~!-] ((?:Create|Update|Delete) \S+(?: → \S+)?)", line))]
    assert our_entities == entity_lines
    # each "Set key to value" (Directus drops the first path element and prints JS strings)
    our_sets = [re.match(r"^    - Set (\S+) to (.+) \(was .*\)$", line) for line in ours if line.startswith("    - Set ")]
    assert all(our_sets)
    for line in set_lines:
        key, value = re.match(r"Set (\S+) to (.*)$", line).groups()
        assert any(m.group(1).split(".", 1)[-1] == key and str(json.loads(m.group(2))) == value for m in our_sets), line
    # sections in Directus's order with Directus's names
    for heading in ("Collections:", "Fields:", "Relations:"):
        assert heading in ours


def test_destructive_changes_are_marked_with_reasons_and_rows(pg_plan) -> None:
    pg_plan.rows_affected = {"articles.views": 1234}
    text = render_text(pg_plan, color=False)
    line = next(line for line in text.splitlines() if "articles.views" in line)
    assert line.lstrip().startswith("! Delete") and "DESTRUCTIVE" in line
    assert "drops the column and its values" in text
    assert "rows affected: 1,234" in text
    safe_line = next(line for line in text.splitlines() if "Create tags.label" in line)
    assert "DESTRUCTIVE" not in safe_line


def test_update_shows_old_and_new_values(pg_plan) -> None:
    text = render_text(pg_plan, color=False)
    assert 'Set schema.max_length to 200 (was 120)' in text
    assert 'Set meta.note to "Full name" (was null)' in text


def test_no_color_means_no_ansi_and_color_means_ansi(pg_plan, realworld_cases) -> None:
    coloured = render_text(pg_plan, color=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == render_text(pg_plan, color=False)
    for case in realworld_cases:
        assert "\x1b" not in render_text(case.plan, color=False, verbose=True), case.id


def test_hostile_names_cannot_reach_the_terminal_raw(pg_current) -> None:
    plan = compare(hostile(pg_current), pg_current, DiffOptions())
    text = render_text(plan, color=False, verbose=True)
    assert "\x1b" not in text
    assert "\\x1b[31m" in text  # shown, escaped


def test_no_changes_sentence(pg_current) -> None:
    plan = compare(pg_current, pg_current, DiffOptions(), target="https://cms.example.test")
    text = render_text(plan, color=False, schema_file="schema/snapshot.yaml")
    assert text == "No changes: https://cms.example.test matches schema/snapshot.yaml.\n"


def test_warnings_first_and_ignored_listed(pg_dir: Path, pg_current) -> None:
    desired = json.loads((pg_dir / "snapshot.modified.json").read_text())
    desired = dict(desired, directus="11.0.0")
    rules = tuple(parse_rules(["articles.views", "fields.*.meta.note"]))
    plan = compare(pg_current, desired, DiffOptions(force=True, ignore=rules))
    text = render_text(plan, color=False)
    lines = text.splitlines()
    assert lines[0].startswith("warning: --force:")
    assert "nothing destructive (2 ignored)" in text  # the views drop and the note edit are ignored
    assert "Ignored (2):" in text
    assert "fields articles.views (ignored by articles.views)" in text
    assert "meta.note" in text.split("Ignored (2):")[1]


def test_array_changes_are_shown(realworld_cases) -> None:
    """Directus's dry run never lists array edits; ours does (A records and collapsed arrays)."""
    seen = 0
    for case in realworld_cases:
        has_array = any(r["kind"] == "A" for s in case.plan.diff.values() for e in s for r in e["diff"])
        if not has_array:
            continue
        text = render_text(case.plan, color=False, verbose=True)
        assert re.search(r"^    - (Add|Remove|Set) \S+\[\d+\]", text, re.M), case.id
        seen += 1
    assert seen, "the corpus has array changes"


def test_sql_preview_is_rendered(pg_plan) -> None:
    pg_plan.sql = [{"change": "articles.views", "section": "fields", "statements": ['ALTER TABLE "articles" DROP COLUMN "views"']},
                   "COMMIT"]
    text = render_text(pg_plan, color=False)
    sql = text.split("SQL:\n", 1)[1]
    assert "-- field articles.views" in sql
    assert 'ALTER TABLE "articles" DROP COLUMN "views";' in sql and "COMMIT;" in sql


def test_every_realworld_plan_renders_every_change(realworld_cases) -> None:
    for case in realworld_cases:
        text = render_text(case.plan, color=False)
        entity_lines = [line for line in text.splitlines() if re.match(r"^  [+~!-] (Create|Update|Delete) ", line)]
        assert len(entity_lines) == len(case.plan.changes), case.id
        assert text.count("DESTRUCTIVE") == len(case.plan.destructive), case.id
