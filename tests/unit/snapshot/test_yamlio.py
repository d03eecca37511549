"""YAML reading and writing against js-yaml 4.3.2, the library Directus uses.

The literal expectations below were taken from js-yaml itself (``tests/tools/jsyaml.cjs``), and
``test_load_table_is_what_jsyaml_says`` re-checks them against the real library whenever node is
available. Round trips use the real Directus outputs in ``../shared``.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from drift.errors import InputError
from drift.snapshot import yamlio
from drift.snapshot.yamlio import JSDate, dump_yaml, dump_yaml_items, dump_yaml_split, load_yaml


def tagged(value: Any) -> Any:
    """The tagged JSON form the node script prints (dates and non-finite numbers marked)."""
    if isinstance(value, JSDate):
        return {"$date": str.__str__(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$num": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, dict):
        return {k: tagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tagged(v) for v in value]
    return value


def from_jsyaml(value: Any) -> Any:
    """js-yaml's tagged answer in drift's representation (``!!binary`` as an index map)."""
    if isinstance(value, dict):
        if set(value) == {"$binary"}:
            return {str(i): b for i, b in enumerate(value["$binary"])}
        if value == {"$undefined": True}:
            return None
        return {k: from_jsyaml(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_jsyaml(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    """Equal values, same types, same key order."""
    return json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)


# (YAML text, js-yaml's load result in the tagged JSON form)
LOAD_TABLE: list[tuple[str, str]] = [
    ("a: 2024-01-01", '{"a": {"$date": "2024-01-01T00:00:00.000Z"}}'),
    ("a: 2024-1-1 10:00:00", '{"a": {"$date": "2024-01-01T10:00:00.000Z"}}'),
    ("a: 2001-12-14t21:59:43.10-05:00", '{"a": {"$date": "2001-12-15T02:59:43.100Z"}}'),
    ("a: 0001-01-01", '{"a": {"$date": "1901-01-01T00:00:00.000Z"}}'),
    ("a: 2024-13-45", '{"a": {"$date": "2025-02-14T00:00:00.000Z"}}'),
    ("a: 1_000", '{"a": "1_000"}'),
    ("a: 0b101", '{"a": 5}'),
    ("a: 0o17", '{"a": 15}'),
    ("a: 0x1F", '{"a": 31}'),
    ("a: 012", '{"a": 12}'),
    ("a: +12", '{"a": 12}'),
    ("a: -0", '{"a": 0}'),
    ("a: 1e5", '{"a": 100000}'),
    ("a: 1.5e400", '{"a": "1.5e400"}'),
    ("a: .5", '{"a": 0.5}'),
    ("a: -.5", '{"a": "-.5"}'),
    ("a: 5.", '{"a": 5}'),
    ("a: .inf", '{"a": {"$num": "Infinity"}}'),
    ("a: -.Inf", '{"a": {"$num": "-Infinity"}}'),
    ("a: .NaN", '{"a": {"$num": "NaN"}}'),
    ("a: ~", '{"a": null}'),
    ("a: Null", '{"a": null}'),
    ("a: NULL", '{"a": null}'),
    ("a: TRUE", '{"a": true}'),
    ("a: False", '{"a": false}'),
    ("a: yes", '{"a": "yes"}'),
    ("a: on", '{"a": "on"}'),
    ("a: No", '{"a": "No"}'),
    ("a: y", '{"a": "y"}'),
    ("a: 1:30", '{"a": "1:30"}'),
    ("a: 123456789012345678901234567890", '{"a": 1.2345678901234568e+29}'),
    ("a: 9007199254740993", '{"a": 9007199254740992}'),
    ("a: 1.0", '{"a": 1}'),
    ("a: 0.1", '{"a": 0.1}'),
    ("a:", '{"a": null}'),
    ("a: !!str", '{"a": ""}'),
    ("a: ''", '{"a": ""}'),
    ("- ", "[null]"),
    ('a: !!int "12"', '{"a": 12}'),
    ("a: !!float 1", '{"a": 1}'),
    ("a: !!str 12", '{"a": "12"}'),
    ("a: ! 12", '{"a": "12"}'),
    ("a: !!null", '{"a": null}'),
    ("a: !!map", '{"a": {}}'),
    ("a: !!seq", '{"a": []}'),
    ("a: !!binary aGVsbG8=", '{"a": {"0": 104, "1": 101, "2": 108, "3": 108, "4": 111}}'),
    ("a: !!set {x, y}", '{"a": {"x": null, "y": null}}'),
    ("a: !!omap [a: 1, b: 2]", '{"a": [{"a": 1}, {"b": 2}]}'),
    ("a: !!pairs [a: 1, b: 2]", '{"a": [["a", 1], ["b", 2]]}'),
    ("a: !!timestamp 2024-01-01", '{"a": {"$date": "2024-01-01T00:00:00.000Z"}}'),
    ("{null: a}", '{"null": "a"}'),
    ("{~: a, 2: b, 1: c, x: d, 0: e}", '{"0": "e", "1": "c", "2": "b", "null": "a", "x": "d"}'),
    ("{10: a, 9: b, 01: c}", '{"1": "c", "9": "b", "10": "a"}'),
    ("? [a, b]\n: c", '{"a,b": "c"}'),
    ("? {a: b}\n: c", '{"[object Object]": "c"}'),
    ("{? 2024-01-01 : x}", '{"Mon Jan 01 2024 00:00:00 GMT+0000 (Coordinated Universal Time)": "x"}'),
    ("{true: 1, 1.5: 2}", '{"true": 1, "1.5": 2}'),
    ("b: &x {a: 1}\nc:\n  <<: *x\n  a: 2", '{"b": {"a": 1}, "c": {"a": 2}}'),
    ("<<: [{a: 1}, {a: 2, b: 3}]\nb: 4", '{"a": 1, "b": 4}'),
    ("a: 1\n<<: {a: 2, b: 3}", '{"a": 1, "b": 3}'),
    ("x: <<", '{"x": "<<"}'),
    ('"<<": {a: 1}', '{"<<": {"a": 1}}'),
    ("a: &a [1]\nb: *a", '{"a": [1], "b": [1]}'),
    ("a: &s x\nb: *s", '{"a": "x", "b": "x"}'),
    ('"\\/"', '"/"'),
    ('a: "\\x41\\u00e9\\U0001F600"', '{"a": "Aé😀"}'),
    ("a: \t1", '{"a": 1}'),
    ("\ufeffa: 1", '{"a": 1}'),
    ("a: |\n  line1\n  line2\n", '{"a": "line1\\nline2\\n"}'),
    ("a: >-\n  folded\n  text\n", '{"a": "folded text"}'),
    ("", "null"),
    ("# only comment", "null"),
    ("null", "null"),
    ("a: 'it''s'", '{"a": "it\'s"}'),
]

# (YAML text, the problem js-yaml reports, or None where libyaml words a syntax error its own way)
ERROR_TABLE: list[tuple[str, str | None]] = [
    ("a: 1\na: 2", "line 2, column 1: duplicated mapping key"),
    ("{1: a, 1.0: b}", "line 1, column 8: duplicated mapping key"),
    ("a: !!python/object:os.system x", "unknown tag !<tag:yaml.org,2002:python/object:os.system>"),
    ("a: !!python/name:os.system", "unknown tag !<tag:yaml.org,2002:python/name:os.system>"),
    ("a: !foo x", "unknown tag !<!foo>"),
    ("a: 1\n---\nb: 2", "expected a single document in the stream, but found more"),
    ("<<: 1", "cannot merge mappings; the provided source object is unacceptable"),
    ("a: !!int x", "cannot resolve a node with !<tag:yaml.org,2002:int> explicit tag"),
    ("a: !!map x", "unknown tag !<tag:yaml.org,2002:map>"),
    ("a: [1, 2", None),
    ("a:\n\t- 1", None),
    ("a: *nope", 'unidentified alias "nope"'),
    ("? [[a]]\n: b", "nested arrays are not supported inside keys"),
    ("a: b: c", None),
    ("key: 'unterminated", None),
    ("a: !!set {x: 1}", "cannot resolve a node with !<tag:yaml.org,2002:set> explicit tag"),
    ("a: !!omap [1]", "cannot resolve a node with !<tag:yaml.org,2002:omap> explicit tag"),
]


@pytest.mark.parametrize(("text", "expected"), LOAD_TABLE)
def test_load_like_jsyaml(text: str, expected: str) -> None:
    assert same(tagged(load_yaml(text, "t.yaml")), json.loads(expected))


@pytest.mark.parametrize(("text", "problem"), ERROR_TABLE)
def test_load_errors_are_one_line_with_place(text: str, problem: str | None) -> None:
    with pytest.raises(InputError) as info:
        load_yaml(text, "dir/t.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("dir/t.yaml: line ")
    assert ", column " in message
    if problem:
        assert problem in message


def test_load_table_is_what_jsyaml_says(jsyaml: ModuleType) -> None:
    texts = [t for t, _ in LOAD_TABLE] + [t for t, _ in ERROR_TABLE]
    answers = jsyaml.load_many(texts)
    for (text, expected), answer in zip(LOAD_TABLE, answers):
        assert same(from_jsyaml(answer), json.loads(expected)), text
    for (text, problem), answer in zip(ERROR_TABLE, answers[len(LOAD_TABLE):]):
        assert isinstance(answer, dict) and "$error" in answer, text
        if problem:
            assert problem.split(": ")[-1] in answer["$error"] or answer["$error"] in problem, text


def test_integer_like_keys_come_first_like_javascript() -> None:
    loaded = load_yaml("b: 1\n'10': 2\na: 3\n'2': 4\n'02': 5\n", "t.yaml")
    assert list(loaded) == ["2", "10", "b", "a", "02"]
    nested = load_yaml("x:\n  - {z: 1, '1': 2}\n", "t.yaml")
    assert list(nested["x"][0]) == ["1", "z"]


def test_numbers_are_normalized_like_javascript_doubles() -> None:
    loaded = load_yaml("a: 1.0\nb: 1e3\nc: 0.5\nd: 18446744073709551617\ne: 1e21\n", "t.yaml")
    assert loaded == {"a": 1, "b": 1000, "c": 0.5, "d": 2**64, "e": 1e21}
    assert [type(v) for v in loaded.values()] == [int, int, float, int, float]
    assert dump_yaml(loaded) == "a: 1\nb: 1000\nc: 0.5\nd: 18446744073709552000\ne: 1e+21\n"


def test_timestamps_are_dates_written_back_unquoted() -> None:
    loaded = load_yaml("a: 2024-01-01\nb: '2024-01-01'\n", "t.yaml")
    assert isinstance(loaded["a"], JSDate) and loaded["a"] == "2024-01-01T00:00:00.000Z"
    assert not isinstance(loaded["b"], JSDate)
    assert json.dumps(loaded) == '{"a": "2024-01-01T00:00:00.000Z", "b": "2024-01-01"}'
    assert dump_yaml(loaded) == "a: 2024-01-01T00:00:00.000Z\nb: '2024-01-01'\n"


def test_aliases_are_independent_copies() -> None:
    loaded = load_yaml("a: &x {k: [1]}\nb: *x\n", "t.yaml")
    assert loaded["a"] == loaded["b"] and loaded["a"] is not loaded["b"]
    loaded["b"]["k"].append(2)
    assert loaded["a"] == {"k": [1]}


def test_billion_laughs_fails_fast() -> None:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join(["*" + prev] * 9) + "]\n"
        prev = name
    started = time.process_time()
    with pytest.raises(InputError, match=r"bomb\.yaml: line \d+, column \d+: aliases expand to more than"):
        load_yaml(text, "bomb.yaml")
    assert time.process_time() - started < 5


def test_merge_key_bomb_is_bounded() -> None:
    text = "a: &a {" + ", ".join(f"k{i}: 1" for i in range(200)) + "}\n"
    text += "".join(f"b{i}:\n  <<: *a\n" for i in range(100))
    with pytest.raises(InputError, match=r"merge keys exceeded maxTotalMergeKeys \(10000\)"):
        load_yaml(text, "t.yaml")


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(InputError, match="refers to a node that contains it"):
        load_yaml("&a [*a]", "t.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "{a: " * 50_000 + "1" + "}" * 50_000,
        "".join(" " * i + "a:\n" for i in range(300)),
        "".join("  " * i + "-\n" for i in range(300)) + "  " * 300 + "x\n",
    ],
    ids=["flow-seq", "flow-map", "block-map", "block-seq"],
)
def test_deep_nesting_is_an_error_not_a_crash(text: str) -> None:
    started = time.process_time()
    with pytest.raises(InputError, match="nesting|depth"):
        load_yaml(text, "deep.yaml")
    assert time.process_time() - started < 5


def test_depth_limit_matches_jsyaml_at_the_boundary(jsyaml: ModuleType) -> None:
    rnd = random.Random(7)
    texts = []
    for _ in range(200):
        n = rnd.randint(95, 102)
        text, indent = "", 0
        for _level in range(n):
            style = rnd.choice(["map", "mapnl", "seq"])
            if style == "map":
                text += " " * indent + "k:\n"
                indent += 1
            elif style == "mapnl":
                text += " " * indent + "k:\n"
                indent += 2
            else:
                text += " " * indent + "-\n"
                indent += 2
        leaf = rnd.choice(["x", "[]", "{a: [y]}", ""])
        texts.append(text + (" " * indent + leaf + "\n" if leaf else ""))
    answers = jsyaml.load_many(texts)
    for text, answer in zip(texts, answers):
        js_ok = not (isinstance(answer, dict) and "$error" in answer)
        try:
            load_yaml(text, "t.yaml")
            ours_ok = True
        except InputError:
            ours_ok = False
        assert ours_ok == js_ok, text[-200:]


def test_python_tags_never_construct_objects() -> None:
    for tag in ("!!python/object/apply:os.system [echo hi]", "!!python/tuple [1]", "!!python/name:os.system"):
        with pytest.raises(InputError, match="unknown tag"):
            load_yaml(f"a: {tag}\n", "t.yaml")


def test_bytes_input_must_be_utf8() -> None:
    with pytest.raises(InputError, match=r"t\.yaml: line 2, column 4: not valid UTF-8 \(byte 0xff\)"):
        load_yaml(b"a: 1\nb: \xff\n", "t.yaml")
    with pytest.raises(InputError, match="UTF-16"):
        load_yaml("a: 1\n".encode("utf-16"), "t.yaml")
    assert load_yaml("\ufeffa: é\n".encode(), "t.yaml") == {"a": "é"}


def test_surrogate_pair_escapes_read_as_one_character() -> None:
    text = 'a: "x\\uD83D\\uDE00y"\nb: \'\\uD83D\\uDE00\'\nc: "\\ud83d\\ude00"\n'
    assert load_yaml(text, "t.yaml") == {"a": "x😀y", "b": "\\uD83D\\uDE00", "c": "😀"}


def test_control_characters_and_null_bytes() -> None:
    with pytest.raises(InputError, match=r"line 1, column 4: null byte is not allowed"):
        load_yaml("a: \x00", "t.yaml")
    with pytest.raises(InputError, match=r"line 2, column 4: .*control characters"):
        load_yaml("a: 1\nb: \x01\n", "t.yaml")


def test_uses_libyaml_when_available() -> None:
    import yaml

    assert yamlio.HAVE_LIBYAML == bool(getattr(yaml, "__with_libyaml__", False))


# ------------------------------------------------------------------------------------- dump

DUMP_TABLE: list[tuple[Any, str]] = [
    ({}, "{}\n"),
    ([], "[]\n"),
    (None, "null\n"),
    ("", "''\n"),
    ({"a": None, "b": True, "c": [], "d": {}}, "a: null\nb: true\nc: []\nd: {}\n"),
    ({"num": [1, -2.5, 1e21, 5e-7, 1.5e-7, 0.1, 2**53]},
     "num:\n  - 1\n  - -2.5\n  - 1e+21\n  - 5.e-7\n  - 1.5e-7\n  - 0.1\n  - 9007199254740992\n"),
    ({"x": [float("nan"), float("inf"), float("-inf"), -0.0]}, "x:\n  - .nan\n  - .inf\n  - -.inf\n  - -0.0\n"),
    ({"s": ["yes", "No", "on", "y", "null", "~", "true", "1", "0x1F", "1e5", "1_000", "2024-01-01", "1:30", "<<"]},
     ("s:\n  - 'yes'\n  - 'No'\n  - 'on'\n  - 'y'\n  - 'null'\n  - '~'\n  - 'true'\n  - '1'\n  - '0x1F'\n"
     "  - '1e5'\n  - 1_000\n  - '2024-01-01'\n  - '1:30'\n  - '<<'\n")),
    ({"s": ["a: b", "a #b", "a#b", "-x", "- x", "it's", '"q"', " lead", "trail ", "é日本😀", "x:"]},
     ("s:\n  - 'a: b'\n  - 'a #b'\n  - a#b\n  - '-x'\n  - '- x'\n  - it's\n  - '\"q\"'\n  - ' lead'\n"
     "  - 'trail '\n  - é日本😀\n  - 'x:'\n")),
    ({"c": ["tab\there", "cr\r", "nul\x00", "nbsp\xa0", "bom\ufeff", "ls\u2028", "esc\x1b", "\x7f", "lone\ud800"]},
     ('c:\n  - "tab\\there"\n  - "cr\\r"\n  - "nul\\0"\n  - "nbsp\\_"\n  - "bom\\uFEFF"\n  - "ls\\L"\n'
     '  - "esc\\e"\n  - "\\x7F"\n  - "lone\\uD800"\n')),
    ({"m": "line1\nline2"}, "m: |-\n  line1\n  line2\n"),
    ({"m": "line1\nline2\n"}, "m: |\n  line1\n  line2\n"),
    ({"m": "line1\n\n"}, "m: |+\n  line1\n\n"),
    ({"m": "  indented\nx"}, "m: |2-\n    indented\n  x\n"),
    ({"k": {"deep": {"m": "a\nb"}}}, "k:\n  deep:\n    m: |-\n      a\n      b\n"),
    ({"long": "word " * 20 + "end"},
     ("long: >-\n  word word word word word word word word word word word word word word word\n"
     "  word word word word word end\n")),
    ({"nospace": "x" * 90}, "nospace: >-\n  " + "x" * 90 + "\n"),
    ({"10": 1, "9": 2, "b": 3, "a": 4}, "'9': 2\n'10': 1\nb: 3\na: 4\n"),
    ([[1, [2, 3]], {"a": [{"b": 1}]}], "- - 1\n  - - 2\n    - 3\n- a:\n    - b: 1\n"),
    ({"top": [{"a": 1, "b": {"c": None}}]}, "top:\n  - a: 1\n    b:\n      c: null\n"),
]


@pytest.mark.parametrize(("value", "expected"), DUMP_TABLE)
def test_dump_like_jsyaml(value: Any, expected: str) -> None:
    assert dump_yaml(value) == expected


def test_dump_table_is_what_jsyaml_says(jsyaml: ModuleType) -> None:
    values = [v for v, _ in DUMP_TABLE if not _has_non_json(v)]
    answers = jsyaml.dump_many(values)
    expected = [e for v, e in DUMP_TABLE if not _has_non_json(v)]
    assert answers == expected


def _has_non_json(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value) or (value == 0 and math.copysign(1, value) < 0)
    if isinstance(value, dict):
        return any(_has_non_json(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_non_json(v) for v in value)
    return False


def test_dump_does_not_share_anchors_for_shared_python_objects() -> None:
    shared = {"a": 1}
    assert dump_yaml({"x": shared, "z": shared}) == "x:\n  a: 1\nz:\n  a: 1\n"
    assert dump_yaml({"y": 1, "n": 2, "on": 3}) == "'y': 1\n'n': 2\n'on': 3\n"


def test_dump_refuses_non_json_values() -> None:
    with pytest.raises(TypeError):
        dump_yaml({"a": object()})


# Fuzz-ish: tricky strings in tricky places, compared with the real js-yaml byte for byte.

_ATOMS = [
    "", " ", "a", "yes", "No", "on", "y", "null", "Null", "~", "true", "FALSE", "1", "-1", "+1", "0x1F",
    "0b1", "0o7", "012", "1_000", "1.5", ".5", "5.", "1e5", "1e400", ".inf", "-.Inf", ".nan",
    "2024-01-01", "2024-1-1 10:00:00", "1:30", "12:30:45.5", "<<", "#", " #", "a #b", "a#b", ": ",
    "a: b", "a:", ":a", "-", "- a", "-a", "?", "? a", "[", "]", "{", "}", ",", "&a", "*a", "!tag", "|",
    ">", "'", '"', "%", "@", "`", "=", "é", "日本", "😀", "\u2028", "\x85", "\xa0", "\t", "\r", "\n",
    "\n\n", "\x00", "\x1b", "\ufeff", "\ud800", "\\", "x" * 85, "word " * 20, " lead", "trail ", "a  b",
    "http://x.y/z?a=1#frag", "it's", 'say "hi"', "C:\\path", "0", "-0", "00", "1.0", "1e+21", "NaN",
    "Infinity", "9" * 400, "x😀" * 30 + " " + "y" * 50,
]


def _random_string(rnd: random.Random) -> str:
    s = "".join(rnd.choice(_ATOMS) for _ in range(rnd.choice([1, 1, 2, 3, 5, 12, 40])))
    if rnd.random() < 0.2:
        s += "\n" * rnd.randint(1, 3)
    if rnd.random() < 0.1:
        s = "\n" * rnd.randint(1, 2) + s
    if rnd.random() < 0.1:
        s = " " * rnd.randint(1, 3) + s
    return s


def _random_value(rnd: random.Random, depth: int) -> Any:
    r = rnd.random()
    if depth > 4 or r < 0.5:
        c = rnd.random()
        if c < 0.7:
            return _random_string(rnd)
        if c < 0.85:
            return rnd.choice([0, 1, -1, 2**53, 10**21, 1.5, -2.25, 1e-7, 5e-7, 1e21, 1.5e300, 0.1, 1 / 3, 100])
        return rnd.choice([None, True, False, {}, []])
    if r < 0.75:
        return {
            (_random_string(rnd) if rnd.random() < 0.7 else rnd.choice(["1", "10", "2", "0", "01"])):
                _random_value(rnd, depth + 1)
            for _ in range(rnd.randint(1, 5))
        }
    return [_random_value(rnd, depth + 1) for _ in range(rnd.randint(1, 5))]


def test_dump_fuzz_matches_jsyaml(jsyaml: ModuleType) -> None:
    rnd = random.Random(20240601)
    values = [json.loads(json.dumps(_random_value(rnd, 0))) for _ in range(1500)]
    answers = jsyaml.dump_many(values)
    mismatches = [(v, a, dump_yaml(v)) for v, a in zip(values, answers) if dump_yaml(v) != a]
    assert not mismatches, mismatches[:3]
    # and js-yaml's own output loads back to what js-yaml loads (top-level block scalars aside:
    # libyaml reads their indentation indicator relative to column 0, js-yaml to column -1)
    # js-yaml writes a lone surrogate as "\uD800", which libyaml cannot read back
    nested = [a for a in answers if not a.startswith(("|", ">")) and "\\uD800" not in a]
    loaded = jsyaml.load_many(nested)
    for text, answer in zip(nested, loaded):
        assert same(tagged(load_yaml(text, "t.yaml")), from_jsyaml(answer)), text[:300]


# The writer's fast path: line prefixes per key set and level, dashes folded into the first
# line of a sequence item, a memo of string texts. Checked against js-yaml itself and against
# the general (recursive) writer the module keeps for "? key" mappings.

_LONG_LINE = "word " * 13 + "end"  # 68 columns: one line near the top, folded when nested deeply
_MULTI = "first line\nsecond line"
_KEY_1100 = "k" * 1100  # too long for an implicit key: written as "? key"


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = {"d": value}
    return value


WRITER_SHAPES: list[Any] = [
    # one string at several levels, deep first and shallow first (the memo must not mix them)
    {"deep": _nest(_LONG_LINE, 12), "top": _LONG_LINE, "again": _nest([_LONG_LINE], 14)},
    {"top": _LONG_LINE, "deep": _nest(_LONG_LINE, 12)},
    {"deep": _nest([_MULTI, _MULTI + "\n", "  " + _MULTI], 10), "top": [_MULTI], "x": _MULTI},
    [_MULTI, [_MULTI, [_MULTI]], {"m": _MULTI}],
    # sequences in sequences, empty collections as items, mappings opening items at each depth
    [[["a", "b"], []], [{}], [{"x": 1, "y": [[{"z": None}]]}], [[[["deep"]]]]],
    {"top": [[{"a": [[1, 2], [{"b": {"c": [3]}}]]}], {"e": [], "f": {}}]},
    # integer-like keys are written first (JavaScript key order), also when opening an item
    [{"10": "a", "2": "b", "k": "c"}, {"2": [{"1": True, "0": False}], "a": None}],
    # keys written as "? key", in and under sequence items and at the top
    {"seq": [{_KEY_1100: 1, "b": 2}, {"a": {_KEY_1100: [1, {"x": "y"}]}}]},
    [{_KEY_1100: {"a": 1, "b": [2]}}, {"b": 2, _KEY_1100: _MULTI}],
    {_KEY_1100: "v", "after": {"k": 1}},
    # one key set at several levels and in both orders
    {"same": {"a": 1, "b": 2}, "list": [{"a": 1, "b": 2}, {"b": 2, "a": 1}], "n": {"x": {"a": 1, "b": 2}}},
    # scalars that equal each other in Python but not in YAML (True == 1, False == 0)
    {"ints": [0, 1, True, False, 2**60, -(2**53), 2**53 + 1], "m": {"t": True, "one": 1, "f": False, "zero": 0}},
    [None, True, False, 0, 1, -1, 1.5, "", "null", "true", "1", {}, []],
    {"quoted": ["yes", "- x", "a: b", "  lead", "trail ", "#c", "it's"], "keys": {"yes": 1, "a: b": 2, "": 3}},
]


def _general(value: Any) -> str:
    """The general writer's text for ``value`` (the same rules, one call per node)."""
    out: list[str] = []
    if type(value) is dict and value:
        yamlio._write_mapping(out, value, 0, True)
    elif type(value) in (list, tuple) and value:
        yamlio._write_sequence(out, value, 0, True)
    else:
        return yamlio._scalar(value, 0) + "\n"
    return "".join(out) + "\n"


