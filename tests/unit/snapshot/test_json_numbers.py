"""JSON schema files parse like ``JSON.parse``: JavaScript key order and numbers."""

from __future__ import annotations

from drift.diff.engine import snapshot_diff
from drift.diff.hashing import object_hash
from drift.snapshot.files import parse_json
from drift.snapshot.js import js_json

TEXT = '{"version": 1.0, "10": 1, "9": 2, "n": [1.0, 1e-5, 1e-7, 2.5, 9007199254740993], "dup": 1, "dup": 2}'


def test_numbers_and_keys_like_json_parse() -> None:
    data = parse_json(TEXT, "x.json")
    # integer-like keys first; the last duplicate wins, in the first one's place
    assert list(data) == ["9", "10", "version", "n", "dup"] and data["dup"] == 2
    assert type(data["version"]) is int
    # numbers print and hash as the JavaScript doubles they stand for
    assert '"n":[1,0.00001,1e-7,2.5,9007199254740992]' in js_json(data)
    assert object_hash(data) == object_hash(parse_json(js_json(data), "y.json"))


def test_lone_surrogates_are_accepted_like_json_parse() -> None:
    assert parse_json('{"a": "\\ud800"}', "x.json") == {"a": "\ud800"}


def test_integral_float_equals_integer_in_the_diff() -> None:
    a = {"version": 1, "directus": "x", "collections": [{"collection": "c", "meta": {"sort": 1.0}}], "fields": [], "relations": []}
    b = {"version": 1, "directus": "x", "collections": [{"collection": "c", "meta": {"sort": 1}}], "fields": [], "relations": []}
    assert snapshot_diff(a, b)["collections"] == []
