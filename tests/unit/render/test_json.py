"""The machine outputs: Directus's own /schema/diff data, and the plan file."""

from __future__ import annotations

import json

from drift.plan.model import Plan
from drift.render.json import render_json, render_plan_record
from drift.snapshot.js import js_json


def test_json_is_directus_diff_response_byte_for_byte(pg_plan, directus_pg_diff) -> None:
    assert render_json(pg_plan) == js_json(directus_pg_diff)


def test_json_matches_every_realworld_answer(realworld_cases) -> None:
    for case in realworld_cases:
        got = json.loads(render_json(case.plan))
        assert got["hash"] == case.expected["hash"], case.id
        assert json.dumps(got["diff"]) == json.dumps(case.expected["diff"]), case.id


def test_plan_record_round_trips(pg_plan) -> None:
    pg_plan.rows_affected = {"articles.views": 3}
    pg_plan.sql = [{"change": "articles.views", "statements": ["ALTER TABLE articles DROP COLUMN views"]}]
    text = render_plan_record(pg_plan)
    assert text.startswith('{\n  "format": "drift-plan/1"')
    again = Plan.from_record(json.loads(text), "plan.json")
    assert again.digest == pg_plan.digest and again.hash == pg_plan.hash
    assert render_json(again) == render_json(pg_plan)
    assert again.rows_affected == {"articles.views": 3} and again.sql == pg_plan.sql
