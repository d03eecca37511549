"""What every human-facing renderer says about a plan, computed once: the verdict line, the
sub-changes of an update (expanded, arrays included), short summaries of created entities, value
formatting, and the SQL preview in one shape.

The renderers (text, Markdown, SARIF) only decorate what this module returns. It reads the plan,
never writes anywhere, and knows nothing about colours or Markdown escaping.

SQL preview shape (``plan.sql``, filled in by database targets): a list whose items are either a
dict ``{"change": "<Change.key>", "section": "<section>" (optional), "statements": ["…", …]}``
(``"sql": "…"`` is accepted for a single statement) or a plain string (one statement that belongs
to no particular change). :func:`sql_groups` turns that into ``(label, statements)`` pairs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from drift.plan.model import Change, Plan
from drift.snapshot.js import js_json

SECTION_TITLES = {
    "collections": "Collections",
    "fields": "Fields",
    "systemFields": "System fields",
    "relations": "Relations",
}
ACTION_TITLES = {"create": "Create", "update": "Update", "delete": "Delete"}
ENTITY_NOUNS = {"collections": "collection", "fields": "field", "systemFields": "system field", "relations": "relation"}

_ABSENT: Any = object()


# -- plain-text safety ---------------------------------------------------------------------
def safe(text: Any) -> str:
    """``text`` with control and bidi-formatting characters shown as escapes.

    Names and values come from the target or the schema file; printed raw, an escape sequence in
    a collection name could repaint a terminal or hide a line.
    """
    s = str(text)
    if s.isprintable():
        return s
    out = []
    for ch in s:
        cat = unicodedata.category(ch)
        if cat == "Cc" or (cat == "Cf" and ch not in "\u200d") or cat in ("Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def fmt_value(value: Any, limit: int | None = 80) -> str:
    """A JSON-ish rendering of a value, cut to ``limit`` characters with an ellipsis."""
    if value is _ABSENT:
        return "(absent)"
    try:
        text = js_json(value)
    except (TypeError, ValueError):
        text = repr(value)
    text = safe(text)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 1)] + "…"
    return text


def fmt_path(path: Iterable[Any]) -> str:
    """``["meta", "options", "choices", 1, "text"]`` → ``meta.options.choices[1].text``."""
    out = ""
    for p in path:
        if isinstance(p, int) and not isinstance(p, bool):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + safe(p)
    return out


def entity_label(change: Change) -> str:
    """The entity as people name it: ``articles``, ``articles.title``, ``articles.author → authors``."""
    label = safe(change.key)
    if change.section == "relations" and change.related_collection:
        label += f" → {safe(change.related_collection)}"
    return label


def reason_text(change: Change, reason: str) -> str:
    """A risk reason without its leading ``<key>: `` (the entity is already on the line above)."""
    prefix = f"{change.key}: "
    return safe(reason[len(prefix):] if reason.startswith(prefix) else reason)


# -- verdict -------------------------------------------------------------------------------
def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def verdict(plan: Plan, *, schema_file: str | None = None) -> str:
    """One line: ``5 changes: 3 create, 1 update, 1 delete — 1 destructive``."""
    counts = plan.counts()
    ignored = counts["ignored"]
    tail = f" ({ignored} ignored)" if ignored else ""
    if not plan.has_changes:
        target = safe(plan.target) if plan.target else "the target"
        file = safe(schema_file) if schema_file else "the schema file"
        return f"No changes: {target} matches {file}.{tail}"
    by_action = counts["by_action"]
    parts = [f"{by_action[a]} {a}" for a in ("create", "update", "delete") if by_action[a]]
    n_destructive = counts["by_risk"]["destructive"]
    danger = f"{n_destructive} destructive" if n_destructive else "nothing destructive"
    return f"{plural(counts['total'], 'change')}: {', '.join(parts)} — {danger}{tail}"


# -- rows affected -------------------------------------------------------------------------
@dataclass(frozen=True)
class Rows:
    count: int | None  # None: the target could not count them
    scope: str  # "entity" (exactly this change) or "table" (the collection holding the field)


def rows_for(plan: Plan, change: Change) -> Rows | None:
    """Rows behind a change, when the target counted them."""
    ra = plan.rows_affected or {}
    if change.key in ra:
        return Rows(ra[change.key], "entity")
    if change.section != "collections" and change.destructive and change.collection in ra:
        return Rows(ra[str(change.collection)], "table")
    return None


def rows_text(rows: Rows) -> str:
    if rows.count is None:
        return "rows affected: unknown"
    n = f"{rows.count:,}"
    if rows.scope == "table":
        return f"the table holds {n} row" + ("" if rows.count == 1 else "s")
    return f"rows affected: {n}"


# -- the sub-changes of an update ----------------------------------------------------------
@dataclass(frozen=True)
class Detail:
    """One readable sub-change: ``verb`` is set, add, remove or reorder."""

    verb: str
    path: str
    old: Any = _ABSENT
    new: Any = _ABSENT

    def render(self, limit: int | None = 80) -> str:
        if self.verb == "set":
            return f"Set {self.path} to {fmt_value(self.new, limit)} (was {fmt_value(self.old, limit)})"
        if self.verb == "add":
            return f"Add {self.path}: {fmt_value(self.new, limit)}"
        if self.verb == "remove":
            return f"Remove {self.path} (was {fmt_value(self.old, limit)})"
        return f"Reorder {self.path}"


def _list_details(path: list[Any], old: list[Any], new: list[Any]) -> list[Detail]:
    """Array changes by value: what was added, what was removed, or a reorder."""
    where = fmt_path(path) + "[]"
    old_keys = [js_json(v) for v in old]
    new_keys = [js_json(v) for v in new]
    remaining = list(new_keys)
    removed = []
    for key, value in zip(old_keys, old):
        if key in remaining:
            remaining.remove(key)
        else:
            removed.append(value)
    remaining_old = list(old_keys)
    added = []
    for key, value in zip(new_keys, new):
        if key in remaining_old:
            remaining_old.remove(key)
        else:
            added.append(value)
    out = [Detail("remove", where, old=v) for v in removed] + [Detail("add", where, new=v) for v in added]
    if not out and old_keys != new_keys:
        out.append(Detail("reorder", fmt_path(path)))
    return out


def _expand(path: list[Any], old: Any, new: Any, out: list[Detail]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for k in old:
            if k not in new:
                out.append(Detail("remove", fmt_path([*path, k]), old=old[k]))
            elif js_json(old[k]) != js_json(new[k]):
                _expand([*path, k], old[k], new[k], out)
        for k in new:
            if k not in old:
                out.append(Detail("add", fmt_path([*path, k]), new=new[k]))
        return
    if isinstance(old, list) and isinstance(new, list):
        out.extend(_list_details(path, old, new))
        return
    out.append(Detail("set", fmt_path(path), old=old, new=new))


def details(change: Change) -> list[Detail]:
    """The sub-changes of an update, one per changed leaf (collapsed ``meta`` edits expanded)."""
    if change.action != "update":
        return []
    out: list[Detail] = []
    for rec in change.records:
        path = list(rec.get("path") or [])
        kind = rec.get("kind")
        if kind == "E":
            _expand(path, rec.get("lhs"), rec.get("rhs"), out)
        elif kind == "N":
            out.append(Detail("add", fmt_path(path), new=rec.get("rhs")))
        elif kind == "D":
            out.append(Detail("remove", fmt_path(path), old=rec.get("lhs")))
        elif kind == "A":
            item = rec.get("item") or {}
            where = fmt_path([*path, rec.get("index", 0)])
            if item.get("kind") == "N":
                out.append(Detail("add", where, new=item.get("rhs")))
            elif item.get("kind") == "D":
                out.append(Detail("remove", where, old=item.get("lhs")))
            else:
                out.append(Detail("set", where, old=item.get("lhs", _ABSENT), new=item.get("rhs", _ABSENT)))
    return out


# -- what a created or deleted entity is -----------------------------------------------------
def summary(change: Change) -> str:
    """A few words on the entity a create or delete is about (``integer, primary key``)."""
    if change.action == "update" or not change.records:
        return ""
    rec = change.records[0]
    value = rec.get("rhs") if change.action == "create" else rec.get("lhs")
    if not isinstance(value, dict):
        return ""
    schema = value.get("schema")
    raw_meta = value.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    bits: list[str] = []
    if change.section == "collections":
        bits.append("folder" if schema is None else "table")
        if meta.get("group"):
            bits.append(f"in {safe(meta['group'])}")
        if meta.get("singleton"):
            bits.append("singleton")
    elif change.section == "fields":
        if value.get("type"):
            bits.append(safe(value["type"]))
        if isinstance(schema, dict):
            dt = schema.get("data_type")
            if dt and dt != value.get("type"):
                size = schema.get("max_length")
                bits.append(safe(f"{dt}({size})" if size is not None else dt))
            elif dt and schema.get("max_length") is not None:
                bits[-1] = safe(f"{value['type']}({schema['max_length']})")
            if schema.get("is_primary_key"):
                bits.append("primary key")
            elif schema.get("is_nullable") is False:
                bits.append("not null")
            if schema.get("is_unique") and not schema.get("is_primary_key"):
                bits.append("unique")
        elif value.get("type") != "alias":
            bits.append("no column")
    elif change.section == "relations":
        if isinstance(schema, dict) and schema.get("on_delete"):
            bits.append(f"on delete {safe(schema['on_delete'])}")
    return ", ".join(bits)


# -- SQL -----------------------------------------------------------------------------------
def sql_groups(plan: Plan) -> list[tuple[str, list[str]]]:
    """``plan.sql`` as ``(label, statements)``; see the module docstring for the shape."""
    groups: list[tuple[str, list[str]]] = []
    for item in plan.sql or []:
        if isinstance(item, str):
            if item.strip():
                groups.append(("", [item]))
            continue
        if not isinstance(item, dict):
            continue
        stmts = item.get("statements")
        if stmts is None and item.get("sql") is not None:
            stmts = [item["sql"]]
        if isinstance(stmts, str):
            stmts = [stmts]
        stmts = [str(s) for s in (stmts or []) if str(s).strip()]
        if not stmts:
            continue
        label = str(item.get("change") or item.get("key") or "")
        section = item.get("section")
        if section and label:
            label = f"{ENTITY_NOUNS.get(str(section), str(section))} {label}"
        groups.append((label, stmts))
    return groups


def statement_text(stmt: str) -> str:
    s = stmt.rstrip()
    return s if s.endswith(";") else s + ";"
