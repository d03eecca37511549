"""Database values as Directus (Node.js) sees them, and the small string rules its inspector applies.

Directus reads its tables through node-postgres, mysql2 and node-sqlite3, so a value in a snapshot
is what those drivers and ``JSON.parse`` produce: every number is a double (``1.0`` prints ``1``,
integers beyond 2**53 round), PostgreSQL ``bigint``/``numeric`` and MySQL ``DECIMAL`` arrive as
strings, JSON columns arrive parsed. This module turns Python driver values into those, and holds
ECMAScript ``Number(string)``, ``JSON.parse`` with Directus's ``__proto__`` guard, and the
``stripQuotes``/``extractMaxLength``/``extractType`` helpers of ``@directus/schema``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

from drift.snapshot.js import normalize_number

# ECMAScript StrWhiteSpaceChar: WhiteSpace and LineTerminator
_JS_WS = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Infinity)\Z"
)
_RADIX = re.compile(r"0([xXoObB])([0-9a-fA-F]+)\Z")
NAN = float("nan")


def js_number(text: str) -> int | float:
    """``Number(text)`` for a string (NaN for anything that is not a numeric literal)."""
    s = text.strip(_JS_WS)
    if s == "":
        return 0
    m = _RADIX.match(s)
    if m:
        base = {"x": 16, "o": 8, "b": 2}[m.group(1).lower()]
        try:
            return normalize_number(int(m.group(2), base))
        except ValueError:
            return NAN
    if not _DECIMAL.match(s):
        return NAN
    if s.endswith("Infinity"):
        return float("-inf") if s.startswith("-") else float("inf")
    try:
        return normalize_number(float(s))
    except (
        OverflowError,
        ValueError,
    ):  # pragma: no cover - float() handles all matches
        return NAN


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _no_proto(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {k: v for k, v in pairs if k != "__proto__"}


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _js_int(text: str) -> int | float:
    return normalize_number(int(text))


def _js_float(text: str) -> int | float:
    return normalize_number(float(text))


# built once (``json.loads`` with options builds a decoder per call); numbers are made
# JavaScript's as they are parsed
_JSON = json.JSONDecoder(parse_int=_js_int, parse_float=_js_float, parse_constant=_no_constant)
_JSON_NO_PROTO = json.JSONDecoder(
    object_pairs_hook=_no_proto,
    parse_int=_js_int,
    parse_float=_js_float,
    parse_constant=_no_constant,
)


def js_json_parse(text: str) -> Any:
    """Directus's ``parseJSON``: ``JSON.parse``, dropping ``__proto__`` keys; raises ValueError."""
    if text.startswith("\ufeff"):
        raise ValueError("Unexpected UTF-8 BOM")  # as json.loads refuses it
    return (_JSON_NO_PROTO if "__proto__" in text else _JSON).decode(text)


def js_value(value: Any) -> Any:
    """A JSON-like Python value with every number made the double JavaScript would hold."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return normalize_number(value)
    if isinstance(value, dict):
        return {str(k): js_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [js_value(v) for v in value]
    return value


def _iso(value: _dt.datetime | _dt.date) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.UTC).replace(tzinfo=None)
        return (
            value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
        )
    return value.isoformat() + "T00:00:00.000Z"


def driver_value(value: Any, *, as_string: bool = False, as_json: bool = False) -> Any:
    """A driver value as the Node.js driver would deliver it (``as_string`` for bigint/numeric)."""
    if value is None:
        return None
    if as_json and isinstance(value, (str, bytes)):
        try:
            return js_json_parse(value.decode() if isinstance(value, bytes) else value)
        except ValueError:
            return value if isinstance(value, str) else value.decode(errors="replace")
    if (
        as_string
        and not isinstance(value, bool)
        and isinstance(value, (int, float, decimal.Decimal))
    ):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _iso(value)
    if isinstance(value, _dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    return js_value(value)


Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _to_text(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    return str(value)


def _to_json(value: Any) -> Any:
    return driver_value(value, as_json=True)


def converter(kind: str) -> Converter:
    """A per-column converter: ``"plain"`` (strings, small ints, booleans: as they are),
    ``"string"`` (bigint/numeric: as text), ``"json"`` (parsed JSON text), ``"value"`` (anything
    else: :func:`driver_value`)."""
    return {"plain": _identity, "string": _to_text, "json": _to_json}.get(
        kind, driver_value
    )


def strip_quotes(value: str | None) -> str | None:
    """``stripQuotes``: one pair of surrounding quotes removed (after trimming), else unchanged."""
    if value is None:
        return None
    trimmed = value.strip(_JS_WS)
    if (trimmed.startswith("'") and trimmed.endswith("'")) or (
        trimmed.startswith('"') and trimmed.endswith('"')
    ):
        return trimmed[1:-1]
    return value


def is_null_text(value: str) -> bool:
    return value.strip(_JS_WS).lower() == "null"


_PARENS = re.compile(r"\(([^)]+)\)")


def extract_max_length(declared: str) -> int | float | None:
    """``extractMaxLength``: ``Number()`` of the first parenthesised text (NaN when not numeric)."""
    m = _PARENS.search(declared)
    if m and m.group(1):
        return js_number(m.group(1))
    return None


def extract_type(declared: str) -> str:
    """``extractType``: every non-ASCII-letter removed, lowercased."""
    return re.sub(r"[^a-zA-Z]", "", declared).lower()
