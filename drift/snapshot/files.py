"""Snapshot files: read YAML/JSON schema files into the model, write them like Directus does.

Reading: ``.json`` files are parsed as JSON (``JSON.parse`` semantics: JavaScript numbers, last
duplicate key wins), anything else as YAML with YAML 1.2 core-schema rules (see
:mod:`drift.snapshot.yamlio`); then the result is put into JavaScript key order and validated
(:mod:`drift.snapshot.validate`). Writing: YAML exactly like ``directus schema snapshot`` (js-yaml
``dump``), JSON exactly like ``JSON.stringify`` (compact, no final newline).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from drift.errors import InputError
from drift.snapshot.js import js_json, js_ordered, normalize_number

TYPE_CHECKING = False  # this module is among the first the drift command loads: no typing at run time
if TYPE_CHECKING:
    from typing import Any, Callable

SNAPSHOT_SUFFIXES = (".yaml", ".yml", ".json")
# a cheap pre-check: only texts with a digits-only key need the JavaScript key-order pass
_DIGIT_KEY = re.compile(r'"[0-9]+"\s*:')


def _parse_int(text: str) -> int | float:
    value = int(text)
    return value if len(text) < 16 else normalize_number(value)


def is_json_name(name: str) -> bool:
    return name.lower().endswith(".json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str, source: str) -> Any:
    """``JSON.parse`` for a schema file, with one-line errors naming the place."""
    kwargs: dict[str, Any] = {
        "parse_float": lambda s: normalize_number(float(s)),
        "parse_int": _parse_int,  # integers beyond 2**53 round like JavaScript doubles
        "parse_constant": _reject_constant,
    }
    try:
        data = json.loads(text, **kwargs)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{source}: invalid JSON: nested too deeply") from None
    except ValueError as exc:
        raise InputError(f"{source}: invalid JSON: {exc}") from None
    if _DIGIT_KEY.search(text):
        data = js_ordered(data)
    return data


def parse_text(text: str, source: str, *, json_format: bool) -> Any:
    if json_format:
        return parse_json(text.removeprefix("\ufeff"), source)
    from drift.snapshot.yamlio import load_yaml

    return load_yaml(text, source)


def read_text(path: str | Path) -> str:
    return decode_text(read_bytes(path), path)


def read_bytes(path: str | Path) -> bytes:
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a schema file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def decode_text(raw: bytes, path: str | Path) -> str:
    if raw[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            pass
    from drift.snapshot.yamlio import decode_yaml_bytes  # words the problem (line, column)

    return decode_yaml_bytes(raw, str(path))


#: Files already being read and parsed elsewhere in this process (the early reads of the ``drift``
#: command, :mod:`drift.early`), by name: a function that waits for the parsed document and returns
#: it, or None when it could not be parsed there.
_EXPECTED: dict[str, Callable[[], Any]] = {}


def expect_document(name: str, document: Callable[[], Any]) -> None:
    """The next :func:`load_document` of ``name`` takes ``document()`` instead of parsing the file
    again (once; it parses the file itself when that gives None)."""
    _EXPECTED[name] = document


def load_document(path: str | Path) -> Any:
    """Parse a YAML or JSON file (no validation)."""
    expected = _EXPECTED.pop(str(path), None)
    if expected is not None:
        data = expected()
        if data is not None:
            return data
    return read_document(path)


def read_document(path: str | Path) -> Any:
    """Read and parse a YAML or JSON file, whatever is expected of it (no validation)."""
    name = str(path)
    if name not in _KEEP or not is_json_name(name):
        return parse_text(read_text(path), name, json_format=is_json_name(name))
    _KEEP.discard(name)
    raw = read_bytes(path)
    document = parse_text(decode_text(raw, path), name, json_format=True)
    if sendable_json(raw):
        try:
            _SOURCES[id(document)] = (document, raw, _state(document))
        except ValueError:  # a value marshal cannot write: the document is sent re-serialised
            pass
    return document


#: JSON files whose bytes a request may carry as they are, by name (see :func:`keep_source`).
_KEEP: set[str] = set()
#: The documents parsed from those files, by id: the document, the file's bytes and the
#: document's state when parsed (see :func:`_state`).
_SOURCES: dict[int, tuple[Any, bytes, bytes]] = {}


def keep_source(name: str) -> None:
    """The next :func:`read_document` of the JSON file ``name`` keeps its bytes and the parsed
    document's state for :func:`json_source`. The ``drift`` command asks it for the desired file
    its early diff request sends (:mod:`drift.early`); other files are parsed without that cost."""
    _KEEP.add(name)


def _state(document: Any) -> bytes:
    """Every value of the document, in order, with its type (marshal's format 2, which has no
    back-references: the same values give the same bytes); a few milliseconds for a large file,
    against about twice that to re-serialise it as JSON."""
    import marshal

    return marshal.dumps(document, 2)


def sendable_json(raw: bytes) -> bool:
    """Whether the bytes of a JSON file parsed without error are what a request to Directus can
    carry as they are: UTF-8 without a byte order mark, which ``JSON.parse`` reads into the very
    values drift's parser reads (the same numbers as doubles, the last of duplicate keys,
    JavaScript key order), so the server sees the same document as a compact re-serialisation
    of drift's parse would give it."""
    if raw[:3] == b"\xef\xbb\xbf" or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def json_source(document: Any) -> bytes | None:
    """The bytes of the JSON file ``document`` was parsed from, when it was kept
    (:func:`keep_source`) and :func:`sendable_json` (None otherwise): sent as they are, they spare
    a re-serialisation of a large desired file and match the body the ``drift`` command's early
    diff request sent. Only for the very object the file was parsed into, and only while it holds
    what was parsed: a document changed since gets None, and is re-serialised."""
    got = _SOURCES.get(id(document))
    if got is None or got[0] is not document:
        return None
    try:
        return got[1] if _state(document) == got[2] else None
    except ValueError:  # it now holds something marshal cannot write: changed
        return None


def load_snapshot(path: str | Path) -> dict[str, Any]:
    """A validated snapshot from a schema file."""
    from drift.snapshot.validate import validate_snapshot  # not needed to read a plan file

    data = load_document(path)
    validate_snapshot(data, str(path))
    return data


def dump_snapshot(snapshot: dict[str, Any], fmt: str) -> str:
    """The file text Directus writes: ``yaml`` (js-yaml dump) or ``json`` (compact)."""
    if fmt == "json":
        return js_json(snapshot)
    if fmt == "yaml":
        from drift.snapshot.yamlio import dump_yaml

        return dump_yaml(snapshot)
    raise InputError(f"unknown snapshot format {fmt!r} (use yaml or json)")