def test_writer_shapes_match_jsyaml(jsyaml: ModuleType) -> None:
    assert [dump_yaml(v) for v in WRITER_SHAPES] == jsyaml.dump_many(WRITER_SHAPES)


def test_fast_writer_matches_general_writer() -> None:
    rnd = random.Random(20240602)
    values = WRITER_SHAPES + [json.loads(json.dumps(_random_value(rnd, 0))) for _ in range(1500)]
    mismatches = [(v, dump_yaml(v), _general(v)) for v in values if dump_yaml(v) != _general(v)]
    assert not mismatches, mismatches[:3]


def test_memo_and_plans_do_not_depend_on_what_was_written_before() -> None:
    def fresh(value: Any) -> str:
        yamlio._scalar_cache.clear()
        yamlio._PLANS.clear()
        yamlio._DASH_PLANS.clear()
        yamlio._plan_count = 0
        return dump_yaml(value)

    alone = [fresh(v) for v in WRITER_SHAPES]
    yamlio._scalar_cache.clear()
    assert [dump_yaml(v) for v in reversed(WRITER_SHAPES)] == alone[::-1]
    assert [dump_yaml(v) for v in WRITER_SHAPES] == alone
    # the same long line, folded only where it is nested deeply
    text = fresh({"deep": _nest(_LONG_LINE, 12), "top": _LONG_LINE})
    assert text.endswith("top: " + _LONG_LINE + "\n")
    assert "d: >-\n" in text
    assert fresh({"top": _LONG_LINE, "deep": _nest(_LONG_LINE, 12)}).startswith("top: " + _LONG_LINE + "\n")


