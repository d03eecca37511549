"""The pull-request comment: verdict, caution banner, tables, SQL, diff JSON; escaping; the limit."""

from __future__ import annotations

import json
import re

from drift.pipeline import DiffOptions, compare
from drift.render.markdown import TRUNCATED_NOTE, markdown_document, render_markdown
from drift.snapshot.js import utf16_len

from .conftest import hostile

GITHUB_LIMIT = 65536


def _fenced(text: str, lang: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"^(`{3,})" + lang + r"\n(.*?)\n\1$", text, re.M | re.S)]


def _table_rows(text: str, header_start: str) -> list[list[str]]:
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[i + 2:]:
        if not line.startswith("|"):
            break
        # cells split on pipes that are not escaped
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_verdict_banner_counts_and_table(pg_plan) -> None:
    pg_plan.rows_affected = {"articles.views": 1234}
    md = render_markdown(pg_plan, title="Schema plan: production")
    assert md.startswith("### Schema plan: production\n")
    assert "**5 changes: 3 create, 1 update, 1 delete — 1 destructive**" in md
    banner = re.search(r"^> \[!CAUTION\]\n((?:>.*\n)+)", md, re.M)
    assert banner and "`articles.views`" in banner.group(1) and "1,234" in banner.group(1)
    rows = _table_rows(md, "| Section |")
    assert len(rows) == len(pg_plan.changes)
    assert all(len(r) == 5 for r in rows)
    views = next(r for r in rows if r[1] == "`articles.views`")
    assert views[2] == "Delete" and "destructive" in views[3]
    counts = _table_rows(md, "| | ")
    total = counts[-1]
    assert total[0] == "**total**" and total[-1] == "**5**"


def test_no_banner_without_destructive_changes(pg_current, pg_plan) -> None:
    plan = compare(pg_current, pg_current, DiffOptions(), target="https://cms.example.test")
    md = render_markdown(plan, schema_file="snapshot.yaml")
    assert "[!CAUTION]" not in md and "No changes: https://cms.example.test matches snapshot.yaml." in md
    assert "[!CAUTION]" in render_markdown(pg_plan)


def test_details_hold_the_exact_payload(pg_plan, directus_pg_diff) -> None:
    md = render_markdown(pg_plan)
    blocks = _fenced(md, "json")
    assert len(blocks) == 1
    assert json.loads(blocks[0]) == directus_pg_diff
    assert "<details>" in md and "</details>" in md
    without = render_markdown(pg_plan, details=False)
    assert "<details>" not in without and "omitted" not in without  # asked for, not cut


def test_sql_blocks(pg_plan) -> None:
    assert "```sql" not in render_markdown(pg_plan)
    pg_plan.sql = [{"change": "articles.views", "statements": ['ALTER TABLE "articles" DROP COLUMN "views"']}]
    (sql,) = _fenced(render_markdown(pg_plan), "sql")
    assert sql.splitlines() == ["-- articles.views", 'ALTER TABLE "articles" DROP COLUMN "views";']


def test_user_text_is_neutralised(pg_current) -> None:
    for plan in (compare(hostile(pg_current), pg_current, DiffOptions()),  # deletes: names in the banner
                 compare(pg_current, hostile(pg_current), DiffOptions())):  # creates: notes in the diff
        md = render_markdown(plan)
        outside_code = re.sub(r"^(`{3,}).*?^\1$", "", md, flags=re.M | re.S)
        outside_code = re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "", outside_code)  # code spans are literal
        # no live mention, issue reference, HTML or control character outside code blocks
        assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", outside_code)
        assert not re.search(r"#\d", outside_code)
        assert "<b>" not in outside_code and "<img" not in outside_code
        assert "\x1b" not in md
        # every table row still has exactly five cells
        rows = _table_rows(md, "| Section |")
        assert rows and all(len(r) == 5 for r in rows)
        # the hostile collection is in the table, its backticks fenced by a longer run
        assert any("``evil" in r[1] for r in rows)


def test_realworld_plans_fit_githubs_limit(realworld_cases) -> None:
    for case in realworld_cases:
        for limit in (GITHUB_LIMIT - 2000, 6000):
            doc = markdown_document(case.plan, title=f"drift: {case.id}", max_chars=limit)
            assert utf16_len(doc.text) <= limit, case.id
            full = render_markdown(case.plan, title=f"drift: {case.id}")
            assert doc.truncated == (utf16_len(full) > limit)
            if not doc.truncated:
                assert doc.text == full
                continue
            assert doc.text.splitlines()[2].startswith("**")  # the verdict survives every cut
            if "… and " in doc.text and "more changes" in doc.text:
                shown = _table_rows(doc.text, "| Section |")
                hidden = int(re.search(r"… and (\d+) more changes", doc.text).group(1))
                assert len(shown) + hidden == len(case.plan.changes)
            else:
                assert TRUNCATED_NOTE in doc.text or "omitted to fit" in doc.text


def test_largest_plan_keeps_destructive_banner_when_cut(realworld_cases) -> None:
    case = max(realworld_cases, key=lambda c: (len(c.plan.destructive) > 0, len(c.plan.changes)))
    assert case.plan.destructive
    doc = markdown_document(case.plan, max_chars=5000)
    assert doc.truncated and utf16_len(doc.text) <= 5000
    assert "[!CAUTION]" in doc.text
    shown = _table_rows(doc.text, "| Section |")
    assert 0 < len(shown) < len(case.plan.changes)
    # the riskiest rows survive the cut
    assert sum("destructive" in row[3] for row in shown) == min(len(shown), len(case.plan.destructive))


def test_tiny_limit_still_respected(pg_plan) -> None:
    for limit in (50, 300, 1500):
        doc = markdown_document(pg_plan, max_chars=limit)
        assert doc.truncated and utf16_len(doc.text) <= limit


def test_banner_groups_a_shared_reason(pg_current) -> None:
    """A schema file without systemFields drops every system index: one banner item, all named."""
    desired = {k: v for k, v in pg_current.items() if k != "systemFields"}
    plan = compare(pg_current, desired, DiffOptions())
    n = len(pg_current["systemFields"])
    assert n > 3 and len(plan.destructive) == n
    md = render_markdown(plan)
    banner = [line for line in md.splitlines() if line.startswith("> - ")]
    assert len(banner) == 1 and f"{n} system fields" in banner[0] and "systemFields" in banner[0]
    for entry in pg_current["systemFields"][:10]:
        assert f"`{entry['collection']}.{entry['field']}`" in banner[0]
