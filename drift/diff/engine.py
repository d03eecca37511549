"""The snapshot diff, exact to Directus 12.4.1's ``getSnapshotDiff`` (spec §2).

Entities are matched by key (collections by ``collection``; fields, relations and systemFields by
``(collection, field)``), the first match on the desired side wins as with ``Array.find``, and
only pairs that differ are deep-diffed: an unchanged entity costs one comparison. The output has
the four lists in Directus's order — current entities first, then the desired-only ones — with the
12.4 meta collapse, alias swaps, auto-increment primary keys' schema skipped, the systemFields
inversion rule, ``merge`` mode, partial (version 2) scope and the collection cascade.
"""

from __future__ import annotations

from typing import Any, Iterable

from drift.diff.deepdiff import MISSING, Record, diff as deep_diff, strictly_equal
from drift.snapshot.sanitize import (
    sanitize_collection,
    sanitize_field,
    sanitize_relation,
    sanitize_system_field,
)

MODES = ("mirror", "merge")
SECTIONS = ("collections", "fields", "systemFields", "relations")


def js_truthy(v: Any) -> bool:
    if v is None or v is MISSING or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v == v and v != 0
    if isinstance(v, str):
        return v != ""
    return True


def _schema(entity: dict[str, Any]) -> Any:
    s = entity.get("schema")
    return s if isinstance(s, dict) else None


def _key1(e: Any) -> Any:
    return e.get("collection", MISSING) if isinstance(e, dict) else MISSING


def _key2(e: Any) -> tuple[Any, Any]:
    if type(e) is dict:
        return (e.get("collection", MISSING), e.get("field", MISSING))
    return (MISSING, MISSING)


def _first_index(items: Iterable[Any], key: Any) -> dict[Any, Any]:
    index: dict[Any, Any] = {}
    for item in items:
        k = key(item)
        if k not in index:
            index[k] = item
    return index


def item_diff(current: Any, after: Any) -> list[Record] | None:
    """``getSnapshotItemDiff``: deep-diff plus the 12.4 meta collapse."""
    if current is not MISSING and after is not MISSING and strictly_equal(current, after):
        return None
    changes = deep_diff(current, after)
    if not changes or current is MISSING or after is MISSING:
        return changes
    nested_meta = any(
        c["kind"] == "N" or (c["kind"] == "D" and c.get("path", [None])[0] == "meta")
        for c in changes
    )
    if not nested_meta:
        return changes
    collapsed: Record = {"kind": "E", "path": ["meta"]}
    if "meta" in current:
        collapsed["lhs"] = current["meta"]
    if "meta" in after:
        collapsed["rhs"] = after["meta"]
    return [collapsed] + [c for c in changes if c.get("path", [None])[0] != "meta"]


def _system_diff(lhs: Any, rhs: Any) -> list[Record] | None:
    if strictly_equal(lhs, rhs):
        return None
    return deep_diff(lhs, rhs)


def _invert_indexed(entity: dict[str, Any], where: str) -> dict[str, Any]:
    schema = entity.get("schema")
    if not isinstance(schema, dict):
        from drift.errors import ValidationError

        raise ValidationError(f"{where}: a systemFields entry needs a schema object")
    new_schema = dict(schema)
    if "is_indexed" in schema:
        new_schema["is_indexed"] = not js_truthy(schema["is_indexed"])
    out = dict(entity)
    out["schema"] = new_schema
    return out


