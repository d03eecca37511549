"""The server's diff (``POST /schema/diff``) and drift's local engine agree, hash included.

Each case mutates the seeded instance's own snapshot in one way a schema file can differ from a
live server, then asks both engines for ``{hash, diff}`` and requires byte-identical JSON.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.directus

Snap = dict[str, Any]


def field(s: Snap, collection: str, name: str) -> dict[str, Any]:
    return next(f for f in s["fields"] if f["collection"] == collection and f["field"] == name)


def coll(s: Snap, name: str) -> dict[str, Any]:
    return next(c for c in s["collections"] if c["collection"] == name)


def rel(s: Snap, collection: str, name: str) -> dict[str, Any]:
    return next(r for r in s["relations"] if r["collection"] == collection and r["field"] == name)


def drop_collection(s: Snap, name: str) -> None:
    s["collections"] = [c for c in s["collections"] if c["collection"] != name]
    s["fields"] = [f for f in s["fields"] if f["collection"] != name]
    s["relations"] = [r for r in s["relations"] if r["collection"] != name and r["related_collection"] != name]


def new_collection(s: Snap, name: str, group: str | None = None) -> None:
    c = copy.deepcopy(coll(s, "tags"))
    c["collection"] = name
    c["meta"].update(collection=name, group=group, icon="star", note="new")
    c["schema"]["name"] = name
    s["collections"].append(c)
    for src in ("id", "label"):
        f = copy.deepcopy(field(s, "tags", src))
        f["collection"] = name
        f["meta"]["collection"] = name
        f["schema"]["table"] = name
        s["fields"].append(f)


def m_identity(s: Snap) -> None:
    pass


def m_new_collection(s: Snap) -> None:
    new_collection(s, "reviews")


def m_new_folder_with_child(s: Snap) -> None:
    folder = copy.deepcopy(coll(s, "library"))
    folder["collection"] = "shop"
    folder["meta"].update(collection="shop", icon="store")
    s["collections"].append(folder)
    new_collection(s, "products", group="shop")


def m_drop_collection(s: Snap) -> None:
    drop_collection(s, "tags")


def m_drop_collection_with_relations(s: Snap) -> None:
    drop_collection(s, "authors")
    s["fields"] = [f for f in s["fields"] if not (f["collection"] == "articles" and f["field"] == "author")]


def m_field_note(s: Snap) -> None:
    field(s, "articles", "title")["meta"]["note"] = "The headline, shown in lists"


def m_field_max_length(s: Snap) -> None:
    field(s, "articles", "title")["schema"]["max_length"] = 120


def m_drop_field(s: Snap) -> None:
    s["fields"].remove(field(s, "authors", "bio"))


def m_add_field(s: Snap) -> None:
    f = copy.deepcopy(field(s, "authors", "bio"))
    f["field"] = f["meta"]["field"] = f["schema"]["name"] = "website"
    f["type"] = "string"
    f["schema"].update(data_type="character varying", max_length=255)
    s["fields"].append(f)


def m_collection_icon(s: Snap) -> None:
    coll(s, "articles")["meta"]["icon"] = "newspaper"


def m_append_choice(s: Snap) -> None:
    field(s, "articles", "status")["meta"]["options"]["choices"].append({"text": "Archived", "value": "archived"})


def m_remove_choice(s: Snap) -> None:
    field(s, "articles", "status")["meta"]["options"]["choices"].pop(0)


def m_translations(s: Snap) -> None:
    coll(s, "articles")["meta"]["translations"] = [{"language": "de-DE", "translation": "Artikel",
                                                     "singular": "Artikel", "plural": "Artikel"}]


def m_hidden(s: Snap) -> None:
    field(s, "articles", "views")["meta"]["hidden"] = True


def m_drop_relation_and_field(s: Snap) -> None:
    s["relations"].remove(rel(s, "articles", "editor"))
    s["fields"].remove(field(s, "articles", "editor"))


def m_relation_on_delete(s: Snap) -> None:
    rel(s, "articles", "author")["schema"]["on_delete"] = "CASCADE"


def m_relation_meta(s: Snap) -> None:
    rel(s, "articles", "author")["meta"]["one_deselect_action"] = "delete"


def m_unindex_system_field(s: Snap) -> None:
    sf = next(f for f in s["systemFields"] if f["schema"]["is_indexed"])
    sf["schema"]["is_indexed"] = False


def m_no_system_fields(s: Snap) -> None:
    s["systemFields"] = []


def m_default_value(s: Snap) -> None:
    field(s, "articles", "status")["schema"]["default_value"] = "published"


def m_nullable(s: Snap) -> None:
    field(s, "authors", "bio")["schema"]["is_nullable"] = False


def m_special(s: Snap) -> None:
    field(s, "articles", "title")["meta"]["special"] = ["cast-json"]


def m_type_change(s: Snap) -> None:
    f = field(s, "articles", "title")
    f["type"] = "text"
    f["schema"].update(data_type="text", max_length=None)


def m_meta_new_key(s: Snap) -> None:
    field(s, "authors", "name")["meta"]["options"] = {"placeholder": "Full name", "trim": True}


def m_meta_key_removed(s: Snap) -> None:
    del field(s, "articles", "title")["meta"]["note"]


def m_unicode(s: Snap) -> None:
    coll(s, "authors")["meta"]["note"] = "Autor·innen 👩‍💻 — ✓ 名前"


def m_float_default(s: Snap) -> None:
    field(s, "articles", "rating")["schema"]["default_value"] = 1.5


def m_reorder_fields(s: Snap) -> None:
    i = s["fields"].index(field(s, "articles", "title"))
    j = s["fields"].index(field(s, "articles", "status"))
    s["fields"][i], s["fields"][j] = s["fields"][j], s["fields"][i]


def m_move_out_of_folder(s: Snap) -> None:
    coll(s, "authors")["meta"]["group"] = None


def m_combined(s: Snap) -> None:
    m_new_collection(s)
    m_drop_field(s)
    m_append_choice(s)
    m_relation_on_delete(s)
    m_unindex_system_field(s)


MUTATIONS: list[Callable[[Snap], None]] = [
    m_identity, m_new_collection, m_new_folder_with_child, m_drop_collection, m_drop_collection_with_relations,
    m_field_note, m_field_max_length, m_drop_field, m_add_field, m_collection_icon, m_append_choice,
    m_remove_choice, m_translations, m_hidden, m_drop_relation_and_field, m_relation_on_delete, m_relation_meta,
    m_unindex_system_field, m_no_system_fields, m_default_value, m_nullable, m_special, m_type_change,
    m_meta_new_key, m_meta_key_removed, m_unicode, m_float_default, m_reorder_fields, m_move_out_of_folder,
    m_combined,
]


def _partial(s: Snap) -> Snap:
    """A version-2 snapshot of ``articles`` only, without its ``views`` field."""
    p = copy.deepcopy(s)
    p["version"] = 2
    p["collections"] = [c for c in p["collections"] if c["collection"] == "articles"]
    p["fields"] = [f for f in p["fields"] if f["collection"] == "articles" and f["field"] != "views"]
    p["relations"] = [r for r in p["relations"] if r["collection"] == "articles"]
    p["systemFields"] = []
    return p


def _agree(target: Any, desired: Snap, mode: str) -> dict[str, Any]:
    server = target.server_diff(desired, mode=mode)
    local = target.local_diff(desired, mode=mode)
    assert json.dumps(local, ensure_ascii=False) == json.dumps(server, ensure_ascii=False)
    return server


def test_server_and_local_engines_agree_on_mutated_snapshots(seeded, make_target):
    target = make_target(seeded)
    base = target.snapshot()
    empty = set()
    for mutate in MUTATIONS:
        desired = copy.deepcopy(base)
        mutate(desired)
        for mode in ("mirror", "merge"):
            try:
                result = _agree(target, desired, mode)
            except AssertionError as exc:
                raise AssertionError(f"{mutate.__name__} ({mode}): engines disagree") from exc
            if not any(result["diff"].values()):
                empty.add((mutate.__name__, mode))
    assert len(MUTATIONS) >= 20
    # Only these are in sync: no change, field order (Directus orders by id), and deletes in merge mode.
    assert empty == {("m_identity", "mirror"), ("m_identity", "merge"), ("m_reorder_fields", "mirror"),
                     ("m_reorder_fields", "merge"), ("m_drop_collection", "merge"),
                     ("m_drop_collection_with_relations", "merge"), ("m_drop_field", "merge"),
                     ("m_drop_relation_and_field", "merge")}


def test_engines_agree_on_a_partial_snapshot(seeded, make_target):
    target = make_target(seeded)
    result = _agree(target, _partial(target.snapshot()), "mirror")
    assert [(e["collection"], e["field"]) for e in result["diff"]["fields"]] == [("articles", "views")]
    assert result["diff"]["collections"] == [] and result["diff"]["systemFields"] == []


def test_engines_agree_after_each_mutation_is_applied(seeded, make_target):
    """Apply a few mutations for real (the instance moves), diffing both ways at every step."""
    target = make_target(seeded)
    for mutate in (m_new_collection, m_append_choice, m_drop_field, m_unindex_system_field):
        desired = copy.deepcopy(target.snapshot())
        mutate(desired)
        seeded.apply_snapshot(desired)
        after = target.snapshot()
        assert not any(_agree(target, after, "mirror")["diff"].values())
        assert any(_agree(target, seeded.baseline, "mirror")["diff"].values())
