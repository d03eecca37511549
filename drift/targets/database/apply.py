"""Applying a reviewed plan to a database: the SQL it takes, and running it guarded by the hash.

This module owns the database target's ``sql_preview`` and ``apply``. :class:`Compiler` turns a
plan's diff into statements per change, in the order Directus's ``applyDiff`` uses (spec §4.3:
new collections parents first with their fields, deleted collections, collection meta, fields in
diff order, system indexes, relations in diff order) but without its bugs (§9): only a path-less
``D`` deletes, a ``D`` with a path is an edit, a collection losing its ``schema`` (its table) is
refused unless destructive changes are allowed, a relation without ``schema`` gets no foreign
key. Updates are rebuilt as Directus does: the current entity plus the diff's changes
(deep-diff ``applyChange``), then compared with the current column. DDL comes from :mod:`.ddl`,
Directus's rows (Directus mode) from :mod:`.meta_rows`.

:class:`DatabaseApply` runs it: one connection (on PostgreSQL through psycopg, the default driver,
psycopg itself, so neither SQLAlchemy nor alembic is imported; otherwise a SQLAlchemy connection),
a lock that serialises drift applies on the database (``pg_advisory_xact_lock``, MySQL
``GET_LOCK``, SQLite ``BEGIN IMMEDIATE``), a fresh snapshot and hash check inside that same
transaction (mismatch: :class:`StalePlan`, nothing ran), then the statements. PostgreSQL and SQLite
run everything in that one transaction (PostgreSQL receives the whole script in one round trip).
MySQL/MariaDB commit DDL statement by statement, so every statement is rendered (and so checked)
before the first one runs, and a failure names exactly which statements ran and which did not.
Afterwards a fresh snapshot, read on the same connection in a new read-only transaction, is diffed
against the plan's desired snapshot to report convergence.

On PostgreSQL the CLI starts that transaction (:meth:`DatabaseApply.start_apply`: connect, lock,
read) on a thread while it loads the plan file, so psycopg's waits on the server overlap that work;
the hash check and every statement still come after, in that same transaction, and nothing is
changed before the plan is loaded, checked and consented to.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from drift import exits
from drift.diff.hashing import versioned_hash
from drift.errors import (
    DestructiveBlocked,
    DriftError,
    InputError,
    StalePlan,
    TargetError,
)
from drift.targets.database.catalog import Catalog
from drift.targets.database.ddl import (
    ALIAS_TYPES,
    Emitter,
    build_column,
    check_identifier,
    column_type,
    creatable,
    default_index_name,
    is_column,
    pg_quote,
    sa_alter_kwargs,
    server_default,
)
from drift.targets.database.meta_rows import MetaRows
from drift.targets.database.reader import bind_params
from drift.targets.database.url import check_driver, driver_connect

SECTIONS = ("collections", "fields", "systemFields", "relations")
LOCK_NAME = "drift:apply"
_FK_ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")
_COLUMN_PROPS = ("data_type", "max_length", "numeric_precision", "numeric_scale")


class ApplyFailed(TargetError):
    """A statement failed; ``report`` says which statements ran and which did not."""

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message)
        self.report = report


# -- deep-diff applyChange --------------------------------------------------------------------------------


def apply_change(target: Any, record: Mapping[str, Any]) -> Any:
    """deep-diff's ``applyChange(target, true, record)`` on JSON values; returns the target."""
    path = list(record.get("path") or [])
    kind = record.get("kind")
    if not path:
        if kind in ("N", "E"):
            return copy.deepcopy(record.get("rhs"))
        if kind == "D":
            return None
        if kind == "A" and isinstance(target, list):
            _array_change(target, record)
        return target
    node = target
    for i, key in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(node, list):
            while len(node) <= key:
                node.append(None)
            if node[key] is None or not isinstance(node[key], (dict, list)):
                node[key] = [] if isinstance(nxt, int) else {}
            node = node[key]
        else:
            if not isinstance(node.get(key), (dict, list)):
                node[key] = [] if isinstance(nxt, int) else {}
            node = node[key]
    last = path[-1]
    if kind == "A":
        if isinstance(node, list):
            while len(node) <= last:
                node.append(None)
            child = node[last]
        else:
            child = node.get(last)
            if child is None:
                child = node[last] = []
        if isinstance(child, list):
            _array_change(child, record)
    elif kind in ("N", "E"):
        if isinstance(node, list):
            while len(node) <= last:
                node.append(None)
        node[last] = copy.deepcopy(record.get("rhs"))
    elif kind == "D":
        if isinstance(node, list):
            if 0 <= last < len(node):
                node.pop(last)
        else:
            node.pop(last, None)
    return target


def _array_change(arr: list[Any], record: Mapping[str, Any]) -> None:
    item = record.get("item") or {}
    index = int(record.get("index", 0))
    if item.get("kind") == "D":
        if 0 <= index < len(arr):
            arr.pop(index)
    elif item.get("kind") in ("N", "E"):
        while len(arr) <= index:
            arr.append(None)
        arr[index] = copy.deepcopy(item.get("rhs"))


def rebuild(current: Any, changes: list[Mapping[str, Any]]) -> Any:
    """The current entity with a diff entry's changes applied (``lhs`` values are never read)."""
    value = copy.deepcopy(current)
    for record in changes:
        value = apply_change(value, record)
    return value


