"""Directus mode on SQLite, checked against Directus's rules (``directus-schema.md`` §7).

The Directus tables are made with SQL the way Directus's migrations make them on SQLite (booleans
as ``boolean`` columns holding 0/1, JSON as text, ``special`` as a comma list). The first test
rebuilds the instance of the spec's appendix — a real Directus 12.4.1 on SQLite with one ``notes``
collection — and must give that snapshot and the hash the server reported for it; the others
check one rule each.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from drift.targets import TargetOptions, open_target
from tests.conftest import ROOT

DIRECTUS_TABLES = """
CREATE TABLE directus_collections (
  collection varchar(64) NOT NULL PRIMARY KEY, icon varchar(64), note text,
  display_template varchar(255), hidden boolean NOT NULL DEFAULT '0',
  singleton boolean NOT NULL DEFAULT '0', translations json, archive_field varchar(64),
  archive_app_filter boolean NOT NULL DEFAULT '1', archive_value varchar(255),
  unarchive_value varchar(255), sort_field varchar(64), accountability varchar(255) DEFAULT 'all',
  color varchar(255), item_duplication_fields json, sort integer, "group" varchar(64),
  collapse varchar(255) NOT NULL DEFAULT 'open', preview_url varchar(255),
  versioning boolean NOT NULL DEFAULT '0', status varchar(255) NOT NULL DEFAULT 'active',
  autosave_revision_interval integer);
CREATE TABLE directus_fields (
  id integer NOT NULL PRIMARY KEY AUTOINCREMENT, collection varchar(64) NOT NULL,
  field varchar(64) NOT NULL, special varchar(64), interface varchar(64), options json,
  display varchar(64), display_options json, readonly boolean NOT NULL DEFAULT '0',
  hidden boolean NOT NULL DEFAULT '0', sort integer, width varchar(30) DEFAULT 'full',
  translations json, note text, conditions json, required boolean DEFAULT '0',
  "group" varchar(64), validation json, validation_message text,
  searchable boolean NOT NULL DEFAULT '1');
CREATE TABLE directus_relations (
  id integer NOT NULL PRIMARY KEY AUTOINCREMENT, many_collection varchar(64) NOT NULL,
  many_field varchar(64) NOT NULL, one_collection varchar(64), one_field varchar(64),
  one_collection_field varchar(64), one_allowed_collections text, junction_field varchar(64),
  sort_field varchar(64), one_deselect_action varchar(255) NOT NULL DEFAULT 'nullify');
CREATE TABLE directus_migrations (version varchar(255) NOT NULL PRIMARY KEY,
  name varchar(255) NOT NULL, timestamp datetime DEFAULT CURRENT_TIMESTAMP);