def test_multiline_strings_are_indented_for_their_level() -> None:
    value = {"a": _MULTI, "b": {"c": _MULTI}, "s": [_MULTI, [_MULTI]]}
    assert dump_yaml(value) == (
        "a: |-\n  first line\n  second line\n"
        "b:\n  c: |-\n    first line\n    second line\n"
        "s:\n  - |-\n    first line\n    second line\n"
        "  - - |-\n      first line\n      second line\n"
    )


def test_tuples_are_written_as_sequences() -> None:
    assert dump_yaml({"t": (1, (2, {"a": ()}))}) == dump_yaml({"t": [1, [2, {"a": []}]]})
    assert dump_yaml(({"a": 1}, (2,))) == "- a: 1\n- - 2\n"


# ------------------------------------------------------------------------ real Directus files


def _directus_yaml_files(shared: Path) -> list[Path]:
    # the snapshots Directus itself wrote (CLI and ?export=yaml); the others were edited by hand
    fixtures = shared / "directus" / "fixtures"
    return [fixtures / "pg" / "cli-snapshot.yaml", fixtures / "pg" / "snapshot.export.yaml",
            fixtures / "mysql" / "snapshot.export.yaml"]


def test_directus_yaml_round_trips_byte_for_byte(shared_dir: Path) -> None:
    files = _directus_yaml_files(shared_dir)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert dump_yaml(load_yaml(text, path.name)) == text, path.name


