"""Entity line numbers in schema files: js-yaml dumps, hand-written YAML, pretty and compact JSON."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from drift.snapshot.locate import line_for, locate_entities

_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # strings only: names as written
SECTIONS = ("collections", "fields", "systemFields", "relations")


def _expected_keys(data: dict) -> set:
    keys = set()
    for section in SECTIONS:
        for item in data.get(section) or []:
            if isinstance(item, dict) and isinstance(item.get("collection"), str):
                if section == "collections":
                    keys.add((section, item["collection"], None))
                elif isinstance(item.get("field"), str):
                    keys.add((section, item["collection"], item["field"]))
    return keys


def test_every_realworld_file_is_located(shared_dir: Path) -> None:
    files = sorted((shared_dir / "realworld" / "snapshots" / "files").glob("*/*"))
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        is_json = path.suffix == ".json"
        try:
            data = json.loads(text) if is_json else yaml.load(text, Loader=_LOADER)
        except Exception:  # noqa: BLE001 - broken files are part of the corpus
            continue
        if not isinstance(data, dict):
            continue
        found = locate_entities(text, is_json)
        assert set(found) == _expected_keys(data), path.name
        lines = text.splitlines()
        for (section, coll, field), line in found.items():
            start = lines[line - 1].strip()
            assert start.startswith("-") or start.startswith("{"), (path.name, line, start)
        checked += 1
    assert checked >= 90


def test_directus_dump_lines(shared_dir: Path) -> None:
    path = shared_dir / "directus" / "fixtures" / "pg" / "cli-snapshot.yaml"
    text = path.read_text()
    found = locate_entities(text, False)
    lines = text.splitlines()
    for (section, coll, field), line in found.items():
        assert lines[line - 1] == f"  - collection: {coll}"
        if field is not None:
            assert lines[line] == f"    field: {field}"
    # meta.collection (deeper) never counts
    assert len(found) == len(_expected_keys(yaml.safe_load(text)))


HAND_WRITTEN = """\
# a hand-written schema file
version: 1
directus: "12.4.1"
vendor: postgres
collections:
- collection: 'articles'   # items at column 0
  meta: {collection: nope, icon: article}
  schema:
    name: articles
-
  schema: null
  collection: "folder \\u00e9"
fields:
    -   field: title        # key order differs, wide indent
        collection: articles
        meta:
            collection: not-this
            special:
            - cast-json
    - {collection: articles, field: "id"}
    - "collection": "it's"
      "field": 'o''clock'
relations: []
systemFields:
  - collection: directus_activity
    field: timestamp
    schema: {is_indexed: true}
"""


def test_hand_written_yaml() -> None:
    found = locate_entities(HAND_WRITTEN, False)
    lines = HAND_WRITTEN.splitlines()

    def line_of(prefix: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if line.startswith(prefix))

    assert found == {
        ("collections", "articles", None): line_of("- collection: 'articles'"),
        ("collections", "folder é", None): lines.index("-") + 1,
        ("fields", "articles", "title"): line_of("    -   field: title"),
        ("fields", "articles", "id"): line_of("    - {collection"),
        ("fields", "it's", "o'clock"): line_of('    - "collection"'),
        ("systemFields", "directus_activity", "timestamp"): line_of("  - collection: directus_activity"),
    }


def test_json_pretty_and_compact() -> None:
    doc = {
        "version": 1, "directus": "12.4.1", "vendor": "postgres",
        "collections": [{"collection": "a", "meta": {"collection": "x"}, "schema": {"name": "a"}}],
        "fields": [{"collection": "a", "field": "f\"q", "meta": {"collection": "a", "field": "zzz", "options": {"choices": [{"collection": "no"}]}}}],
        "systemFields": [],
        "relations": [{"field": "f\"q", "collection": "a", "related_collection": "b"}],
    }
    pretty = json.dumps(doc, indent=2)
    found = locate_entities(pretty, True)
    lines = pretty.splitlines()
    assert set(found) == {("collections", "a", None), ("fields", "a", 'f"q'), ("relations", "a", 'f"q')}
    for line in found.values():
        assert lines[line - 1].strip() == "{"
    assert found[("fields", "a", 'f"q')] < found[("relations", "a", 'f"q')]
    compact = json.dumps(doc, separators=(",", ":"))
    assert locate_entities(compact, True) == {k: 1 for k in found}
    # a .yaml file that holds JSON is still placed
    assert locate_entities(pretty, False) == found


def test_broken_input_places_what_it_can() -> None:
    assert locate_entities("", False) == {}
    assert locate_entities("{{{[", True) == {}
    assert locate_entities("fields:\n  - collection: [unterminated\n", False) == {}


def test_line_for_falls_back_to_the_collection() -> None:
    found = locate_entities(HAND_WRITTEN, False)
    assert line_for(found, "fields", "articles", "gone") == found[("collections", "articles", None)]
    assert line_for(found, "relations", "nowhere", "x") is None
