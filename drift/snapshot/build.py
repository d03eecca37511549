"""Assemble a snapshot from raw collection, field and relation records, as ``getSnapshot`` does.

Targets that read Directus's own tables (the database target in Directus mode) produce the raw
records Directus's services would (``CollectionsService.readByQuery``, ``FieldsService.readAll``,
``RelationsService.readAll``: ``meta`` is the whole system-table row, ``meta.system`` marks the
hard-coded system rows, ``meta: None`` an untracked table/column/foreign key) and hand them here.
This module applies the filters, ``sortDeep``, the ordering and the sanitizers of
``api/src/utils/schema/get-snapshot.ts``.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from drift.snapshot.js import is_array_index, utf16_key
from drift.snapshot.sanitize import (
    sanitize_collection,
    sanitize_field,
    sanitize_relation,
    sanitize_system_field,
    sort_deep,
)

FULL = 1
PARTIAL = 2


def _meta(item: dict[str, Any]) -> Any:
    return item.get("meta")


def is_non_system(item: dict[str, Any]) -> bool:
    meta = _meta(item)
    return not (isinstance(meta, dict) and meta.get("system") is True)


def is_managed(item: dict[str, Any]) -> bool:
    return "meta" not in item or item["meta"] is not None


def is_indexed_system_field(item: dict[str, Any]) -> bool:
    meta = _meta(item)
    schema = item.get("schema")
    return bool(
        isinstance(meta, dict)
        and meta.get("system") is True
        and isinstance(schema, dict)
        and schema.get("is_indexed")
    )


def resolve_scope(
    collections: Iterable[dict[str, Any]],
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
) -> set[str] | None:
    """``resolveScopedCollections``: None for a full snapshot, else the collections in scope."""
    if include is not None and exclude is not None:
        raise ValueError(
            '"includeCollections" and "excludeCollections" cannot be used together'
        )
    names = {c.get("collection") for c in collections}
    if include is not None:
        return {c for c in include if c in names}
    if exclude is not None:
        return {c for c in names if c not in set(exclude)}  # type: ignore[misc]
    return None


def _lodash_cmp(a: Any, b: Any) -> int:
    """lodash ``compareAscending`` for the strings and numbers snapshots sort by."""
    if a is b or a == b and type(a) is type(b):
        return 0
    # undefined / null sort last, like lodash
    if a is None:
        return 1
    if b is None:
        return -1
    if isinstance(a, str) and isinstance(b, str):
        ka, kb = utf16_key(a), utf16_key(b)
        return (ka > kb) - (ka < kb)
    try:
        return (a > b) - (a < b)
    except TypeError:
        return 0


def _column_key(values: list[Any]) -> list[Any] | None:
    """Sort keys equivalent to :func:`_lodash_cmp` for one sort criterion, when every value is a
    string or None, or every value is a (non-NaN, non-bool) number or None; else None."""
    types = set(map(type, values))
    if types == {str}:  # no None: the values themselves (UTF-16 order beyond ASCII)
        return values if all(map(str.isascii, values)) else list(map(utf16_key, values))
    if types == {int}:
        return values
    strings = numbers = False
    ascii_only = True
    for v in values:
        t = type(v)
        if t is str:
            strings = True
            if ascii_only and not v.isascii():
                ascii_only = False
        elif t is int or (t is float and not math.isnan(v)):
            numbers = True
        elif v is not None:
            return None
    if strings and numbers:
        return None
    # None sorts last; ASCII strings compare as Python strings, others by UTF-16 code units
    if strings and not ascii_only:
        return [(1, b"") if v is None else (0, utf16_key(v)) for v in values]
    zero: Any = "" if strings else 0
    return [(1, zero) if v is None else (0, v) for v in values]


def in_sort_order(names: Iterable[str]) -> list[str] | None:
    """Distinct strings in the order lodash ``sortBy`` puts them (None if some are not strings)."""
    names = list(names)
    key = _column_key(names)
    if key is None or not all(type(n) is str for n in names):
        return None
    return [names[i] for i in sorted(range(len(names)), key=key.__getitem__)]


def _sort_by(items: list[dict[str, Any]], keys: Sequence[Any]) -> list[dict[str, Any]]:
    """lodash ``sortBy(items, keys)`` (stable)."""
    columns = [_column_key(list(map(k, items))) for k in keys]
    if all(c is not None for c in columns):
        order = sorted(range(len(items)), key=list(zip(*columns)).__getitem__)  # type: ignore[arg-type]
        return [items[i] for i in order]

    def cmp(x: dict[str, Any], y: dict[str, Any]) -> int:
        for k in keys:
            r = _lodash_cmp(k(x), k(y))
            if r:
                return r
        return 0

    return sorted(items, key=functools.cmp_to_key(cmp))


# -- sortDeep ----------------------------------------------------------------------------------------
# ``sortDeep`` orders an object's entries by lodash ``sortBy`` over ``[key, value]`` pairs, which
# compares the strings ``key + "," + String(value)``. Keys differ, so two entries are ordered by
# ``key + ","`` alone unless one ``key + ","`` is a prefix of the other (a key like ``"a,b"`` beside
# ``"a"``): then the values decide. The key-decided order is cached per key tuple (rows of one
# table share their key set), with JavaScript's integer-like keys first, as the object that
# ``sortDeep`` rebuilds enumerates them. Value-decided objects go through the reference
# :func:`~drift.snapshot.sanitize.sort_deep`.


class _Order:
    """The ``sortDeep`` key order of one key set, with C-level getters for the values."""

    __slots__ = ("get", "get_no_id", "keys", "keys_no_id")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.get = _getter(keys)
        self.keys_no_id = tuple(k for k in keys if k != "id")
        self.get_no_id = _getter(self.keys_no_id)


def _getter(keys: tuple[str, ...]) -> Any:
    if len(keys) == 1:
        key = keys[0]
        return lambda d: (d[key],)
    if not keys:
        return lambda d: ()
    return operator.itemgetter(*keys)


_ORDERS: dict[tuple[str, ...], _Order | None] = {}
_ORDERS_MAX = 20000
# value types sortDeep leaves as they are
_LEAF_TYPES = frozenset({str, int, float, bool, type(None)})


def _key_order(keys: tuple[str, ...]) -> tuple[str, ...] | None:
    marked = sorted(keys, key=lambda k: utf16_key(k + ","))
    for a, b in itertools.pairwise(marked):
        if b.startswith(
            a + ","
        ):  # sorted, so a prefix relation shows between neighbours
            return None
    if any(is_array_index(k) for k in marked):
        marked = sorted((k for k in marked if is_array_index(k)), key=int) + [
            k for k in marked if not is_array_index(k)
        ]
    return tuple(marked)


def _order_of(keys: tuple[str, ...]) -> _Order | None:
    try:
        return _ORDERS[keys]
    except KeyError:
        order = _key_order(keys)
        found = None if order is None else _Order(order)
        if len(_ORDERS) < _ORDERS_MAX:
            _ORDERS[keys] = found
        return found


def _sorted_values(values: tuple[Any, ...]) -> Any:
    """The values with ``sortDeep`` applied (the same tuple when all are leaves)."""
    if _LEAF_TYPES.issuperset(map(type, values)):
        return values
    return [v if type(v) in _LEAF_TYPES else deep_sorted(v) for v in values]


def deep_sorted(raw: Any) -> Any:
    """``sortDeep``: the same result as :func:`drift.snapshot.sanitize.sort_deep`, faster."""
    t = type(raw)
    if t is dict:
        order = _order_of(tuple(raw))
        if order is None:
            return sort_deep(raw)
        return dict(zip(order.keys, _sorted_values(order.get(raw))))
    if t is list:
        return list(_sorted_values(tuple(raw)))
    if t in _LEAF_TYPES:
        return raw
    return sort_deep(raw)  # other types (subclasses): the reference implementation


def _without_id_sorted(meta: dict[str, Any]) -> dict[str, Any]:
    """``sortDeep(meta)`` without its ``id`` (dropping a key leaves the others' order alone)."""
    order = _order_of(tuple(meta))
    if order is None:
        out = sort_deep(meta)
        out.pop("id", None)
        return out  # type: ignore[no-any-return]
    return dict(zip(order.keys_no_id, _sorted_values(order.get_no_id(meta))))


class SortedMetas:
    """``sortDeep(meta)`` without its ``id``, worked out ahead of the build for ``meta`` objects
    that do not change until then (so that it can run while the rest of the input is still being
    read). :func:`sorted_pick` takes each result once; a ``meta`` not prepared is sorted there."""

    def __init__(self, metas: Iterable[Any]) -> None:
        self._ready: dict[int, tuple[Any, dict[str, Any]]] = {
            id(m): (m, _without_id_sorted(m)) for m in metas if type(m) is dict
        }

    def take(self, meta: Any) -> dict[str, Any] | None:
        hit = self._ready.pop(id(meta), None)
        return hit[1] if hit is not None and hit[0] is meta else None


def sorted_pick(
    picked: dict[str, Any], omit_id: bool = False, ready: SortedMetas | None = None
) -> dict[str, Any]:
    """``sanitize(omitId(sortDeep(item)))`` from ``sanitize(item)``.

    The sanitizers (lodash ``pick``) write the top-level keys and those of ``schema`` in their own
    path order, whatever the order ``sortDeep`` gave them, and keep the values as they are; so
    sorting only the values they picked gives the same object, without re-ordering the outer
    objects of every record. ``picked`` is the sanitizer's fresh dict and is updated in place.
    ``ready`` holds ``meta`` objects sorted ahead (with ``omit_id``).
    """
    for k, v in picked.items():
        t = type(v)
        if t in _LEAF_TYPES:
            continue
        if t is dict:
            if k == "meta":
                done = ready.take(v) if ready is not None and omit_id else None
                if done is None:
                    done = _without_id_sorted(v) if omit_id else deep_sorted(v)
                picked[k] = done
            elif k == "schema":
                if not _LEAF_TYPES.issuperset(map(type, v.values())):
                    for sk, sv in v.items():
                        if type(sv) not in _LEAF_TYPES:
                            v[sk] = deep_sorted(sv)
            else:
                picked[k] = deep_sorted(v)
        else:
            picked[k] = deep_sorted(v)
    return picked


def _meta_id(item: dict[str, Any]) -> Any:
    meta = item.get("meta")
    return meta.get("id") if isinstance(meta, dict) else None


def build_snapshot(
    collections_raw: Iterable[dict[str, Any]],
    fields_raw: Iterable[dict[str, Any]],
    relations_raw: Iterable[dict[str, Any]],
    *,
    vendor: str,
    directus: str,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    sorted_metas: SortedMetas | None = None,
    fields_picked: bool = False,
) -> dict[str, Any]:
    """The snapshot Directus's ``getSnapshot`` returns for these raw records (``sorted_metas``:
    field and relation ``meta`` objects already sorted, see :class:`SortedMetas`;
    ``fields_picked``: the field records are already what ``sanitize_field`` keeps of them)."""
    collections_raw = list(collections_raw)
    fields_raw = list(fields_raw)
    relations_raw = list(relations_raw)
    scope = resolve_scope(collections_raw, include, exclude)

    def keep(
        items: list[dict[str, Any]], system: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        # isNonSystem, isManaged and the scope, inlined (this runs once per field); the indexed
        # system fields go to ``system`` in the same pass
        out = []
        for item in items:
            meta = item.get("meta", _ABSENT)
            if meta is None:
                continue
            if scope is not None and item.get("collection") not in scope:
                continue
            if isinstance(meta, dict) and meta.get("system") is True:
                if system is not None:
                    schema = item.get("schema")
                    if isinstance(schema, dict) and schema.get("is_indexed"):
                        system.append(item)
                continue
            out.append(item)
        return out

    sysf: list[dict[str, Any]] = []
    fields = keep(fields_raw, sysf)
    return {
        "version": PARTIAL if scope is not None else FULL,
        "directus": directus,
        "vendor": vendor,
        "collections": [
            sorted_pick(sanitize_collection(c))
            for c in _sort_by(keep(collections_raw), [_collection])
        ],
        "fields": [
            sorted_pick(f if fields_picked else sanitize_field(f), True, sorted_metas)
            for f in _sort_by(fields, [_collection, _meta_id])
        ],
        "systemFields": [
            sanitize_system_field(f) for f in _sort_by(sysf, [_collection, _field])
        ],
        "relations": [
            sorted_pick(sanitize_relation(r), True, sorted_metas)
            for r in _sort_by(keep(relations_raw), [_collection, _meta_id])
        ],
    }


_ABSENT = object()


_collection = operator.methodcaller("get", "collection")
_field = operator.methodcaller("get", "field")