def _first(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    diff = entry.get("diff") or []
    return diff[0] if diff and isinstance(diff[0], Mapping) else {}


def is_create(entry: Mapping[str, Any]) -> bool:
    first = _first(entry)
    return first.get("kind") == "N" and not first.get("path")


def is_delete(entry: Mapping[str, Any]) -> bool:
    """Only a path-less ``D`` deletes (a ``D`` at a nested path is an edit)."""
    first = _first(entry)
    return first.get("kind") == "D" and not first.get("path")


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (
        isinstance(a, (int, float)) and isinstance(b, (int, float))
        and not isinstance(a, bool) and not isinstance(b, bool) and a == b
    )


# -- the compiler ---------------------------------------------------------------------------------------


class Compiler:
    """Turns a plan's diff into statements on an :class:`Emitter`, change by change."""

    def __init__(
        self,
        diff: Mapping[str, list[dict[str, Any]]],
        current: dict[str, Any],
        catalog: Catalog,
        emitter: Emitter,
        *,
        vendor: str,
        directus_mode: bool,
        desired_vendor: str | None,
        allow_destructive: bool,
        pg_unique_constraints: set[str] | Callable[[], set[str]] | None = None,
        schema: str | None = None,
    ) -> None:
        self.diff = {s: [dict(e) for e in (diff.get(s) or [])] for s in SECTIONS}
        self.current = current
        self.catalog = catalog
        self.em = emitter
        self.op = emitter.op
        self.q = emitter.name  # identifiers as the emitter's operations take them
        self.vendor = vendor
        self.native = desired_vendor in (None, vendor)
        self.directus_mode = directus_mode
        self.allow_destructive = allow_destructive
        self._pg_unique = pg_unique_constraints
        self.meta = MetaRows(catalog, emitter, schema) if directus_mode else None
        self.cur_collections = {c["collection"]: c for c in current.get("collections") or []}
        self.cur_fields = {(f["collection"], f["field"]): f for f in current.get("fields") or []}
        self.cur_relations = {(r["collection"], r["field"]): r for r in current.get("relations") or []}
        self.tables = set(catalog.tables)
        self.columns = {(c["table"], c["name"]): c for c in catalog.columns}
        self.fks = list(catalog.foreign_keys)
        self.dropped_fks: set[tuple[str, str]] = set()
        self.new_tables: dict[str, list[dict[str, Any]]] = {}
        self._fields_of: dict[str, list[dict[str, Any]]] = {}
        self._columns_built: dict[int, tuple[dict[str, Any], Any]] = {}
        self.notes: list[str] = []

    @property
    def pg_unique(self) -> set[str]:
        """Names of PostgreSQL UNIQUE constraints (read only when a unique is dropped)."""
        if callable(self._pg_unique):
            self._pg_unique = self._pg_unique()
        return self._pg_unique or set()

    # -- entry point --------------------------------------------------------------------------------
    def run(self) -> list[dict[str, Any]]:
        self.check()
        self._create_collections()
        for entry in self.diff["collections"]:
            if is_delete(entry):
                with self.em.change(f"collections:{entry['collection']}"):
                    self._delete_collection(entry)
        for entry in self.diff["collections"]:
            if not is_create(entry) and not is_delete(entry):
                with self.em.change(f"collections:{entry['collection']}"):
                    self._update_collection(entry)
        for entry in self.diff["fields"]:
            key = f"fields:{entry['collection']}.{entry['field']}"
            with self.em.change(key):
                if is_create(entry):
                    self._create_field(entry)
                elif is_delete(entry):
                    self._delete_field(entry)
                else:
                    self._update_field(entry)
        for entry in self.diff["systemFields"]:
            if _first(entry).get("kind") == "E":
                with self.em.change(f"systemFields:{entry['collection']}.{entry['field']}"):
                    self._system_field(entry)
        for entry in self.diff["relations"]:
            with self.em.change(f"relations:{entry['collection']}.{entry['field']}"):
                if is_create(entry):
                    self._create_relation(entry)
                elif is_delete(entry):
                    self._delete_relation(entry)
                else:
                    self._update_relation(entry)
        return self.em.steps

    # -- checks before anything -------------------------------------------------------------------------
    def check(self) -> None:
        """Everything that can be refused before the first statement."""
        created = {e["collection"] for e in self.diff["collections"] if is_create(e)}
        for entry in self.diff["collections"]:
            name = entry.get("collection")
            if is_create(entry):
                check_identifier(name, self.vendor, "collection")
                rhs = _first(entry).get("rhs") or {}
                group = (rhs.get("meta") or {}).get("group")
                if group and group not in self.cur_collections and group not in created:
                    raise TargetError(
                        f"collection {name!r} belongs to group {group!r}, which exists neither in the "
                        "database nor in the plan"
                    )
            elif not is_delete(entry):
                cur = self.cur_collections.get(name)
                if cur is None:
                    raise TargetError(f"collection {name!r} is updated by the plan but does not exist")
                new = rebuild(cur, entry.get("diff") or [])
                if cur.get("schema") and not (isinstance(new, dict) and new.get("schema")):
                    if not self.allow_destructive:
                        raise DestructiveBlocked(
                            f"the plan turns collection {name!r} into a folder, which drops its table; "
                            "re-run with --allow-destructive to apply it"
                        )
        for entry in self.diff["fields"]:
            if is_create(entry):
                check_identifier(entry.get("field"), self.vendor, "field")
                rhs = _first(entry).get("rhs") or {}
                if self._creatable(rhs):
                    self._column(rhs)
        for entry in self.diff["relations"]:
            if is_create(entry):
                schema = (_first(entry).get("rhs") or {}).get("schema")
                if schema:
                    self._fk_parts(entry["collection"], entry["field"], entry.get("related_collection"), schema)

    # -- collections ----------------------------------------------------------------------------------
    def _create_collections(self) -> None:
        entries = [e for e in self.diff["collections"] if is_create(e)]
        created = {e["collection"] for e in entries}

        def roots(e: dict[str, Any]) -> bool:
            group = ((_first(e).get("rhs") or {}).get("meta") or {}).get("group")
            return not group or (group in self.cur_collections and group not in created)

        done: set[str] = set()
        # each new collection's field entries, found in one pass (they are created with it)
        for f in self.diff["fields"]:
            if f.get("collection") in created:
                self._fields_of.setdefault(f["collection"], []).append(f)

        def create(level: list[dict[str, Any]]) -> None:
            for e in level:
                if e["collection"] in done:
                    continue
                done.add(e["collection"])
                with self.em.change(f"collections:{e['collection']}"):
                    self._create_collection(e)
                children = [
                    c for c in entries
                    if ((_first(c).get("rhs") or {}).get("meta") or {}).get("group") == e["collection"]
                ]
                create(children)

        create([e for e in entries if roots(e)])
        if done:
            self.diff["fields"] = [f for f in self.diff["fields"] if f.get("collection") not in done]

    def _create_collection(self, entry: dict[str, Any]) -> None:
        name = entry["collection"]
        rhs = _first(entry).get("rhs") or {}
        field_entries = self._fields_of.get(name, [])
        # the plan's entities are only read (``_uuid_fix`` copies what it changes)
        fields = [_first(f).get("rhs") for f in field_entries if is_create(f)]
        fields = [self._uuid_fix(f) for f in fields if isinstance(f, dict)]
        if rhs.get("schema"):
            columns = [f for f in fields if self._creatable(f)]
            if not columns:
                raise TargetError(f"collection {name!r} has a table but the plan gives it no columns")
            self._create_table(name, columns)
            self.new_tables[name] = columns
            if self.meta is not None:
                self.meta.field_rows_for_new_collection(
                    name, [dict(f["meta"], field=f["field"]) for f in fields if f.get("meta") is not None]
                )
        if self.meta is not None:
            self.meta.create_collection(name, rhs.get("meta"))

    def _column(self, field: dict[str, Any]) -> Any:
        """The column for a plan field (built once: the checks before anything build it first)."""
        key = id(field)
        hit = self._columns_built.get(key)
        if hit is not None and hit[0] is field:
            return hit[1]
        column = build_column(field, self.vendor, native=self.native)
        self._columns_built[key] = (field, column)
        return column

    def _creatable(self, field: dict[str, Any]) -> bool:
        if creatable(field, self.vendor, native=self.native):
            return True
        if is_column(field):
            note = f"{field.get('collection')}.{field.get('field')}: a column of unknown type is not created"
            if note not in self.notes:
                self.notes.append(note)
        return False

    def _uuid_fix(self, field: dict[str, Any]) -> dict[str, Any]:
        """Directus's fix for ``char(36)`` keys from another vendor (only across vendors)."""
        schema = field.get("schema") or {}
        if (
            not self.native
            and str(schema.get("data_type")).lower() in ("char", "varchar")
            and schema.get("max_length") == 36
            and (schema.get("is_primary_key") or (schema.get("foreign_key_table") and schema.get("foreign_key_column")))
        ):
            field = copy.deepcopy(field)
            field["type"] = "uuid"
            field["schema"] = {**schema, "data_type": "uuid", "max_length": None}
        return field

    def _create_table(self, name: str, columns: list[dict[str, Any]]) -> None:
        cols = [self._column(f) for f in columns]
        kw: dict[str, Any] = {}
        if self.vendor == "sqlite" and any(
            (f.get("schema") or {}).get("has_auto_increment") and (f.get("schema") or {}).get("is_primary_key")
            for f in columns
        ):
            kw["sqlite_autoincrement"] = True
        self.op.create_table(self.q(name), *cols, **kw)
        self.tables.add(name)
        for f in columns:
            schema = f.get("schema") or {}
            if schema.get("is_primary_key"):
                continue
            if schema.get("is_unique") is True:
                self._add_unique(name, f["field"])
            if schema.get("is_indexed") is True:
                self._add_index(name, f["field"])

    def _delete_collection(self, entry: dict[str, Any]) -> None:
        name = entry["collection"]
        cur = self.cur_collections.get(name) or {}
        has_table = name in self.tables
        # foreign keys from other tables into this one go first (Directus deletes those relations)
        for fk in self.fks:
            if fk["foreign_key_table"] == name and fk["table"] != name:
                self._drop_fk(fk["table"], fk["column"])
        if self.meta is not None:
            for (coll, field), rel in self.cur_relations.items():
                if rel.get("related_collection") == name and coll != name and rel.get("meta") is not None:
                    self.meta.delete_relation(coll, field)
        if has_table:
            self.op.drop_table(self.q(name))
            self.tables.discard(name)
            for fk in self.fks:
                if fk["table"] == name:
                    self.dropped_fks.add((fk["table"], fk["column"]))
        if self.meta is not None:
            self.meta.delete_collection(name, had_table=bool(cur.get("schema")) or has_table,
                                        had_meta=cur.get("meta") is not None)

    def _update_collection(self, entry: dict[str, Any]) -> None:
        name = entry["collection"]
        cur = self.cur_collections.get(name)
        if cur is None:
            raise TargetError(f"collection {name!r} is updated by the plan but does not exist")
        new = rebuild(cur, entry.get("diff") or []) or {}
        if cur.get("schema") and not new.get("schema"):
            # table → folder: only with consent (checked before anything ran)
            for fk in self.fks:
                if fk["foreign_key_table"] == name and fk["table"] != name:
                    self._drop_fk(fk["table"], fk["column"])
            if name in self.tables:
                self.op.drop_table(self.q(name))
                self.tables.discard(name)
            if self.meta is not None:
                self.meta.delete(  # the folder keeps its collection row, not its fields
                    "directus_fields", {"collection": name}
                )
        elif new.get("schema") and not cur.get("schema"):
            fields = [f for f in self.diff["fields"] if f.get("collection") == name and is_create(f)]
            columns = [_first(f).get("rhs") for f in fields if self._creatable(_first(f).get("rhs") or {})]
            if not columns:
                raise TargetError(f"folder {name!r} becomes a table, but the plan gives it no columns")
            self.diff["fields"] = [f for f in self.diff["fields"] if f not in fields]
            self._create_table(name, columns)  # type: ignore[arg-type]
            if self.meta is not None:
                rhs_fields = [_first(f).get("rhs") or {} for f in fields]
                self.meta.field_rows_for_new_collection(
                    name, [dict(f["meta"], field=f["field"]) for f in rhs_fields if f.get("meta") is not None]
                )
        if not _same(cur.get("meta"), new.get("meta")):
            if self.meta is not None:
                self.meta.update_collection(name, new.get("meta"), existed=cur.get("meta") is not None)
            else:
                self.notes.append(f"{name}: collection meta is not stored in a plain database")

    # -- fields -----------------------------------------------------------------------------------------
    def _create_field(self, entry: dict[str, Any]) -> None:
        coll, name = entry["collection"], entry["field"]
        rhs = _first(entry).get("rhs") or {}
        if coll not in self.tables and is_column(rhs):
            raise TargetError(f"field {coll}.{name}: collection {coll!r} has no table")
        if self._creatable(rhs):
            column = self._column(rhs)
            if self.vendor == "sqlite":
                with self._batch(coll, "auto") as batch:
                    batch.add_column(column.to_sa())
            else:
                self.op.add_column(self.q(coll), column)
            schema = rhs.get("schema") or {}
            if not schema.get("is_primary_key"):
                if schema.get("is_unique") is True:
                    self._add_unique(coll, name)
                if schema.get("is_indexed") is True:
                    self._add_index(coll, name)
        if self.meta is not None:
            self.meta.create_field(coll, name, rhs.get("meta"))
        elif rhs.get("meta") is not None:
            self.notes.append(f"{coll}.{name}: field meta is not stored in a plain database")

    def _delete_field(self, entry: dict[str, Any]) -> None:
        coll, name = entry["collection"], entry["field"]
        cur = self.cur_fields.get((coll, name))
        if (coll, name) in self.columns and coll in self.tables:
            self._drop_fk(coll, name)
            if self.vendor == "sqlite":
                self._sqlite_drop_indexes(coll, name)
                with self._batch(coll, "auto") as batch:
                    batch.drop_column(self.q(name))
            else:
                self.op.drop_column(self.q(coll), self.q(name))
        if self.meta is not None:
            rel = self.cur_relations.get((coll, name))
            if rel is not None and rel.get("meta") is not None:
                self.meta.delete_relation(coll, name)
            if cur is None or cur.get("meta") is not None:
                self.meta.delete_field(coll, name)
        # relations of a deleted field go with it, unless the plan creates one (Directus)
        self.diff["relations"] = [
            r for r in self.diff["relations"]
            if not (r.get("collection") == coll and r.get("field") == name
                    and not any(d.get("kind") == "N" for d in r.get("diff") or []))
        ]

    def _update_field(self, entry: dict[str, Any]) -> None:
        coll, name = entry["collection"], entry["field"]
        cur = self.cur_fields.get((coll, name))
        if cur is None:
            raise TargetError(f"field {coll}.{name} is updated by the plan but does not exist")
        new = rebuild(cur, entry.get("diff") or []) or {}
        cur_alias = cur.get("type") in ALIAS_TYPES or not cur.get("schema")
        new_alias = new.get("type") in ALIAS_TYPES or not new.get("schema")
        if cur_alias != new_alias:
            raise TargetError(f"field {coll}.{name}: an alias field cannot become a column or the reverse")
        if not new_alias and not _same(cur.get("schema"), new.get("schema")) or cur.get("type") != new.get("type"):
            if not new_alias:
                self._alter_column(coll, name, cur, new)
        if not _same(cur.get("meta"), new.get("meta")):
            if self.meta is not None:
                self.meta.update_field(coll, name, new.get("meta"), existed=cur.get("meta") is not None)
            else:
                self.notes.append(f"{coll}.{name}: field meta is not stored in a plain database")

    def _alter_column(self, coll: str, name: str, cur: dict[str, Any], new: dict[str, Any]) -> None:
        old_s, new_s = cur.get("schema") or {}, new.get("schema") or {}
        for prop in ("is_primary_key", "has_auto_increment", "is_generated", "generation_expression"):
            if not _same(old_s.get(prop), new_s.get(prop)) and prop in new_s:
                raise TargetError(f"field {coll}.{name}: changing {prop} is not supported")
        type_changed = cur.get("type") != new.get("type") or any(
            not _same(old_s.get(p), new_s.get(p)) for p in _COLUMN_PROPS
        )
        null_changed = "is_nullable" in new_s and old_s.get("is_nullable") is not new_s.get("is_nullable")
        default_changed = "default_value" in new_s and not _same(old_s.get("default_value"), new_s.get("default_value"))
        pk = bool(old_s.get("is_primary_key"))
        if type_changed or null_changed or default_changed:
            new_type = column_type(new, self.vendor, native=self.native)
            old_type = column_type(cur, self.vendor, native=True)
            nullable = new_s.get("is_nullable") is not False
            default = server_default(new, self.vendor)
            kw: dict[str, Any] = {"existing_type": old_type}
            if type_changed:
                kw["type_"] = new_type
                if self.vendor == "postgres":
                    kw["postgresql_using"] = f"{self.em.quote(name)}::{new_type.sql}"
            if self.vendor == "mysql":
                # MODIFY rewrites the whole column: give every property
                kw["type_"] = new_type
                kw["nullable"] = nullable
                kw["existing_nullable"] = old_s.get("is_nullable") is not False
                if default_changed:
                    kw["server_default"] = default if default is not None else None
                else:
                    kw["existing_server_default"] = default if default is not None else None
                kw["existing_autoincrement"] = bool(old_s.get("has_auto_increment"))
            else:
                if null_changed:
                    kw["nullable"] = nullable
                else:
                    kw["existing_nullable"] = old_s.get("is_nullable") is not False
                if default_changed:
                    kw["server_default"] = default if default is not None else None
            if self.vendor == "sqlite":
                with self._batch(coll, "always") as batch:
                    batch.alter_column(self.q(name), **sa_alter_kwargs(kw))
            else:
                self.op.alter_column(self.q(coll), self.q(name), **kw)
        if pk:
            return
        if "is_unique" in new_s and old_s.get("is_unique") is not new_s.get("is_unique"):
            if new_s.get("is_unique"):
                self._add_unique(coll, name)
            else:
                self._drop_unique(coll, name)
        if "is_indexed" in new_s and bool(old_s.get("is_indexed")) is not bool(new_s.get("is_indexed")):
            if new_s.get("is_indexed"):
                self._add_index(coll, name)
            else:
                self._drop_index(coll, name)

    def _system_field(self, entry: dict[str, Any]) -> None:
        coll, name = entry["collection"], entry["field"]
        new = rebuild({"collection": coll, "field": name}, entry.get("diff") or []) or {}
        wanted = bool((new.get("schema") or {}).get("is_indexed"))
        col = self.columns.get((coll, name))
        if col is None:
            raise TargetError(f"system field {coll}.{name} does not exist")
        if wanted and not col.get("is_indexed"):
            self._add_index(coll, name)
        elif not wanted and col.get("is_indexed"):
            self._drop_index(coll, name)

    def _batch(self, table: str, recreate: str, **kw: Any) -> Any:
        """SQLite's copy-and-move rebuild of ``table`` (alembic batch mode), keeping AUTOINCREMENT."""
        auto = any(
            (f.get("schema") or {}).get("has_auto_increment") for f in self.new_tables.get(table, [])
        ) or any(
            c.get("has_auto_increment") for (t, _), c in self.columns.items() if t == table
        )
        table_kwargs = {"sqlite_autoincrement": True} if auto else {}
        return self.op.batch_alter_table(self.q(table), recreate=recreate, table_kwargs=table_kwargs, **kw)

    # -- indexes --------------------------------------------------------------------------------------------
    def _existing_index(self, table: str, column: str, unique: bool) -> str | None:
        for ix in self.catalog.indexes:
            if ix.table == table and ix.columns == (column,) and ix.unique == unique and not ix.primary:
                return ix.name
        return None

    def _add_unique(self, table: str, column: str) -> None:
        name = default_index_name("unique", table, column)
        if self.vendor == "sqlite":
            self.op.create_index(self.q(name), self.q(table), [self.q(column)], unique=True)
        else:
            self.op.create_unique_constraint(self.q(name), self.q(table), [self.q(column)])

    def _drop_unique(self, table: str, column: str) -> None:
        name = self._existing_index(table, column, unique=True)
        if name is None:
            return
        if self.vendor == "postgres" and name in self.pg_unique:
            self.op.drop_constraint(self.q(name), self.q(table), type_="unique")
        elif self.vendor == "sqlite" and name.startswith("sqlite_autoindex_"):
            raise TargetError(
                f"{table}.{column}: its UNIQUE is part of the table definition; SQLite cannot drop it here"
            )
        else:
            self.op.drop_index(self.q(name), self.q(table))

    def _add_index(self, table: str, column: str) -> None:
        self.op.create_index(self.q(default_index_name("index", table, column)), self.q(table), [self.q(column)])

    def _drop_index(self, table: str, column: str) -> None:
        name = self._existing_index(table, column, unique=False)
        if name is not None:
            self.op.drop_index(self.q(name), self.q(table))

    def _sqlite_drop_indexes(self, table: str, column: str) -> None:
        for ix in self.catalog.indexes:
            if ix.table == table and column in ix.columns and not ix.primary and not ix.name.startswith("sqlite_"):
                self.op.drop_index(self.q(ix.name), self.q(table))

    # -- relations ------------------------------------------------------------------------------------------
    def _pk_of(self, table: str) -> str:
        if table in self.new_tables:
            for f in self.new_tables[table]:
                if (f.get("schema") or {}).get("is_primary_key"):
                    return str(f["field"])
        pk = self.catalog.single_primary(table)
        if pk is None:
            raise TargetError(f"collection {table!r} has no single-column primary key to reference")
        return pk

    def _fk_parts(self, coll: str, field: str, related: Any, schema: Mapping[str, Any]) -> dict[str, Any]:
        ref_table = schema.get("foreign_key_table") or related
        if not ref_table:
            raise TargetError(f"relation {coll}.{field} has a foreign key without a related collection")
        ref_col = schema.get("foreign_key_column") or None
        parts: dict[str, Any] = {"ref_table": str(ref_table), "ref_col": ref_col}
        for key in ("on_delete", "on_update"):
            value = schema.get(key)
            if value is not None and str(value).upper() not in _FK_ACTIONS:
                raise TargetError(f"relation {coll}.{field}: {key} {str(value)[:40]!r} is not a foreign-key action")
            parts[key] = str(value).upper() if value is not None else None
        name = schema.get("constraint_name") or default_index_name("foreign", coll, field)
        parts["name"] = check_identifier(str(name), self.vendor, "constraint")
        return parts

    def _add_fk(self, coll: str, field: str, related: Any, schema: Mapping[str, Any]) -> None:
        p = self._fk_parts(coll, field, related, schema)
        ref_col = p["ref_col"] or self._pk_of(p["ref_table"])
        kw = {"ondelete": p["on_delete"], "onupdate": p["on_update"]}
        if self.vendor == "sqlite":
            with self._batch(coll, "always") as batch:
                batch.create_foreign_key(self.q(p["name"]), self.q(p["ref_table"]), [self.q(field)],
                                         [self.q(ref_col)], **kw)
        else:
            self.op.create_foreign_key(self.q(p["name"]), self.q(coll), self.q(p["ref_table"]), [self.q(field)],
                                       [self.q(ref_col)], **kw)
        self.dropped_fks.discard((coll, field))

    def _drop_fk(self, table: str, column: str) -> None:
        if (table, column) in self.dropped_fks or table not in self.tables:
            return
        fk = next((f for f in self.fks if f["table"] == table and f["column"] == column), None)
        if fk is None:
            return
        self.dropped_fks.add((table, column))
        if self.vendor == "sqlite":
            name = f"fk_{table}_{column}_{fk['foreign_key_table']}"
            with self._batch(
                table, "always",
                naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"},
            ) as batch:
                batch.drop_constraint(self.q(name), type_="foreignkey")
        else:
            self.op.drop_constraint(self.q(fk["constraint_name"]), self.q(table), type_="foreignkey")

    def _create_relation(self, entry: dict[str, Any]) -> None:
        coll, field = entry["collection"], entry["field"]
        rhs = _first(entry).get("rhs") or {}
        related = entry.get("related_collection", rhs.get("related_collection"))
        if rhs.get("schema"):
            self._add_fk(coll, field, related, rhs["schema"])
        if self.meta is not None:
            self.meta.create_relation(coll, field, related, rhs.get("meta"))

    def _update_relation(self, entry: dict[str, Any]) -> None:
        coll, field = entry["collection"], entry["field"]
        cur = self.cur_relations.get((coll, field))
        if cur is None:
            raise TargetError(f"relation {coll}.{field} is updated by the plan but does not exist")
        new = rebuild(cur, entry.get("diff") or []) or {}
        related = cur.get("related_collection")
        if not _same(cur.get("schema"), new.get("schema")):
            if cur.get("schema"):
                self._drop_fk(coll, field)
            if new.get("schema"):
                self._add_fk(coll, field, related, new["schema"])
        if not _same(cur.get("meta"), new.get("meta")):
            if self.meta is not None:
                self.meta.update_relation(coll, field, related, new.get("meta"), existed=cur.get("meta") is not None)
            else:
                self.notes.append(f"{coll}.{field}: relation meta is not stored in a plain database")

    def _delete_relation(self, entry: dict[str, Any]) -> None:
        coll, field = entry["collection"], entry["field"]
        cur = self.cur_relations.get((coll, field)) or {}
        self._drop_fk(coll, field)
        if self.meta is not None and cur.get("meta") is not None:
            self.meta.delete_relation(coll, field)


# -- running it -------------------------------------------------------------------------------------------


def _plan_diff(plan: Any) -> dict[str, list[dict[str, Any]]]:
    diff = getattr(plan, "diff", None)
    if diff is None and isinstance(plan, Mapping):
        diff = plan.get("diff")
    if not isinstance(diff, Mapping) or not all(isinstance(diff.get(s, []), list) for s in SECTIONS):
        raise InputError("the plan holds no diff (collections, fields, systemFields, relations)")
    return {s: list(diff.get(s) or []) for s in SECTIONS}


def _attr(plan: Any, name: str, default: Any = None) -> Any:
    if isinstance(plan, Mapping):
        return plan.get(name, default)
    return getattr(plan, name, default)


def _flat(steps: list[dict[str, Any]]) -> list[str]:
    return [s for step in steps for s in step["statements"]]


def _db_message(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return " ".join(str(orig).split())[:300]


class _Session:
    """The apply's one connection, whichever way it is made: queries with ``:name`` parameters,
    whole scripts run as they are, commit, rollback. ``conn`` is what the snapshot is read on,
    ``errors`` the driver errors a statement can raise."""

    conn: Any
    errors: tuple[type[BaseException], ...]

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        raise NotImplementedError

    def script(self, statement: str) -> None:
        """Run rendered SQL as it is, with no parameters, so no placeholder syntax (``%``, ``?``,
        ``:x``) inside quoted names or literals is read."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def rollback_quietly(self) -> None:
        """Roll back, ignoring the driver's errors (the connection may be gone already)."""
        try:
            self.rollback()
        except self.errors:
            pass

    def close(self) -> None:
        raise NotImplementedError

    def lost(self, exc: BaseException) -> bool:
        """Whether ``exc`` cost the connection."""
        raise NotImplementedError

    def emitter(self, vendor: str, online: bool) -> Emitter:
        raise NotImplementedError


class _PsycopgSession(_Session):
    """PostgreSQL through psycopg 3 itself: no SQLAlchemy anywhere on the way."""

    def __init__(self, conn: Any) -> None:
        import psycopg

        self.conn = conn
        self.errors = (psycopg.Error,)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        with self.conn.cursor() as cur:
            if params:
                cur.execute(*bind_params(sql, params, "pyformat"))  # psycopg's paramstyle
            else:
                cur.execute(sql)
            return cur.fetchall() if cur.description else []

    def script(self, statement: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(statement)  # no parameters: sent as one simple-protocol query

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()

    def lost(self, exc: BaseException) -> bool:
        return bool(self.conn.closed or self.conn.broken)

    def emitter(self, vendor: str, online: bool) -> Emitter:
        # as SQLAlchemy's dialect decides it: the server reads backslashes in literals as escapes
        # when ``standard_conforming_strings`` is off (the server reports the setting itself)
        escapes = self.conn.info.parameter_status("standard_conforming_strings") == "off"
        return Emitter.postgres(backslash_escapes=escapes)


class _SqlAlchemySession(_Session):
    """Any other database (or another PostgreSQL driver) through a SQLAlchemy connection."""

    def __init__(self, conn: Any) -> None:
        from sqlalchemy import exc as sa_exc

        self.conn = conn
        self.errors = (sa_exc.DBAPIError,)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        if not params:
            result = self.conn.exec_driver_sql(sql)
        else:
            from sqlalchemy import text

            result = self.conn.execute(text(sql), dict(params))
        return list(result.fetchall()) if result.returns_rows else []

    def script(self, statement: str) -> None:
        # straight on the driver's cursor: SQLAlchemy would read placeholders in it
        conn = self.conn
        try:
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute(statement)
            finally:
                cursor.close()
        except Exception as exc:  # the driver's own error: wrap it as SQLAlchemy would
            from sqlalchemy import exc as sa_exc

            if isinstance(exc, sa_exc.DBAPIError):
                raise
            module = getattr(conn.dialect, "dbapi", None) or getattr(conn.dialect, "loaded_dbapi", None)
            if module is not None and isinstance(exc, getattr(module, "Error", ())):
                raise sa_exc.DBAPIError.instance(statement, None, exc, module.Error,
                                                 connection_invalidated=conn.dialect.is_disconnect(exc, None, None)
                                                 ) from exc
            raise

    def commit(self) -> None:
        """Commit what ran, also what ran on the driver's cursor directly (:meth:`script`), which
        SQLAlchemy's ``Connection`` does not see: without its own transaction open it would not
        send the ``COMMIT``."""
        if self.conn.in_transaction():
            self.conn.commit()
        else:
            self.conn.connection.dbapi_connection.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()

    def lost(self, exc: BaseException) -> bool:
        return bool(getattr(exc, "connection_invalidated", False)) or self.conn.invalidated

    def emitter(self, vendor: str, online: bool) -> Emitter:
        return Emitter(self.conn.dialect, self.conn if online else None)


class _Starting:
    """A call that opens a transaction, run on a thread of its own: :meth:`result` waits for it
    and returns or raises what it did; :meth:`abandon` has what it opened closed (by the thread
    once it is done, if it is not yet), without waiting."""

    def __init__(self, start: Callable[[], Any], close: Callable[[Any], None]) -> None:
        import threading

        self._close = close
        self._lock = threading.Lock()
        self._done = self._abandoned = False
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(start,), name="drift-apply-start", daemon=True)
        self._thread.start()

    def _run(self, start: Callable[[], Any]) -> None:
        value: Any = None
        error: BaseException | None = None
        try:
            value = start()
        except BaseException as exc:  # noqa: BLE001 - raised by result()
            error = exc
        with self._lock:
            self._value, self._error, self._done = value, error, True
            abandoned = self._abandoned
        if abandoned and value is not None:
            self._close(value)

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value

    def abandon(self) -> None:
        with self._lock:
            self._abandoned = True
            value = self._value if self._done else None
        if value is not None:
            self._close(value)


class DatabaseApply:
    """``sql_preview`` and ``apply`` for :class:`~drift.targets.database.DatabaseTarget`."""

    # provided by DatabaseTarget
    vendor: str
    url: Any
    options: Any
    engine: Any
    # the apply transaction started ahead of apply() (start_apply)
    _started: _Starting | None = None

    # -- reading inside a given transaction ------------------------------------------------------------
    def _snapshot_on(self, conn: Any) -> tuple[dict[str, Any], Any]:
        """The snapshot read inside the apply's own transaction, and the reading it came from."""
        target: Any = self
        snap = target.snapshot_on(conn)
        return snap, target.last

    def _pg_unique_constraints(self, session: _Session) -> set[str]:
        if self.vendor != "postgres":
            return set()
        rows = session.execute(
            "SELECT con.conname FROM pg_constraint con JOIN pg_namespace ns ON ns.oid = con.connamespace "
            "WHERE con.contype = 'u' AND ns.nspname = ANY(:s)",
            {"s": list(self.url.schemas)},
        )
        return {r[0] for r in rows}

    def _compiler(self, plan: Any, session: _Session, current: dict[str, Any], inspection: Any,
                  emitter: Emitter, allow_destructive: bool) -> Compiler:
        desired = _attr(plan, "desired")
        schema = self.url.schemas[0] if self.vendor == "postgres" and self.url.schemas[0] != "public" else None
        return Compiler(
            _plan_diff(plan), current, inspection.catalog, emitter,
            vendor=self.vendor,
            directus_mode=inspection.directus_rows is not None,
            desired_vendor=desired.get("vendor") if isinstance(desired, Mapping) else None,
            allow_destructive=allow_destructive,
            pg_unique_constraints=lambda: self._pg_unique_constraints(session),
            schema=schema,
        )

    def _open(self) -> _Session:
        """The connection the apply runs on: psycopg itself for PostgreSQL through psycopg (the
        default), a SQLAlchemy connection otherwise."""
        from drift.targets.database import _reason

        how = driver_connect(self.url, self.options.timeout) if self.vendor == "postgres" else None
        if how is not None and how[0] == "psycopg":
            check_driver(self.url)
            import psycopg

            try:
                return _PsycopgSession(psycopg.connect(*how[1], **how[2]))
            except psycopg.Error as exc:
                raise TargetError(f"database {self.url.describe()}: {_reason(self.url, exc)}") from None
        from sqlalchemy import exc as sa_exc

        try:
            conn = self.engine.connect()
        except sa_exc.DBAPIError as exc:
            raise TargetError(f"database {self.url.describe()}: {_reason(self.url, exc)}") from None
        return _SqlAlchemySession(conn)

    def _begin(self, session: _Session) -> None:
        """Start the apply transaction and take the lock that serialises drift applies."""
        timeout = max(1, int(self.options.timeout))
        if self.vendor == "postgres":
            session.execute(f"SET LOCAL lock_timeout = '{timeout}s'")
            session.execute("SELECT pg_advisory_xact_lock(hashtext(:n))", {"n": LOCK_NAME})
        elif self.vendor == "mysql":
            rows = session.execute("SELECT GET_LOCK(CONCAT(:n, ':', DATABASE()), :t)",
                                   {"n": LOCK_NAME, "t": timeout})
            if not rows or rows[0][0] != 1:
                raise TargetError(f"another drift apply holds the lock on {self.url.describe()} (waited {timeout}s)")
            session.commit()
        else:
            session.execute("BEGIN IMMEDIATE")

    def _use_schema(self, session: _Session) -> None:
        """PostgreSQL outside ``public``: the statements (which name tables unqualified) run in
        the URL's schema, for the rest of the transaction. Set only once the schema is read and
        its hash checked: the search path changes how PostgreSQL prints defaults (``nextval`` of a
        sequence in that schema), so a read under it would not give the hash the plan recorded."""
        if self.vendor == "postgres" and self.url.schemas[0] != "public":
            session.execute("SELECT set_config('search_path', :p, true)", {"p": pg_quote(self.url.schemas[0])})

    def _release(self, session: _Session) -> None:
        if self.vendor == "mysql":
            try:
                session.execute("SELECT RELEASE_LOCK(CONCAT(:n, ':', DATABASE()))", {"n": LOCK_NAME})
                session.commit()
            except session.errors:
                pass

    def _start(self) -> tuple[_Session, dict[str, Any], Any]:
        """Connect, start the apply transaction under the lock and read the snapshot in it."""
        session = self._open()
        try:
            try:
                self._begin(session)
                current, inspection = self._snapshot_on(session.conn)
            except BaseException:
                session.rollback_quietly()
                raise
        except BaseException as exc:
            self._release(session)
            session.close()
            if isinstance(exc, session.errors):
                from drift.targets.database import _reason

                raise TargetError(f"database {self.url.describe()}: {_reason(self.url, exc)}") from None
            raise
        return session, current, inspection

    def start_apply(self) -> None:
        """Start the apply transaction ahead of :meth:`apply`, on a thread of its own: connect,
        take the lock and read the schema in it, while the caller goes on (the CLI loads the plan
        file meanwhile; psycopg's waits on the server then overlap that work). :meth:`apply` waits
        for it, then checks the hash and runs the plan in this same transaction, under the same
        lock; what starting it raised, :meth:`apply` raises. An unused transaction is rolled back
        by :meth:`discard_started` (``close``). Only PostgreSQL through psycopg starts early: its
        connection may be used from another thread (SQLite's may not)."""
        if self._started is not None or self.url.parts.drivername != "postgresql+psycopg":
            return
        # imported here, not on the thread: importing is CPU work, which would not overlap anyway
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return  # apply() says so, as ever
        self._started = _Starting(self._start, self._close_started)

    def _close_started(self, started: tuple[_Session, dict[str, Any], Any]) -> None:
        session = started[0]
        try:
            session.rollback_quietly()
        finally:
            self._release(session)
            session.close()

    def discard_started(self) -> None:
        """Roll back and close a transaction :meth:`start_apply` started that nothing used (once
        it is started, if it is still starting)."""
        started, self._started = self._started, None
        if started is not None:
            started.abandon()

    def _take_started(self) -> tuple[_Session, dict[str, Any], Any] | None:
        started, self._started = self._started, None
        return started.result() if started is not None else None

    # -- the protocol ---------------------------------------------------------------------------------------
    def sql_preview(self, plan: Any) -> list[dict[str, Any]]:
        """The statements an apply of ``plan`` would run, per change, in order (nothing changes)."""
        return self._run(plan, allow_destructive=True, dry_run=True, check_hash=False)["steps"]

    def apply(self, plan: Any, *, allow_destructive: bool = False, dry_run: bool = False) -> dict[str, Any]:
        """Apply exactly the reviewed plan, if the database still has the recorded hash."""
        diff = _plan_diff(plan)
        if not any(diff[s] for s in SECTIONS):
            return {"outcome": "nothing-to-do", "applied": False, "converged": None,
                    "note": "the plan holds no changes", "statements": [], "ran": [], "not_ran": [],
                    "exit_code": exits.OK}
        recorded = _attr(plan, "hash")
        if not isinstance(recorded, str) or not recorded:
            raise InputError("the plan holds no recorded hash")
        graded = _attr(plan, "destructive")
        if isinstance(graded, list) and graded and not allow_destructive and not dry_run:
            keys = ", ".join(str(getattr(c, "key", c)) for c in graded[:5])
            raise DestructiveBlocked(
                f"the plan has {len(graded)} destructive change(s) ({keys}); re-run with --allow-destructive"
            )
        result = self._run(plan, allow_destructive=allow_destructive, dry_run=dry_run, check_hash=True,
                           read_after=isinstance(_attr(plan, "desired"), dict), started=self._take_started())
        statements = _flat(result["steps"])
        report: dict[str, Any] = {
            "outcome": "dry-run" if dry_run else "applied",
            "applied": not dry_run,
            "converged": None,
            "note": "",
            "statements": statements,
            "steps": result["steps"],
            "ran": [] if dry_run else statements,
            "not_ran": statements if dry_run else [],
            "exit_code": exits.OK,
        }
        notes = list(result["notes"])
        if dry_run:
            notes.insert(0, "hash matches; nothing was changed (dry run)")
        else:
            self._converge(plan, report, notes, result.get("after"))
        report["note"] = "; ".join(notes)
        return report

    def _read_after(self, session: _Session) -> dict[str, Any] | DriftError:
        """The database's snapshot once the change is committed, read on the same connection (no
        second connect) in a fresh read-only, repeatable-read transaction; a failure is returned,
        not raised: the change is applied either way."""
        try:
            try:
                if self.vendor == "postgres":
                    session.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                elif self.vendor == "mysql":
                    session.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    session.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                else:
                    session.execute("BEGIN")
                return self._snapshot_on(session.conn)[0]
            finally:
                session.rollback()
        except DriftError as exc:
            return exc
        except session.errors as exc:
            from drift.targets.database import _reason

            return TargetError(f"database {self.url.describe()}: {_reason(self.url, exc)}")

    def _converge(self, plan: Any, report: dict[str, Any], notes: list[str],
                  after: dict[str, Any] | DriftError | None = None) -> None:
        from drift.diff.engine import snapshot_diff

        desired = _attr(plan, "desired")
        if not isinstance(desired, dict):
            notes.append("the plan holds no desired snapshot, so convergence was not checked")
            return
        try:
            if after is None:
                after = self.snapshot()  # type: ignore[attr-defined]
            if isinstance(after, DriftError):
                raise after
            remaining = snapshot_diff(after, desired, _attr(plan, "mode") or "mirror")
        except DriftError as exc:
            notes.append(f"applied, but re-reading the database failed: {exc.message}")
            return
        ignored = {str(i) for i in (_attr(plan, "ignored") or [])}
        left = [
            f"{s}:{e.get('collection')}" + (f".{e.get('field')}" if s != "collections" else "")
            for s in SECTIONS for e in remaining.get(s) or []
        ]
        left = [k for k in left if k.split(":", 1)[1] not in ignored]
        report["converged"] = not left
        report["remaining"] = remaining
        if left:
            report["exit_code"] = exits.ERROR
            notes.append(
                f"{self.url.describe()} still differs from the plan's desired snapshot in {len(left)} "
                f"entr{'y' if len(left) == 1 else 'ies'} ({', '.join(left[:5])}{', …' if len(left) > 5 else ''})"
            )

    def _run(self, plan: Any, *, allow_destructive: bool, dry_run: bool, check_hash: bool,
             read_after: bool = False, started: tuple[_Session, dict[str, Any], Any] | None = None
             ) -> dict[str, Any]:
        session, current, inspection = started if started is not None else self._start()
        vendor = self.vendor
        try:
            try:
                if check_hash:
                    recorded = str(_attr(plan, "hash"))
                    now = versioned_hash(current, str(current.get("directus", "")))
                    if now != recorded:
                        raise StalePlan(
                            f"{self.url.describe()} changed since the plan was made (schema hash {now[:12]}…, "
                            f"plan recorded {recorded[:12]}…); nothing was applied — make a new plan"
                        )
                online = vendor == "sqlite"
                emitter = session.emitter(vendor, online)
                try:
                    compiler = self._compiler(plan, session, current, inspection, emitter, allow_destructive)
                    try:
                        steps = compiler.run()
                    except session.errors as exc:  # online (SQLite): a statement failed
                        ran = _flat(emitter.steps) + list(emitter._current or [])
                        raise ApplyFailed(
                            f"a statement failed on {self.url.describe()}: {_db_message(exc)}; the transaction "
                            "was rolled back, nothing was changed",
                            {"ran": [], "not_ran": ran, "statements": ran},
                        ) from None
                finally:
                    emitter.close()
                out: dict[str, Any] = {"steps": steps, "notes": compiler.notes}
                if dry_run:
                    session.rollback()
                    return out
                if online:
                    session.commit()
                else:
                    self._use_schema(session)
                    self._execute(session, steps)
                if read_after:
                    out["after"] = self._read_after(session)
                return out
            except BaseException:
                session.rollback_quietly()
                raise
        except session.errors as exc:
            from drift.targets.database import _reason

            raise TargetError(f"database {self.url.describe()}: {_reason(self.url, exc)}") from None
        finally:
            self._release(session)
            session.close()

    def _execute(self, session: _Session, steps: list[dict[str, Any]]) -> None:
        statements = _flat(steps)
        if self.vendor == "postgres":
            # one transaction, all or nothing, and one round trip: the whole script goes as one
            # simple-protocol query, which PostgreSQL runs inside the open transaction and stops at
            # the first error
            try:
                session.script(";\n".join(statements))
            except session.errors as exc:
                lost = session.lost(exc)
                raise ApplyFailed(
                    f"the SQL failed on {self.url.describe()}{' (connection lost)' if lost else ''}: "
                    f"{_db_message(exc)}; the transaction was rolled back, nothing was changed",
                    {"ran": [], "not_ran": statements, "statements": statements, "failed": None},
                ) from None
            session.commit()
            return
        ran: list[str] = []
        for i, stmt in enumerate(statements):
            try:
                session.script(stmt)
            except session.errors as exc:
                if self.vendor == "mysql":
                    session.rollback_quietly()
                    report = {"ran": ran, "not_ran": statements[i:], "statements": statements, "failed": stmt}
                    raise ApplyFailed(
                        f"statement {i + 1} of {len(statements)} failed on {self.url.describe()}: "
                        f"{_db_message(exc)}; statements 1–{i} ran and stay applied (MySQL commits DDL at once), "
                        f"{len(statements) - i} did not run: {stmt[:200]}",
                        report,
                    ) from None
                lost = session.lost(exc)
                raise ApplyFailed(
                    f"statement {i + 1} of {len(statements)} failed on {self.url.describe()}"
                    f"{' (connection lost)' if lost else ''}: {_db_message(exc)}; the transaction was rolled "
                    "back, nothing was changed",
                    {"ran": [], "not_ran": statements, "statements": statements, "failed": stmt},
                ) from None
            ran.append(stmt)
            if self.vendor == "mysql":
                session.commit()
        session.commit()


__all__ = ["ApplyFailed", "Compiler", "DatabaseApply", "apply_change", "is_create", "is_delete", "rebuild"]
