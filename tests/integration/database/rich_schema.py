"""A rich Directus schema, built through a real Directus's REST API (not through drift).

Every field type Directus can create on the vendor, relations of every kind (m2o, o2m, m2m, m2a,
translations, files, self-reference, to system collections), folders (nested), groups, alias
fields, unique and indexed fields, string/uuid/integer primary keys, a singleton, sort and archive
settings, and custom fields (with a relation) on ``directus_users``. 17 collections, below the
25 the unlicensed server allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

Http = Callable[..., requests.Response]


def _ok(r: requests.Response, what: str) -> Any:
    assert r.status_code in (200, 204), f"{what}: HTTP {r.status_code} {r.text[:500]}"
    return r.json()["data"] if r.status_code == 200 and r.content else None


def _pk_int() -> dict[str, Any]:
    return {
        "field": "id",
        "type": "integer",
        "meta": {"hidden": True, "interface": "input", "readonly": True},
        "schema": {"is_primary_key": True, "has_auto_increment": True},
    }


def _pk_uuid() -> dict[str, Any]:
    return {
        "field": "id",
        "type": "uuid",
        "meta": {
            "hidden": True,
            "readonly": True,
            "interface": "input",
            "special": ["uuid"],
        },
        "schema": {"is_primary_key": True, "length": 36, "has_auto_increment": False},
    }


def _pk_string(name: str) -> dict[str, Any]:
    return {
        "field": name,
        "type": "string",
        "meta": {"interface": "input"},
        "schema": {"is_primary_key": True, "length": 32, "has_auto_increment": False},
    }


def build_rich_schema(http: Http, vendor: str) -> None:
    """Create the schema on an empty Directus (``vendor``: ``postgres`` or ``mysql``)."""

    def collection(name: str, fields: list[dict[str, Any]] | None, **meta: Any) -> None:
        body: dict[str, Any] = {
            "collection": name,
            "meta": {"collection": name, **meta},
        }
        if fields is None:
            body["schema"] = None  # a folder
        else:
            body["schema"] = {}
            body["fields"] = fields
        _ok(http("POST", "/collections", json=body), f"collection {name}")

    def field(
        coll: str, name: str, type_: str, schema: Any = None, **meta: Any
    ) -> None:
        body: dict[str, Any] = {"field": name, "type": type_, "meta": meta or {}}
        if schema is not None:
            body["schema"] = schema
        elif type_ != "alias":
            body["schema"] = {}
        _ok(http("POST", f"/fields/{coll}", json=body), f"field {coll}.{name}")

    def relation(
        coll: str, fld: str, related: str | None, schema: Any = None, **meta: Any
    ) -> None:
        body: dict[str, Any] = {
            "collection": coll,
            "field": fld,
            "related_collection": related,
        }
        body["meta"] = meta
        if schema is not None:
            body["schema"] = schema
        _ok(http("POST", "/relations", json=body), f"relation {coll}.{fld}")

    # folders: content > library (nested), and an empty one
    collection("content", None, icon="folder", note="Everything editors write", sort=1)
    collection(
        "library", None, icon="folder", group="content", collapse="closed", sort=2
    )
    collection("archive_folder", None, icon="inventory", hidden=True, sort=3)

    # authors: one field of (almost) every type, with defaults, unique and indexed columns
    collection(
        "authors", [_pk_int()], icon="person", group="content", sort=1,
        display_template="{{name}} <{{email}}>", archive_field="status",
        archive_value="archived", unarchive_value="draft", archive_app_filter=True,
        translations=[{"language": "de-DE", "translation": "Autoren", "singular": "Autor",
                       "plural": "Autoren"}],
        item_duplication_fields=["name", "bio"], accountability="activity",
    )  # fmt: skip
    field("authors", "name", "string", {"is_nullable": False, "is_unique": True},
          interface="input", required=True, width="half", note="Ünïcødé ✓ note",
          validation={"_and": [{"name": {"_nnull": True}}]}, validation_message="needed")  # fmt: skip
    field("authors", "email", "string", {"is_indexed": True, "max_length": 190},
          interface="input", options={"iconRight": "email", "trim": True}, width="half")  # fmt: skip
    field("authors", "slug", "string", {"max_length": 64, "is_unique": True, "default_value": "x-y"},
          interface="input", options={"slug": True}, searchable=False)  # fmt: skip
    field("authors", "status", "string", {"default_value": "draft", "is_nullable": False},
          interface="select-dropdown", display="labels",
          options={"choices": [{"text": "Draft", "value": "draft"},
                               {"text": "Archived", "value": "archived"}]},
          display_options={"showAsDot": True})  # fmt: skip
    field(
        "authors", "bio", "text", None, interface="input-rich-text-html", width="full"
    )
    field("authors", "age", "integer", {"default_value": 18}, interface="input")
    field("authors", "rating", "float", {"default_value": 2.5}, interface="input")
    field("authors", "balance", "decimal", {"numeric_precision": 10, "numeric_scale": 2,
          "default_value": 12.5}, interface="input")  # fmt: skip
    field("authors", "big", "bigInteger", {"is_indexed": True}, interface="input")
    field("authors", "active", "boolean", {"default_value": True, "is_nullable": False},
          interface="boolean", special=["cast-boolean"], display="boolean")  # fmt: skip
    field("authors", "birthday", "date", None, interface="datetime")
    field("authors", "last_seen", "dateTime", None, interface="datetime", readonly=True)
    field(
        "authors", "wake", "time", {"default_value": "07:30:00"}, interface="datetime"
    )
    field("authors", "created", "timestamp", None, special=["date-created", "cast-timestamp"],
          interface="datetime", readonly=True, hidden=True)  # fmt: skip
    field("authors", "settings", "json", {"default_value": {"a": 1, "b": [True, None]}},
          special=["cast-json"], interface="input-code", options={"language": "json"})  # fmt: skip
    field("authors", "labels", "csv", None, special=["cast-csv"], interface="tags")
    field(
        "authors",
        "secret",
        "hash",
        None,
        special=["hash", "conceal"],
        interface="input-hash",
    )
    field(
        "authors",
        "uid",
        "uuid",
        {"is_unique": True},
        special=["uuid"],
        interface="input",
    )
    field("authors", "avatar_raw", "binary", None, interface="input")
    field("authors", "color", "string", {"max_length": 7}, interface="select-color",
          conditions=[{"name": "hide", "rule": {"active": {"_eq": False}}, "hidden": True}])  # fmt: skip
    if vendor == "mysql":
        field("authors", "home", "geometry.Point", None, interface="map",
              options={"geometryType": "Point"})  # fmt: skip
        field("authors", "area", "geometry", None, interface="map")

    # categories: a string primary key and a self-reference with its o2m
    collection("categories", [_pk_string("code")], icon="category", group="library", sort=1,
               sort_field="sort")  # fmt: skip
    field("categories", "name", "string", {"is_nullable": False}, interface="input")
    field("categories", "sort", "integer", None, hidden=True, interface="input")
    field("categories", "parent", "string", {"max_length": 32}, special=["m2o"],
          interface="select-dropdown-m2o", options={"template": "{{name}}"})  # fmt: skip
    field(
        "categories", "children", "alias", None, special=["o2m"], interface="list-o2m"
    )
    relation("categories", "parent", "categories", {"on_delete": "SET NULL"},
             one_field="children", sort_field="sort", one_deselect_action="nullify")  # fmt: skip

    # articles: uuid primary key, m2o to users, files and categories, groups and presentation
    collection("articles", [_pk_uuid()], icon="article", group="content", sort=2,
               versioning=True, preview_url="https://example.invalid/{{id}}")  # fmt: skip
    field("articles", "title", "string", {"is_nullable": False}, interface="input",
          translations=[{"language": "fr-FR", "translation": "Titre"}])  # fmt: skip
    field("articles", "meta_group", "alias", None, special=["alias", "no-data", "group"],
          interface="group-detail", options={"start": "closed"})  # fmt: skip
    field(
        "articles",
        "summary",
        "text",
        None,
        interface="input-multiline",
        group="meta_group",
    )
    field("articles", "notice", "alias", None, special=["alias", "no-data"],
          interface="presentation-notice", options={"text": "Read me"}, group="meta_group")  # fmt: skip
    field("articles", "divider", "alias", None, special=["alias", "no-data"],
          interface="presentation-divider", options={"title": "Relations"})  # fmt: skip
    field(
        "articles",
        "author",
        "integer",
        None,
        special=["m2o"],
        interface="select-dropdown-m2o",
    )
    relation(
        "articles", "author", "authors", {"on_delete": "CASCADE"}, one_field="articles"
    )
    field("authors", "articles", "alias", None, special=["o2m"], interface="list-o2m")
    field(
        "articles",
        "editor",
        "uuid",
        None,
        special=["m2o"],
        interface="select-dropdown-m2o",
    )
    relation("articles", "editor", "directus_users", {"on_delete": "SET NULL"})
    field("articles", "cover", "uuid", None, special=["file"], interface="file-image")
    relation("articles", "cover", "directus_files", {"on_delete": "SET NULL"})
    field("articles", "category", "string", {"max_length": 32}, special=["m2o"],
          interface="select-dropdown-m2o")  # fmt: skip
    relation("articles", "category", "categories", {"on_delete": "NO ACTION"})
    field("articles", "user_created", "uuid", None, special=["user-created"],
          interface="select-dropdown-m2o", readonly=True, hidden=True)  # fmt: skip
    relation("articles", "user_created", "directus_users")
    field("articles", "date_updated", "timestamp", None,
          special=["date-updated", "cast-timestamp"], interface="datetime")  # fmt: skip
    field("articles", "sort", "integer", None, hidden=True)

    # m2m: articles <-> tags
    collection("tags", [_pk_int()], icon="label", group="library", sort=2)
    field("tags", "label", "string", {"is_unique": True}, interface="input")
    collection("articles_tags", [_pk_int()], hidden=True, icon="import_export")
    field("articles_tags", "articles_id", "uuid", None, hidden=True)
    field("articles_tags", "tags_id", "integer", None, hidden=True)
    field("articles", "tags", "alias", None, special=["m2m"], interface="list-m2m")
    relation("articles_tags", "articles_id", "articles", {"on_delete": "SET NULL"},
             one_field="tags", junction_field="tags_id", one_deselect_action="delete")  # fmt: skip
    relation("articles_tags", "tags_id", "tags", {"on_delete": "SET NULL"},
             junction_field="articles_id")  # fmt: skip

    # files: articles <-> directus_files
    collection("articles_files", [_pk_int()], hidden=True)
    field("articles_files", "articles_id", "uuid", None, hidden=True)
    field("articles_files", "directus_files_id", "uuid", None, hidden=True)
    field("articles", "gallery", "alias", None, special=["files"], interface="files")
    relation("articles_files", "articles_id", "articles", {"on_delete": "SET NULL"},
             one_field="gallery", junction_field="directus_files_id")  # fmt: skip
    relation("articles_files", "directus_files_id", "directus_files", {"on_delete": "SET NULL"},
             junction_field="articles_id")  # fmt: skip

    # m2a: articles -> blocks_text | blocks_image
    collection("blocks_text", [_pk_int()], icon="notes", group="archive_folder")
    field("blocks_text", "body", "text", None, interface="input-multiline")
    collection("blocks_image", [_pk_uuid()], icon="image", group="archive_folder")
    field("blocks_image", "caption", "string", None, interface="input")
    collection("articles_blocks", [_pk_int()], hidden=True)
    field("articles_blocks", "articles_id", "uuid", None, hidden=True)
    field("articles_blocks", "item", "string", None, hidden=True)
    field("articles_blocks", "collection", "string", None, hidden=True)
    field("articles_blocks", "sort", "integer", None, hidden=True)
    field("articles", "blocks", "alias", None, special=["m2a"], interface="list-m2a")
    relation("articles_blocks", "item", None, None,
             one_allowed_collections=["blocks_text", "blocks_image"],
             one_collection_field="collection", junction_field="articles_id")  # fmt: skip
    relation("articles_blocks", "articles_id", "articles", {"on_delete": "SET NULL"},
             one_field="blocks", junction_field="item", sort_field="sort")  # fmt: skip

    # translations: articles <-> languages
    collection("languages", [_pk_string("code")], icon="translate")
    field("languages", "name", "string", None, interface="input")
    field("languages", "direction", "string", {"default_value": "ltr"},
          interface="select-dropdown")  # fmt: skip
    collection("articles_translations", [_pk_int()], hidden=True)
    field("articles_translations", "articles_id", "uuid", None, hidden=True)
    field(
        "articles_translations",
        "languages_code",
        "string",
        {"max_length": 32},
        hidden=True,
    )
    field("articles_translations", "headline", "string", None, interface="input")
    field("articles", "translations", "alias", None, special=["translations"],
          interface="translations", options={"languageField": "name"})  # fmt: skip
    relation("articles_translations", "articles_id", "articles", {"on_delete": "SET NULL"},
             one_field="translations", junction_field="languages_code")  # fmt: skip
    relation("articles_translations", "languages_code", "languages", {"on_delete": "SET NULL"},
             junction_field="articles_id")  # fmt: skip

    # a singleton and a collection with a sort field
    collection("site_settings", [_pk_int()], singleton=True, icon="settings")
    field("site_settings", "site_name", "string", {"default_value": "It's \"quoted\""},
          interface="input")  # fmt: skip
    field("site_settings", "maintenance", "boolean", {"default_value": False},
          special=["cast-boolean"], interface="boolean")  # fmt: skip
    collection(
        "events", [_pk_int()], sort_field="position", icon="event", color="#FF0000"
    )
    field("events", "position", "integer", None, hidden=True)
    field("events", "starts", "dateTime", {"is_indexed": True}, interface="datetime")
    field("events", "place", "string", {"max_length": 120, "is_nullable": False,
          "default_value": "online"}, interface="input")  # fmt: skip

    # custom fields on a system collection, one of them a relation to a user collection
    field("directus_users", "nickname", "string", {"max_length": 50}, interface="input")
    field("directus_users", "favorite_article", "uuid", None, special=["m2o"],
          interface="select-dropdown-m2o")  # fmt: skip
    relation(
        "directus_users", "favorite_article", "articles", {"on_delete": "SET NULL"}
    )
    field("directus_users", "is_editor", "boolean", {"default_value": False},
          special=["cast-boolean"], interface="boolean")  # fmt: skip

    # an untracked table made by hand would need SQL: covered by the plain-mode tests


def user_collections(snapshot: dict[str, Any]) -> list[str]:
    return [c["collection"] for c in snapshot["collections"]]
