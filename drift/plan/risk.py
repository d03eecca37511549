"""Risk of each diff entry: additive, metadata-only, modifying or destructive.

Safety is data on the plan: every entry gets a grade and the reasons for it, and apply refuses
destructive entries without consent. Beyond the obvious drops, this flags the Directus hazards
Directus itself gets wrong (spec §9): a ``D`` at a nested path that Directus's apply treats as a
whole delete, a collection losing ``schema`` (its table is dropped), and a full snapshot without
``systemFields`` (every system index dropped).
"""

from __future__ import annotations

from typing import Any

ADDITIVE = "additive"
METADATA = "metadata"
MODIFYING = "modifying"
DESTRUCTIVE = "destructive"
RISKS = (ADDITIVE, METADATA, MODIFYING, DESTRUCTIVE)
_RANK = {r: i for i, r in enumerate(RISKS)}

NARROWING_KEYS = ("max_length", "numeric_precision", "numeric_scale")


def worst(risks: list[str]) -> str:
    return max(risks, key=_RANK.__getitem__) if risks else METADATA


def action_of(section: str, records: list[dict[str, Any]]) -> str:
    """create / delete / update, by the first record (as Directus's apply decides)."""
    first = records[0]
    if first["kind"] == "N" and "path" not in first:
        return "create"
    if first["kind"] == "D" and "path" not in first:
        return "delete"
    return "update"


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _schema_change_risk(key: str, lhs: Any, rhs: Any, label: str) -> tuple[str, str | None]:
    if key in ("data_type",):
        return DESTRUCTIVE, f"{label}: column type changes from {lhs} to {rhs}; values may be converted or lost"
    if key in NARROWING_KEYS:
        lo, hi = _num(lhs), _num(rhs)
        if hi is not None and (lo is None or hi < lo):
            return DESTRUCTIVE, f"{label}: {key} narrows from {lhs} to {rhs}; longer values would be cut or rejected"
        return MODIFYING, None
    if key == "is_nullable":
        if lhs is True and rhs is False:
            return DESTRUCTIVE, f"{label}: becomes NOT NULL; rows holding null make this fail or lose data"
        return MODIFYING, None
    if key in ("is_primary_key", "has_auto_increment"):
        return DESTRUCTIVE, f"{label}: {key} changes; the column is rebuilt"
    return MODIFYING, None


def classify(section: str, entry: dict[str, Any], *, desired_has_system_fields: bool = True) -> tuple[str, list[str]]:
    """The risk grade of one diff entry and the reasons behind it."""
    records: list[dict[str, Any]] = entry["diff"]
    label = entry.get("collection", "?") if section == "collections" else f"{entry.get('collection', '?')}.{entry.get('field', '?')}"
    first = records[0]
    reasons: list[str] = []
    if section == "systemFields":
        risks = []
        for r in records:
            if r.get("path") == ["schema", "is_indexed"] and r.get("lhs") is True and r.get("rhs") is False:
                if not desired_has_system_fields:
                    risks.append(DESTRUCTIVE)
                    reasons.append(
                        f"{label}: the schema file has no systemFields list (written before Directus 11.13), "
                        "which Directus reads as 'drop every system index'"
                    )
                else:
                    risks.append(MODIFYING)
                    reasons.append(f"{label}: drops the system index")
            elif r.get("rhs") is True:
                risks.append(ADDITIVE)
            else:
                risks.append(MODIFYING)
        return worst(risks), reasons

    act = action_of(section, records)
    if act == "create":
        return ADDITIVE, []
    if act == "delete":
        lhs = first.get("lhs")
        if section == "collections":
            if isinstance(lhs, dict) and "schema" not in lhs:
                return METADATA, [f"{label}: deletes a folder (no table)"]
            return DESTRUCTIVE, [f"{label}: drops the table and every row in it"]
        if section == "fields":
            if isinstance(lhs, dict) and lhs.get("type") == "alias":
                return METADATA, [f"{label}: deletes an alias field (no column)"]
            return DESTRUCTIVE, [f"{label}: drops the column and its values"]
        return DESTRUCTIVE, [f"{label}: drops the relation (and its foreign key)"]

    # Directus's apply classifies by diff[0].kind only: a D with a path is a delete there.
    if first["kind"] == "D":
        path = first.get("path", [])
        nested_meta = section == "fields" and len(path) >= 2 and path[0] == "meta"
        if not nested_meta:
            if section == "collections" and path == ["schema"]:
                reasons.append(
                    f"{label}: the collection loses its schema (table → folder); Directus applies this "
                    "by deleting the collection and dropping its table"
                )
            else:
                where = ".".join(str(p) for p in path)
                reasons.append(
                    f"{label}: removes {where}; Directus's apply treats a leading removal as deleting the "
                    f"whole {section[:-1]}"
                )
            return DESTRUCTIVE, reasons

    risks = [METADATA]
    for r in records:
        path = r.get("path", [])
        if not path or path[0] == "meta":
            continue
        if section == "collections":
            if path[0] == "schema":
                risks.append(MODIFYING)
            continue
        if section == "fields" and path[0] == "type":
            risks.append(DESTRUCTIVE)
            reasons.append(f"{label}: type changes from {r.get('lhs')} to {r.get('rhs')}")
            continue
        if path[0] == "schema":
            if len(path) >= 2:
                risk, why = _schema_change_risk(str(path[1]), r.get("lhs"), r.get("rhs"), label)
            else:
                risk, why = MODIFYING, None
            risks.append(risk)
            if why:
                reasons.append(why)
            continue
        risks.append(MODIFYING)
    return worst(risks), reasons
