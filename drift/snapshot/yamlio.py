"""YAML reading and writing exactly as Directus does it (js-yaml 4.3.2 ``load`` and ``dump``).

Directus reads uploaded YAML snapshots with js-yaml's ``load`` and writes them with ``dump`` and
default options. This module owns both directions for drift:

* :func:`load_yaml` parses with libyaml (PyYAML's C parser, or PyYAML's pure-Python parser where
  libyaml is missing) and builds the values itself from the parser's events, with js-yaml's
  rules: its implicit types (null, bool, int, float, timestamp, merge; no YAML 1.1 ``yes``/``on``
  booleans, no ``1_000`` numbers), its explicit tags (``!!str`` … ``!!binary``, ``!!set``,
  ``!!omap``, ``!!pairs``; anything else, ``!!python/...`` included, is an error), merge keys,
  ``duplicated mapping key``, its nesting limit (``maxDepth`` 100) and its merge-work limit.
  Object keys are converted with JavaScript's ``String()`` and every mapping comes back in
  JavaScript key order; numbers are normalized like JavaScript doubles.
* :func:`dump_yaml` reproduces js-yaml ``dump`` byte for byte: quoting and block-scalar choice,
  ``>-`` folding at 80 columns, JavaScript number forms.

Representation choices (documented, because JSON cannot carry them):

* A YAML timestamp becomes a :class:`JSDate`, a ``str`` subclass holding the Date's
  ``toISOString()`` text (what ``JSON.stringify`` writes). :func:`dump_yaml` writes it back
  unquoted, as js-yaml writes a Date.
* ``!!binary`` becomes ``{"0": byte, "1": byte, …}``, the JSON form of the ``Uint8Array`` js-yaml
  returns.
* Aliases are expanded into independent copies (js-yaml shares one object). Expansion is capped
  (:data:`MAX_ALIAS_NODES`), so an alias bomb ("billion laughs") fails fast with a clear error
  instead of eating memory downstream.
* ``dump_yaml`` never writes anchors: shared Python objects are written out in full, as js-yaml
  writes data that came from ``JSON.parse``.
* ``-0`` becomes ``0`` on load (the number normalization used everywhere in drift).

Every error is a :class:`drift.errors.InputError` with one line:
``<source>: line L, column C: <problem>``. Semantic errors use js-yaml's words (``duplicated
mapping key``, ``unknown tag !<…>``, ``nesting exceeded maxDepth (100)``); syntax errors use
libyaml's, at about the same place.

Known differences from js-yaml, none of which a snapshot meets: a double-quoted ``\uD800``
escape of a lone surrogate is refused (escaped surrogate *pairs* are read); a top-level block
scalar with an explicit indentation indicator (``|2``) is indented one column differently.

Speed (a 20 MB snapshot, CPU time): about 2 s to load with libyaml (1.4 s of it is libyaml's own
parsing; PyYAML's ``CSafeLoader`` takes about three times as long) and 0.15-0.2 s to dump.
"""

from __future__ import annotations

import base64
import binascii
import gc
import math
import re
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from drift.errors import InputError
from drift.snapshot.js import is_array_index, js_keys, js_number_str, js_to_string, normalize_number

_PYYAML: Any = None


def _pyyaml() -> Any:
    """PyYAML's parser, its events and errors, loaded by the first read (writing needs none)."""
    global _PYYAML
    if _PYYAML is None:
        import yaml
        from yaml import events
        from yaml.error import MarkedYAMLError, YAMLError
        from yaml.reader import ReaderError

        try:  # libyaml: an order of magnitude faster than the pure-Python parser
            from yaml._yaml import CParser as parser

            libyaml = True
        except ImportError:  # pragma: no cover - depends on how PyYAML was built
            parser, libyaml = yaml.SafeLoader, False
        _PYYAML = SimpleNamespace(
            parser=parser,
            libyaml=libyaml,
            events=events,
            MarkedYAMLError=MarkedYAMLError,
            YAMLError=YAMLError,
            ReaderError=ReaderError,
        )
    return _PYYAML


def __getattr__(name: str) -> Any:
    if name == "HAVE_LIBYAML":  # whether reads use libyaml (this loads PyYAML)
        return _pyyaml().libyaml
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "HAVE_LIBYAML",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "JSDate",
    "decode_yaml_bytes",
    "dump_yaml",
    "load_yaml",
]

MAX_DEPTH = 100
"""js-yaml's default ``maxDepth``: deeper nesting is an error, as in Directus."""

MAX_MERGE_KEYS = 10000
"""js-yaml's default ``maxTotalMergeKeys``."""

MAX_ALIAS_NODES = 1_000_000
"""How many nodes aliases may add in total by expansion before the file is refused."""


class JSDate(str):
    """A YAML timestamp as js-yaml loads it (a JavaScript ``Date``), kept as ``toISOString()``."""

    __slots__ = ()


# --------------------------------------------------------------------------------------------
# Implicit types (js-yaml's default schema: core + timestamp + merge)

