"""Where each entity of a schema file starts: 1-based line numbers for SARIF results and GitHub
``::warning file=…,line=…::`` annotations.

The text is scanned, not parsed into values: a line scanner for YAML (js-yaml ``dump`` output and
hand-written files: any indentation, items at column 0, quoted keys and values, comments, one-line
flow mappings, key order) and a string-aware token scanner for JSON (pretty or compact). Only the
top-level ``collections``, ``fields``, ``systemFields`` and ``relations`` lists are looked at, and
only an item's own ``collection`` and ``field`` keys count (never ``meta.collection``). Keys are
``(section, collection, field)`` with ``field`` ``None`` for collections; the first occurrence
wins. Anything the scanner cannot place simply has no line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

SECTIONS = ("collections", "fields", "systemFields", "relations")
EntityKey = tuple[str, str, "str | None"]

_KEY_LINE = re.compile(
    r"""^(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^']|'')*)'|(?P<plain>[^\s"'#:{}\[\],&*!|>%@`][^:#]*?))\s*:(?:\s+(?P<value>.*)|$)"""
)
_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]')


# -- scalars -------------------------------------------------------------------------------
def _yaml_scalar(text: str | None) -> str | None:
    """The string a one-line YAML scalar denotes (None for block scalars and collections)."""
    if text is None:
        return None
    t = text.strip()
    if not t:
        return None
    if t[0] == '"':
        end = _dq_end(t)
        if end < 0:
            return None
        raw = t[: end + 1]
        try:
            return str(json.loads(raw))
        except ValueError:
            try:
                import yaml

                value = yaml.safe_load(raw)
                return value if isinstance(value, str) else None
            except Exception:  # noqa: BLE001 - an unreadable scalar only means "no location"
                return None
    if t[0] == "'":
        m = re.match(r"'((?:[^']|'')*)'", t)
        return m.group(1).replace("''", "'") if m else None
    if t[0] in "|>[{&*!":
        return None
    # a plain scalar ends at " #" (a comment)
    return re.split(r"\s+#", t, maxsplit=1)[0].rstrip()


def _dq_end(t: str) -> int:
    i = 1
    while i < len(t):
        ch = t[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i
        i += 1
    return -1


def _key_of(m: re.Match[str]) -> str:
    if m.group("dq") is not None:
        try:
            return str(json.loads('"' + m.group("dq") + '"'))
        except ValueError:
            return m.group("dq")
    if m.group("sq") is not None:
        return m.group("sq").replace("''", "'")
    return m.group("plain").strip()


def _flow_item(text: str) -> dict[str, Any] | None:
    """A one-line flow mapping item (``{collection: a, field: b}``), or None."""
    try:
        import yaml

        value = yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - a multi-line or odd flow item has no location
        return None
    return value if isinstance(value, dict) else None


# -- results -------------------------------------------------------------------------------
def _entity_key(section: str, item: dict[str, Any]) -> EntityKey | None:
    coll = item.get("collection")
    if not isinstance(coll, str):
        return None
    if section == "collections":
        return (section, coll, None)
    fld = item.get("field")
    if not isinstance(fld, str):
        return None
    return (section, coll, fld)


def _emit(out: dict[EntityKey, int], section: str, item: dict[str, Any], line: int) -> None:
    key = _entity_key(section, item)
    if key is not None and key not in out:
        out[key] = line


# -- YAML ----------------------------------------------------------------------------------
def _locate_yaml(text: str) -> dict[EntityKey, int]:
    out: dict[EntityKey, int] = {}
    section: str | None = None
    item_indent: int | None = None
    key_col: int | None = None
    item: dict[str, Any] | None = None
    start = 0

    def finish() -> None:
        nonlocal item
        if item is not None and section is not None:
            _emit(out, section, item, start)
        item = None

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if indent == 0 and (body.startswith("---") or body.startswith("...")):
            finish()
            section = None
            continue
        if indent == 0 and not (body.startswith("- ") or body == "-"):
            finish()
            m = _KEY_LINE.match(body)
            name = _key_of(m) if m else None
            section = name if name in SECTIONS else None
            item_indent = key_col = None
            continue
        if section is None:
            continue
        is_dash = body == "-" or body.startswith("- ") or body.startswith("-\t")
        if is_dash and (item_indent is None or indent == item_indent):
            finish()
            item_indent = indent
            item, start = {}, lineno
            rest = body[1:].lstrip(" \t")
            key_col = indent + (len(body) - len(rest)) if rest else None
            if rest.startswith("{"):
                flow = _flow_item(rest)
                if flow is not None:
                    item.update(flow)
                key_col = -1  # a flow item has no block keys
                continue
            if rest:
                _item_key(item, rest)
            continue
        if item is None or item_indent is None or indent <= item_indent:
            if item_indent is not None and indent < item_indent:
                finish()
            continue
        if key_col is None:
            key_col = indent
        if indent == key_col:
            _item_key(item, body)
    finish()
    return out


def _item_key(item: dict[str, Any], body: str) -> None:
    m = _KEY_LINE.match(body)
    if not m:
        return
    key = _key_of(m)
    if key in ("collection", "field") and key not in item:
        value = _yaml_scalar(m.group("value"))
        if value is not None:
            item[key] = value


# -- JSON ----------------------------------------------------------------------------------
def _locate_json(text: str) -> dict[EntityKey, int]:
    out: dict[EntityKey, int] = {}
    # stack entries: [type, key-being-read or section, pending key]
    stack: list[list[Any]] = []
    line, pos = 1, 0
    expect_key = False
    pending: str | None = None
    item: dict[str, Any] | None = None
    item_line = 0
    section: str | None = None
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group(0)
        line += text.count("\n", pos, m.start())
        pos = m.start()
        depth = len(stack)
        if tok == "{":
            stack.append(["o", pending])
            if depth == 2 and stack[0][0] == "o" and stack[1][0] == "a" and section is not None:
                item, item_line = {}, line
            expect_key, pending = True, None
        elif tok == "[":
            stack.append(["a", pending])
            if depth == 1:
                section = pending if pending in SECTIONS else None
            expect_key, pending = False, None
        elif tok in "}]":
            if stack:
                closed = stack.pop()
                if closed[0] == "o" and len(stack) == 2 and item is not None and section is not None:
                    _emit(out, section, item, item_line)
                    item = None
                if closed[0] == "a" and len(stack) == 1:
                    section = None
            expect_key = False
            pending = None
        elif tok == ",":
            expect_key = bool(stack) and stack[-1][0] == "o"
            pending = None
        elif tok == ":":
            expect_key = False
        else:  # a string
            try:
                value = json.loads(tok)
            except ValueError:
                value = None
            if expect_key:
                pending = value if isinstance(value, str) else None
                expect_key = False
            elif depth == 3 and item is not None and pending in ("collection", "field") and pending not in item:
                if isinstance(value, str):
                    item[pending] = value
    return out


def locate_entities(text: str, json_format: bool) -> dict[EntityKey, int]:
    """``{(section, collection, field or None): line}`` for every entity the scanner can place."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if json_format:
        return _locate_json(text)
    found = _locate_yaml(text)
    if not found and text.lstrip().startswith("{"):
        return _locate_json(text)  # a .yaml file holding JSON
    return found


def locate_file(path: str | Path) -> dict[EntityKey, int]:
    """:func:`locate_entities` for a file on disk; an unreadable file places nothing."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return locate_entities(text, p.suffix.lower() == ".json")


def line_for(locations: Mapping[Any, int], section: str, collection: str | None, field: str | None) -> int | None:
    """The line of an entity, else of its collection (a dropped field still has its table)."""
    if collection is None:
        return None
    key = (section, collection, None if section == "collections" else field)
    if key in locations:
        return locations[key]
    return locations.get(("collections", collection, None))