def test_directus_yaml_loads_like_its_json_twin(shared_dir: Path) -> None:
    fixtures = shared_dir / "directus" / "fixtures"
    pairs = [(fixtures / "pg" / "cli-snapshot.yaml", fixtures / "pg" / "cli-snapshot.json"),
             (fixtures / "pg" / "snapshot.export.yaml", fixtures / "pg" / "snapshot.export.json")]
    for yaml_path, json_path in pairs:
        loaded = load_yaml(yaml_path.read_text(encoding="utf-8"), yaml_path.name)
        assert same(loaded, json.loads(json_path.read_text(encoding="utf-8"))), yaml_path.name


def test_realworld_yaml_loads_like_jsyaml(shared_dir: Path) -> None:
    """``desired.json`` in each case is js-yaml's load of ``desired.yaml``, JSON.stringify'd."""
    cases = sorted((shared_dir / "realworld" / "snapshots" / "cases").glob("*/desired.json"))
    assert len(cases) >= 50
    for json_path in cases:
        yaml_path = json_path.with_suffix(".yaml")
        if not yaml_path.exists():
            continue
        loaded = load_yaml(yaml_path.read_bytes(), yaml_path.name)
        expected = json.loads(json_path.read_text(encoding="utf-8"))
        assert same(loaded, expected), json_path.parent.name


