"""Generate large, realistic Directus 12.4.1 snapshot pairs for the diff benchmark, deterministically.

``current`` is a postgres snapshot of N table collections (plus folders grouping them) with F fields
each, shaped like ``directus schema snapshot`` output: full ``meta`` rows with sorted keys,
auto-increment and uuid primary keys, accountability fields with their relations to
``directus_users``, files, m2o fields with the matching o2m alias, dividers, select fields with
choices, translations, validation rules, and the 12 indexed ``systemFields`` of a fresh install.
``desired`` changes 10% of the collections, 10% of the fields and 10% of the relations (meta
edits, choices appended, schema edits, type changes, deletes) and adds new collections and fields
at 10% of those counts, laid out as a re-taken snapshot would be (new fields last in their
collection). Each pair is written as JSON (compact, like the CLI's ``--format json``) and YAML
(``drift.snapshot.yamlio.dump_yaml`` when drift has it, else js-yaml ``dump`` through Node), and
the YAML is checked to load (js-yaml) to exactly the JSON data.

    python bench/gen_snapshots.py [--collections 1000] [--fields 20] [--seed 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

VERSION = "12.4.1"
VENDOR = "postgres"

NOUNS = (
    "articles", "authors", "products", "orders", "customers", "invoices", "events", "venues",
    "tickets", "pages", "posts", "categories", "tags", "projects", "tasks", "teams", "members",
    "courses", "lessons", "quizzes", "recipes", "ingredients", "stores", "suppliers", "shipments",
    "campaigns", "leads", "contracts", "assets", "locations", "reviews", "faqs", "jobs",
    "applicants", "partners", "sponsors", "news", "releases", "documents", "galleries",
)
ICONS = ("article", "person", "shopping_cart", "event", "label", "folder", "map", "star", "work",
         "school", "restaurant", "local_shipping", "campaign", "description", "photo_library", "public")
COLORS = (None, "#6644FF", "#2ECDA7", "#FFA439", "#E35169", "#3399FF", "#A2B5CD")
LANGS = (("de-DE", "Titel"), ("fr-FR", "Titre"), ("es-ES", "Título"), ("it-IT", "Titolo"),
         ("ja-JP", "タイトル"), ("pl-PL", "Tytuł"))

SYSTEM_FIELDS = (
    ("directus_activity", "timestamp"),
    ("directus_oauth_clients", "date_created"),
    ("directus_oauth_codes", "expires_at"),
    ("directus_oauth_codes", "used_at"),
    ("directus_oauth_consents", "client"),
    ("directus_oauth_tokens", "code_hash"),
    ("directus_oauth_tokens", "expires_at"),
    ("directus_oauth_tokens", "previous_session"),
    ("directus_oauth_tokens", "session"),
    ("directus_revisions", "activity"),
    ("directus_revisions", "parent"),
    ("directus_sessions", "oauth_client"),
)


def sort_keys(value: Any) -> Any:
    """Keys sorted at every level, as Directus's ``sortDeep`` leaves ``meta`` (plain ASCII keys here)."""
    if isinstance(value, dict):
        return {k: sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_keys(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------- entities


def collection_meta(name: str, **kw: Any) -> dict[str, Any]:
    meta = {
        "accountability": "all", "archive_app_filter": True, "archive_field": None,
        "archive_value": None, "autosave_revision_interval": None, "collapse": "open",
        "collection": name, "color": None, "display_template": None, "group": None,
        "hidden": False, "icon": None, "item_duplication_fields": None, "note": None,
        "preview_url": None, "singleton": False, "sort": None, "sort_field": None,
        "status": "active", "translations": None, "unarchive_value": None, "versioning": False,
    }
    meta.update(kw)
    return meta


def field_meta(collection: str, field: str, sort: int, **kw: Any) -> dict[str, Any]:
    meta = {
        "collection": collection, "conditions": None, "display": None, "display_options": None,
        "field": field, "group": None, "hidden": False, "interface": "input", "note": None,
        "options": None, "readonly": False, "required": False, "searchable": True, "sort": sort,
        "special": None, "translations": None, "validation": None, "validation_message": None,
        "width": "full",
    }
    meta.update(kw)
    return meta


def column(table: str, name: str, data_type: str, **kw: Any) -> dict[str, Any]:
    schema = {
        "name": name, "table": table, "data_type": data_type, "default_value": None,
        "max_length": None, "numeric_precision": None, "numeric_scale": None, "is_nullable": True,
        "is_unique": False, "is_indexed": False, "is_primary_key": False, "is_generated": False,
        "generation_expression": None, "has_auto_increment": False, "foreign_key_table": None,
        "foreign_key_column": None,
    }
    schema.update(kw)
    return schema


def field(collection: str, name: str, ftype: str, meta: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"collection": collection, "field": name, "type": ftype, "meta": meta}
    if schema is not None:
        out["schema"] = schema
    return out


def relation(collection: str, fld: str, target: str, target_pk: str, *, one_field: str | None = None,
             on_delete: str = "SET NULL", deselect: str = "nullify") -> dict[str, Any]:
    return {
        "collection": collection, "field": fld, "related_collection": target,
        "meta": {
            "junction_field": None, "many_collection": collection, "many_field": fld,
            "one_allowed_collections": None, "one_collection": target, "one_collection_field": None,
            "one_deselect_action": deselect, "one_field": one_field, "sort_field": None,
        },
        "schema": {
            "table": collection, "column": fld, "foreign_key_table": target,
            "foreign_key_column": target_pk, "constraint_name": f"{collection}_{fld}_foreign",
            "on_update": "NO ACTION", "on_delete": on_delete,
        },
    }


STATUS_CHOICES = [
    {"text": "$t:published", "value": "published", "color": "var(--theme--primary)"},
    {"text": "$t:draft", "value": "draft", "color": "var(--theme--foreground)"},
    {"text": "$t:archived", "value": "archived", "color": "var(--theme--warning)"},
]


class Model:
    """Collections (with their fields and relations, each in creation order) and systemFields."""

    def __init__(self) -> None:
        self.collections: dict[str, dict[str, Any]] = {}
        self.fields: dict[str, list[dict[str, Any]]] = {}
        self.relations: dict[str, list[dict[str, Any]]] = {}
        self.system_fields: list[dict[str, Any]] = [
            {"collection": c, "field": f, "schema": {"is_indexed": True}} for c, f in SYSTEM_FIELDS
        ]

    def snapshot(self) -> dict[str, Any]:
        names = sorted(self.collections)
        return {
            "version": 1,
            "directus": VERSION,
            "vendor": VENDOR,
            "collections": [sort_meta(self.collections[n]) for n in names],
            "fields": [sort_meta(f) for n in names for f in self.fields.get(n, [])],
            "systemFields": sorted(self.system_fields, key=lambda s: (s["collection"], s["field"])),
            "relations": [sort_meta(r) for n in names for r in self.relations.get(n, [])],
        }


def sort_meta(entity: dict[str, Any]) -> dict[str, Any]:
    out = dict(entity)
    out["meta"] = sort_keys(entity["meta"])
    return out


def table_name(i: int) -> str:
    return f"{NOUNS[i % len(NOUNS)]}_{i:05d}"


def build_collection(model: Model, name: str, index: int, rng: random.Random, nfields: int,
                     group: str | None, sort: int | None, parent: tuple[str, str, str] | None) -> None:
    """One table collection with ``nfields`` fields; ``parent`` = (collection, pk field, pk type)."""
    uuid_pk = rng.random() < 0.2
    note = rng.choice((None, None, None, f"Records for {name}", "Ünïcødé ✓ notes", "Managed by the CMS team"))
    model.collections[name] = {
        "collection": name,
        "meta": collection_meta(
            name, group=group, sort=sort, icon=rng.choice(ICONS), color=rng.choice(COLORS), note=note,
            display_template=rng.choice((None, "{{title}}", "{{title}} — {{status}}")),
            sort_field="sort", archive_field="status", archive_value="archived", unarchive_value="draft",
            translations=[{"language": "de-DE", "translation": name.title(), "singular": name.title(),
                           "plural": name.title()}] if rng.random() < 0.3 else None,
        ),
        "schema": {"name": name},
    }
    fields: list[dict[str, Any]] = []
    rels: list[dict[str, Any]] = []

    def add(name_: str, ftype: str, meta_kw: dict[str, Any], schema: dict[str, Any] | None) -> None:
        fields.append(field(name, name_, ftype, field_meta(name, name_, len(fields) + 1, **meta_kw), schema))

    if uuid_pk:
        add("id", "uuid", {"hidden": True, "readonly": True, "special": ["uuid"]},
            column(name, "id", "uuid", is_nullable=False, is_unique=True, is_primary_key=True))
    else:
        add("id", "integer", {"hidden": True, "readonly": True},
            column(name, "id", "integer", default_value=f"nextval('{name}_id_seq'::regclass)",
                   numeric_precision=32, numeric_scale=0, is_nullable=False, is_unique=True,
                   is_primary_key=True, has_auto_increment=True))
    add("status", "string",
        {"interface": "select-dropdown", "display": "labels", "width": "full",
         "options": {"choices": copy.deepcopy(STATUS_CHOICES)},
         "display_options": {"showAsDot": True, "choices": copy.deepcopy(STATUS_CHOICES)}},
        column(name, "status", "character varying", default_value="draft", max_length=255, is_nullable=False))
    add("sort", "integer", {"hidden": True},
        column(name, "sort", "integer", numeric_precision=32, numeric_scale=0))
    for acc, special, dtype in (("user_created", "user-created", "uuid"), ("date_created", "date-created", "timestamp"),
                                ("user_updated", "user-updated", "uuid"), ("date_updated", "date-updated", "timestamp")):
        if dtype == "uuid":
            add(acc, "uuid",
                {"special": [special], "interface": "select-dropdown-m2o", "display": "user",
                 "options": {"template": "{{avatar}} {{first_name}} {{last_name}}"},
                 "readonly": True, "hidden": True, "width": "half"},
                column(name, acc, "uuid", foreign_key_table="directus_users", foreign_key_column="id"))
            rels.append(relation(name, acc, "directus_users", "id", on_delete="NO ACTION"))
        else:
            add(acc, "timestamp",
                {"special": [special], "interface": "datetime", "display": "datetime",
                 "display_options": {"relative": True}, "readonly": True, "hidden": True, "width": "half"},
                column(name, acc, "timestamp with time zone"))
    translations = [{"language": lang, "translation": word} for lang, word in LANGS[: rng.randint(0, 3)]] or None
    add("title", "string",
        {"required": True, "translations": translations,
         "validation": {"_and": [{"title": {"_nempty": True}}]} if rng.random() < 0.3 else None,
         "validation_message": "A title is required" if rng.random() < 0.2 else None},
        column(name, "title", "character varying", max_length=255, is_nullable=False))
    add("slug", "string", {"options": {"slug": True, "trim": True, "placeholder": "my-slug"}, "width": "half"},
        column(name, "slug", "character varying", max_length=rng.choice((128, 255)), is_unique=True, is_indexed=True))
    add("summary", "text", {"interface": "input-multiline", "note": rng.choice((None, "Shown in listings"))},
        column(name, "summary", "text"))
    add("body", "text",
        {"interface": "input-rich-text-html", "display": "formatted-value",
         "options": {"toolbar": ["bold", "italic", "h1", "h2", "bullist", "numlist", "link", "code"],
                     "folder": None}},
        column(name, "body", "text"))
    add("published_at", "dateTime", {"interface": "datetime", "width": "half",
                                     "conditions": [{"name": "hide when draft", "rule": {"_and": [{"status": {"_eq": "draft"}}]},
                                                     "hidden": True, "options": {"includeSeconds": False}}]},
        column(name, "published_at", "timestamp without time zone"))
    add("is_featured", "boolean", {"special": ["cast-boolean"], "interface": "boolean", "display": "boolean",
                                   "width": "half", "options": {"label": "Featured"}},
        column(name, "is_featured", "boolean", default_value=False))
    add("price", "decimal", {"width": "half", "options": {"min": 0, "step": 1}},
        column(name, "price", "numeric", numeric_precision=10, numeric_scale=2))
    add("tags", "json", {"special": ["cast-json"], "interface": "tags", "display": "labels",
                         "options": {"presets": ["news", "featured", "archive"], "allowCustom": True}},
        column(name, "tags", "json"))
    if parent is not None:
        pcol, ppk, ptype = parent
        add("parent", ptype,
            {"special": ["m2o"], "interface": "select-dropdown-m2o", "display": "related-values",
             "options": {"template": "{{title}}"}, "display_options": {"template": "{{title}}"}},
            column(name, "parent", "uuid" if ptype == "uuid" else "integer",
                   numeric_precision=None if ptype == "uuid" else 32, numeric_scale=None if ptype == "uuid" else 0,
                   foreign_key_table=pcol, foreign_key_column=ppk))
        rels.append(relation(name, "parent", pcol, ppk, one_field="children"))
    add("children", "alias", {"special": ["o2m"], "interface": "list-o2m",
                              "options": {"template": "{{title}}", "enableCreate": True}}, None)
    add("image", "uuid", {"special": ["file"], "interface": "file-image", "display": "image", "width": "half"},
        column(name, "image", "uuid", foreign_key_table="directus_files", foreign_key_column="id"))
    rels.append(relation(name, "image", "directus_files", "id"))
    add("details_divider", "alias", {"special": ["alias", "no-data"], "interface": "presentation-divider",
                                     "options": {"title": "Details", "icon": "info", "inlineTitle": True}}, None)
    add("rating", "integer", {"interface": "slider", "options": {"minValue": 0, "maxValue": 5, "stepInterval": 1},
                              "validation": {"_and": [{"rating": {"_gte": 0}}, {"rating": {"_lte": 5}}]},
                              "validation_message": "0 to 5"},
        column(name, "rating", "integer", numeric_precision=32, numeric_scale=0, default_value=0))
    k = 0
    while len(fields) < nfields:  # widen to the requested field count with plain columns
        k += 1
        add(f"extra_{k:02d}", "string", {"width": "half", "note": f"Extra attribute {k}"},
            column(name, f"extra_{k:02d}", "character varying", max_length=255))
    model.fields[name] = fields[:nfields]
    kept = {f["field"] for f in model.fields[name]}
    model.relations[name] = [r for r in rels if r["field"] in kept]


def build_current(ncollections: int, nfields: int, rng: random.Random) -> Model:
    model = Model()
    names = [table_name(i) for i in range(ncollections)]
    pk: dict[str, tuple[str, str]] = {}
    nfolders = max(1, ncollections // 25)
    folders = [f"folder_{i:03d}" for i in range(nfolders)]
    for i, f in enumerate(folders):
        model.collections[f] = {"collection": f, "meta": collection_meta(
            f, icon="folder", sort=i + 1, collapse=rng.choice(("open", "closed")), note=None)}
    for i, name in enumerate(names):
        group = folders[i % nfolders] if rng.random() < 0.6 else None
        parent_name = names[i - 1]  # a ring: the first collection points at the last
        parent = None
        if parent_name in pk:
            parent = (parent_name, "id", pk[parent_name][1])
        build_collection(model, name, i, rng, nfields, group, (i // nfolders) + 1 if group else None, parent)
        pk[name] = ("id", model.fields[name][0]["type"])
    # close the ring: the first collection's parent is the last one
    first, last = names[0], names[-1]
    if ncollections > 1 and not any(f["field"] == "parent" for f in model.fields[first]):
        ltype = pk[last][1]
        f = field(first, "parent", ltype,
                  field_meta(first, "parent", len(model.fields[first]) + 1, special=["m2o"],
                             interface="select-dropdown-m2o", options={"template": "{{title}}"}),
                  column(first, "parent", "uuid" if ltype == "uuid" else "integer",
                         numeric_precision=None if ltype == "uuid" else 32,
                         numeric_scale=None if ltype == "uuid" else 0,
                         foreign_key_table=last, foreign_key_column="id"))
        if len(model.fields[first]) >= nfields:
            model.fields[first][-1] = f
            f["meta"]["sort"] = nfields
        else:
            model.fields[first].append(f)
        model.relations[first].append(relation(first, "parent", last, "id", one_field="children"))
    return model


# ----------------------------------------------------------------------------------------- changes


def mutate(current: Model, rng: random.Random, nfields: int, fraction: float = 0.10) -> tuple[Model, dict[str, int]]:
    """The desired model: ``fraction`` of the collections, fields and relations changed, plus adds."""
    m = copy.deepcopy(current)
    stats: dict[str, int] = {}

    def count(kind: str) -> None:
        stats[kind] = stats.get(kind, 0) + 1

    tables = [n for n, c in m.collections.items() if "schema" in c]
    chosen = rng.sample(tables, max(1, round(fraction * len(tables))))
    deleted: set[str] = set()
    for name in chosen:
        meta = m.collections[name]["meta"]
        r = rng.random()
        if r < 0.12:
            deleted.add(name)
            count("collection deleted")
        elif r < 0.30:
            meta["translations"] = (meta["translations"] or []) + [
                {"language": "fr-FR", "translation": name.title(), "singular": name, "plural": name}]
            count("collection translations appended")
        elif r < 0.45:
            meta["archive_app_filter"] = not meta["archive_app_filter"]
            meta["item_duplication_fields"] = ["title", "summary"]
            count("collection meta edits")
        elif r < 0.55:
            meta["custom_flag"] = True  # an unknown meta key: collapses into one E [meta]
            count("collection meta key added")
        else:
            meta["icon"] = rng.choice(ICONS)
            meta["note"] = f"Reviewed {rng.randint(1, 9999)}"
            meta["color"] = rng.choice(COLORS[1:])
            count("collection meta tweaks")
    for name in deleted:
        del m.collections[name]
        m.fields.pop(name, None)
        m.relations.pop(name, None)
    # fields and relations pointing at a deleted collection go with it
    for name in list(m.fields):
        gone = {r["field"] for r in m.relations[name] if r["related_collection"] in deleted}
        if gone:
            m.fields[name] = [f for f in m.fields[name] if f["field"] not in gone]
            m.relations[name] = [r for r in m.relations[name] if r["field"] not in gone]
            stats["field deleted with its target"] = stats.get("field deleted with its target", 0) + len(gone)

    all_fields = [f for fs in m.fields.values() for f in fs if f["field"] != "id"]
    for f in rng.sample(all_fields, round(fraction * len(all_fields))):
        meta, schema = f["meta"], f.get("schema")
        r = rng.random()
        if f["field"] == "status" and r < 0.6:
            meta["options"]["choices"].append({"text": "$t:review", "value": "review", "color": "#FFA439"})
            count("choices appended")
        elif meta["translations"] is not None and r < 0.4:
            meta["translations"].append({"language": "nl-NL", "translation": "Titel (nl)"})
            count("field translations appended")
        elif r < 0.10 and f["field"] != "parent":
            m.fields[f["collection"]].remove(f)
            m.relations[f["collection"]] = [x for x in m.relations[f["collection"]] if x["field"] != f["field"]]
            count("field deleted")
        elif r < 0.35 and schema is not None and schema["max_length"] is not None:
            schema["max_length"] = rng.choice((64, 120, 500, 1024))
            count("schema max_length")
        elif r < 0.45 and schema is not None and not schema["is_primary_key"]:
            schema["is_nullable"] = not schema["is_nullable"]
            count("schema nullability")
        elif r < 0.50 and f["type"] == "string" and schema is not None and not schema["is_unique"]:
            f["type"] = "text"
            schema.update(data_type="text", max_length=None)
            meta["interface"] = "input-multiline"
            count("type change")
        elif r < 0.55 and f["type"] == "alias" and "no-data" in (meta["special"] or []):
            # a divider turned into a real column: alias swap (D then N)
            f["type"] = "string"
            f["schema"] = column(f["collection"], f["field"], "character varying", max_length=255)
            meta.update(special=None, interface="input", options=None)
            count("alias swap")
        elif r < 0.65:
            opts = meta["options"] if isinstance(meta["options"], dict) else {}
            meta["options"] = {**opts, "iconLeft": "search"}
            count("field options key added")
        else:
            meta["note"] = f"Updated note {rng.randint(1, 9999)}"
            meta["width"] = "half" if meta["width"] == "full" else "full"
            if rng.random() < 0.3:
                meta["hidden"] = not meta["hidden"]
            count("field meta tweaks")

    all_rels = [r for rs in m.relations.values() for r in rs]
    for rel in rng.sample(all_rels, round(fraction * len(all_rels))):
        r = rng.random()
        if r < 0.5 and "schema" in rel:
            rel["schema"]["on_delete"] = "CASCADE" if rel["schema"]["on_delete"] != "CASCADE" else "SET NULL"
            count("relation on_delete")
        elif r < 0.8:
            rel["meta"]["one_deselect_action"] = "delete" if rel["meta"]["one_deselect_action"] == "nullify" else "nullify"
            count("relation deselect action")
        else:
            rel["meta"]["sort_field"] = "sort"
            count("relation sort_field")

    # adds: new collections (full width) and new fields on existing collections
    existing = sorted(n for n, c in m.collections.items() if "schema" in c)
    nadd = max(1, round(fraction * len(chosen)))
    for k in range(nadd):
        name = f"{rng.choice(NOUNS)}_new_{k:04d}"
        target = rng.choice(existing)
        build_collection(m, name, 10**6 + k, rng, nfields, None, None, (target, "id", m.fields[target][0]["type"]))
        count("collection added")
    live = [n for n in existing if n in m.fields]
    for k in range(max(1, round(fraction * len(all_fields) / 10))):
        coll = rng.choice(live)
        fname = f"added_{k:05d}"
        fs = m.fields[coll]
        fs.append(field(coll, fname, "string",
                        field_meta(coll, fname, len(fs) + 1, interface="input", note="New in this release"),
                        column(coll, fname, "character varying", max_length=255)))
        count("field added")
    # systemFields: one index dropped, one created
    m.system_fields = [s for s in m.system_fields if (s["collection"], s["field"]) != ("directus_revisions", "parent")]
    m.system_fields.append({"collection": "directus_users", "field": "email", "schema": {"is_indexed": True}})
    count("systemField index dropped")
    count("systemField index added")
    return m, stats


# ------------------------------------------------------------------------------------------ output


def dump_json(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))


def write_yaml(json_path: Path, yaml_path: Path) -> str:
    """Write the YAML form; returns which dumper wrote it."""
    try:
        from drift.snapshot.yamlio import dump_yaml  # type: ignore[import-not-found]
    except ImportError:
        dump_yaml = None
    if dump_yaml is not None:
        yaml_path.write_text(dump_yaml(json.loads(json_path.read_text(encoding="utf-8"))), encoding="utf-8")
        how = "drift.snapshot.yamlio.dump_yaml"
    else:
        _node("--dump-yaml", str(json_path), str(yaml_path))
        how = "js-yaml dump"
    _node("--check-yaml", str(json_path), str(yaml_path))
    return how


def _node(*args: str) -> None:
    common.ensure_directus()
    cmd = [str(common.node_bin()), str(common.BENCH / "directus_reference.mjs"), *args]
    if subprocess.run(cmd).returncode != 0:
        sys.exit(f"bench: node {' '.join(args)} failed")


def generate(ncollections: int, nfields: int, seed: int, out: Path | None = None, yaml: bool = True) -> Path:
    """Write current/desired .json (and .yaml) into a folder named after the parameters; returns it."""
    out = out or common.DATA / f"c{ncollections}x{nfields}-s{seed}"
    stamp = out / "params.json"
    params = {"collections": ncollections, "fields": nfields, "seed": seed, "generator": _self_digest()}
    if stamp.is_file() and json.loads(stamp.read_text()).get("params") == params and all(
        (out / f"{side}.{ext}").is_file() for side in ("current", "desired") for ext in (("json", "yaml") if yaml else ("json",))
    ):
        return out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    current = build_current(ncollections, nfields, rng)
    desired, stats = mutate(current, rng, nfields)
    info: dict[str, Any] = {"params": params, "changes": stats}
    for side, model in (("current", current), ("desired", desired)):
        snap = model.snapshot()
        path = out / f"{side}.json"
        path.write_text(dump_json(snap), encoding="utf-8")
        info[side] = {k: len(v) for k, v in snap.items() if isinstance(v, list)}
        info[side]["json_bytes"] = path.stat().st_size
        if yaml:
            info["yaml_writer"] = write_yaml(path, out / f"{side}.yaml")
            info[side]["yaml_bytes"] = (out / f"{side}.yaml").stat().st_size
    stamp.write_text(json.dumps(info, indent=1) + "\n")
    return out


def _self_digest() -> str:
    import hashlib

    return hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--collections", type=int, default=1000)
    ap.add_argument("--fields", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-yaml", action="store_true", help="only the JSON files")
    a = ap.parse_args()
    if a.fields < 19:
        ap.error("--fields must be at least 19 (the realistic template)")
    out = generate(a.collections, a.fields, a.seed, a.out, yaml=not a.no_yaml)
    print(out)
    print((out / "params.json").read_text())


if __name__ == "__main__":
    main()
