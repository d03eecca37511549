"""JavaScript object semantics that Directus's output depends on.

Directus is JavaScript: when it enumerates or serialises an object, integer-like keys ("array
indexes": canonical decimal strings of 0 … 2**32-2) come first in ascending numeric order, then the
other keys in insertion order. Strings compare by UTF-16 code units, not by code points. Every
snapshot drift reads is put into this key order once, at load time, so that the diff walk and the
JSON output match Directus's byte for byte.
"""

from __future__ import annotations

TYPE_CHECKING = False  # loaded early by the drift command (drift.early): no typing at run time
if TYPE_CHECKING:
    from typing import Any

_MAX_INDEX = 2**32 - 2


def is_array_index(key: str) -> bool:
    """True for keys V8 enumerates first: canonical decimal strings in [0, 2**32-2]."""
    if not key or len(key) > 10 or not key.isascii() or not key.isdigit():
        return False
    if len(key) > 1 and key[0] == "0":
        return False
    return int(key) <= _MAX_INDEX


def js_keys(obj: dict[str, Any]) -> list[str]:
    """The keys of ``obj`` in JavaScript ``Object.keys`` order."""
    keys = list(obj)
    if not any(is_array_index(k) for k in keys):
        return keys
    ints = sorted((k for k in keys if is_array_index(k)), key=int)
    return ints + [k for k in keys if not is_array_index(k)]


def js_ordered(value: Any) -> Any:
    """A deep copy of a JSON value whose dicts iterate in JavaScript key order."""
    if isinstance(value, dict):
        return {k: js_ordered(value[k]) for k in js_keys(value)}
    if isinstance(value, list):
        return [js_ordered(v) for v in value]
    return value


def utf16_key(s: str) -> bytes:
    """A sort key ordering strings by UTF-16 code units, as JavaScript's ``<`` does."""
    return s.encode("utf-16-be")


def utf16_len(s: str) -> int:
    """``s.length`` in JavaScript: the number of UTF-16 code units."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def js_number_str(x: int | float) -> str:
    """``Number.prototype.toString()`` of a JSON number (ECMAScript Number::toString)."""
    if isinstance(x, bool):  # pragma: no cover - callers test bool first
        raise TypeError("bool is not a number here")
    if isinstance(x, int):
        if -(2**53) <= x <= 2**53:
            if abs(x) < 10**21:
                return str(x)
        try:
            x = float(x)
        except OverflowError:
            return "Infinity" if x > 0 else "-Infinity"
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    r = repr(abs(x))  # shortest round-trip digits, as ECMAScript requires
    if "e" in r:
        mant, exp_s = r.split("e")
        exp = int(exp_s)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = (ip + fp).lstrip("0")
    # position of the decimal point relative to the start of `digits`
    n = len(ip.lstrip("0")) + exp if ip.strip("0") else exp - (len(fp) - len(fp.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        es = f"e+{e}" if e >= 0 else f"e-{-e}"
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + es
    return sign + out


def js_to_string(value: Any) -> str:
    """``String(value)`` for JSON values (arrays join with ``,``; null inside arrays is empty)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return js_number_str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join("" if v is None else js_to_string(v) for v in value)
    return "[object Object]"


def normalize_number(x: int | float) -> int | float:
    """A Python number that behaves like the JavaScript double it stands for.

    Integral values print as integers in JavaScript below 1e21, so they become ``int``; integers
    beyond 2**53 are rounded to the nearest double, as ``JSON.parse`` does.
    """
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        if -(2**53) <= x <= 2**53:
            return x
        try:
            x = float(x)
        except OverflowError:
            return float("inf") if x > 0 else float("-inf")
    if x == x and x not in (float("inf"), float("-inf")) and x == int(x) and abs(x) < 1e21:
        return int(x)
    return x


_SMALL_FLOAT = None


def _dumps(value: Any, indent: int | str | None) -> str:
    import json

    if indent is None:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def js_json(value: Any, indent: int | str | None = None) -> str:
    """``JSON.stringify(value[, null, indent])``: JavaScript number forms, non-ASCII kept."""
    import re

    global _SMALL_FLOAT
    try:
        text = _dumps(value, indent)
    except ValueError:
        # JSON.stringify writes NaN and ±Infinity as null
        text = _dumps(_finite(value), indent)
    if "e-0" in text:
        # Numbers reach here as JavaScript would hold them (loaders normalise integral floats and
        # big integers), so only small floats print differently: Python writes 1e-05 and 1e-07
        # where JavaScript writes 0.00001 and 1e-7. Rewrite those tokens outside strings.
        if _SMALL_FLOAT is None:
            _SMALL_FLOAT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?e-0\d)')

        def fix(m: "re.Match[str]") -> str:
            return js_number_str(float(m.group(1))) if m.group(1) else m.group(0)

        text = _SMALL_FLOAT.sub(fix, text)
    return text
