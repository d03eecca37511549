"""JSON schema files parse like ``JSON.parse`` whichever parser reads them (orjson or json)."""

from __future__ import annotations

from pathlib import Path

from drift.diff.engine import snapshot_diff
from drift.diff.hashing import object_hash
from drift.snapshot.files import parse_json, parse_json_bytes
from drift.snapshot.js import js_json

TEXT = '{"version": 1.0, "10": 1, "9": 2, "n": [1.0, 1e-5, 2.5, 9007199254740993], "dup": 1, "dup": 2}'


def test_both_parsers_give_javascript_values(tmp_path: Path) -> None:
    fast = parse_json_bytes(TEXT.encode(), "x.json")
    slow = parse_json(TEXT, "x.json")
    # same keys in JavaScript order (integer-like first), last duplicate wins in first position
    assert list(fast) == list(slow) == ["9", "10", "version", "n", "dup"]
    assert fast["dup"] == slow["dup"] == 2
    assert type(fast["version"]) is int and fast["version"] == 1
    # numbers print, hash and compare as the JavaScript doubles they stand for
    assert js_json(fast) == js_json(slow)
    assert '"n":[1,0.00001,2.5,9007199254740992]' in js_json(fast)
    assert object_hash(fast) == object_hash(slow)


def test_the_slow_path_words_errors_and_takes_what_orjson_refuses() -> None:
    lone = parse_json_bytes(b'{"a": "\\ud800"}', "x.json")  # JSON.parse accepts lone surrogates
    assert lone == {"a": "\ud800"}
    try:
        parse_json_bytes(b'{"a": [1,}', "bad.json")
    except Exception as exc:  # noqa: BLE001
        assert "bad.json: line 1" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("invalid JSON accepted")


def test_integral_float_equals_integer_in_the_diff() -> None:
    a = {"version": 1, "directus": "x", "collections": [{"collection": "c", "meta": {"sort": 1.0}}], "fields": [], "relations": []}
    b = {"version": 1, "directus": "x", "collections": [{"collection": "c", "meta": {"sort": 1}}], "fields": [], "relations": []}
    assert snapshot_diff(a, b)["collections"] == []
