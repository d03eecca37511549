"""JavaScript value semantics the byte-exact output depends on (spec §1.8, §3.2, §8.1)."""

from __future__ import annotations

import json

import pytest

from drift.snapshot.js import js_json, js_keys, js_number_str
from drift.snapshot.sanitize import pick, sanitize_field, sort_deep


@pytest.mark.parametrize(
    "value,text",
    [(1, "1"), (1.5, "1.5"), (1e21, "1e+21"), (1e-7, "1e-7"), (-0.000001, "-0.000001"), (0.00001, "0.00001"),
     (1e16, "10000000000000000"), (2**53 + 1, "9007199254740992"), (123e-20, "1.23e-18"), (-0.0, "0")],
)
def test_number_to_string_like_javascript(value: float, text: str) -> None:
    assert js_number_str(value) == text


def test_integer_like_keys_enumerate_first() -> None:
    assert js_keys({"b": 1, "10": 2, "9": 3, "01": 4, "a": 5}) == ["9", "10", "b", "01", "a"]


def test_sort_deep_pair_rule_puts_a_space_key_before_its_prefix() -> None:
    # lodash compares "a b,2" with "a,1": ' ' (0x20) sorts before ',' (0x2C)
    assert list(sort_deep({"a": 1, "a b": 2, "B": 0})) == ["B", "a b", "a"]
    # and the value decides between a key and its prefix-extension only through the pair string
    assert list(sort_deep({"ab": 1, "a": "z"})) == ["a", "ab"]
    # arrays keep their order, objects inside are sorted
    assert sort_deep({"x": [{"b": 1, "a": 2}, 3]}) == {"x": [{"a": 2, "b": 1}, 3]}


def test_pick_deep_paths_like_lodash() -> None:
    field = {"type": "alias", "collection": "c", "field": "f", "meta": None, "schema": None, "extra": 1}
    assert sanitize_field(field) == {"collection": "c", "field": "f", "type": "alias", "meta": None}
    assert list(sanitize_field({"schema": {"is_nullable": True, "name": "n"}, "field": "f"})["schema"]) == ["name", "is_nullable"]
    assert pick({"schema": {}}, [("schema", "name")]) == {}


def test_js_json_is_compact_keeps_unicode_and_writes_nan_as_null() -> None:
    text = js_json({"a": "Ünï ✓", "n": float("nan"), "s": 0.000015})
    assert text == '{"a":"Ünï ✓","n":null,"s":0.000015}'
    assert json.loads(js_json({"e": "1e-05 stays a string"}))["e"] == "1e-05 stays a string"