INSERT INTO directus_migrations (version, name) VALUES ('20260909A', 'Add Flows Module');
CREATE TABLE directus_activity (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  action varchar(45) NOT NULL, timestamp datetime NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX directus_activity_timestamp_index ON directus_activity (timestamp);
CREATE TABLE directus_revisions (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  activity integer NOT NULL REFERENCES directus_activity (id) ON DELETE CASCADE,
  parent integer REFERENCES directus_revisions (id));
CREATE INDEX directus_revisions_activity_index ON directus_revisions (activity);
CREATE INDEX directus_revisions_parent_index ON directus_revisions (parent);
CREATE TABLE directus_sessions (token varchar(64) NOT NULL PRIMARY KEY, oauth_client char(36));
CREATE INDEX directus_sessions_oauth_client_index ON directus_sessions (oauth_client);
CREATE TABLE directus_oauth_clients (client_id char(36) NOT NULL PRIMARY KEY,
  date_created datetime);
CREATE INDEX directus_oauth_clients_date_created_index ON directus_oauth_clients (date_created);
CREATE TABLE directus_oauth_codes (id char(36) NOT NULL PRIMARY KEY, expires_at datetime,
  used_at datetime);
CREATE INDEX directus_oauth_codes_expires_at_index ON directus_oauth_codes (expires_at);
CREATE INDEX directus_oauth_codes_used_at_index ON directus_oauth_codes (used_at);
CREATE TABLE directus_oauth_consents (id char(36) NOT NULL PRIMARY KEY, client char(36));
CREATE INDEX directus_oauth_consents_client_index ON directus_oauth_consents (client);
CREATE TABLE directus_oauth_tokens (id char(36) NOT NULL PRIMARY KEY, code_hash varchar(255),
  expires_at datetime, previous_session varchar(64), session varchar(64));
CREATE INDEX directus_oauth_tokens_code_hash_index ON directus_oauth_tokens (code_hash);
CREATE INDEX directus_oauth_tokens_expires_at_index ON directus_oauth_tokens (expires_at);
CREATE INDEX directus_oauth_tokens_previous_session_index
  ON directus_oauth_tokens (previous_session);
CREATE INDEX directus_oauth_tokens_session_index ON directus_oauth_tokens (session);
CREATE TABLE directus_users (id char(36) NOT NULL PRIMARY KEY, email varchar(128));
"""

# POST /collections {collection: notes, fields: [id, title]} as knex does it on SQLite
NOTES = """
CREATE TABLE notes (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  title varchar(255) NULL DEFAULT 'untitled');
INSERT INTO directus_collections (collection, icon) VALUES ('notes', 'note');
INSERT INTO directus_fields (collection, field, special, interface, readonly, hidden, sort, width,
  required) VALUES ('notes', 'id', NULL, 'input', 1, 1, 1, 'full', 0);
INSERT INTO directus_fields (collection, field, special, interface, readonly, hidden, sort, width,
  note, required) VALUES ('notes', 'title', NULL, 'input', 0, 0, 2, 'full', 'Ünïcødé ✓', 0);
"""


def _appendix(spec: Path) -> tuple[dict[str, Any], str, str]:
    """The golden snapshot of the spec's appendix and the two hashes the server reported."""
    text = (spec / "directus-schema.md").read_text(encoding="utf-8")
    appendix = text[text.index("## Appendix: golden snapshot") :]
    block = re.search(r"```yaml\n(.*?)```", appendix, re.DOTALL)
    hashes = re.findall(r"\b([0-9a-f]{40})\b", appendix)
    assert block and len(hashes) >= 2
    return yaml.safe_load(block.group(1)), hashes[0], hashes[1]


def _make(path: Path, *scripts: str) -> str:
    conn = sqlite3.connect(path)
    try:
        for script in scripts:
            conn.executescript(script)
        conn.commit()
    finally:
        conn.close()
    return f"sqlite:///{path}"


def _snapshot(url: str, **options: Any) -> dict[str, Any]:
    target = open_target(url, TargetOptions(**options))
    try:
        return target.snapshot()
    finally:
        target.close()


def _json(value: Any) -> str:
    """JSON as ``JSON.stringify`` writes it: NaN becomes null."""

    def fix(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fix(x) for x in v]
        return v

    return json.dumps(fix(value), ensure_ascii=False)


@pytest.mark.shared
def test_sqlite_instance_of_the_spec_appendix(shared_dir: Path, tmp_path: Path) -> None:
    from drift.diff.hashing import versioned_hash

    golden, hash_with_notes, hash_before = _appendix(shared_dir / "spec")
    url = _make(tmp_path / "empty.db", DIRECTUS_TABLES)
    empty = _snapshot(url)
    assert empty["collections"] == [] and empty["fields"] == []
    assert empty["systemFields"] == golden["systemFields"]
    assert versioned_hash(empty, "12.4.1") == hash_before

    url = _make(tmp_path / "notes.db", DIRECTUS_TABLES, NOTES)
    ours = _snapshot(url)
    assert _json(ours) == _json(golden)
    assert versioned_hash(ours, "12.4.1") == hash_with_notes


RULES = """
CREATE TABLE categories (id integer NOT NULL PRIMARY KEY, name varchar(255));
CREATE TABLE articles (
  id char(36) NOT NULL PRIMARY KEY,
  category integer REFERENCES categories (id) ON DELETE SET NULL,
  author char(36) REFERENCES directus_users (id),
  price decimal(10, 2) DEFAULT '1.50',
  done boolean NOT NULL DEFAULT '0',
  data json DEFAULT '{"b":2,"a":[1,2]}',
  code varchar(10) UNIQUE,
  hits integer,
  labels text,
  raw_column text);
CREATE INDEX articles_hits_index ON articles (hits);
CREATE TABLE raw_table (id integer PRIMARY KEY, name text);
CREATE VIEW article_view AS SELECT id FROM articles;
INSERT INTO directus_collections (collection, icon, hidden, translations, item_duplication_fields)
  VALUES ('articles', 'article', 0, '[{"language":"de-DE","translation":"Artikel"}]', '["code"]'),
         ('categories', NULL, 1, NULL, NULL);
INSERT INTO directus_collections (collection, icon, "group") VALUES ('folder', 'folder', NULL);
INSERT INTO directus_fields (collection, field, special, interface, options, hidden, sort) VALUES
  ('articles', 'id', 'uuid', 'input', NULL, 1, 1),
  ('articles', 'category', 'm2o', 'select-dropdown-m2o', '{"template":"{{name}}"}', 0, 2),
  ('articles', 'author', 'm2o', 'select-dropdown-m2o', NULL, 0, 3),
  ('articles', 'price', NULL, 'input', NULL, 0, 4),
  ('articles', 'done', 'cast-boolean', 'boolean', NULL, 0, 5),
  ('articles', 'data', 'cast-json', 'input-code', NULL, 0, 6),
  ('articles', 'code', NULL, 'input', 'not json', 0, 7),
  ('articles', 'hits', NULL, 'input', NULL, 0, 8),
  ('articles', 'labels', 'cast-csv', 'tags', NULL, 0, 9),
  ('articles', 'divider', 'alias,no-data', 'presentation-divider', NULL, 0, 10),
  ('categories', 'id', NULL, 'input', NULL, 1, 1),
  ('categories', 'articles', 'o2m', 'list-o2m', NULL, 0, 2),
  ('directus_users', 'nickname_alias', 'alias,no-data', 'presentation-divider', NULL, 0, 1);
INSERT INTO directus_relations (many_collection, many_field, one_collection, one_field,
  one_allowed_collections) VALUES
  ('articles', 'category', 'categories', 'articles', NULL),
  ('articles', 'author', 'directus_users', NULL, NULL),
  ('articles', 'hits', NULL, NULL, 'categories,articles');
"""


def test_sqlite_rules(tmp_path: Path) -> None:
    snap = _snapshot(_make(tmp_path / "rules.db", DIRECTUS_TABLES, RULES))
    assert snap["vendor"] == "sqlite" and snap["version"] == 1
    # untracked tables (raw_table), views and columns without a row (raw_column) are left out;
    # a folder has no schema key at all
    assert [c["collection"] for c in snap["collections"]] == [
        "articles",
        "categories",
        "folder",
    ]
    assert "schema" not in snap["collections"][2]
    articles = snap["collections"][0]["meta"]
    assert articles["hidden"] is False and articles["archive_app_filter"] is True
    assert articles["translations"] == [{"language": "de-DE", "translation": "Artikel"}]
    assert articles["item_duplication_fields"] == ["code"]
    fields = {(f["collection"], f["field"]): f for f in snap["fields"]}
    assert ("articles", "raw_column") not in fields
    # fields in directus_fields.id order within a collection; alias fields without schema
    assert [f["field"] for f in snap["fields"] if f["collection"] == "articles"] == [
        "id", "category", "author", "price", "done", "data", "code", "hits", "labels", "divider",
    ]  # fmt: skip
    assert "schema" not in fields[("articles", "divider")]
    assert fields[("articles", "divider")]["meta"]["special"] == ["alias", "no-data"]
    assert fields[("categories", "articles")]["type"] == "alias"
    # alias rows on a system collection are kept (no system flag)
    assert fields[("directus_users", "nickname_alias")]["type"] == "alias"
    a = {k[1]: v for k, v in fields.items() if k[0] == "articles"}
    # char(36) is a string unless the field is special uuid/file
    assert a["id"]["type"] == "uuid" and a["author"]["type"] == "string"
    # a UNIQUE constraint makes an automatic index: unique; an INTEGER PRIMARY KEY has none
    assert a["code"]["schema"]["is_unique"] is True
    assert a["id"]["schema"]["is_unique"] is True  # char(36) key: sqlite_autoindex
    assert fields[("categories", "id")]["schema"]["is_unique"] is False
    assert a["hits"]["schema"]["is_indexed"] is True
    # declared types stripped to letters; max_length Number() of the parenthesis: NaN for (10, 2)
    assert a["price"]["schema"]["data_type"] == "decimal"
    assert math.isnan(a["price"]["schema"]["max_length"])
    assert (
        a["price"]["type"] == "decimal" and a["price"]["schema"]["default_value"] == 1.5
    )
    assert a["price"]["schema"]["numeric_precision"] is None
    # no AUTOINCREMENT in the table's SQL: no auto increment
    assert fields[("categories", "id")]["schema"]["has_auto_increment"] is False
    # read casts: booleans from 0/1, JSON parsed (kept when it is not JSON), CSV split
    assert (
        a["done"]["meta"]["special"] == ["cast-boolean"]
        and a["done"]["meta"]["hidden"] is False
    )
    assert (
        a["done"]["schema"]["default_value"] is False and a["done"]["type"] == "boolean"
    )
    assert a["data"]["type"] == "json" and a["data"]["schema"]["default_value"] == {
        "b": 2, "a": [1, 2],
    }  # fmt: skip
    assert a["category"]["meta"]["options"] == {"template": "{{name}}"}
    assert a["code"]["meta"]["options"] == "not json"
    assert a["labels"]["type"] == "csv"
    # foreign keys: constraint_name is null on SQLite; an a2o-style row without a key has no schema
    rels = {(r["collection"], r["field"]): r for r in snap["relations"]}
    cat = rels[("articles", "category")]
    assert cat["schema"] == {
        "table": "articles", "column": "category", "foreign_key_table": "categories",
        "foreign_key_column": "id", "constraint_name": None, "on_update": "NO ACTION",
        "on_delete": "SET NULL",
    }  # fmt: skip
    assert rels[("articles", "author")]["related_collection"] == "directus_users"
    a2o = rels[("articles", "hits")]
    assert "schema" not in a2o and a2o["related_collection"] is None
    assert a2o["meta"]["one_allowed_collections"] == ["categories", "articles"]
    assert list(a2o["meta"]) == sorted(a2o["meta"])


def _drift(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drift", *args],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_cli_snapshot_then_diff_a_database(tmp_path: Path) -> None:
    """``drift snapshot DB`` writes a file; ``drift diff DB FILE`` finds it in sync until the
    database changes."""
    url = _make(tmp_path / "cli.db", DIRECTUS_TABLES, NOTES)
    schema = tmp_path / "schema.yaml"
    proc = _drift("snapshot", url, "-o", str(schema))
    assert proc.returncode == 0, proc.stderr
    assert _json(yaml.safe_load(schema.read_text(encoding="utf-8"))) == _json(
        _snapshot(url)
    )
    proc = _drift("diff", url, str(schema), "--exit-code")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    conn = sqlite3.connect(tmp_path / "cli.db")
    conn.execute("UPDATE directus_fields SET note = 'changed' WHERE field = 'title'")
    conn.commit()
    conn.close()
    proc = _drift("diff", url, str(schema), "--exit-code", "--format", "json")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["diff"]["fields"][0]["field"] == "title"


def _large(tables: int, columns: int) -> str:
    """``tables`` collections of ``columns`` fields each (options, notes with non-ASCII text)."""
    parts = []
    for t in range(tables):
        name = f"big_{t:03d}"
        cols = ", ".join(f"c{c:02d} varchar(255)" for c in range(1, columns))
        parts.append(f"CREATE TABLE {name} (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, {cols});")
        parts.append(f"INSERT INTO directus_collections (collection, note) VALUES ('{name}', 'Größe {t}');")
        for c in range(columns):
            field = "id" if c == 0 else f"c{c:02d}"
            parts.append(
                "INSERT INTO directus_fields (collection, field, interface, options, sort, note) "
                f"VALUES ('{name}', '{field}', 'input', '{{\"n\": {c}, \"t\": \"✓\"}}', {c + 1}, "
                f"'Feld {c} ünïcødé');"
            )
    return "\n".join(parts)


def test_cli_snapshot_of_a_large_database_is_the_whole_document(tmp_path: Path) -> None:
    """Above the size at which the YAML is built and written on two cores (a child process writes
    part of the fields), ``drift snapshot`` writes exactly the text of the one-process writer, to
    a file and to stdout, and the file reads back as the database's snapshot."""
    from drift.snapshot.parallel import MIN_FIELDS
    from drift.snapshot.yamlio import dump_yaml

    url = _make(tmp_path / "large.db", DIRECTUS_TABLES, _large(MIN_FIELDS // 20 + 10, 20))
    whole = dump_yaml(_snapshot(url))
    out = tmp_path / "large.yaml"
    proc = _drift("snapshot", url, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == whole.encode("utf-8")
    proc = _drift("snapshot", url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == whole
