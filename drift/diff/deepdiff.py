"""deep-diff@1.0.2's ``diff(lhs, rhs)``, as Directus uses it, for JSON values.

Records are dicts whose key order is the one ``JSON.stringify`` gives deep-diff's record objects:
``kind, path, lhs, rhs`` and ``kind, path, index, item``; ``path`` is omitted when empty. ``MISSING``
stands for JavaScript's ``undefined`` (an absent side or key).

Rules reproduced (spec §2.1): a type change is one ``E``; an absent side is ``N``/``D``; objects are
walked in lhs key order, then rhs-only keys (an rhs-only key ``""`` is skipped, as in deep-diff);
arrays are compared index-wise with surplus elements reported first, from the end, then the common
indexes from the highest down; ``True`` and ``1`` differ (JS types), ``1`` and ``1.0`` do not.
"""

from __future__ import annotations

import datetime as _dt
import marshal
import math
from typing import Any


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

Record = dict[str, Any]


def real_type(v: Any) -> str:
    """deep-diff's ``realTypeOf`` for Python values from JSON/YAML."""
    if v is None:
        return "null"
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "boolean"
    if t is int or t is float:
        return "number"
    if t is dict:
        return "object"
    if t is list:
        return "array"
    if v is MISSING:
        return "undefined"
    if isinstance(v, _dt.datetime):
        return "date"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, list):
        return "array"
    return "string" if isinstance(v, str) else "object"


def _record(kind: str, path: list[Any], **values: Any) -> Record:
    rec: Record = {"kind": kind}
    if path:
        rec["path"] = path
    for k, v in values.items():
        if v is not MISSING:
            rec[k] = v
    return rec


def _walk(lhs: Any, rhs: Any, path: list[Any], out: list[Record]) -> None:
    if lhs is MISSING:
        if rhs is not MISSING:
            out.append(_record("N", path, rhs=rhs))
        return
    if rhs is MISSING:
        out.append(_record("D", path, lhs=lhs))
        return
    lt, rt = real_type(lhs), real_type(rhs)
    if lt != rt:
        out.append(_record("E", path, lhs=lhs, rhs=rhs))
        return
    if lt == "object":
        if lhs is rhs:
            return
        for k, lv in lhs.items():
            if k in rhs:
                _walk(lv, rhs[k], path + [k], out)
            else:
                out.append(_record("D", path + [k], lhs=lv))
        for k, rv in rhs.items():
            if k not in lhs and k != "":
                out.append(_record("N", path + [k], rhs=rv))
        return
    if lt == "array":
        if lhs is rhs:
            return
        i, j = len(rhs) - 1, len(lhs) - 1
        while i > j:
            out.append(_record("A", path, index=i, item=_record("N", [], rhs=rhs[i])))
            i -= 1
        while j > i:
            out.append(_record("A", path, index=j, item=_record("D", [], lhs=lhs[j])))
            j -= 1
        while i >= 0:
            _walk(lhs[i], rhs[i], path + [i], out)
            i -= 1
        return
    if lt == "date":
        if lhs != rhs:
            out.append(_record("E", path, lhs=lhs, rhs=rhs))
        return
    if lhs != rhs:
        if lt == "number" and isinstance(lhs, float) and isinstance(rhs, float):
            if math.isnan(lhs) and math.isnan(rhs):
                return
        out.append(_record("E", path, lhs=lhs, rhs=rhs))


def diff(lhs: Any, rhs: Any) -> list[Record] | None:
    """``deepDiff.diff(lhs, rhs)``: the change records, or ``None`` when nothing differs."""
    out: list[Record] = []
    _walk(lhs, rhs, [], out)
    return out or None


def strictly_equal(a: Any, b: Any) -> bool:
    """True when deep-diff would report no change between ``a`` and ``b``."""
    if a == b:
        # == lets True equal 1; equal marshal bytes (the usual case: same key order) rule that out
        # at C speed (marshal keeps bool and int apart), otherwise walk the values.
        try:
            if marshal.dumps(a) == marshal.dumps(b):
                return True
        except ValueError:
            pass
        return not _has_type_mismatch(a, b)
    return False


def _has_type_mismatch(a: Any, b: Any) -> bool:
    # Python's == already matched a and b; only bool/number confusions (True == 1) and NaN can hide.
    ta, tb = type(a), type(b)
    if ta is dict:
        if tb is not dict:
            return True
        for k, v in a.items():
            w = b[k]
            if type(v) is not type(w) or type(v) in (dict, list):
                if real_type(v) != real_type(w) or _has_type_mismatch(v, w):
                    return True
        return False
    if ta is list:
        if tb is not list:
            return True
        for v, w in zip(a, b):
            if type(v) is not type(w) or type(v) in (dict, list):
                if real_type(v) != real_type(w) or _has_type_mismatch(v, w):
                    return True
        return False
    return real_type(a) != real_type(b)