def _entry(base: dict[str, Any], changes: list[Record] | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    base["diff"] = changes
    return base


def _put(entry: dict[str, Any], key: str, value: Any) -> None:
    if value is not MISSING:
        entry[key] = value


def snapshot_diff(current: dict[str, Any], after: dict[str, Any], mode: str = "mirror") -> dict[str, list[dict[str, Any]]]:
    """What applying ``after`` would change on ``current`` (``getSnapshotDiff``)."""
    partial = after.get("version") == 2 and type(after.get("version")) is int
    cur_c = current.get("collections") or []
    cur_f = current.get("fields") or []
    cur_r = current.get("relations") or []
    cur_s = current.get("systemFields") or []
    aft_c = after.get("collections") or []
    aft_f = after.get("fields") or []
    aft_r = after.get("relations") or []
    aft_s = after.get("systemFields") or []

    scope: set[Any] | None = None
    sys_scope: set[Any] | None = None
    if partial:
        scope = {_key1(x) for x in (*aft_c, *aft_f, *aft_r)}
        sys_scope = {_key1(x) for x in aft_s}

    def keep(entry: dict[str, Any] | None, in_scope: set[Any] | None) -> bool:
        if entry is None:
            return False
        if mode == "merge":
            first = entry["diff"][0]
            if first["kind"] == "D" and "path" not in first:
                return False
        return in_scope is None or entry.get("collection", MISSING) in in_scope

    # -- collections
    collections: list[dict[str, Any]] = []
    aft_c_index = _first_index(aft_c, _key1)
    cur_c_keys = {_key1(c) for c in cur_c}
    for c in cur_c:
        a = aft_c_index.get(_key1(c), MISSING)
        if a is not MISSING and strictly_equal(c, a):
            continue  # identical entities: nothing to sanitize or walk
        base: dict[str, Any] = {}
        _put(base, "collection", _key1(c))
        e = _entry(base, item_diff(sanitize_collection(c), sanitize_collection(a) if a is not MISSING else MISSING))
        if keep(e, scope):
            collections.append(e)  # type: ignore[arg-type]
    for a in aft_c:
        if _key1(a) in cur_c_keys:
            continue
        base = {}
        _put(base, "collection", _key1(a))
        e = _entry(base, item_diff(MISSING, sanitize_collection(a)))
        if keep(e, scope):
            collections.append(e)  # type: ignore[arg-type]

    # -- fields
    fields: list[dict[str, Any]] = []
    aft_f_index = _first_index(aft_f, _key2)
    cur_f_index = _first_index(cur_f, _key2)

    def is_alias_swap(cf: dict[str, Any], af: dict[str, Any]) -> bool:
        # `current.type !== after.type && (either is "alias")`, with JS strict equality
        ct, at = cf.get("type", MISSING), af.get("type", MISSING)
        if ct != "alias" and at != "alias":
            return False
        return not (type(ct) is type(at) and ct == at)

    for f in cur_f:
        a = aft_f_index.get(_key2(f), MISSING)
        if a is not MISSING and strictly_equal(f, a):
            continue
        schema = _schema(f) if isinstance(f, dict) else None
        auto_pk = bool(
            schema
            and js_truthy(schema.get("is_primary_key", MISSING))
            and js_truthy(schema.get("has_auto_increment", MISSING))
        )
        base = {}
        _put(base, "collection", _key2(f)[0])
        _put(base, "field", _key2(f)[1])
        if a is not MISSING and is_alias_swap(f, a):
            changes = item_diff(sanitize_field(f, auto_pk), MISSING)
        else:
            changes = item_diff(
                sanitize_field(f, auto_pk), sanitize_field(a, auto_pk) if a is not MISSING else MISSING
            )
        e = _entry(base, changes)
        if keep(e, scope):
            fields.append(e)  # type: ignore[arg-type]
    for a in aft_f:
        cf = cur_f_index.get(_key2(a))
        if cf is not None and not is_alias_swap(cf, a):
            continue
        base = {}
        _put(base, "collection", _key2(a)[0])
        _put(base, "field", _key2(a)[1])
        e = _entry(base, item_diff(MISSING, sanitize_field(a)))
        if keep(e, scope):
            fields.append(e)  # type: ignore[arg-type]

    # -- systemFields (plain deep-diff, no meta collapse)
    system_fields: list[dict[str, Any]] = []
    aft_s_index = _first_index(aft_s, _key2)
    cur_s_keys = {_key2(s) for s in cur_s}
    for i, s in enumerate(cur_s):
        a = aft_s_index.get(_key2(s), MISSING)
        if a is not MISSING and strictly_equal(s, a):
            continue
        other = sanitize_system_field(a) if a is not MISSING else _invert_indexed(s, f"current systemFields[{i}]")
        base = {}
        _put(base, "collection", _key2(s)[0])
        _put(base, "field", _key2(s)[1])
        e = _entry(base, _system_diff(sanitize_system_field(s), other))
        if keep(e, sys_scope):
            system_fields.append(e)  # type: ignore[arg-type]
    for i, a in enumerate(aft_s):
        schema = a.get("schema") if isinstance(a, dict) else None
        if not isinstance(schema, dict):
            from drift.errors import ValidationError

            raise ValidationError(f"desired systemFields[{i}]: a systemFields entry needs a schema object")
        if not js_truthy(schema.get("is_indexed", MISSING)) or _key2(a) in cur_s_keys:
            continue
        base = {}
        _put(base, "collection", _key2(a)[0])
        _put(base, "field", _key2(a)[1])
        e = _entry(base, _system_diff(_invert_indexed(a, f"desired systemFields[{i}]"), sanitize_system_field(a)))
        if keep(e, sys_scope):
            system_fields.append(e)  # type: ignore[arg-type]

    # -- relations (related_collection is not part of the key)
    relations: list[dict[str, Any]] = []
    aft_r_index = _first_index(aft_r, _key2)
    cur_r_keys = {_key2(r) for r in cur_r}
    for r in cur_r:
        a = aft_r_index.get(_key2(r), MISSING)
        if a is not MISSING and strictly_equal(r, a):
            continue
        base = {}
        _put(base, "collection", _key2(r)[0])
        _put(base, "field", _key2(r)[1])
        _put(base, "related_collection", r.get("related_collection", MISSING))
        e = _entry(base, item_diff(sanitize_relation(r), sanitize_relation(a) if a is not MISSING else MISSING))
        if keep(e, scope):
            relations.append(e)  # type: ignore[arg-type]
    for a in aft_r:
        if _key2(a) in cur_r_keys:
            continue
        base = {}
        _put(base, "collection", _key2(a)[0])
        _put(base, "field", _key2(a)[1])
        _put(base, "related_collection", a.get("related_collection", MISSING))
        e = _entry(base, item_diff(MISSING, sanitize_relation(a)))
        if keep(e, scope):
            relations.append(e)  # type: ignore[arg-type]

    # -- cascade: a deleted collection takes its fields and relations with it
    deleted = {c.get("collection", MISSING) for c in collections if c["diff"][0]["kind"] == "D"}
    if deleted:
        fields = [f for f in fields if f.get("collection", MISSING) not in deleted]
        relations = [r for r in relations if r.get("collection", MISSING) not in deleted]
    return {"collections": collections, "fields": fields, "systemFields": system_fields, "relations": relations}


def is_empty(diff: dict[str, list[Any]]) -> bool:
    return not any(diff.get(s) for s in SECTIONS)


def empty_diff() -> dict[str, list[Any]]:
    return {s: [] for s in SECTIONS}
