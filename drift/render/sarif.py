"""The SARIF 2.1.0 rendering of a plan, for code-scanning uploads and editors.

One run by the tool ``drift``; one rule per risk grade (``drift/destructive``,
``drift/modifying``, ``drift/additive``, ``drift/metadata``) whose default level is error, warning,
note and note; one result per change, with the action, section and entity in its message and
properties, a stable ``partialFingerprints`` entry (section, entity, action), and — when
``schema_file`` is given — a location in that file: the line where the entity (or, for an entity
the file no longer holds, its collection) starts, taken from ``locate`` (the mapping
:func:`drift.snapshot.locate.locate_entities` returns). Without a line the result points at the
whole file. The plan's hash and digest travel in the run's properties. Pure: returns the JSON.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

from drift import __version__ as _drift_version
from drift.plan import risk as _risk
from drift.plan.model import Change, Plan
from drift.render import common as c
from drift.snapshot.js import js_json
from drift.snapshot.locate import line_for

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
RULE_ORDER = (_risk.DESTRUCTIVE, _risk.MODIFYING, _risk.ADDITIVE, _risk.METADATA)
LEVELS = {_risk.DESTRUCTIVE: "error", _risk.MODIFYING: "warning", _risk.ADDITIVE: "note", _risk.METADATA: "note"}
_RULE_TEXT = {
    _risk.DESTRUCTIVE: (
        "Destructive schema change",
        "Applying this change can lose data: a table, column or relation is dropped, a column type "
        "changes or narrows, or a column becomes NOT NULL. drift applies it only with explicit consent.",
    ),
    _risk.MODIFYING: (
        "Modifying schema change",
        "An existing table, column or relation changes in a way that keeps its data.",
    ),
    _risk.ADDITIVE: ("Additive schema change", "A table, column, relation or index is created."),
    _risk.METADATA: ("Metadata-only change", "Only Directus metadata changes; the database structure does not."),
}


def _rule(risk: str) -> dict[str, Any]:
    short, full = _RULE_TEXT[risk]
    return {
        "id": f"drift/{risk}",
        "name": short.title().replace(" ", "").replace("-", ""),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": LEVELS[risk]},
        "properties": {"tags": ["schema", "directus", risk]},
    }


def _message(plan: Plan, ch: Change) -> str:
    text = f"{c.ACTION_TITLES[ch.action]} {c.ENTITY_NOUNS[ch.section]} {c.entity_label(ch)}"
    about = c.summary(ch)
    if about:
        text += f" ({about})"
    if ch.reasons:
        text += ": " + "; ".join(c.reason_text(ch, r) for r in ch.reasons)
    subs = c.details(ch)
    if subs and not ch.reasons:
        shown = "; ".join(d.render(60) for d in subs[:3])
        text += ": " + shown + (f"; and {len(subs) - 3} more" if len(subs) > 3 else "")
    rows = c.rows_for(plan, ch)
    if rows is not None:
        text += f" ({c.rows_text(rows)})"
    return text + "."


def _fingerprint(ch: Change) -> str:
    raw = js_json([ch.section, ch.collection, ch.field, ch.action])
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def _location(ch: Change, schema_file: str, locate: Mapping[Any, int] | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": schema_file}}
    line = line_for(locate, ch.section, ch.collection, ch.field) if locate else None
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    return {
        "physicalLocation": physical,
        "logicalLocations": [{"name": ch.key, "fullyQualifiedName": f"{ch.section}/{ch.key}", "kind": "member" if ch.field else "type"}],
    }


def _uri(path: str) -> str:
    """A relative URI reference for a file path (forward slashes, spaces and % escaped)."""
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/._-~")


def render_sarif(plan: Plan, *, schema_file: str | None, locate: Mapping[Any, int] | None = None) -> str:
    """The plan as a SARIF 2.1.0 log (indented JSON)."""
    rules = [_rule(r) for r in RULE_ORDER]
    index = {r: i for i, r in enumerate(RULE_ORDER)}
    uri = _uri(schema_file) if schema_file else None
    results = []
    for ch in plan.changes:
        result: dict[str, Any] = {
            "ruleId": f"drift/{ch.risk}",
            "ruleIndex": index[ch.risk],
            "level": LEVELS[ch.risk],
            "message": {"text": _message(plan, ch)},
            "partialFingerprints": {"driftChange/v1": _fingerprint(ch)},
            "properties": {
                "section": ch.section,
                "collection": ch.collection,
                "field": ch.field,
                "action": ch.action,
                "risk": ch.risk,
                "reasons": list(ch.reasons),
            },
        }
        if uri is not None:
            result["locations"] = [_location(ch, uri, locate)]
        rows = c.rows_for(plan, ch)
        if rows is not None and rows.scope == "entity":
            result["properties"]["rowsAffected"] = rows.count
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "drift",
                "version": _drift_version,
                "semanticVersion": _drift_version,
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "utf16CodeUnits",
        "properties": {
            "hash": plan.hash,
            "digest": plan.digest,
            "target": plan.target,
            "directus": plan.directus,
            "vendor": plan.vendor,
            "mode": plan.mode,
            "counts": plan.counts(),
            "ignored": [i.label() for i in plan.ignored],
            "warnings": list(plan.warnings),
        },
    }
    if uri is not None:
        run["artifacts"] = [{"location": {"uri": uri}, "roles": ["analysisTarget"]}]
    if plan.warnings:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolConfigurationNotifications": [{"level": "warning", "message": {"text": w}} for w in plan.warnings],
            }
        ]
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return js_json(log, indent=2)