def test_realworld_yaml_dumps_like_jsyaml(shared_dir: Path, jsyaml: ModuleType) -> None:
    files = sorted((shared_dir / "realworld" / "snapshots" / "files").glob("*/*.y*ml"))
    values = []
    for path in files:
        try:
            values.append(load_yaml(path.read_bytes(), path.name))
        except InputError:
            continue  # the one file with a log line in front of its YAML
    assert len(values) >= 80
    assert [dump_yaml(v) for v in values] == jsyaml.dump_many(values)


def test_pieces_joined_are_the_whole_document(shared_dir: Path) -> None:
    """A document written in pieces (the start of its ``fields`` list with the rest of the
    document, and the rest of that list apart; see drift.snapshot.parallel) is the whole text, at
    every place the list can be cut, on real users' snapshots."""
    files = sorted((shared_dir / "realworld" / "snapshots" / "files").glob("*/*.y*ml"))
    cuts = 0
    for path in files:
        try:
            snap = load_yaml(path.read_bytes(), path.name)
        except InputError:
            continue  # the one file with a log line in front of its YAML
        fields = snap.get("fields") if isinstance(snap, dict) else None
        if not isinstance(fields, list) or not fields:
            continue
        whole = dump_yaml(snap)
        for cut in sorted({1, len(fields) // 3, len(fields) // 2, len(fields)} - {0}):
            first = dict(snap, fields=fields[:cut])
            rest = dump_yaml_items(fields[cut:]) if fields[cut:] else ""
            head, tail = dump_yaml_split(first, "fields")
            assert head + rest + tail == whole, (path.name, cut)
            cuts += 1
    assert cuts >= 200


def test_pieces_need_a_first_item() -> None:
    with pytest.raises(ValueError):
        dump_yaml_split({"fields": []}, "fields")


# -------------------------------------------------------------------------------- speed


def _big_snapshot(target_bytes: int) -> dict[str, Any]:
    fields = []
    collections = []
    i = 0
    size = 0
    while size < target_bytes:
        name = f"collection_{i}"
        collections.append({
            "collection": name,
            "meta": {"accountability": "all", "collection": name, "icon": "box", "note": f"Notes about {name}: " +
                     "a fairly long description that goes past eighty columns and is folded " * 2,
                     "sort": i, "translations": [{"language": "en-US", "translation": name.title()}]},
            "schema": {"name": name},
        })
        for j in range(10):
            fields.append({
                "collection": name, "field": f"field_{j}", "type": "string",
                "meta": {"collection": name, "field": f"field_{j}", "hidden": False, "interface": "input",
                         "options": {"choices": [{"text": "Yes", "value": "yes"}, {"text": "1", "value": 1}]},
                         "sort": j, "special": None, "width": "full"},
                "schema": {"name": f"field_{j}", "table": name, "data_type": "character varying",
                           "default_value": None, "max_length": 255, "numeric_precision": None,
                           "is_nullable": True, "is_unique": False, "is_primary_key": False},
            })
        size += 6200
        i += 1
    return {"version": 1, "directus": "12.4.1", "vendor": "postgres", "collections": collections,
            "fields": fields, "relations": []}


def test_twenty_megabytes_load_and_dump_in_seconds() -> None:
    snapshot = _big_snapshot(20_000_000)
    started = time.process_time()
    text = dump_yaml(snapshot)
    dumped = time.process_time() - started
    assert len(text) > 15_000_000
    started = time.process_time()
    loaded = load_yaml(text, "big.yaml")
    loaded_in = time.process_time() - started
    assert loaded == snapshot
    # measured about 0.15 s to dump and 2 s to load (CPU) with libyaml; generous bounds for CI
    assert dumped < 15, dumped
    assert loaded_in < 30 if yamlio.HAVE_LIBYAML else loaded_in < 120, loaded_in