_CONSTS: dict[str, Any] = {
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_MISSING = object()
_NUM_START = frozenset("0123456789+-.")
_DIGITS = frozenset("0123456789")

_INT_RE = re.compile(r"[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)")
_FLOAT_RE = re.compile(
    r"[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)"
)
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIMESTAMP_RE = re.compile(
    r"([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)"
    r"(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]*))?"
    r"(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9]{2}))?))?"
)


def _parse_int(text: str) -> int | float | None:
    """js-yaml's int type: the value, or None when the text is not an int (or not finite)."""
    if not _INT_RE.fullmatch(text):
        return None
    sign = -1 if text[0] == "-" else 1
    body = text[1:] if text[0] in "+-" else text
    if body[:2] in ("0b", "0x", "0o"):
        value = int(body, 0)
    else:
        digits = body.lstrip("0")
        if len(digits) > 400:  # far beyond the largest double: parseInt gives Infinity
            return None
        value = int(digits or "0")
    try:
        float(value)
    except OverflowError:
        return None
    return normalize_number(sign * value)


def _parse_float(text: str) -> int | float | None:
    """js-yaml's float type: the value, or None when the text is not a float."""
    if not _FLOAT_RE.fullmatch(text):
        return None
    lower = text.lower()
    sign = -1.0 if lower[0] == "-" else 1.0
    if lower[0] in "+-":
        lower = lower[1:]
    if lower == ".inf":
        return sign * float("inf")
    if lower == ".nan":
        return float("nan")
    value = float(lower)
    if value in (float("inf"), float("-inf")):
        return None  # parseFloat overflowed: js-yaml does not resolve it as a float
    return normalize_number(sign * value)


# Dates: JavaScript's Date.UTC arithmetic and toISOString, for any year.

def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def _date_utc(year: int, month0: int, day: int, h: int = 0, mi: int = 0, s: int = 0, ms: int = 0) -> int:
    """``Date.UTC(...)`` in milliseconds (years 0-99 mean 1900-1999, fields overflow)."""
    if 0 <= year <= 99:
        year += 1900
    year += month0 // 12
    month0 %= 12
    days = _days_from_civil(year, month0 + 1, 1) + day - 1
    return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms


def _iso(ms: int) -> str:
    """``Date.prototype.toISOString``."""
    days, rem = divmod(ms, 86_400_000)
    y, m, d = _civil_from_days(days)
    hh, rem = divmod(rem, 3_600_000)
    mi, rem = divmod(rem, 60_000)
    ss, mss = divmod(rem, 1000)
    year = f"{y:04d}" if 0 <= y <= 9999 else f"{'-' if y < 0 else '+'}{abs(y):06d}"
    return f"{year}-{m:02d}-{d:02d}T{hh:02d}:{mi:02d}:{ss:02d}.{mss:03d}Z"


_WEEKDAYS = ("Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date_to_string(iso: str) -> str:
    """``String(date)`` with the UTC time zone (what a Date key turns into)."""
    m = re.fullmatch(r"([+-]?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d+Z", iso)
    if not m:  # pragma: no cover - JSDate values always come from _iso
        return iso
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    wd = _WEEKDAYS[_days_from_civil(y, mo, d) % 7]
    year = f"{y:04d}" if y >= 0 else f"-{-y:06d}"
    return (
        f"{wd} {_MONTHS[mo - 1]} {d:02d} {year} {m.group(4)}:{m.group(5)}:{m.group(6)} "
        "GMT+0000 (Coordinated Universal Time)"
    )


def _parse_timestamp(text: str) -> JSDate | None:
    m = _DATE_RE.fullmatch(text)
    if m:
        return JSDate(_iso(_date_utc(int(m.group(1)), int(m.group(2)) - 1, int(m.group(3)))))
    m = _TIMESTAMP_RE.fullmatch(text)
    if not m:
        return None
    frac = (m.group(7) or "")[:3].ljust(3, "0") if m.group(7) else "0"
    ms = _date_utc(
        int(m.group(1)), int(m.group(2)) - 1, int(m.group(3)),
        int(m.group(4)), int(m.group(5)), int(m.group(6)), int(frac),
    )
    if m.group(9):
        delta = (int(m.group(10)) * 60 + int(m.group(11) or 0)) * 60_000
        ms -= -delta if m.group(9) == "-" else delta
    return JSDate(_iso(ms))


def _resolve_plain(text: str) -> Any:
    """The value of an untagged plain scalar under js-yaml's implicit types."""
    value = _CONSTS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if len(text) < 16 and text.isdigit() and text.isascii():
        return int(text)
    if text[0] in _NUM_START:
        num = _parse_int(text)
        if num is not None:
            return num
        num = _parse_float(text)
        if num is not None:
            return num
        if text[0].isdigit():
            date = _parse_timestamp(text)
            if date is not None:
                return date
    return text


def _is_ambiguous(text: str) -> bool:
    """True when a plain scalar with this text would load as something other than this string."""
    if text in _CONSTS or text == "<<":
        return True
    if text[0] in _NUM_START:
        return (
            _parse_int(text) is not None
            or _parse_float(text) is not None
            or (text[0].isdigit() and _parse_timestamp(text) is not None)
        )
    return False


# --------------------------------------------------------------------------------------------
# Explicit tags

_TAG = "tag:yaml.org,2002:"
_T_STR, _T_SEQ, _T_MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_T_MERGE = _TAG + "merge"
_KIND_OF_TAG = {
    _T_STR: "scalar",
    _TAG + "null": "scalar",
    _TAG + "bool": "scalar",
    _TAG + "int": "scalar",
    _TAG + "float": "scalar",
    _TAG + "timestamp": "scalar",
    _T_MERGE: "scalar",
    _TAG + "binary": "scalar",
    _T_SEQ: "sequence",
    _TAG + "omap": "sequence",
    _TAG + "pairs": "sequence",
    _T_MAP: "mapping",
    _TAG + "set": "mapping",
}
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


class _Unresolved(Exception):
    """The node cannot be read with its explicit tag."""


def _binary(data: str) -> dict[str, int]:
    bits = 0
    for ch in data:
        if ch in "\r\n":
            continue
        if ch not in _BASE64_CHARS:
            raise _Unresolved
        bits += 6
    if bits % 8:
        raise _Unresolved
    chars = "".join(ch for ch in data if ch not in "\r\n=")
    whole = len(chars) - len(chars) % 4
    try:
        out = bytearray(base64.b64decode(chars[:whole])) if whole else bytearray()
        tail = chars[whole:]
        if len(tail) >= 2:  # 2 or 3 leftover characters still carry 1 or 2 bytes
            out += base64.b64decode(tail + "=" * (4 - len(tail)))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - characters were checked
        raise _Unresolved from exc
    return {str(i): b for i, b in enumerate(out)}


def _construct_scalar(tag: str, data: str | None) -> Any:
    """A scalar with an explicit standard tag; ``data`` is None for an empty plain scalar."""
    if tag == _T_STR:
        return "" if data is None else data
    if tag == _TAG + "null":
        if data is None or data in ("~", "null", "Null", "NULL"):
            return None
        raise _Unresolved
    if tag == _T_MERGE:
        if data is None or data == "<<":
            return data
        raise _Unresolved
    if data is None:
        raise _Unresolved
    if tag == _TAG + "bool":
        if data in ("true", "True", "TRUE", "false", "False", "FALSE"):
            return data in ("true", "True", "TRUE")
        raise _Unresolved
    if tag == _TAG + "int":
        value = _parse_int(data)
    elif tag == _TAG + "float":
        value = _parse_float(data)
    elif tag == _TAG + "timestamp":
        value = _parse_timestamp(data)
    else:  # binary
        return _binary(data)
    if value is None:
        raise _Unresolved
    return value


def _construct_sequence(tag: str, items: list[Any]) -> Any:
    if tag == _T_SEQ:
        return items
    pairs = []
    seen: set[str] = set()
    for item in items:
        if type(item) is not dict or len(item) != 1:
            raise _Unresolved
        key = next(iter(item))
        if tag == _TAG + "omap":
            if key in seen:
                raise _Unresolved
            seen.add(key)
        pairs.append([key, item[key]])
    return items if tag == _TAG + "omap" else pairs


def _construct_mapping(tag: str, mapping: dict[str, Any]) -> Any:
    if tag == _TAG + "set" and any(v is not None for v in mapping.values()):
        raise _Unresolved
    return mapping


def _empty_collection(tag: str) -> Any:
    kind = _KIND_OF_TAG[tag]
    if kind == "mapping":
        return {}
    return []


# --------------------------------------------------------------------------------------------
# Loading


def _key_string(value: Any) -> str:
    """JavaScript's ``String(key)`` for a mapping key, as js-yaml converts keys (a date prints as
    ``Date.prototype.toString`` does; nested lists were refused before)."""
    if isinstance(value, JSDate):
        return _date_to_string(value)
    if isinstance(value, list):
        return ",".join("" if item is None else _key_string(item) for item in value)
    return js_to_string(value)


def _copy(value: Any) -> Any:
    """An independent copy of a loaded value (for alias expansion)."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


class _LoadError(Exception):
    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem)
        self.mark = mark
        self.problem = problem


_NO_KEY = object()
_MERGE = object()


class _Span:
    """Where a collection used as a mapping key starts and ends."""

    __slots__ = ("end_mark", "start_mark")

    def __init__(self, start_mark: Any, end_mark: Any) -> None:
        self.start_mark = start_mark
        self.end_mark = end_mark


class _Frame:
    """An open collection while the event stream is read."""

    __slots__ = (
        "anchor",
        "depth",
        "flow",
        "has_index",
        "is_map",
        "key",
        "key_at",
        "mark",
        "overridable",
        "size",
        "tag",
        "value",
    )

    def __init__(self, is_map: bool, flow: bool, depth: int, anchor: Any, tag: Any, mark: Any) -> None:
        self.is_map = is_map
        self.flow = flow
        self.depth = depth
        self.anchor = anchor
        self.tag = tag
        self.mark = mark
        self.value: Any = {} if is_map else []
        self.size = 1  # nodes below, once expanded: grows as child collections and aliases close
        self.key: Any = _NO_KEY
        self.key_at: Any = None  # the key's event (or _Span): its marks
        self.overridable: set[str] | None = None
        self.has_index = False


class _Builder:
    """Builds values from parser events with js-yaml's rules."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.alias_nodes = 0
        self.merge_work = 0

    # Depth as js-yaml counts it: a node read in block context that is not a block collection
    # costs one extra level (js-yaml first tries to read it as the key of a block mapping).
    @staticmethod
    def _depth(parent: _Frame | None, block_collection: bool, line: int, empty: bool) -> int | None:
        if parent is None:
            return 1 if block_collection else 2
        if parent.flow or block_collection:
            return parent.depth + 1
        if not parent.is_map:
            return None if empty else parent.depth + 2
        if parent.key is _NO_KEY or empty or line == parent.key_at.end_mark.line:
            return parent.depth + 1
        return parent.depth + 2

    def _check_depth(self, parent: _Frame | None, block_collection: bool, event: Any, empty: bool) -> None:
        d = self._depth(parent, block_collection, event.start_mark.line, empty)
        if d is not None and d > MAX_DEPTH:
            raise _LoadError(event.start_mark, f"nesting exceeded maxDepth ({MAX_DEPTH})")

    def run(self) -> Any:
        get_event = self.parser.get_event
        _ev = _pyyaml().events
        ScalarEvent = _ev.ScalarEvent
        MappingStartEvent = _ev.MappingStartEvent
        MappingEndEvent = _ev.MappingEndEvent
        SequenceStartEvent = _ev.SequenceStartEvent
        SequenceEndEvent = _ev.SequenceEndEvent
        AliasEvent = _ev.AliasEvent
        DocumentStartEvent = _ev.DocumentStartEvent
        StreamEndEvent = _ev.StreamEndEvent
        consts_get = _CONSTS.get
        num_start = _NUM_START
        resolve_plain = _resolve_plain
        no_key = _NO_KEY
        digits = _DIGITS
        deep = MAX_DEPTH - 1
        stack: list[_Frame] = []
        top: _Frame | None = None
        documents = 0
        result: Any = None

        while True:
            event = get_event()
            cls = type(event)
            if cls is ScalarEvent:
                tag = event.tag
                text = event.value
                if tag is None and event.implicit[0]:
                    if not text:
                        value = None
                    elif text[0] in num_start:
                        value = resolve_plain(text)
                    else:
                        value = consts_get(text, text)
                        if text == "<<" and top is not None and top.is_map and top.key is no_key:
                            value = _MERGE
                elif tag is None or tag == "!":
                    value = text
                else:
                    value = self._tagged_scalar(event)
                    if tag == _T_MERGE and top is not None and top.is_map and top.key is no_key:
                        value = _MERGE
                if event.anchor is not None:
                    self._store_anchor(event.anchor, value, 1)
                if top is None:
                    result = value
                    continue
                if top.depth >= deep:
                    self._check_depth(top, False, event, not text and not event.style)
                if not top.is_map:
                    top.value.append(value)
                elif top.key is no_key:
                    top.key = value
                    top.key_at = event
                else:
                    key = top.key
                    top.key = no_key
                    target = top.value
                    if type(key) is str and top.overridable is None and key not in target:
                        target[key] = value
                        if key[:1] in digits:
                            top.has_index = top.has_index or is_array_index(key)
                    else:
                        self._store_pair(top, key, value, event.end_mark)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                flow = bool(event.flow_style)
                self._check_depth(top, not flow, event, False)
                tag = event.tag
                if tag is not None and tag != "!":
                    self._check_tag(tag, "mapping" if cls is MappingStartEvent else "sequence", event.start_mark)
                if event.anchor is not None:
                    self.open_anchors.add(event.anchor)
                depth = self._depth(top, not flow, event.start_mark.line, False)
                top = _Frame(cls is MappingStartEvent, flow, depth or 0, event.anchor, tag, event.start_mark)
                stack.append(top)
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = stack.pop()
                top = stack[-1] if stack else None
                value = frame.value
                frame.size += len(value)
                if frame.is_map and frame.has_index:
                    value = {k: value[k] for k in js_keys(value)}
                if frame.tag is not None and frame.tag != "!":
                    try:
                        if frame.is_map:
                            value = _construct_mapping(frame.tag, value)
                        else:
                            value = _construct_sequence(frame.tag, value)
                    except _Unresolved:
                        raise _LoadError(
                            event.end_mark, f"cannot resolve a node with !<{frame.tag}> explicit tag"
                        ) from None
                if frame.anchor is not None:
                    self.open_anchors.discard(frame.anchor)
                    self._store_anchor(frame.anchor, value, frame.size)
                if top is None:
                    result = value
                else:
                    self._attach(top, value, frame.size, _Span(frame.mark, event.end_mark))
            elif cls is AliasEvent:
                name = event.anchor
                if name not in self.anchors:
                    if name in self.open_anchors:
                        raise _LoadError(event.start_mark, f'alias "{name}" refers to a node that contains it')
                    raise _LoadError(event.end_mark, f'unidentified alias "{name}"')
                if top is not None:
                    self._check_depth(top, False, event, False)
                anchored, size = self.anchors[name]
                if size > 1:
                    self.alias_nodes += size
                    if self.alias_nodes > MAX_ALIAS_NODES:
                        raise _LoadError(
                            event.start_mark,
                            f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
                            "(an alias bomb?); write the values out instead",
                        )
                    anchored = _copy(anchored)
                if top is None:
                    result = anchored
                else:
                    self._attach(top, anchored, size, event)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _LoadError(
                        event.start_mark, "expected a single document in the stream, but found more"
                    )
                self.anchors = {}
            elif cls is StreamEndEvent:
                return result

    def _attach(self, top: _Frame, value: Any, size: int, at: Any) -> None:
        """Add a collection or alias value (``size`` nodes) to the open collection ``top``."""
        top.size += size - 1
        if not top.is_map:
            top.value.append(value)
        elif top.key is _NO_KEY:
            if type(value) is list:
                for item in value:
                    if type(item) is list:
                        raise _LoadError(at.end_mark, "nested arrays are not supported inside keys")
            top.key = value
            top.key_at = at
        else:
            key = top.key
            top.key = _NO_KEY
            self._store_pair(top, key, value, at.end_mark)

    def _store_pair(self, frame: _Frame, key: Any, value: Any, mark: Any) -> None:
        target = frame.value
        if key is _MERGE:
            self._merge(frame, value, mark)
            return
        if type(key) is not str:
            key = _key_string(key)
        if key in target and (frame.overridable is None or key not in frame.overridable):
            raise _LoadError(frame.key_at.start_mark, "duplicated mapping key")
        target[key] = value
        if frame.overridable:
            frame.overridable.discard(key)
        if not frame.has_index and is_array_index(key):
            frame.has_index = True

    def _merge(self, frame: _Frame, value: Any, mark: Any) -> None:
        if type(value) is list:
            if len(value) > 100:
                raise _LoadError(mark, "abnormal merge sequence size")
            sources = value
        else:
            sources = [value]
        target = frame.value
        if frame.overridable is None:
            frame.overridable = set()
        for source in sources:
            if isinstance(source, JSDate):
                items: list[tuple[str, Any]] = []
            elif type(source) is dict:
                items = list(source.items())
            elif type(source) is list:
                items = [(str(i), v) for i, v in enumerate(source)]
            else:
                raise _LoadError(mark, "cannot merge mappings; the provided source object is unacceptable")
            self._charge_merge(mark)
            for key, item in items:
                self._charge_merge(mark)
                if key not in target:
                    target[key] = item
                    frame.overridable.add(key)
                    if not frame.has_index and is_array_index(key):
                        frame.has_index = True

    def _charge_merge(self, mark: Any) -> None:
        self.merge_work += 1
        if self.merge_work > MAX_MERGE_KEYS:
            raise _LoadError(mark, f"merge keys exceeded maxTotalMergeKeys ({MAX_MERGE_KEYS})")

    def _store_anchor(self, name: str, value: Any, size: int) -> None:
        self.anchors[name] = (value, size)

    @staticmethod
    def _check_tag(tag: str, kind: str, mark: Any) -> None:
        # js-yaml looks the tag up among the types of the node's kind: a standard tag of
        # another kind is as unknown as a made-up one
        if _KIND_OF_TAG.get(tag) != kind:
            raise _LoadError(mark, f"unknown tag !<{tag}>")

    def _tagged_scalar(self, event: Any) -> Any:
        tag = event.tag
        empty = not event.value and not event.style
        expected = _KIND_OF_TAG.get(tag)
        if expected is None or (expected != "scalar" and not empty):
            raise _LoadError(event.end_mark, f"unknown tag !<{tag}>")
        if expected != "scalar":  # an empty node with a collection tag
            return _empty_collection(tag)
        try:
            return _construct_scalar(tag, None if empty else event.value)
        except _Unresolved:
            raise _LoadError(event.end_mark, f"cannot resolve a node with !<{tag}> explicit tag") from None


def _where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def decode_yaml_bytes(data: bytes, source: str) -> str:
    """The text of a YAML (or JSON) file: strict UTF-8, a leading byte-order mark dropped."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{source}: line 1, column 1: the file is UTF-16 encoded; save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start].decode("utf-8", "replace")
        line, column = _where(head, len(head))
        raise InputError(
            f"{source}: line {line}, column {column}: not valid UTF-8 "
            f"(byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


_SURROGATE_PAIR_ESCAPE_RE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _join_surrogate_escapes(text: str, quote: int) -> str:
    """``text`` with the surrogate-pair escapes of the double-quoted scalar at ``quote`` joined."""
    parts = [text[: quote + 1]]
    i = last = quote + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            m = _SURROGATE_PAIR_ESCAPE_RE.match(text, i)
            if m:
                high, low = int(m.group(1), 16), int(m.group(2), 16)
                parts.append(text[last:i])
                parts.append(f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}")
                i = last = m.end()
                continue
            i += 2
            continue
        if ch == '"':
            break
        i += 1
    parts.append(text[last:])
    return "".join(parts)


def _build(text: str) -> Any:
    # libyaml refuses "\uD83D\uDE00"-style escapes (a UTF-16 surrogate pair) that js-yaml reads
    # as one character: such a scalar is rewritten with one "\U0001F600" escape and read again.
    marked = _pyyaml().MarkedYAMLError
    for _attempt in range(100):
        try:
            return _Builder(_parser(text)).run()
        except marked as exc:
            mark = exc.context_mark
            if (
                exc.problem != "found invalid Unicode character escape code"
                or mark is None
                or text[mark.index : mark.index + 1] != '"'
            ):
                raise
            fixed = _join_surrogate_escapes(text, mark.index)
            if fixed == text:
                raise
            text = fixed
    return _Builder(_parser(text)).run()


def _parser(text: str) -> Any:
    return _pyyaml().parser(text)  # libyaml's, or the pure-Python parser: the same events


def load_yaml(text: str | bytes, source: str) -> Any:
    """Parse one YAML document the way js-yaml 4 ``load`` does (see the module docstring).

    Returns None for an empty stream. Mappings come back in JavaScript key order; timestamps
    as :class:`JSDate`. Raises :class:`InputError` (``<source>: line L, column C: <problem>``).
    """
    if isinstance(text, (bytes, bytearray)):
        text = decode_yaml_bytes(bytes(text), source)
    if text[:1] == "\ufeff":
        text = text[1:]
    nul = text.find("\x00")
    if nul != -1:
        line, column = _where(text, nul)
        raise InputError(f"{source}: line {line}, column {column}: null byte is not allowed in input")
    y = _pyyaml()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the values built are acyclic: collection passes would only cost time
    try:
        return _build(text)
    except _LoadError as exc:
        mark = exc.mark
        raise InputError(f"{source}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    except y.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise InputError(f"{source}: {where}{problem}") from None
    except y.ReaderError as exc:
        line, column = _where(text, min(exc.position, len(text)))
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(
            f"{source}: line {line}, column {column}: unacceptable character {what}: {exc.reason}"
        ) from None
    except (y.YAMLError, UnicodeEncodeError) as exc:
        raise InputError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise InputError(f"{source}: nesting is too deep") from None
    finally:
        if gc_was_enabled:
            gc.enable()


# --------------------------------------------------------------------------------------------
# Dumping

_DEPRECATED_BOOLEANS = frozenset(
    ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"]
)
_BASE60_RE = re.compile(r"[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?")
# characters js-yaml's isPrintable() refuses (a code point each; lone surrogates included)
_NON_PRINTABLE = "\x00-\x1f\x7f-\xa0\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"
_NON_PRINTABLE_RE = re.compile(f"[{_NON_PRINTABLE}]")
_NON_PRINTABLE_BUT_LF_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\xa0\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_ESCAPE_RE = re.compile(f'[{_NON_PRINTABLE}"\\\\]')
_ESCAPES = {
    "\x00": "\\0", "\x07": "\\a", "\x08": "\\b", "\t": "\\t", "\n": "\\n", "\x0b": "\\v",
    "\x0c": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\", "\x85": "\\N",
    "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P",
}
_NOT_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|=>'\"%@` \t")
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_BREAK_RE = re.compile(" [^ ]")
_LINES_RE = re.compile("(\n+)([^\n]*)")


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    esc = _ESCAPES.get(ch)
    if esc is not None:
        return esc
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    return f"\\u{code:04X}"


def _units(s: str) -> str:
    """``s`` with each UTF-16 code unit as one character (JavaScript's view of the string)."""
    return "".join(map(chr, array("H", s.encode("utf-16-le"))))


def _from_units(s: str) -> str:
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _len16(s: str) -> int:
    if s.isascii():
        return len(s)
    return len(s) + len(_ASTRAL_RE.findall(s))


def _fold_line(line: str, width: int) -> str:
    if line == "" or line[0] == " ":
        return line
    start = 0
    curr = 0
    out = []
    for m in _BREAK_RE.finditer(line):
        nxt = m.start()
        if nxt - start > width:
            end = curr if curr > start else nxt
            out.append(line[start:end])
            start = end + 1
        curr = nxt
    if len(line) - start > width and curr > start:
        out.append(line[start:curr])
        out.append(line[curr + 1 :])
    else:
        out.append(line[start:])
    return "\n".join(out)


def _fold(string: str, width: int) -> str:
    first_lf = string.find("\n")
    if first_lf == -1:
        first_lf = len(string)
    parts = [_fold_line(string[:first_lf], width)]
    prev_more_indented = string[:1] in ("\n", " ")
    for m in _LINES_RE.finditer(string, first_lf):
        prefix, line = m.group(1), m.group(2)
        more_indented = line[:1] == " "
        parts.append(prefix)
        if not prev_more_indented and not more_indented and line != "":
            parts.append("\n")
        parts.append(_fold_line(line, width))
        prev_more_indented = more_indented
    return "".join(parts)


def _indent_block(string: str, indent: int) -> str:
    pad = " " * indent
    out = "\n".join(pad + line if line else line for line in string.split("\n"))
    return out.removesuffix("\n")


def _block_header(string: str) -> str:
    indicator = "2" if string.lstrip("\n")[:1] == " " else ""
    clip = string.endswith("\n")
    keep = clip and (string.endswith("\n\n") or string == "\n")
    return indicator + ("+" if keep else ("" if clip else "-")) + "\n"


_scalar_cache: dict[str, str] = {}
_key_cache: dict[str, str] = {}


def _write_string(s: str, level: int, is_key: bool) -> str:
    """js-yaml's ``writeScalar`` for a string at ``level`` (block context, default options)."""
    if s == "":
        return "''"
    if s in _DEPRECATED_BOOLEANS or (":" in s and _BASE60_RE.fullmatch(s)):
        return "'" + s + "'"
    first = s[0]
    plain = (
        first not in _NOT_PLAIN_FIRST
        and s[-1] not in " \t:"
        and not _NON_PRINTABLE_RE.match(first)
        and ": " not in s
        and " #" not in s
    )
    if is_key:
        if _NON_PRINTABLE_RE.search(s):
            return '"' + _ESCAPE_RE.sub(_escape_char, s) + '"'
        return s if plain and not _is_ambiguous(s) else "'" + s.replace("'", "''") + "'"
    if _NON_PRINTABLE_BUT_LF_RE.search(s):
        return '"' + _ESCAPE_RE.sub(_escape_char, s) + '"'
    indent = 2 * max(1, level)
    width = max(40, 80 - indent)
    has_break = "\n" in s
    if has_break:
        foldable = any(_len16(seg) > width and seg[:1] != " " for seg in s.split("\n"))
    else:
        foldable = len(s) > width // 2 and _len16(s) > width and first != " "
    if not has_break and not foldable:
        return s if plain and not _is_ambiguous(s) else "'" + s.replace("'", "''") + "'"
    header = _block_header(s)
    if not foldable:
        return "|" + header + _indent_block(s, indent)
    if _ASTRAL_RE.search(s):
        folded = _from_units(_fold(_units(s), width))
    else:
        folded = _fold(s, width)
    return ">" + header + _indent_block(folded, indent)


def _short(s: str) -> bool:
    # Short single-line strings are written the same way at any level: the width is at least 40.
    return len(s) <= 20 or (len(s) <= 40 and s.isascii())


def _scalar(value: Any, level: int) -> str:
    if type(value) is str:
        if _short(value) and "\n" not in value:
            out = _scalar_cache.get(value)
            if out is None:
                out = _write_string(value, level, False)
                if len(_scalar_cache) < 100_000:
                    _scalar_cache[value] = out
            return out
        return _write_string(value, level, False)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, JSDate):
        return str.__str__(value)
    if isinstance(value, str):
        return _write_string(str.__str__(value), level, False)
    if isinstance(value, int):
        return js_number_str(value)
    if isinstance(value, float):
        return _float_repr(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    raise TypeError(f"cannot write a {type(value).__name__} as YAML")


def _float_repr(x: float) -> str:
    if math.isnan(x):
        return ".nan"
    if x == float("inf"):
        return ".inf"
    if x == float("-inf"):
        return "-.inf"
    if x == 0 and str(x)[0] == "-":
        return "-0.0"
    text = js_number_str(x)
    if not x.is_integer() and re.match(r"[-+]?[0-9]+e", text):
        text = text.replace("e", ".e", 1)
    return text


def _key(k: str) -> str:
    out = _key_cache.get(k)
    if out is None:
        out = _write_string(k, 1, True)
        if len(_key_cache) < 100_000:
            _key_cache[k] = out
    return out


# The general writer: js-yaml's writeNode for block collections, one call per node. The fast
# writer below hands it only mappings with a key too long for an implicit key (``? key``).


def _write_mapping(out: list[str], obj: dict[str, Any], level: int, compact: bool) -> None:
    newline = "\n" + "  " * level
    first = compact
    for k in js_keys(obj):
        key = _key(k)
        value = obj[k]
        if not first:
            out.append(newline)
        first = False
        if len(key) > 512 and _len16(key) > 1024:
            out.append("? " + key + newline)
            _write_value(out, value, level + 1, True)
            continue
        out.append(key)
        _write_value(out, value, level + 1, False)


def _write_value(out: list[str], value: Any, level: int, compact: bool) -> None:
    """A mapping value (after its key) including the ``:`` separator."""
    tv = type(value)
    if tv is dict and value:
        if compact:
            out.append(": ")
        else:
            out.append(":")
        _write_mapping(out, value, level, compact)
    elif (tv is list or tv is tuple) and value:
        out.append(": " if compact else ":")
        _write_sequence(out, value, level, compact)
    else:
        out.append(": ")
        out.append(_scalar(value, level))


def _write_sequence(out: list[str], seq: list[Any] | tuple[Any, ...], level: int, compact: bool) -> None:
    newline = "\n" + "  " * level
    first = compact
    for item in seq:
        if not first:
            out.append(newline)
        first = False
        ti = type(item)
        if ti is dict and item:
            out.append("- ")
            _write_mapping(out, item, level + 1, True)
        elif (ti is list or ti is tuple) and item:
            out.append("- ")
            _write_sequence(out, item, level + 1, True)
        else:
            out.append("- ")
            out.append(_scalar(item, level + 1))


# The fast writer. Every line is written as pieces that start with its own line break:
# "\n" + indentation + key + ": ", then the value's text. The piece that opens a block sequence
# item carries the "- " in place of the last two columns of its indentation ("\n  - key: "
# instead of "\n    key: "), which is what js-yaml's compact form amounts to; the document's first
# "\n" is dropped at the end.
#
# Snapshot mappings repeat a few key sets at a few levels (meta rows, schema objects): for each
# key set and level the line prefixes are made once (:func:`_plan`), with null, true and false
# already appended. Scalars are written inline, strings through a memo of their YAML text
# (:func:`_str_text`). Two appends are cheaper than one concatenation here.

_MAX_SAFE = 2**53
_LONG_KEYS = object()  # no plan: a key needs the explicit "? key" form

# A key's pieces: "\n<indent>key: ", the same + "null" / "true" / "false", "\n<indent>key:".
_Entry = tuple[str, str, str, str, str]


def _entry(prefix: str) -> _Entry:
    return (prefix, prefix + "null", prefix + "true", prefix + "false", prefix[:-1])


# Per level, key set -> (entries in JS order, the keys in JS order or None when that is the dict's
# own order); one table for mappings that open a sequence item ("- " before their first key).
_PLANS: list[dict[tuple[str, ...], Any]] = []
_DASH_PLANS: list[dict[tuple[str, ...], Any]] = []
_plan_count = 0


def _plan(keys: tuple[str, ...], level: int, dash: bool) -> Any:
    """How a mapping with this key set is written at ``level`` (or :data:`_LONG_KEYS`), cached."""
    global _plan_count
    order = js_keys(dict.fromkeys(keys))
    texts = [_key(k) for k in order]
    if any(len(t) > 512 and _len16(t) > 1024 for t in texts):
        return _LONG_KEYS  # not cached: such mappings are rare
    indent = "\n" + "  " * level
    entries = [_entry(indent + t + ": ") for t in texts]
    if dash:
        entries[0] = _entry("\n" + "  " * (level - 1) + "- " + texts[0] + ": ")
    plan = (entries, None if list(keys) == order else order)
    if _plan_count < 20000:
        _plan_count += 1
        tables = _DASH_PLANS if dash else _PLANS
        while len(tables) <= level:
            tables.append({})
        tables[level][keys] = plan
    return plan


def _str_text(s: str, level: int) -> str:
    """A string's YAML text at ``level``; memoised when the level cannot change it."""
    if _short(s) and "\n" not in s:
        out = _write_string(s, level, False)
        if len(_scalar_cache) < 100_000:
            _scalar_cache[s] = out
        return out
    return _write_string(s, level, False)


def _mapping(out: list[str], obj: dict[str, Any], level: int, dash: bool) -> None:
    """A non-empty mapping whose keys sit at ``level``; ``dash``: it opens a sequence item."""
    keys = tuple(obj)
    try:
        entries, order = (_DASH_PLANS if dash else _PLANS)[level][keys]
    except (IndexError, KeyError):
        plan = _plan(keys, level, dash)
        if plan is _LONG_KEYS:
            if dash:
                out.append("\n" + "  " * (level - 1) + "- ")
            _write_mapping(out, obj, level, dash)
            return
        entries, order = plan
    w = out.append
    memo = _scalar_cache
    sub = level + 1
    for e, v in zip(entries, obj.values() if order is None else [obj[k] for k in order]):
        if v is None:
            w(e[1])
        elif v is True:
            w(e[2])
        elif v is False:
            w(e[3])
        else:
            t = type(v)
            if t is str:
                w(e[0])
                try:
                    w(memo[v])
                except KeyError:
                    w(_str_text(v, sub))
            elif t is dict:
                if v:
                    w(e[4])
                    _mapping(out, v, sub, False)
                else:
                    w(e[0])
                    w("{}")
            elif t is int and -_MAX_SAFE <= v <= _MAX_SAFE:
                w(e[0])
                w(str(v))
            elif (t is list or t is tuple) and v:
                w(e[4])
                _sequence(out, v, sub, False)
            else:
                w(e[0])
                w(_scalar(v, sub))


_ITEM: list[str] = []  # "\n<indent>- " per level


def _item_prefix(level: int) -> str:
    while len(_ITEM) <= level:
        _ITEM.append("\n" + "  " * len(_ITEM) + "- ")
    return _ITEM[level]


def _sequence(out: list[str], seq: list[Any] | tuple[Any, ...], level: int, dash: bool) -> None:
    """A non-empty sequence whose items sit at ``level``; ``dash``: it opens a sequence item."""
    w = out.append
    try:
        pre = _ITEM[level]
    except IndexError:
        pre = _item_prefix(level)
    get = _scalar_cache.get
    sub = level + 1
    first = len(out) if dash else 0
    for v in seq:
        t = type(v)
        if t is dict and v:
            _mapping(out, v, sub, True)
        elif t is str:
            s = get(v)
            w(pre)
            w(s if s is not None else _str_text(v, sub))
        elif (t is list or t is tuple) and v:
            _sequence(out, v, sub, True)
        else:
            w(pre)
            w(_scalar(v, sub))
    if dash:  # "- - item": the first piece's indentation ends in this item's dash
        out[first] = _item_prefix(level - 1) + out[first][len(pre) - 2 :]


@contextmanager
def _depth_checked() -> Iterator[None]:
    try:
        yield
    except RecursionError:
        raise InputError("the value is nested too deeply to write as YAML") from None


def dump_yaml(obj: Any) -> str:
    """js-yaml 4 ``dump(obj)`` with default options, byte for byte, for JSON-like data."""
    out: list[str] = []
    with _depth_checked():
        if type(obj) is dict and obj:
            _mapping(out, obj, 0, False)
        elif type(obj) in (list, tuple) and obj:
            _sequence(out, obj, 0, False)
        else:
            return _scalar(obj, 0) + "\n"
    out[0] = out[0][1:]  # the document starts without the line break of its first piece
    out.append("\n")
    return "".join(out)


# A document written in pieces (see drift.snapshot.parallel): the items of one top-level list are
# written apart, and the rest of the document around them. Top-level keys are written one after the
# other and each list item on its own, so the pieces joined are dump_yaml's text of the whole.


def dump_yaml_items(items: list[Any]) -> str:
    """The text of ``items`` as they continue a non-empty list that is the value of a top-level
    key (each item on its own lines, starting with a line break)."""
    out: list[str] = []
    with _depth_checked():
        _sequence(out, items, 1, False)
    return "".join(out)


def dump_yaml_split(obj: dict[str, Any], key: str) -> tuple[str, str]:
    """``dump_yaml`` of ``obj`` in two pieces, around the place where the non-empty list
    ``obj[key]`` could go on with more items (:func:`dump_yaml_items` of them): the text up to
    and including ``obj[key]``'s own items, and the rest of the document."""
    keys = list(obj)
    cut = keys.index(key) + 1
    if not obj[key] or type(obj[key]) is not list:
        raise ValueError(f"{key!r} must be a non-empty list")
    head: list[str] = []
    tail: list[str] = []
    with _depth_checked():
        _mapping(head, {k: obj[k] for k in keys[:cut]}, 0, False)
        if cut < len(keys):
            _mapping(tail, {k: obj[k] for k in keys[cut:]}, 0, False)
    head[0] = head[0][1:]
    tail.append("\n")
    return "".join(head), "".join(tail)
