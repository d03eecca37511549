"""deep-diff@1.0.2 rules that Directus's diff depends on (spec §2.1)."""

from __future__ import annotations

from drift.diff.deepdiff import MISSING, diff


def test_absent_sides_are_whole_n_and_d_without_path() -> None:
    assert diff(MISSING, {"a": 1}) == [{"kind": "N", "rhs": {"a": 1}}]
    assert diff({"a": 1}, MISSING) == [{"kind": "D", "lhs": {"a": 1}}]
    assert diff({"a": 1}, {"a": 1}) is None


def test_type_change_is_one_edit_and_bool_is_not_one() -> None:
    assert diff({"a": True}, {"a": 1}) == [{"kind": "E", "path": ["a"], "lhs": True, "rhs": 1}]
    assert diff({"a": {"b": 1}}, {"a": [1]}) == [{"kind": "E", "path": ["a"], "lhs": {"b": 1}, "rhs": [1]}]
    assert diff({"a": 1}, {"a": 1.0}) is None


def test_object_walk_order_lhs_keys_then_new_keys_and_empty_key_skipped() -> None:
    out = diff({"b": 1, "a": 1, "gone": 0}, {"a": 2, "b": 2, "new": 3, "": 4})
    assert out == [
        {"kind": "E", "path": ["b"], "lhs": 1, "rhs": 2},
        {"kind": "E", "path": ["a"], "lhs": 1, "rhs": 2},
        {"kind": "D", "path": ["gone"], "lhs": 0},
        {"kind": "N", "path": ["new"], "rhs": 3},
    ]


def test_arrays_are_index_wise_from_the_end() -> None:
    # inserting at the front: a cascade of edits plus one append at the end
    assert diff([1, 2], [0, 1, 2]) == [
        {"kind": "A", "index": 2, "item": {"kind": "N", "rhs": 2}},
        {"kind": "E", "path": [1], "lhs": 2, "rhs": 1},
        {"kind": "E", "path": [0], "lhs": 1, "rhs": 0},
    ]
    assert diff({"x": [1, 2, 3]}, {"x": [1]}) == [
        {"kind": "A", "path": ["x"], "index": 2, "item": {"kind": "D", "lhs": 3}},
        {"kind": "A", "path": ["x"], "index": 1, "item": {"kind": "D", "lhs": 2}},
    ]


def test_nan_equals_nan() -> None:
    assert diff({"a": float("nan")}, {"a": float("nan")}) is None
