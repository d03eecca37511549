"""Directus's sanitizers and ``sortDeep``: the one normalization stage both sides go through.

These reproduce ``api/src/utils/sanitize-schema.ts`` (lodash ``pick`` with deep paths) and the
``sortDeep`` of ``get-snapshot.ts`` exactly, because the diff and the output key order depend on
them. Standard library only.
"""

from __future__ import annotations

from typing import Any, Sequence

from drift.snapshot.js import js_keys, js_to_string, utf16_key

COLLECTION_PATHS = ("collection", "fields", "meta", "schema.name")
FIELD_BASE_PATHS = ("collection", "field", "type", "meta", "name", "children")
FIELD_SCHEMA_KEYS = (
    "name",
    "table",
    "data_type",
    "default_value",
    "max_length",
    "numeric_precision",
    "numeric_scale",
    "is_nullable",
    "is_unique",
    "is_indexed",
    "is_primary_key",
    "is_generated",
    "generation_expression",
    "has_auto_increment",
    "foreign_key_table",
    "foreign_key_column",
)
FIELD_PATHS = FIELD_BASE_PATHS + tuple(f"schema.{k}" for k in FIELD_SCHEMA_KEYS)
RELATION_SCHEMA_KEYS = (
    "table",
    "column",
    "foreign_key_table",
    "foreign_key_column",
    "constraint_name",
    "on_update",
    "on_delete",
)
RELATION_PATHS = ("collection", "field", "related_collection", "meta") + tuple(
    f"schema.{k}" for k in RELATION_SCHEMA_KEYS
)
SYSTEM_FIELD_PATHS = ("collection", "field", "schema.is_indexed")


def _compile(paths: Sequence[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for p in paths:
        head, _, tail = p.partition(".")
        out.append((head, tail or None))
    return out


_COLLECTION = _compile(COLLECTION_PATHS)
_FIELD = _compile(FIELD_PATHS)
_FIELD_NO_SCHEMA = _compile(FIELD_BASE_PATHS)
_RELATION = _compile(RELATION_PATHS)
_SYSTEM_FIELD = _compile(SYSTEM_FIELD_PATHS)


def pick(obj: Any, compiled: list[tuple[str, str | None]]) -> dict[str, Any]:
    """lodash ``pick`` for one-level-deep paths.

    A top-level key is copied when present (even if null). ``a.b`` is copied only when ``obj[a]``
    is a non-null object holding ``b``; an empty parent is never written.
    """
    out: dict[str, Any] = {}
    if not isinstance(obj, dict):
        return out
    for head, tail in compiled:
        if head not in obj:
            continue
        if tail is None:
            out[head] = obj[head]
            continue
        parent = obj[head]
        if isinstance(parent, dict) and tail in parent:
            sub = out.get(head)
            if not isinstance(sub, dict):
                sub = out[head] = {}
            sub[tail] = parent[tail]
    return out


class _Picker:
    """``pick`` specialised for path lists whose deep paths all sit under ``schema``, last."""

    __slots__ = ("top", "nested")

    def __init__(self, compiled: list[tuple[str, str | None]]) -> None:
        self.top = tuple(h for h, t in compiled if t is None)
        self.nested = tuple(t for h, t in compiled if t is not None)
        # the output puts `schema` last, as the path lists do
        assert all(h == "schema" for h, t in compiled[len(self.top):])

    def __call__(self, obj: Any) -> dict[str, Any]:
        if type(obj) is not dict:
            return pick(obj, [])
        out = {k: obj[k] for k in self.top if k in obj}
        if self.nested:
            parent = obj.get("schema")
            if type(parent) is dict:
                sub = {k: parent[k] for k in self.nested if k in parent}
                if sub:
                    out["schema"] = sub
        return out


_pick_collection = _Picker(_COLLECTION)
_pick_field = _Picker(_FIELD)
_pick_field_no_schema = _Picker(_FIELD_NO_SCHEMA)
_pick_relation = _Picker(_RELATION)
_pick_system_field = _Picker(_SYSTEM_FIELD)


def sanitize_collection(c: Any) -> dict[str, Any]:
    return _pick_collection(c)


def sanitize_field(f: Any, sanitize_all_schema: bool = False) -> dict[str, Any]:
    return _pick_field_no_schema(f) if sanitize_all_schema else _pick_field(f)


def sanitize_relation(r: Any) -> dict[str, Any]:
    return _pick_relation(r)


def sanitize_system_field(f: Any) -> dict[str, Any]:
    return _pick_system_field(f)


def _pair_key(item: tuple[str, Any]) -> bytes:
    # lodash sortBy over [key, value] pairs compares them with JS `<`, i.e. as the strings
    # `key + "," + String(value)` (arrays join their elements, null/undefined become "").
    k, v = item
    return utf16_key(k + "," + ("" if v is None else js_to_string(v)))


# For a key set where no key is a prefix of another, the pair-string order is decided by the keys
# alone; such orders are cached per key tuple (meta rows share a handful of key sets).
_KEY_ORDER: dict[tuple[str, ...], tuple[str, ...] | None] = {}


def _keys_only_order(keys: tuple[str, ...]) -> tuple[str, ...] | None:
    if keys in _KEY_ORDER:
        return _KEY_ORDER[keys]
    ordered = sorted(keys, key=utf16_key)
    prefix = any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    result = None if prefix else tuple(ordered)
    if len(_KEY_ORDER) < 10000:
        _KEY_ORDER[keys] = result
    return result


def sort_deep(raw: Any) -> Any:
    """Directus's ``sortDeep``: object keys sorted by the lodash pair rule, arrays kept in order."""
    if isinstance(raw, dict):
        keys = tuple(js_keys(raw))
        order = _keys_only_order(keys)
        if order is not None:
            out = {k: sort_deep(raw[k]) for k in order}
        else:
            pairs = [(k, sort_deep(raw[k])) for k in keys]
            pairs.sort(key=_pair_key)  # stable, like lodash sortBy
            out = dict(pairs)
        # assigning keys in that order still enumerates integer-like keys first in JS
        return {k: out[k] for k in js_keys(out)}
    if isinstance(raw, list):
        return [sort_deep(v) for v in raw]
    return raw
