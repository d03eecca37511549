"""Machine renderings of a plan: the ``{hash, diff}`` payload and the plan file.

``render_json`` is byte for byte what Directus's ``POST /schema/diff`` returns as data (and what
``POST /schema/apply`` accepts): ``JSON.stringify`` of ``{"hash", "diff": {collections, fields,
systemFields, relations}}``, compact, no final newline. ``render_plan_record`` is the plan file
(``drift plan -o``), the same JSON serialisation with a two-space indent.
"""

from __future__ import annotations

from drift.plan.model import Plan
from drift.snapshot.js import js_json


def render_json(plan: Plan) -> str:
    """Exactly Directus's ``/schema/diff`` data for this plan."""
    return js_json(plan.payload())


def render_plan_record(plan: Plan) -> str:
    """The plan file: ``plan.to_record()`` as indented JSON."""
    return js_json(plan.to_record(), indent=2)
