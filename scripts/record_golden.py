#!/usr/bin/env python3
"""Record the golden ``/schema/diff`` cases in ``tests/fixtures/diff/`` from a real Directus 12.4.1.

Every case folder holds ``current.json`` (the server's own ``GET /schema/snapshot``), ``desired.json``
(the exact bytes POSTed to ``/schema/diff``: the current snapshot edited the way a user edits the
schema file) and ``expected.json`` (``{"status", "mode", "force", "hash", "diff"}`` where hash and diff
are the server's ``data`` verbatim, ``null`` on 204; a 400 records ``"message"`` instead). Nothing in
these files is computed by drift: they are what Directus answered.

How it runs:

1. Start a dedicated Directus 12.4.1 on 127.0.0.1:8056 backed by a fresh PostgreSQL database
   ``drift_golden`` (``reset``: drop + recreate, so every run records the same schema). The start
   script is ``scripts/directus-server.sh`` when present, else ``../shared/directus/start-directus.sh``
   next to the repository; ``--start-script`` or ``DRIFT_DIRECTUS_START_SCRIPT`` overrides it. It is
   driven through ``DIRECTUS_PORT`` / ``DIRECTUS_DB_NAME`` and prints ``KEY=VALUE`` lines.
2. Build a base schema through the REST API (folders, nested groups, most field types, alias
   fields, m2o / o2m / m2m / a2o relations, a custom field on ``directus_users``, translations,
   choices, odd option keys; 11 user collections, well under the 25 of the free license).
3. Stage ``base``: named cases (every entity kind created / deleted / edited, meta collapse, array
   edits, alias swaps, folders, systemFields, merge mode, partial v2 snapshots, unicode and odd keys,
   auto-increment primary keys, no-change, version / vendor mismatch with and without ``force``)
   and seeded random multi-mutations (``random.Random("golden-<n>")``, so re-recording gives the
   same desired snapshots).
4. Stage ``applied``: one diff is applied with ``POST /schema/apply`` and a few cases are recorded
   against the resulting schema. Stage ``fresh``: the database is reset, the base snapshot is
   diffed against the empty instance, applied, and diffed again.
5. Stop the server (unless ``--keep-running``); the database is left for the next run's reset.

Usage::

    .venv/bin/python scripts/record_golden.py [--out tests/fixtures/diff] [--keep-running]

The output folder's case folders are replaced wholesale; a run takes about a minute.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "diff"

Snap = dict[str, Any]
Mutation = Callable[[Snap], None]


# --------------------------------------------------------------------------- server


def default_start_script() -> Path:
    env = os.environ.get("DRIFT_DIRECTUS_START_SCRIPT")
    if env:
        return Path(env)
    own = ROOT / "scripts" / "directus-server.sh"
    if own.is_file():
        return own
    return ROOT.parent / "shared" / "directus" / "start-directus.sh"


class Server:
    """A Directus started through the start script, plus a tiny REST client."""

    def __init__(self, script: Path, port: int, db_name: str) -> None:
        self.script = script
        self.env = dict(os.environ, DIRECTUS_PORT=str(port), DIRECTUS_DB_NAME=db_name)
        self.url = ""
        self.http = requests.Session()

    def _run(self, cmd: str) -> dict[str, str]:
        out = subprocess.run(
            ["bash", str(self.script), cmd], env=self.env, check=True, capture_output=True, text=True
        ).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def reset(self) -> None:
        info = self._run("reset")
        self.url = info["DIRECTUS_URL"]
        self.http.headers["Authorization"] = f"Bearer {info['DIRECTUS_TOKEN']}"

    def stop(self) -> None:
        self._run("stop")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        r = self.http.request(method, self.url + path, json=body, timeout=60)
        if r.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:500]}")
        return r.json()["data"] if r.content else None

    def snapshot(self, query: str = "") -> Snap:
        r = self.http.get(self.url + "/schema/snapshot" + query, timeout=60)
        r.raise_for_status()
        return json.loads(r.text)["data"]

    def diff(self, body: bytes, mode: str, force: bool) -> tuple[int, Any]:
        params = []
        if mode == "merge":
            params.append("mode=merge")
        if force:
            params.append("force=true")
        path = "/schema/diff" + ("?" + "&".join(params) if params else "")
        r = self.http.post(
            self.url + path, data=body, headers={"Content-Type": "application/json"}, timeout=60
        )
        if r.status_code == 204:
            return 204, None
        if r.status_code == 200:
            return 200, json.loads(r.text)["data"]
        if r.status_code == 400:
            return 400, json.loads(r.text)["errors"][0]["message"]
        raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:500]}")

    def apply(self, data: Any) -> None:
        r = self.http.post(self.url + "/schema/apply", json=data, timeout=120)
        if r.status_code != 204:
            raise RuntimeError(f"POST /schema/apply: {r.status_code} {r.text[:500]}")


# --------------------------------------------------------------------------- base schema


def pk_int(big: bool = False) -> dict[str, Any]:
    return {
        "field": "id",
        "type": "bigInteger" if big else "integer",
        "meta": {"hidden": True, "interface": "input", "readonly": True},
        "schema": {"is_primary_key": True, "has_auto_increment": True},
    }


def fld(name: str, type_: str, meta: dict[str, Any] | None = None, **schema: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"field": name, "type": type_, "meta": meta or {}}
    if type_ != "alias":
        out["schema"] = schema
    return out


ODD_OPTIONS = {
    "a": 1,
    "a b": 2,
    "a!": 3,
    "10": "ten",
    "9": "nine",
    "😀": "smile",
    "Z": True,
    "_x": None,
    "é": [1, 2],
    "nested": {"k 1": 1, "k": 2, "2": "two"},
}


def build_base(s: Server) -> None:
    """Create the base schema: 11 user collections, every relation kind."""
    post = s.call
    post("POST", "/collections", {
        "collection": "site", "schema": None,
        "meta": {"icon": "folder", "note": "Top folder",
                 "translations": [{"language": "en-US", "translation": "Site"},
                                  {"language": "de-DE", "translation": "Seite"}]},
    })
    post("POST", "/collections", {
        "collection": "blog", "schema": None,
        "meta": {"icon": "folder_open", "group": "site", "sort": 1, "collapse": "closed"},
    })
    post("POST", "/collections", {"collection": "empty_folder", "schema": None, "meta": {"icon": "inbox"}})
    post("POST", "/collections", {
        "collection": "authors", "schema": {},
        "meta": {"icon": "person", "note": "People who write ✍️", "group": "blog", "sort": 1,
                 "display_template": "{{name}}", "color": "#6644FF"},
        "fields": [
            pk_int(),
            fld("name", "string", {"interface": "input", "required": True, "width": "half",
                                   "translations": [{"language": "en-US", "translation": "Name"},
                                                    {"language": "fr-FR", "translation": "Nom"},
                                                    {"language": "ja-JP", "translation": "名前"}]},
                max_length=120, is_nullable=False),
            fld("email", "string", {"interface": "input", "width": "half",
                                    "validation": {"_and": [{"email": {"_contains": "@"}}]},
                                    "validation_message": "Must contain @"},
                is_unique=True),
            fld("bio", "text", {"interface": "input-rich-text-md", "note": "Ünïcødé ✓ 日本語 😀"}),
            fld("prefs", "json", {"interface": "input-code", "special": ["cast-json"],
                                  "options": {"language": "json", "template": "{}"}}),
        ],
    })
    post("POST", "/collections", {
        "collection": "categories", "schema": {},
        "meta": {"icon": "category", "sort_field": "sort", "group": "site", "sort": 2,
                 "item_duplication_fields": ["name", "parent"]},
        "fields": [
            pk_int(),
            fld("name", "string", {"interface": "input",
                                   "translations": [{"language": "en-US", "translation": "Name"},
                                                    {"language": "de-DE", "translation": "Bezeichnung"}]},
                max_length=80),
            fld("sort", "integer", {"interface": "input", "hidden": True}),
            fld("parent", "integer", {"interface": "select-dropdown-m2o", "special": ["m2o"]}),
        ],
    })
    post("POST", "/collections", {
        "collection": "articles", "schema": {},
        "meta": {"icon": "article", "group": "blog", "sort": 2, "archive_field": "status",
                 "archive_value": "archived", "unarchive_value": "draft", "versioning": True,
                 "translations": [{"language": "en-US", "translation": "Articles", "singular": "Article",
                                   "plural": "Articles"}]},
        "fields": [
            {"field": "id", "type": "uuid",
             "meta": {"hidden": True, "readonly": True, "interface": "input", "special": ["uuid"]},
             "schema": {"is_primary_key": True, "length": 36, "has_auto_increment": False}},
            fld("title", "string", {"interface": "input", "required": True,
                                    "translations": [{"language": "en-US", "translation": "Title"},
                                                     {"language": "fr-FR", "translation": "Titre"},
                                                     {"language": "ja-JP", "translation": "題名"}]},
                default_value="untitled", max_length=255, is_nullable=False),
            fld("slug", "string", {"interface": "input", "width": "half",
                                   "options": {"slug": True, "trim": True}},
                max_length=100, is_unique=True),
            fld("status", "string", {
                "interface": "select-dropdown", "width": "half", "display": "labels",
                "options": {"choices": [
                    {"text": "Draft", "value": "draft"},
                    {"text": "In review", "value": "review", "color": "#FFA439"},
                    {"text": "Published", "value": "published"},
                    {"text": "Archived", "value": "archived"}]},
                "display_options": {"showAsDot": True, "choices": [
                    {"text": "Draft", "value": "draft", "foreground": "#18222F"},
                    {"text": "Published", "value": "published", "foreground": "#FFFFFF"}]}},
                default_value="draft", max_length=20, is_nullable=False),
            fld("body", "text", {"interface": "input-rich-text-html"}),
            fld("views", "integer", {"interface": "input", "readonly": True}, default_value=0,
                is_indexed=True),
            fld("price", "decimal", {"interface": "input"}, numeric_precision=10, numeric_scale=2),
            fld("weight", "float", {"interface": "input", "options": {"min": 0, "step": 0.5}}),
            fld("published_on", "date", {"interface": "datetime"}),
            fld("created_at", "timestamp", {"interface": "datetime", "readonly": True,
                                            "special": ["date-created", "cast-timestamp"]}),
            fld("updated", "dateTime", {"interface": "datetime", "special": ["date-updated"]}),
            fld("starts", "time", {"interface": "datetime"}),
            fld("is_featured", "boolean", {"interface": "boolean", "special": ["cast-boolean"]},
                default_value=False),
            fld("tags", "csv", {"interface": "tags", "special": ["cast-csv"],
                                "options": {"presets": ["news", "tech"]}}),
            fld("secret", "hash", {"interface": "input-hash", "special": ["hash"], "hidden": True}),
            fld("raw", "binary", {"interface": "input", "hidden": True}),
        ],
    })
    post("POST", "/fields/articles", fld("author", "integer",
                                         {"interface": "select-dropdown-m2o", "special": ["m2o"],
                                          "display": "related-values",
                                          "display_options": {"template": "{{name}}"}}))
    post("POST", "/fields/articles", fld("editor", "uuid",
                                         {"interface": "select-dropdown-m2o", "special": ["m2o"]}))
    post("POST", "/fields/articles", fld("category", "integer",
                                         {"interface": "select-dropdown-m2o", "special": ["m2o"]}))
    post("POST", "/fields/articles", fld("divider_meta", "alias",
                                         {"interface": "presentation-divider",
                                          "special": ["alias", "no-data"],
                                          "options": {"title": "Meta", "icon": "info"}}))
    post("POST", "/fields/articles", fld("seo", "alias",
                                         {"interface": "group-detail",
                                          "special": ["alias", "no-data", "group"],
                                          "options": {"start": "closed"}}))
    post("POST", "/fields/articles", fld("seo_title", "string",
                                         {"interface": "input", "group": "seo", "sort": 1}, max_length=70))
    post("POST", "/fields/articles", fld("seo_description", "text",
                                         {"interface": "input-multiline", "group": "seo", "sort": 2,
                                          "conditions": [{"name": "hide when draft",
                                                          "rule": {"status": {"_eq": "draft"}},
                                                          "hidden": True}]}))
    post("POST", "/collections", {
        "collection": "articles_categories", "schema": {}, "meta": {"hidden": True, "icon": "import_export"},
        "fields": [
            pk_int(),
            fld("articles_id", "uuid", {"hidden": True}),
            fld("categories_id", "integer", {"hidden": True}),
        ],
    })
    post("POST", "/fields/articles", fld("categories", "alias",
                                         {"interface": "list-m2m", "special": ["m2m"]}))
    post("POST", "/collections", {
        "collection": "pages", "schema": {},
        "meta": {"icon": "web", "group": "site", "sort": 3, "preview_url": "https://example.com/{{id}}"},
        "fields": [
            {"field": "id", "type": "string", "meta": {"interface": "input", "note": "slug"},
             "schema": {"is_primary_key": True, "max_length": 64, "has_auto_increment": False}},
            fld("title", "string", {"interface": "input", "note": "Näme — “quoted” ☃"}, max_length=200),
            fld("content", "text", {"interface": "input-block-editor", "special": ["cast-json"]}),
        ],
    })
    post("POST", "/collections", {
        "collection": "comments", "schema": {}, "meta": {"icon": "chat", "accountability": None},
        "fields": [
            pk_int(big=True),
            fld("collection", "string", {"hidden": True}, max_length=64),
            fld("item", "string", {"hidden": True}, max_length=255),
            fld("article", "uuid", {"interface": "select-dropdown-m2o", "special": ["m2o"]}),
        ],
    })
    post("POST", "/fields/articles", fld("comments", "alias", {"interface": "list-o2m", "special": ["o2m"]}))
    post("POST", "/fields/authors", fld("articles", "alias", {"interface": "list-o2m", "special": ["o2m"]}))
    post("POST", "/fields/categories", fld("children", "alias", {"interface": "list-o2m", "special": ["o2m"]}))
    post("POST", "/collections", {
        "collection": "settings", "schema": {}, "meta": {"singleton": True, "icon": "settings"},
        "fields": [
            pk_int(),
            fld("theme", "json", {"interface": "input-code", "special": ["cast-json"],
                                  "options": ODD_OPTIONS, "display_options": {"10": 1, "9": 2, "a b": 3, "a": 4}}),
        ],
    })
    post("POST", "/collections", {
        "collection": "Zebra", "schema": {}, "meta": {"icon": "pets", "note": "Upper-case name sorts first"},
        "fields": [pk_int(), fld("label", "string", {"interface": "input"})],
    })
    post("POST", "/fields/directus_users", fld("nickname", "string", {"interface": "input"}, max_length=50))

    def rel(body: dict[str, Any]) -> None:
        post("POST", "/relations", body)

    rel({"collection": "articles", "field": "author", "related_collection": "authors",
         "meta": {"one_field": "articles", "one_deselect_action": "nullify"}, "schema": {"on_delete": "SET NULL"}})
    rel({"collection": "articles", "field": "editor", "related_collection": "directus_users",
         "meta": {}, "schema": {"on_delete": "SET NULL"}})
    rel({"collection": "articles", "field": "category", "related_collection": "categories",
         "meta": {}, "schema": {"on_delete": "NO ACTION"}})
    rel({"collection": "categories", "field": "parent", "related_collection": "categories",
         "meta": {"one_field": "children", "sort_field": "sort"}, "schema": {"on_delete": "CASCADE"}})
    rel({"collection": "articles_categories", "field": "articles_id", "related_collection": "articles",
         "meta": {"one_field": "categories", "junction_field": "categories_id", "one_deselect_action": "delete"},
         "schema": {"on_delete": "CASCADE"}})
    rel({"collection": "articles_categories", "field": "categories_id", "related_collection": "categories",
         "meta": {"junction_field": "articles_id"}, "schema": {"on_delete": "CASCADE"}})
    rel({"collection": "comments", "field": "article", "related_collection": "articles",
         "meta": {"one_field": "comments"}, "schema": {"on_delete": "SET NULL", "on_update": "CASCADE"}})
    rel({"collection": "comments", "field": "item", "related_collection": None,
         "meta": {"one_allowed_collections": ["articles", "pages"], "one_collection_field": "collection"},
         "schema": None})
    # a system index beyond the defaults, so systemFields has a user-made entry
    post("PATCH", "/fields/directus_users/last_access", {"schema": {"is_indexed": True}})


# --------------------------------------------------------------------------- editing a snapshot like a user edits the schema file


def coll(d: Snap, name: str) -> dict[str, Any]:
    return next(c for c in d["collections"] if c["collection"] == name)


def field(d: Snap, c: str, f: str) -> dict[str, Any]:
    return next(x for x in d["fields"] if x["collection"] == c and x["field"] == f)


def relation(d: Snap, c: str, f: str) -> dict[str, Any]:
    return next(x for x in d["relations"] if x["collection"] == c and x["field"] == f)


def drop_collection(d: Snap, name: str, with_fields: bool = True) -> None:
    d["collections"] = [c for c in d["collections"] if c["collection"] != name]
    if with_fields:
        d["fields"] = [f for f in d["fields"] if f["collection"] != name]
        d["relations"] = [r for r in d["relations"] if r["collection"] != name]


def drop_field(d: Snap, c: str, f: str, with_relation: bool = True) -> None:
    d["fields"] = [x for x in d["fields"] if not (x["collection"] == c and x["field"] == f)]
    if with_relation:
        drop_relation(d, c, f)


def drop_relation(d: Snap, c: str, f: str) -> None:
    d["relations"] = [x for x in d["relations"] if not (x["collection"] == c and x["field"] == f)]


def next_sort(d: Snap, c: str) -> int:
    sorts = [x["meta"].get("sort") or 0 for x in d["fields"] if x["collection"] == c and x.get("meta")]
    return max(sorts, default=0) + 1


def clone_field(d: Snap, src: tuple[str, str], c: str, f: str, **meta: Any) -> dict[str, Any]:
    """A new field made the way a user would: copy a similar block and rename it."""
    new = copy.deepcopy(field(d, *src))
    new["collection"], new["field"] = c, f
    new["meta"].update({"collection": c, "field": f, "sort": next_sort(d, c)})
    new["meta"].update(meta)
    if "schema" in new:
        new["schema"].update({"name": f, "table": c, "is_primary_key": False, "is_unique": False,
                              "has_auto_increment": False, "is_indexed": False,
                              "foreign_key_table": None, "foreign_key_column": None})
    d["fields"].append(new)
    return new


def new_collection(d: Snap, name: str, group: str | None = None, folder: bool = False,
                   label_type: str = "string") -> dict[str, Any]:
    c = copy.deepcopy(coll(d, "Zebra"))
    c["collection"] = name
    c["meta"].update({"collection": name, "group": group, "note": None, "icon": "box"})
    if folder:
        del c["schema"]
    else:
        c["schema"] = {"name": name}
    d["collections"].append(c)
    if not folder:
        pk = copy.deepcopy(field(d, "Zebra", "id"))
        pk["collection"] = name
        pk["meta"]["collection"] = name
        pk["schema"].update({"table": name, "default_value": f"nextval('{name}_id_seq'::regclass)"})
        d["fields"].append(pk)
        lab = copy.deepcopy(field(d, "Zebra", "label"))
        lab["collection"] = name
        lab["meta"]["collection"] = name
        lab["schema"]["table"] = name
        if label_type == "text":
            lab["type"] = "text"
            lab["schema"].update({"data_type": "text", "max_length": None})
        d["fields"].append(lab)
    return c


def new_m2o(d: Snap, c: str, f: str, target: str, with_schema: bool = True) -> None:
    fl = clone_field(d, ("articles", "category"), c, f)
    fl["schema"]["foreign_key_table"] = target if with_schema else None
    fl["schema"]["foreign_key_column"] = "id" if with_schema else None
    r = copy.deepcopy(relation(d, "articles", "category"))
    r.update({"collection": c, "field": f, "related_collection": target})
    r["meta"].update({"many_collection": c, "many_field": f, "one_collection": target})
    if with_schema:
        r["schema"].update({"table": c, "column": f, "foreign_key_table": target,
                            "constraint_name": f"{c}_{f}_foreign"})
    else:
        del r["schema"]
    d["relations"].append(r)


def alias_to_real(d: Snap, c: str, f: str) -> None:
    x = field(d, c, f)
    x["type"] = "string"
    x["meta"]["special"] = None
    x["meta"]["interface"] = "input"
    x["schema"] = {"name": f, "table": c, "data_type": "character varying", "default_value": None,
                   "max_length": 255, "numeric_precision": None, "numeric_scale": None, "is_nullable": True,
                   "is_unique": False, "is_indexed": False, "is_primary_key": False, "is_generated": False,
                   "generation_expression": None, "has_auto_increment": False, "foreign_key_table": None,
                   "foreign_key_column": None}


def real_to_alias(d: Snap, c: str, f: str) -> None:
    x = field(d, c, f)
    x["type"] = "alias"
    x["meta"]["special"] = ["alias", "no-data"]
    x["meta"]["interface"] = "presentation-divider"
    x.pop("schema", None)


def partial(d: Snap, keep: set[str]) -> Snap:
    """A version-2 snapshot of ``keep`` (what a user would cut out of a full one)."""
    p = copy.deepcopy(d)
    p["version"] = 2
    for k in ("collections", "fields", "relations", "systemFields"):
        p[k] = [x for x in p[k] if x["collection"] in keep]
    return p


def choices(d: Snap, c: str = "articles", f: str = "status") -> list[Any]:
    return field(d, c, f)["meta"]["options"]["choices"]


def tr(d: Snap, c: str = "articles", f: str = "title") -> list[Any]:
    return field(d, c, f)["meta"]["translations"]


def sysf(d: Snap, c: str, f: str, indexed: bool = True) -> dict[str, Any]:
    return {"collection": c, "field": f, "schema": {"is_indexed": indexed}}


# --------------------------------------------------------------------------- named cases

Case = tuple[str, Callable[[Snap], Snap | None], str, bool]
CASES: list[Case] = []


def case(name: str, mode: str = "mirror", force: bool = False) -> Callable[[Callable[[Snap], Any]], Any]:
    def deco(fn: Callable[[Snap], Any]) -> Callable[[Snap], Any]:
        CASES.append((name, fn, mode, force))
        return fn
    return deco


def simple(name: str, fn: Mutation, mode: str = "mirror", force: bool = False) -> None:
    CASES.append((name, fn, mode, force))


def setv(getter: Callable[[Snap], dict[str, Any]], key: str, value: Any) -> Mutation:
    def m(d: Snap) -> None:
        getter(d)[key] = value
    return m


def cmeta(name: str) -> Callable[[Snap], dict[str, Any]]:
    return lambda d: coll(d, name)["meta"]


def fmeta(c: str, f: str) -> Callable[[Snap], dict[str, Any]]:
    return lambda d: field(d, c, f)["meta"]


def fschema(c: str, f: str) -> Callable[[Snap], dict[str, Any]]:
    return lambda d: field(d, c, f)["schema"]


def rmeta(c: str, f: str) -> Callable[[Snap], dict[str, Any]]:
    return lambda d: relation(d, c, f)["meta"]


def rschema(c: str, f: str) -> Callable[[Snap], dict[str, Any]]:
    return lambda d: relation(d, c, f)["schema"]


def seq(*ms: Mutation) -> Mutation:
    def m(d: Snap) -> None:
        for x in ms:
            x(d)
    return m


# Each case is one desired snapshot. Edits that touch different entities are grouped into one case
# (each entity is diffed on its own, so nothing is lost), which keeps the fixtures small.

# no change -------------------------------------------------------------------
simple("nochange-identical", lambda d: None)


@case("nochange-reordered")
def _(d: Snap) -> None:
    """Entity order and key order do not matter to the diff."""
    for k in ("collections", "fields", "relations", "systemFields"):
        d[k].reverse()
    for k in ("collections", "fields", "relations"):
        for x in d[k]:
            x["meta"] = dict(reversed(list(x["meta"].items())))
            if "schema" in x:
                x["schema"] = dict(reversed(list(x["schema"].items())))


@case("nochange-ignored-edits")
def _(d: Snap) -> None:
    """Unknown field-schema keys (sanitized away), auto-increment PK schema edits, an unindexed
    systemField the instance does not have."""
    field(d, "articles", "title")["schema"]["comment"] = "ignored by the sanitizer"
    field(d, "authors", "name")["schema"]["foreign_key_schema"] = "public"
    field(d, "authors", "id")["schema"].update({"data_type": "bigint", "default_value": None})
    field(d, "comments", "id")["schema"]["is_nullable"] = True
    d["systemFields"].append(sysf(d, "directus_users", "email", False))


simple("nochange-merge-deletes-only", seq(lambda d: drop_collection(d, "Zebra"),
                                          lambda d: drop_field(d, "authors", "bio"),
                                          lambda d: drop_relation(d, "articles", "category")), mode="merge")
simple("nochange-partial-identical", lambda d: partial(d, {"authors", "articles"}))
simple("nochange-force-matching", lambda d: None, force=True)

# collections -------------------------------------------------------------------
simple("collection-create-table", lambda d: new_collection(d, "products"))


@case("collection-create-folder-unicode-order")
def _(d: Snap) -> None:
    new_collection(d, "archive_folder", folder=True)
    c = new_collection(d, "Alpha")
    c["meta"]["note"] = "Ärger 😀 𝒜"
    c["meta"]["translations"] = [{"language": "ja-JP", "translation": "アルファ"}]
    new_collection(d, "_underscore", folder=True)
    new_collection(d, "aardvark")


@case("collection-create-nested-groups")
def _(d: Snap) -> None:
    new_collection(d, "shop", folder=True)
    new_collection(d, "products", group="shop")
    new_collection(d, "product_notes", group="products", label_type="text")


@case("collection-create-with-relation")
def _(d: Snap) -> None:
    new_collection(d, "reviews", group="blog")
    new_m2o(d, "reviews", "author", "authors")


simple("collection-delete-table", lambda d: drop_collection(d, "Zebra"))
simple("collection-delete-with-relations", seq(lambda d: drop_collection(d, "categories"),
                                               lambda d: drop_collection(d, "articles_categories")))
simple("collection-delete-folders", seq(lambda d: drop_collection(d, "empty_folder"),
                                        lambda d: drop_collection(d, "blog")))
simple("collection-delete-entry-only", lambda d: drop_collection(d, "pages", with_fields=False))
simple("collection-meta-scalars", seq(
    setv(cmeta("authors"), "note", "Changed note"),
    setv(cmeta("pages"), "icon", "description"), setv(cmeta("pages"), "color", "#2ECDA7"),
    setv(cmeta("articles_categories"), "hidden", False), setv(cmeta("Zebra"), "sort", 7),
    setv(cmeta("settings"), "singleton", False), setv(cmeta("articles"), "versioning", False),
    setv(cmeta("articles"), "archive_app_filter", False), setv(cmeta("articles"), "archive_value", "gone")))
simple("collection-meta-nulls", seq(setv(cmeta("authors"), "note", None),
                                    setv(cmeta("site"), "translations", None),
                                    setv(cmeta("categories"), "item_duplication_fields", None)))
simple("collection-meta-groups", seq(setv(cmeta("articles"), "group", "site"), setv(cmeta("blog"), "group", None),
                                     setv(cmeta("Zebra"), "group", "empty_folder")))
simple("collection-meta-arrays-append-edit", seq(
    lambda d: coll(d, "site")["meta"]["translations"].append({"language": "fr-FR", "translation": "Site web"}),
    lambda d: coll(d, "articles")["meta"]["translations"][0].update({"plural": "Posts"}),
    setv(cmeta("pages"), "translations", [{"language": "en-US", "translation": "Pages"}]),
    lambda d: coll(d, "categories")["meta"]["item_duplication_fields"].append("sort")))
simple("collection-meta-translations-remove", lambda d: coll(d, "site")["meta"]["translations"].pop(0))
simple("collection-meta-translations-reorder", lambda d: coll(d, "site")["meta"]["translations"].reverse())
simple("collection-meta-translations-add-key", lambda d: coll(d, "articles")["meta"]["translations"][0].update(
    {"note": "new key in an array element"}))
simple("collection-meta-unknown-key-and-key-removed", seq(setv(cmeta("authors"), "custom_key", 1),
                                                         lambda d: coll(d, "pages")["meta"].pop("color")))
simple("collection-table-to-folder-and-back", seq(
    lambda d: coll(d, "Zebra").pop("schema"),
    setv(lambda d: coll(d, "empty_folder"), "schema", {"name": "empty_folder"})))
simple("collection-table-to-folder-with-meta", seq(lambda d: coll(d, "pages").pop("schema"),
                                                   setv(cmeta("pages"), "icon", "folder")))
simple("collection-schema-name-key-edit-meta-null", seq(
    setv(lambda d: coll(d, "empty_folder"), "meta", None),setv(lambda d: coll(d, "Zebra"), "schema", {"name": "zebra2"}),
                                                  setv(cmeta("pages"), "collection", "page")))

# fields: create ------------------------------------------------------------------
simple("field-create-string-and-on-system-collection", seq(
    lambda d: clone_field(d, ("authors", "name"), "authors", "nickname"),
    lambda d: clone_field(d, ("directus_users", "nickname"), "directus_users", "pronouns")))


@case("field-create-types")
def _(d: Snap) -> None:
    hits = clone_field(d, ("articles", "views"), "pages", "hits")
    hits["schema"]["is_indexed"] = True
    clone_field(d, ("authors", "prefs"), "pages", "meta_json")
    clone_field(d, ("articles", "editor"), "pages", "reviewer")
    clone_field(d, ("articles", "price"), "pages", "cost")
    clone_field(d, ("articles", "is_featured"), "pages", "published")
    clone_field(d, ("articles", "created_at"), "authors", "joined")
    clone_field(d, ("articles", "tags"), "authors", "topics")
    clone_field(d, ("articles", "secret"), "authors", "password")


simple("field-create-aliases", seq(
    lambda d: clone_field(d, ("articles", "divider_meta"), "pages", "divider"),
    lambda d: clone_field(d, ("authors", "articles"), "pages", "comments"),
    lambda d: clone_field(d, ("articles", "seo_title"), "articles", "seo_keywords", group="seo", sort=3)))
simple("field-create-m2o-with-relation", lambda d: new_m2o(d, "pages", "author", "authors"))
simple("field-create-m2o-relations-without-fk", seq(lambda d: new_m2o(d, "pages", "owner", "authors", False),
                                                  lambda d: new_m2o(d, "pages", "parent", "pages", False)))
simple("field-rename", seq(lambda d: clone_field(d, ("authors", "bio"), "authors", "biography"),
                           lambda d: drop_field(d, "authors", "bio")))

# fields: delete ------------------------------------------------------------------
simple("field-delete-and-o2m-alias", seq(lambda d: drop_field(d, "authors", "bio"),
                                         lambda d: drop_field(d, "authors", "articles")))
simple("field-delete-m2o-with-relation", lambda d: drop_field(d, "articles", "author"))
simple("field-delete-m2o-keep-relation", lambda d: drop_field(d, "articles", "category", with_relation=False))
simple("field-delete-several", seq(lambda d: drop_field(d, "articles", "weight"),
                                   lambda d: drop_field(d, "articles", "raw"),
                                   lambda d: drop_field(d, "settings", "theme"),
                                   lambda d: drop_field(d, "Zebra", "id"),
                                   lambda d: drop_field(d, "articles", "seo"),
                                   lambda d: drop_field(d, "directus_users", "nickname")))

# fields: meta ----------------------------------------------------------------------
simple("field-meta-scalars", seq(
    setv(fmeta("articles", "body"), "note", "The body"),
    setv(fmeta("articles", "body"), "interface", "input-multiline"), setv(fmeta("articles", "body"), "width", "half"),
    setv(fmeta("articles", "views"), "hidden", True), setv(fmeta("articles", "views"), "readonly", False),
    setv(fmeta("pages", "title"), "required", True),
    setv(fmeta("directus_users", "nickname"), "note", "Shown in the app"),
    setv(fmeta("authors", "bio"), "note", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — \u00e9\u0301 👩‍💻 \t tab")))
simple("field-meta-sort-swap", seq(setv(fmeta("articles", "title"), "sort", 3),
                                   setv(fmeta("articles", "slug"), "sort", 2)))
simple("field-meta-group-move", seq(setv(fmeta("articles", "slug"), "group", "seo"),
                                    setv(fmeta("articles", "slug"), "sort", 3),
                                    setv(fmeta("articles", "seo_title"), "group", None)))
simple("field-meta-special", seq(lambda d: field(d, "articles", "created_at")["meta"]["special"].append("x"),
                                 setv(fmeta("articles", "tags"), "special", None),
                                 lambda d: field(d, "articles", "seo")["meta"]["special"].pop(0)))
simple("field-meta-conditions", seq(
    lambda d: field(d, "articles", "seo_description")["meta"]["conditions"][0]["rule"]["status"].update(
        {"_eq": "review"}),
    lambda d: field(d, "articles", "seo_description")["meta"]["conditions"].append(
        {"name": "readonly when published", "rule": {"status": {"_eq": "published"}}, "readonly": True})))
simple("field-meta-options-validation", seq(
    setv(fmeta("authors", "email"), "validation", {"_and": [{"email": {"_regex": "^.+@.+$"}}]}),
    setv(fmeta("pages", "title"), "options", {"placeholder": "Title…"}),
    setv(fmeta("articles", "slug"), "options", None),
    lambda d: field(d, "articles", "weight")["meta"]["options"].update({"step": 0.25}),
    lambda d: field(d, "articles", "status")["meta"]["display_options"]["choices"][1].update(
        {"foreground": "#000000"})))
simple("field-meta-unknown-key-and-key-removed", seq(setv(fmeta("articles", "title"), "custom_key", {"x": 1}),
                                                    lambda d: field(d, "articles", "body")["meta"].pop("note")))
simple("field-meta-unknown-key-and-schema-edit", seq(setv(fmeta("authors", "name"), "extra", True),
                                                     setv(fschema("authors", "name"), "max_length", 150),
                                                     setv(fmeta("authors", "name"), "note", "n")))
simple("meta-null-field-and-relation", seq(setv(lambda d: field(d, "pages", "content"), "meta", None),
                                           setv(lambda d: relation(d, "articles", "editor"), "meta", None)))

# choices (all on articles.status) --------------------------------------------------
simple("choices-append", lambda d: choices(d).append({"text": "Scheduled", "value": "scheduled"}))
simple("choices-append-two-and-display", seq(
    lambda d: choices(d).extend([{"text": "A", "value": "a"}, {"text": "B", "value": "b"}]),
    lambda d: field(d, "articles", "status")["meta"]["display_options"]["choices"].append(
        {"text": "Archived", "value": "archived", "foreground": "#999999"})))
simple("choices-prepend", lambda d: choices(d).insert(0, {"text": "New", "value": "new"}))
simple("choices-remove-last-edit-text", seq(lambda d: choices(d).pop(), lambda d: choices(d)[2].update(
    {"text": "Live"})))
simple("choices-remove-first", lambda d: choices(d).pop(0))
simple("choices-remove-all-and-new-on-field", seq(lambda d: choices(d).clear(), setv(
    fmeta("articles", "slug"), "options", {"choices": [{"text": "x", "value": "x"}], "slug": True, "trim": True})))
simple("choices-swap", lambda d: choices(d).__setitem__(slice(0, 2), list(reversed(choices(d)[0:2]))))
simple("choices-add-and-remove-key-in-items", seq(lambda d: choices(d)[0].update({"icon": "edit"}),
                                                  lambda d: choices(d)[1].pop("color")))

# translations (articles.title unless noted) ----------------------------------------
simple("translations-append", lambda d: tr(d).append({"language": "de-DE", "translation": "Überschrift"}))
simple("translations-remove-middle", lambda d: tr(d).pop(1))
simple("translations-reorder", lambda d: tr(d).sort(key=lambda t: t["language"], reverse=True))
simple("translations-prepend", lambda d: tr(d).insert(0, {"language": "es-ES", "translation": "Título"}))
simple("translations-null-and-to-null", seq(
    setv(fmeta("pages", "title"), "translations", [{"language": "en-US", "translation": "Page title"}]),
    setv(fmeta("authors", "name"), "translations", None)))

# odd keys (settings.theme holds "a", "a b", "a!", "10", "9", emoji, ...) ----------------
simple("oddkeys-add-options-and-reorder", seq(
    setv(fmeta("pages", "title"), "options", dict(ODD_OPTIONS)),
    setv(fmeta("settings", "theme"), "options", dict(reversed(list(ODD_OPTIONS.items()))))))
simple("oddkeys-add-to-existing", lambda d: field(d, "settings", "theme")["meta"]["options"].update(
    {"a c": 5, "11": "eleven", "0": "zero", "🎉": 1, "a(": 0, "ab": 9}))
simple("oddkeys-remove", lambda d: [field(d, "settings", "theme")["meta"]["options"].pop(k)
                                    for k in ("a b", "10", "😀")])
simple("oddkeys-edit-values-translation-edit", seq(
    lambda d: tr(d)[2].update({"translation": "タイトル"}),
    lambda d: field(d, "settings", "theme")["meta"]["options"].update({"a b": 20, "9": "NINE", "😀": "grin",
                                                                       "a": None}),
    lambda d: field(d, "settings", "theme")["meta"]["options"]["nested"].update({"k 1": 10, "2": "deux"}),
    lambda d: field(d, "settings", "theme")["meta"]["display_options"].update({"10": 100, "a b": None})))
simple("oddkeys-meta-keys", seq(setv(fmeta("settings", "theme"), "a b", 1), setv(fmeta("settings", "theme"), "1", 2),
                               setv(cmeta("pages"), "10", "x"), setv(cmeta("pages"), "9", "y"),
                               setv(cmeta("pages"), "a b", 1), setv(cmeta("pages"), "😀", True)))

# fields: schema --------------------------------------------------------------------------
simple("schema-edits-defaults-length", seq(
    setv(fschema("articles", "title"), "max_length", 120),
    setv(fschema("articles", "status"), "default_value", "review"),
    setv(fschema("articles", "body"), "default_value", "…"),
    setv(fschema("articles", "weight"), "default_value", 3.75)))
simple("schema-edits-flags-numeric", seq(
    setv(fschema("pages", "title"), "is_nullable", False), setv(fschema("pages", "title"), "is_unique", True),
    setv(fschema("articles", "views"), "is_indexed", False),
    setv(fschema("articles", "price"), "numeric_precision", 12), setv(fschema("articles", "price"), "numeric_scale", 4),
    setv(fschema("articles", "author"), "foreign_key_table", None),
    setv(fschema("directus_users", "nickname"), "max_length", 80)))
simple("schema-type-changes", seq(
    setv(lambda d: field(d, "articles", "slug"), "type", "text"),
    setv(fschema("articles", "slug"), "data_type", "text"), setv(fschema("articles", "slug"), "max_length", None),
    setv(lambda d: field(d, "articles", "views"), "type", "bigInteger"),
    setv(fschema("articles", "views"), "data_type", "bigint")))
simple("schema-key-removed", lambda d: field(d, "articles", "body")["schema"].pop("is_generated"))
simple("schema-null-and-alias-gains-schema", seq(
    setv(lambda d: field(d, "articles", "body"), "schema", None),
    setv(lambda d: field(d, "articles", "divider_meta"), "schema", {"name": "divider_meta"})))
simple("schema-removed-and-type-null", seq(lambda d: field(d, "articles", "body").pop("schema"),
                                           setv(lambda d: field(d, "pages", "title"), "type", None)))
simple("schema-non-autoinc-pk-edits", seq(setv(fschema("articles", "id"), "is_nullable", True),
                                          setv(fschema("pages", "id"), "max_length", 128)))
simple("schema-autoinc-pk-meta-edit", seq(setv(fmeta("authors", "id"), "hidden", False),
                                          setv(fschema("authors", "id"), "is_nullable", True)))
simple("schema-autoinc-pk-unknown-meta-key", seq(setv(fmeta("comments", "id"), "x", 1),
                                                 setv(fschema("comments", "id"), "data_type", "integer")))

# alias swaps ------------------------------------------------------------------------------
simple("alias-to-real", lambda d: alias_to_real(d, "articles", "divider_meta"))
simple("real-to-alias", lambda d: real_to_alias(d, "articles", "body"))
simple("alias-swaps-several", seq(lambda d: alias_to_real(d, "authors", "articles"),
                                  setv(lambda d: field(d, "articles", "seo"), "type", None),
                                  setv(lambda d: field(d, "categories", "children"), "type", "o2m")))
simple("alias-swap-plus-edit", seq(lambda d: real_to_alias(d, "pages", "content"),
                                   setv(fmeta("pages", "title"), "note", "edited too")))

# relations --------------------------------------------------------------------------------
simple("relation-delete", lambda d: drop_relation(d, "articles", "category"))
simple("relation-delete-a2o-and-m2m-side", seq(lambda d: drop_relation(d, "comments", "item"),
                                               lambda d: drop_relation(d, "articles_categories", "categories_id")))
simple("relation-meta-edits", seq(
    setv(rmeta("articles", "editor"), "custom", "x"),
    setv(rmeta("articles", "author"), "one_deselect_action", "delete"),
    setv(rmeta("comments", "article"), "sort_field", "id"),
    lambda d: relation(d, "comments", "item")["meta"]["one_allowed_collections"].append("authors")))
simple("relation-meta-null-field-reorder", seq(
    setv(rmeta("articles", "author"), "one_field", None),
    lambda d: relation(d, "comments", "item")["meta"]["one_allowed_collections"].reverse()))
simple("relation-schema-edits-meta-key-removed", seq(
    lambda d: relation(d, "articles", "editor")["meta"].pop("sort_field"),setv(rschema("articles", "author"), "on_delete", "CASCADE"),
                                    setv(rschema("categories", "parent"), "constraint_name", "fk_parent")))
simple("relation-schema-removed-and-null", seq(lambda d: relation(d, "articles", "category").pop("schema"),
                                               setv(lambda d: relation(d, "articles", "editor"), "schema", None)))
simple("relation-schema-added-to-a2o-related-edit", seq(
    setv(lambda d: relation(d, "articles", "category"), "related_collection", "pages"),
    setv(rmeta("articles", "category"), "one_collection", "pages"),
    setv(lambda d: relation(d, "comments", "item"), "schema", {
    "table": "comments", "column": "item", "foreign_key_table": "articles", "foreign_key_column": "id",
    "constraint_name": "comments_item_foreign", "on_update": "NO ACTION", "on_delete": "SET NULL"})))

# systemFields ----------------------------------------------------------------------------
simple("sysf-remove-user-index-and-false", seq(
    lambda d: d.__setitem__("systemFields", [x for x in d["systemFields"] if x["field"] != "last_access"]),
    setv(lambda d: d["systemFields"][1]["schema"], "is_indexed", False)))
simple("sysf-empty-list", lambda d: d.__setitem__("systemFields", []))
simple("sysf-key-missing", lambda d: d.pop("systemFields"))
simple("sysf-add-new-and-false", lambda d: d["systemFields"].extend([
    sysf(d, "directus_users", "email"), sysf(d, "directus_files", "uploaded_on"),
    sysf(d, "directus_users", "status", False)]))
simple("sysf-with-field-edits", seq(lambda d: d["systemFields"].pop(), setv(fmeta("articles", "body"), "note", "x")))

# merge mode ------------------------------------------------------------------------------
simple("merge-create-sysf-key-missing", seq(lambda d: new_collection(d, "products"),
                                           lambda d: d.pop("systemFields")), mode="merge")
simple("merge-deletes-dropped-edits-kept", seq(
    lambda d: drop_collection(d, "Zebra"), lambda d: drop_field(d, "authors", "bio"),
    lambda d: drop_relation(d, "articles", "category"), setv(fmeta("authors", "name"), "note", "kept")), mode="merge")
simple("merge-property-deletes-kept", seq(
    lambda d: field(d, "articles", "body")["schema"].pop("is_generated"),
    lambda d: choices(d).pop(), lambda d: coll(d, "authors")["meta"].pop("color")), mode="merge")
simple("merge-alias-swap-table-to-folder", seq(lambda d: alias_to_real(d, "articles", "divider_meta"),
                                              lambda d: coll(d, "Zebra").pop("schema")), mode="merge")
simple("merge-collection-cascade-with-edits", seq(
    lambda d: drop_collection(d, "pages", with_fields=False), setv(fmeta("pages", "title"), "note", "n")), mode="merge")


@case("merge-mixed", mode="merge")
def _(d: Snap) -> None:
    new_collection(d, "shop", folder=True)
    new_collection(d, "products", group="shop")
    drop_collection(d, "settings")
    choices(d).append({"text": "Scheduled", "value": "scheduled"})
    tr(d).append({"language": "it-IT", "translation": "Titolo"})
    drop_field(d, "articles", "tags")


# partial (version 2) --------------------------------------------------------------------
@case("partial-edit-in-scope")
def _(d: Snap) -> Snap:
    p = partial(d, {"authors"})
    field(p, "authors", "bio")["meta"]["note"] = "p"
    return p


@case("partial-omits-field")
def _(d: Snap) -> Snap:
    p = partial(d, {"articles"})
    drop_field(p, "articles", "tags")
    return p


@case("partial-new-collection")
def _(d: Snap) -> Snap:
    p = partial(d, set())
    new_collection_from(d, p, "products")
    return p


@case("partial-fields-only")
def _(d: Snap) -> Snap:
    p = partial(d, {"pages"})
    p["collections"] = []
    return p


@case("partial-relations-scope")
def _(d: Snap) -> Snap:
    p = partial(d, {"comments"})
    p["collections"], p["fields"] = [], []
    relation(p, "comments", "article")["meta"]["one_deselect_action"] = "delete"
    return p


@case("partial-systemfields-scope")
def _(d: Snap) -> Snap:
    p = partial(d, {"directus_oauth_tokens", "directus_users"})
    p["systemFields"] = [x for x in p["systemFields"] if x["field"] != "session"]
    p["systemFields"].append(sysf(p, "directus_users", "email"))
    return p


@case("partial-systemfields-absent")
def _(d: Snap) -> Snap:
    p = partial(d, {"authors"})
    del p["systemFields"]
    field(p, "authors", "name")["meta"]["width"] = "full"
    return p


@case("partial-merge", mode="merge")
def _(d: Snap) -> Snap:
    p = partial(d, {"articles", "categories"})
    drop_field(p, "articles", "tags")
    drop_collection(p, "categories")
    new_collection_from(d, p, "products")
    choices(p).append({"text": "Scheduled", "value": "scheduled"})
    return p


@case("partial-empty")
def _(d: Snap) -> Snap:
    return partial(d, set())


def new_collection_from(base: Snap, p: Snap, name: str) -> None:
    """new_collection on a partial snapshot that lacks the template collection."""
    tmp = copy.deepcopy(base)
    tmp["collections"], tmp["fields"] = [coll(base, "Zebra")], [x for x in base["fields"] if x["collection"] == "Zebra"]
    new_collection(tmp, name)
    p["collections"].append(tmp["collections"][-1])
    p["fields"].extend(tmp["fields"][-2:])


# version / vendor -----------------------------------------------------------------------
def _mismatch(**top: Any) -> Mutation:
    def m(d: Snap) -> None:
        for k, v in top.items():
            if v is None:
                d.pop(k, None)
            else:
                d[k] = v
        field(d, "authors", "bio")["meta"]["note"] = "edited"
    return m


for _force in (False, True):
    _sfx = "-forced" if _force else ""
    simple("version-mismatch" + _sfx, _mismatch(directus="12.3.0"), force=_force)
    simple("vendor-mismatch" + _sfx, _mismatch(vendor="mysql"), force=_force)
    simple("vendor-missing" + _sfx, _mismatch(vendor=None), force=_force)
simple("version-mismatch-older-format-forced", seq(_mismatch(directus="11.5.1"), lambda d: d.pop("systemFields")),
       force=True)


@case("version-mismatch-partial-forced", force=True)
def _(d: Snap) -> Snap:
    p = partial(d, {"authors"})
    _mismatch(directus="12.2.0")(p)
    return p


# --------------------------------------------------------------------------- random mutations


class Rand:
    """Seeded random edits of a full snapshot; each op picks its target in the current desired."""

    def __init__(self, seed: str) -> None:
        self.r = random.Random(seed)
        self.n = 0

    def pick(self, xs: list[Any]) -> Any:
        return xs[self.r.randrange(len(xs))]

    def value(self) -> Any:
        return self.pick([None, True, False, 0, 7, -1, 2.5, "", "x", "Ünï 😀", [], [1, "a"], {"k": 1}, {"a b": None}])

    def run(self, d: Snap) -> Snap:
        ops = [getattr(self, n) for n in dir(self) if n.startswith("op_")]
        for _ in range(self.r.randint(2, 6)):
            self.pick(ops)(d)
        return d

    def meta_holder(self, d: Snap) -> dict[str, Any]:
        kind = self.pick(["collections", "fields", "fields", "relations"])
        xs = [x for x in d[kind] if isinstance(x.get("meta"), dict)]
        return self.pick(xs)["meta"]

    def real_fields(self, d: Snap) -> list[dict[str, Any]]:
        return [f for f in d["fields"] if isinstance(f.get("schema"), dict) and f.get("meta")]

    def op_meta_scalar(self, d: Snap) -> None:
        m = self.meta_holder(d)
        key = self.pick([k for k in m if not isinstance(m[k], (dict, list))] or list(m))
        m[key] = self.value()

    def op_meta_unknown_key(self, d: Snap) -> None:
        self.meta_holder(d)[self.pick(["custom", "a b", "10", "9", "😀", "z!", "aa"])] = self.value()

    def op_meta_remove_key(self, d: Snap) -> None:
        m = self.meta_holder(d)
        if m:
            m.pop(self.pick(list(m)))

    def op_schema_edit(self, d: Snap) -> None:
        f = self.pick(self.real_fields(d))
        key = self.pick(["is_nullable", "is_indexed", "is_unique", "default_value", "max_length", "data_type"])
        s = f["schema"]
        if key.startswith("is_"):
            s[key] = not s.get(key)
        elif key == "default_value":
            s[key] = self.pick([None, "x", 0, 1.5, True])
        elif key == "max_length":
            s[key] = self.pick([None, 10, 255, 1000])
        else:
            s[key] = self.pick(["text", "integer", "character varying"])

    def op_choices(self, d: Snap) -> None:
        f = self.pick([f for f in d["fields"] if f.get("meta")])
        opts = f["meta"].get("options")
        if not isinstance(opts, dict):
            opts = f["meta"]["options"] = {}
        ch = opts.setdefault("choices", [])
        self._array_op(ch, lambda: {"text": f"C{self.r.randrange(100)}", "value": f"c{self.r.randrange(100)}"})

    def op_translations(self, d: Snap) -> None:
        kind = self.pick(["collections", "fields"])
        x = self.pick([x for x in d[kind] if isinstance(x.get("meta"), dict)])
        t = x["meta"].get("translations")
        if not isinstance(t, list):
            t = x["meta"]["translations"] = []
        self._array_op(t, lambda: {"language": self.pick(["en-US", "de-DE", "ja-JP", "pt-BR"]),
                                   "translation": self.pick(["T", "Tï", "題", "x y"])})

    def _array_op(self, arr: list[Any], make: Callable[[], Any]) -> None:
        op = self.pick(["append", "prepend", "remove", "swap", "reverse", "edit"])
        if op == "append" or not arr:
            arr.append(make())
        elif op == "prepend":
            arr.insert(0, make())
        elif op == "remove":
            arr.pop(self.r.randrange(len(arr)))
        elif op == "swap" and len(arr) > 1:
            i, j = self.r.sample(range(len(arr)), 2)
            arr[i], arr[j] = arr[j], arr[i]
        elif op == "reverse":
            arr.reverse()
        else:
            i = self.r.randrange(len(arr))
            arr[i] = make() if not isinstance(arr[i], dict) else dict(arr[i], extra=self.value())

    def op_delete_field(self, d: Snap) -> None:
        f = self.pick(d["fields"])
        drop_field(d, f["collection"], f["field"], with_relation=self.r.random() < 0.5)

    def op_delete_collection(self, d: Snap) -> None:
        c = self.pick(d["collections"])
        drop_collection(d, c["collection"], with_fields=self.r.random() < 0.7)

    def op_delete_relation(self, d: Snap) -> None:
        if d["relations"]:
            r = self.pick(d["relations"])
            drop_relation(d, r["collection"], r["field"])

    def op_create_field(self, d: Snap) -> None:
        src = self.pick([f for f in d["fields"] if f.get("meta") and f["collection"] != "directus_users"])
        tgt = self.pick([c["collection"] for c in d["collections"] if "schema" in c] or ["directus_users"])
        self.n += 1
        clone_field(d, (src["collection"], src["field"]), tgt, f"new_{self.n}_{src['field']}")

    def op_create_collection(self, d: Snap) -> None:
        have = {(f["collection"], f["field"]) for f in d["fields"]}
        if not any(c["collection"] == "Zebra" for c in d["collections"]) or not (
                {("Zebra", "id"), ("Zebra", "label")} <= have):
            return
        self.n += 1
        groups = [None] + [c["collection"] for c in d["collections"]]
        new_collection(d, f"gen_{self.n}", group=self.pick(groups), folder=self.r.random() < 0.3)

    def op_relation_edit(self, d: Snap) -> None:
        rs = [r for r in d["relations"] if isinstance(r.get("meta"), dict)]
        if not rs:
            return
        r = self.pick(rs)
        if isinstance(r.get("schema"), dict) and self.r.random() < 0.5:
            r["schema"][self.pick(["on_delete", "on_update"])] = self.pick(["CASCADE", "SET NULL", "NO ACTION"])
        else:
            r["meta"][self.pick(["one_deselect_action", "sort_field", "one_field", "junction_field"])] = self.pick(
                ["delete", "nullify", None, "sort"])

    def op_alias_swap(self, d: Snap) -> None:
        f = self.pick([f for f in d["fields"] if f.get("meta")])
        if f["type"] == "alias":
            alias_to_real(d, f["collection"], f["field"])
        elif not (f.get("schema") or {}).get("is_primary_key"):
            real_to_alias(d, f["collection"], f["field"])

    def op_table_folder(self, d: Snap) -> None:
        c = self.pick(d["collections"])
        if "schema" in c:
            del c["schema"]
        else:
            c["schema"] = {"name": c["collection"]}

    def op_system_fields(self, d: Snap) -> None:
        sf = d.setdefault("systemFields", [])
        op = self.pick(["remove", "add", "false", "drop_key"])
        if op == "remove" and sf:
            sf.pop(self.r.randrange(len(sf)))
        elif op == "add":
            sf.append(sysf(d, "directus_users", self.pick(["email", "status", "role"]), self.r.random() < 0.8))
        elif op == "false" and sf:
            sf[self.r.randrange(len(sf))]["schema"]["is_indexed"] = False
        elif op == "drop_key":
            d.pop("systemFields")

    def op_group_move(self, d: Snap) -> None:
        if self.r.random() < 0.5:
            c = self.pick([c for c in d["collections"] if isinstance(c.get("meta"), dict)])
            c["meta"]["group"] = self.pick([None] + [x["collection"] for x in d["collections"]])
        else:
            f = self.pick([f for f in d["fields"] if f.get("meta")])
            f["meta"]["group"] = self.pick([None, "seo", "divider_meta"])

    def op_shuffle(self, d: Snap) -> None:
        self.r.shuffle(d[self.pick(["collections", "fields", "relations"])])

    def op_type_change(self, d: Snap) -> None:
        f = self.pick(self.real_fields(d))
        f["type"] = self.pick(["string", "text", "integer", "bigInteger", "json", "uuid"])


def random_cases(count: int) -> list[Case]:
    out: list[Case] = []
    for i in range(count):
        seed = f"golden-{i}"
        r = random.Random(seed + "-mode")
        mode = "merge" if r.random() < 0.2 else "mirror"
        scope: list[str] | None = None
        if r.random() < 0.12:
            scope = r.sample(["articles", "authors", "pages", "categories", "settings", "Zebra", "site", "blog"], 3)

        def mutate(d: Snap, seed: str = seed, scope: list[str] | None = scope) -> Snap:
            d = Rand(seed).run(d)
            if scope is not None:
                if "systemFields" not in d:
                    d["systemFields"] = []
                d = partial(d, set(scope) | {"directus_users"})
            return d

        out.append((f"random-{i:02d}", mutate, mode, False))
    return out


# --------------------------------------------------------------------------- recording


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def record(server: Server, out: Path, name: str, current: Snap, desired: Snap, mode: str, force: bool,
           hashes: set[str]) -> int:
    body = dumps(desired)
    status, data = server.diff(body.encode("utf-8"), mode, force)
    expected: dict[str, Any] = {"status": status, "mode": mode, "force": force}
    if status == 400:
        expected["message"] = data
    else:
        expected["hash"] = data["hash"] if data else None
        expected["diff"] = data["diff"] if data else None
        if data:
            hashes.add(data["hash"])
    case_dir = out / name
    case_dir.mkdir(parents=True, exist_ok=False)
    (case_dir / "current.json").write_text(dumps(current) + "\n", encoding="utf-8")
    (case_dir / "desired.json").write_text(body + "\n", encoding="utf-8")
    (case_dir / "expected.json").write_text(dumps(expected) + "\n", encoding="utf-8")
    return status


def run_stage(server: Server, out: Path, label: str, cases: list[Case]) -> Snap:
    current = server.snapshot()
    hashes: set[str] = set()
    counts: dict[int, int] = {}
    for name, fn, mode, force in cases:
        desired = copy.deepcopy(current)
        result = fn(desired)
        if isinstance(result, dict) and "version" in result and "collections" in result:
            desired = result  # the case built a new snapshot (partial, or a whole other one)
        st = record(server, out, name, current, desired, mode, force, hashes)
        counts[st] = counts.get(st, 0) + 1
    if server.snapshot() != current:
        raise RuntimeError(f"stage {label}: the server's schema changed while recording")
    if len(hashes) > 1:
        raise RuntimeError(f"stage {label}: the server reported several hashes {sorted(hashes)}")
    print(f"stage {label}: {len(cases)} cases {dict(sorted(counts.items()))} hash {sorted(hashes)}",
          file=sys.stderr)
    return current


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--start-script", type=Path, default=default_start_script(),
                    help="script with start/stop/reset semantics (env DRIFT_DIRECTUS_START_SCRIPT)")
    ap.add_argument("--port", type=int, default=8056)
    ap.add_argument("--db-name", default="drift_golden")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--random", type=int, default=40, help="number of seeded random cases")
    ap.add_argument("--keep-running", action="store_true", help="leave the server running afterwards")
    args = ap.parse_args(argv)
    if not args.start_script.is_file():
        ap.error(f"start script not found: {args.start_script}")

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for d in out.iterdir():
        if d.is_dir():
            shutil.rmtree(d)

    server = Server(args.start_script, args.port, args.db_name)
    try:
        server.reset()
        build_base(server)
        base = run_stage(server, out, "base", CASES + random_cases(args.random))

        # apply round trip: apply one diff, record against the new schema
        desired = copy.deepcopy(base)
        new_collection(desired, "shop", folder=True)
        new_collection(desired, "products", group="shop")
        choices(desired).append({"text": "Scheduled", "value": "scheduled"})
        tr(desired).append({"language": "de-DE", "translation": "Titel"})
        field(desired, "articles", "title")["schema"]["max_length"] = 200
        drop_field(desired, "authors", "bio")
        drop_relation(desired, "articles", "category")
        desired["systemFields"] = [x for x in desired["systemFields"] if x["field"] != "last_access"]
        status, data = server.diff(dumps(desired).encode(), "mirror", False)
        assert status == 200
        server.apply(data)
        run_stage(server, out, "applied", [
            ("applied-nochange", lambda d: desired, "mirror", False),
            ("applied-revert-to-base", lambda d: base, "mirror", False),
            ("applied-revert-to-base-merge", lambda d: base, "merge", False),
            ("applied-edit", seq(setv(cmeta("products"), "note", "Products"),
                                 lambda d: choices(d).pop(0)), "mirror", False),
            ("applied-delete-folder-tree", lambda d: (drop_collection(d, "shop"), drop_collection(d, "products")),
             "mirror", False),
        ])

        # a fresh instance: everything is new, then the same snapshot applied back
        server.reset()
        run_stage(server, out, "fresh", [
            ("fresh-nochange", lambda d: None, "mirror", False),
            ("fresh-create-base", lambda d: base, "mirror", False),
            ("fresh-sysf-removed", lambda d: d["systemFields"].pop(), "mirror", False),
        ])
        status, data = server.diff(dumps(base).encode(), "mirror", False)
        assert status == 200
        server.apply(data)
        run_stage(server, out, "fresh-applied", [
            ("fresh-applied-base", lambda d: base, "mirror", False),
            ("fresh-applied-edit", seq(setv(fmeta("articles", "body"), "note", "after apply"),
                                       lambda d: tr(d).reverse()), "mirror", False),
        ])
    finally:
        if not args.keep_running:
            server.stop()
    total = sum(1 for d in out.iterdir() if d.is_dir())
    size = sum(f.stat().st_size for f in out.rglob("*.json"))
    print(f"recorded {total} cases, {size / 1e6:.1f} MB in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
