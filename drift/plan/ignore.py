"""Ignore rules: differences the user asked not to act on — counted and listed, never hidden.

Three forms, as ``--ignore`` values (repeatable or comma-separated):

- ``articles`` — every entry of the collection ``articles`` (its fields and relations too);
- ``articles.title`` — the field (and relation, system field) ``articles.title``;
- ``<section>.<entity glob>.<property path glob>`` — single properties, e.g. ``fields.*.meta.sort``
  or ``collections.blog_*.meta.icon``; the property path starts at ``meta``, ``schema``, ``type``
  or ``related_collection``, the entity glob matches ``collection`` or ``collection.field``.

A property rule removes the matching change records. When Directus has collapsed meta changes
into one ``E ["meta"]`` record, the ignored keys are put back to their current values inside it,
so applying the remaining diff cannot change them.
"""

from __future__ import annotations

import copy
import fnmatch
from dataclasses import dataclass
from typing import Any

from drift.diff.deepdiff import diff as deep_diff
from drift.errors import InputError

SECTIONS = ("collections", "fields", "systemFields", "relations")
PROPERTY_ROOTS = ("meta", "schema", "type", "related_collection")


@dataclass(frozen=True)
class IgnoreRule:
    text: str
    section: str | None = None  # property rules only
    entity: str = "*"
    prop: str | None = None

    def matches_entity(self, section: str, entry: dict[str, Any]) -> bool:
        coll = str(entry.get("collection", ""))
        key = coll if section == "collections" else f"{coll}.{entry.get('field', '')}"
        if self.prop is None:
            return self.entity == coll or self.entity == key
        if self.section != section:
            return False
        return fnmatch.fnmatchcase(key, self.entity) or fnmatch.fnmatchcase(coll, self.entity)

    def matches_path(self, path: list[Any]) -> bool:
        assert self.prop is not None
        dotted = ".".join(str(p) for p in path)
        return fnmatch.fnmatchcase(dotted, self.prop) or dotted.startswith(self.prop + ".")


def parse_rules(values: list[str] | tuple[str, ...]) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for value in values:
        for text in (v.strip() for v in value.split(",")):
            if not text:
                continue
            parts = text.split(".")
            if parts[0] in SECTIONS and len(parts) >= 3:
                roots = [i for i, p in enumerate(parts) if i >= 2 and p in PROPERTY_ROOTS]
                if not roots:
                    raise InputError(
                        f"--ignore {text}: a property rule needs a property path starting at "
                        f"{', '.join(PROPERTY_ROOTS)} (e.g. fields.*.meta.sort)"
                    )
                i = roots[0]
                rules.append(IgnoreRule(text, parts[0], ".".join(parts[1:i]), ".".join(parts[i:])))
            elif len(parts) <= 2 and all(parts):
                rules.append(IgnoreRule(text, None, text, None))
            else:
                raise InputError(
                    f"--ignore {text}: use a collection, collection.field, or section.entity.property "
                    "(e.g. fields.*.meta.sort)"
                )
    return rules


@dataclass(frozen=True)
class Ignored:
    rule: str
    section: str
    collection: str | None
    field: str | None
    path: tuple[Any, ...]  # empty: the whole entry
    kind: str

    def label(self) -> str:
        name = self.collection or ""
        if self.field is not None:
            name += f".{self.field}"
        where = ".".join(str(p) for p in self.path)
        return f"{self.section} {name}" + (f" {where}" if where else "") + f" (ignored by {self.rule})"


def _set_path(obj: Any, path: list[Any], source: Any) -> None:
    """Copy the value at ``path`` in ``source`` into ``obj`` (or delete it when absent)."""
    *head, last = path
    for p in head:
        obj = obj[p]
        source = source[p] if source is not None and _has(source, p) else None
    if source is not None and _has(source, last):
        obj[last] = copy.deepcopy(source[last])
    elif isinstance(obj, dict):
        obj.pop(last, None)


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    if isinstance(container, list) and isinstance(key, int):
        return 0 <= key < len(container)
    return False


def apply_rules(diff: dict[str, list[dict[str, Any]]], rules: list[IgnoreRule]) -> tuple[dict[str, list[dict[str, Any]]], list[Ignored]]:
    """The diff without what the rules ignore, and the list of what was ignored."""
    if not rules:
        return diff, []
    ignored: list[Ignored] = []
    out: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        kept_entries = []
        for entry in diff.get(section, []):
            coll, fld = entry.get("collection"), entry.get("field")
            whole = next((r for r in rules if r.prop is None and r.matches_entity(section, entry)), None)
            if whole:
                ignored.append(Ignored(whole.text, section, coll, fld, (), entry["diff"][0]["kind"]))
                continue
            prop_rules = [r for r in rules if r.prop is not None and r.matches_entity(section, entry)]
            if not prop_rules:
                kept_entries.append(entry)
                continue
            records = []
            for rec in entry["diff"]:
                path = rec.get("path")
                if not path:
                    records.append(rec)
                    continue
                if path == ["meta"] and rec["kind"] == "E" and isinstance(rec.get("lhs"), dict) and isinstance(rec.get("rhs"), dict):
                    rec = _filter_collapsed_meta(rec, prop_rules, section, coll, fld, ignored)
                    if rec is not None:
                        records.append(rec)
                    continue
                rule = next((r for r in prop_rules if r.matches_path(path)), None)
                if rule:
                    ignored.append(Ignored(rule.text, section, coll, fld, tuple(path), rec["kind"]))
                else:
                    records.append(rec)
            if records:
                kept_entries.append({**entry, "diff": records})
        out[section] = kept_entries
    return out, ignored


def _filter_collapsed_meta(rec: dict[str, Any], rules: list[IgnoreRule], section: str, coll: Any, fld: Any, ignored: list[Ignored]) -> dict[str, Any] | None:
    lhs, rhs = rec["lhs"], rec["rhs"]
    inner = deep_diff(lhs, rhs) or []
    new_rhs = None
    for change in inner:
        path = ["meta", *change.get("path", [])]
        rule = next((r for r in rules if r.matches_path(path)), None)
        if rule is None:
            continue
        if new_rhs is None:
            new_rhs = copy.deepcopy(rhs)
        _set_path(new_rhs, change.get("path", []), lhs)
        ignored.append(Ignored(rule.text, section, coll, fld, tuple(path), change["kind"]))
    if new_rhs is None:
        return rec
    if not deep_diff(lhs, new_rhs):
        return None
    return {**rec, "rhs": new_rhs}
