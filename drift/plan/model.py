"""The plan: one object that every renderer, the GitHub layer and apply consume.

A plan holds the diff exactly as Directus computes it (after ignore rules), the hash of the
target's current snapshot, a digest of the diff (what a reviewer approved), one :class:`Change`
per diff entry with its action and risk, counts, the ignored differences, the desired snapshot
(for the convergence check after apply) and, filled in by targets, rows affected by destructive
changes and the SQL that would run. ``to_record``/``from_record`` give the plan file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from drift.errors import InputError
from drift.plan import risk as _risk
from drift.plan.ignore import Ignored
from drift.snapshot.js import js_json

PLAN_FORMAT = "drift-plan/1"
SECTIONS = ("collections", "fields", "systemFields", "relations")


def diff_digest(diff: dict[str, Any]) -> str:
    """SHA-256 of the diff's canonical JSON: what the reviewer saw, byte for byte."""
    canonical = js_json({s: diff.get(s, []) for s in SECTIONS})
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Change:
    section: str
    collection: str | None
    field: str | None
    related_collection: str | None
    action: str  # create | delete | update
    risk: str  # additive | metadata | modifying | destructive
    reasons: tuple[str, ...]
    records: tuple[dict[str, Any], ...]
    index: int  # position in its section of the diff

    @property
    def key(self) -> str:
        if self.section == "collections":
            return str(self.collection)
        return f"{self.collection}.{self.field}"

    @property
    def destructive(self) -> bool:
        return self.risk == _risk.DESTRUCTIVE

    def to_record(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "key": self.key,
            "action": self.action,
            "risk": self.risk,
            "reasons": list(self.reasons),
        }


@dataclass
class Plan:
    hash: str
    diff: dict[str, list[dict[str, Any]]]
    changes: list[Change]
    target: str = ""
    directus: str | None = None
    vendor: str | None = None
    mode: str = "mirror"
    ignored: list[Ignored] = field(default_factory=list)
    desired: dict[str, Any] | None = None
    rows_affected: dict[str, int] = field(default_factory=dict)
    sql: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created_at: str = ""
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = diff_digest(self.diff)
        if not self.created_at:
            self.created_at = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- summaries -------------------------------------------------------------------------
    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def destructive(self) -> list[Change]:
        return [c for c in self.changes if c.destructive]

    def counts(self) -> dict[str, Any]:
        by_action = {"create": 0, "update": 0, "delete": 0}
        by_risk = {r: 0 for r in _risk.RISKS}
        by_section = {s: 0 for s in SECTIONS}
        for c in self.changes:
            by_action[c.action] += 1
            by_risk[c.risk] += 1
            by_section[c.section] += 1
        return {
            "total": len(self.changes),
            "by_action": by_action,
            "by_risk": by_risk,
            "by_section": by_section,
            "ignored": len(self.ignored),
        }

    def payload(self) -> dict[str, Any]:
        """What ``POST /schema/apply`` accepts and ``drift diff --format json`` prints."""
        return {"hash": self.hash, "diff": {s: self.diff.get(s, []) for s in SECTIONS}}

    # -- the plan file ---------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "created_at": self.created_at,
            "target": self.target,
            "directus": self.directus,
            "vendor": self.vendor,
            "mode": self.mode,
            "hash": self.hash,
            "digest": self.digest,
            "counts": self.counts(),
            "changes": [c.to_record() for c in self.changes],
            "rows_affected": self.rows_affected,
            "sql": self.sql,
            "ignored": [i.label() for i in self.ignored],
            "warnings": self.warnings,
            "diff": {s: self.diff.get(s, []) for s in SECTIONS},
            "desired": self.desired,
        }

    @classmethod
    def from_record(cls, rec: Any, source: str) -> "Plan":
        if not isinstance(rec, dict) or rec.get("format") != PLAN_FORMAT:
            raise InputError(f"{source}: not a drift plan file (format {PLAN_FORMAT} expected)")
        for key in ("hash", "digest", "diff"):
            if key not in rec:
                raise InputError(f"{source}: plan is missing {key}")
        diff = rec["diff"]
        if not isinstance(diff, dict) or not all(isinstance(diff.get(s), list) for s in SECTIONS):
            raise InputError(f"{source}: plan diff must hold the lists {', '.join(SECTIONS)}")
        digest = diff_digest(diff)
        if digest != rec["digest"]:
            raise InputError(f"{source}: the plan's diff does not match its digest (the file was edited)")
        plan = build_plan(
            rec["hash"],
            diff,
            desired=rec.get("desired"),
            target=rec.get("target", ""),
            directus=rec.get("directus"),
            vendor=rec.get("vendor"),
            mode=rec.get("mode", "mirror"),
            digest=digest,
        )
        plan.created_at = rec.get("created_at", plan.created_at)
        plan.rows_affected = dict(rec.get("rows_affected") or {})
        plan.sql = list(rec.get("sql") or [])
        plan.warnings = list(rec.get("warnings") or [])
        return plan


def build_plan(
    hash_: str,
    diff: dict[str, list[dict[str, Any]]],
    *,
    desired: dict[str, Any] | None = None,
    ignored: list[Ignored] | None = None,
    target: str = "",
    directus: str | None = None,
    vendor: str | None = None,
    mode: str = "mirror",
    digest: str = "",
) -> Plan:
    """A plan for ``diff``: one change per entry, graded (``digest``: the diff's, when already
    computed)."""
    has_system = True
    if desired is not None and desired.get("version") != 2:
        has_system = "systemFields" in desired
    changes: list[Change] = []
    for section in SECTIONS:
        for i, entry in enumerate(diff.get(section, [])):
            grade, reasons = _risk.classify(section, entry, desired_has_system_fields=has_system)
            changes.append(
                Change(
                    section=section,
                    collection=entry.get("collection"),
                    field=entry.get("field"),
                    related_collection=entry.get("related_collection"),
                    action=_risk.action_of(section, entry["diff"]),
                    risk=grade,
                    reasons=tuple(reasons),
                    records=tuple(entry["diff"]),
                    index=i,
                )
            )
    return Plan(
        hash=hash_,
        diff={s: diff.get(s, []) for s in SECTIONS},
        changes=changes,
        target=target,
        directus=directus,
        vendor=vendor,
        mode=mode,
        ignored=list(ignored or []),
        desired=desired,
        digest=digest,
    )
