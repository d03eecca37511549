"""Directus mode: the rows of ``directus_collections``, ``directus_fields`` and
``directus_relations`` written exactly as Directus's services write them.

A snapshot's ``meta`` is the row as Directus *reads* it (``cast-json`` parsed, ``cast-csv`` split,
``cast-boolean`` cast); writing reverses that the way ``PayloadService.processValues("create")``
does: arrays of a ``cast-csv`` column are joined with ``,``, any other array or object becomes its
compact JSON text, everything else is written as it is. Only columns the table really has are
written (``ItemsService`` drops unknown keys), never ``id``. The statements are written as text
the way SQLAlchemy Core renders ``insert``/``update``/``delete`` with literal values: every name
through the dialect's ``quote_identifier``, every value through the dialect's own literal processor
(:class:`~.ddl.Literals`; on PostgreSQL their SQLAlchemy-free equivalents, :func:`~.ddl.pg_quote` and
:class:`~.ddl.PgLiterals`); consecutive rows with the same columns share one multi-row ``INSERT``. Which rows each Directus operation touches (a field insert after
``CollectionsService.createOne`` orders ungrouped fields first, a collection delete clears
``group`` on its children and removes its fields, presets, revisions, activity and permissions)
follows ``services/collections.js``, ``fields.js`` and ``relations.js`` of Directus 12.4.1.
"""

from __future__ import annotations

from typing import Any

from drift.snapshot.js import js_json
from drift.targets.database.catalog import Catalog
from drift.targets.database.ddl import Emitter, q
from drift.targets.database.directus import system_data, to_array

COLLECTIONS = "directus_collections"
FIELDS = "directus_fields"
RELATIONS = "directus_relations"


def _specials(table: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in system_data()["fields"]:
        if row.get("collection") == table and row.get("special"):
            out[str(row["field"])] = [s for s in to_array(row["special"]) if isinstance(s, str)]
    return out


def system_field_keys() -> set[tuple[str, str]]:
    """``(collection, field)`` of Directus's own fields (their meta is never written)."""
    return {(str(r["collection"]), str(r["field"])) for r in system_data()["fields"]}


class MetaRows:
    """Writes Directus's schema rows through an :class:`Emitter`."""

    def __init__(self, catalog: Catalog, emitter: Emitter, schema: str | None = None) -> None:
        self.em = emitter
        self.schema = schema
        self.columns: dict[str, list[str]] = {}
        for c in catalog.columns:
            self.columns.setdefault(c["table"], []).append(c["name"])
        self._known = {t: set(names) for t, names in self.columns.items()}
        self.specials = {t: _specials(t) for t in (COLLECTIONS, FIELDS, RELATIONS)}
        self.system_fields = system_field_keys()

    # -- values --------------------------------------------------------------------------------------
    def encode(self, table: str, column: str, value: Any) -> Any:
        if isinstance(value, list) and "cast-csv" in self.specials.get(table, {}).get(column, []):
            return ",".join(js_json(v) if not isinstance(v, str) else v for v in value)
        if isinstance(value, (list, dict)):
            return js_json(value)
        return value

    def row(self, table: str, values: dict[str, Any]) -> dict[str, Any]:
        known = self._known.get(table, ())
        return {k: self.encode(table, k, v) for k, v in values.items() if k in known and k != "id"}

    def _table(self, table: str, names: list[str]) -> Any:
        import sqlalchemy as sa

        t = sa.table(q(table), *(sa.column(q(n)) for n in names))
        if self.schema:
            t.schema = q(self.schema)
        return t

    def _name(self, table: str) -> str:
        """The table's quoted (and, outside ``public``, schema-qualified) name."""
        qi = self.em.qi
        return f"{qi(self.schema)}.{qi(table)}" if self.schema else qi(table)

    def _where(self, table: str, where: dict[str, Any]) -> str:
        prefix = self._name(table) + "."
        lit = self.em.literal
        return " AND ".join(
            f"{prefix}{self.em.qi(k)} IS NULL" if v is None else f"{prefix}{self.em.qi(k)} = {lit(v)}"
            for k, v in where.items()
        )

    def insert(self, table: str, values: dict[str, Any]) -> None:
        self._insert_rows(table, [self.row(table, values)])

    def insert_many(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Consecutive rows with the same columns go in one multi-row ``INSERT`` (same order)."""
        batch: list[dict[str, Any]] = []
        for values in rows:
            data = self.row(table, values)
            if batch and list(batch[0]) != list(data):
                self._insert_rows(table, batch)
                batch = []
            batch.append(data)
        if batch:
            self._insert_rows(table, batch)

    def _insert_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        """``INSERT INTO t (cols) VALUES (…), (…)``: every name quoted by the dialect, every value
        a literal of the dialect's own type (what SQLAlchemy's ``insert().values()`` renders)."""
        names = list(rows[0])
        if not names:
            return
        lit = self.em.literal
        cols = ", ".join(self.em.qi(n) for n in names)
        values = ", ".join("(" + ", ".join([lit(r[n]) for n in names]) + ")" for r in rows)
        self.em.raw(f"INSERT INTO {self._name(table)} ({cols}) VALUES {values}")

    def update(self, table: str, values: dict[str, Any], where: dict[str, Any]) -> None:
        data = self.row(table, values)
        if not data:
            return
        lit = self.em.literal
        sets = ", ".join(f"{self.em.qi(k)}={lit(v)}" for k, v in data.items())
        self.em.raw(f"UPDATE {self._name(table)} SET {sets} WHERE {self._where(table, where)}")

    def delete(self, table: str, where: dict[str, Any]) -> None:
        self.em.raw(f"DELETE FROM {self._name(table)} WHERE {self._where(table, where)}")

    # -- what Directus's services do -------------------------------------------------------------------
    def create_collection(self, collection: str, meta: dict[str, Any] | None) -> None:
        if meta is not None:
            self.insert(COLLECTIONS, {**meta, "collection": collection})

    def update_collection(self, collection: str, meta: dict[str, Any] | None, existed: bool) -> None:
        if meta is None:
            if existed:
                self.delete(COLLECTIONS, {"collection": collection})
            return
        if existed:
            self.update(COLLECTIONS, {**meta, "collection": collection}, {"collection": collection})
        else:
            self.insert(COLLECTIONS, {**meta, "collection": collection})

    def delete_collection(self, collection: str, had_table: bool, had_meta: bool) -> None:
        """``CollectionsService.deleteOne``'s row changes (the table is dropped by the caller)."""
        self.update(COLLECTIONS, {"group": None}, {"group": collection})
        if had_meta:
            self.delete(COLLECTIONS, {"collection": collection})
        if had_table:
            self.delete(FIELDS, {"collection": collection})
            for table in ("directus_presets", "directus_revisions", "directus_activity", "directus_permissions"):
                if table in self.columns and "collection" in self.columns[table]:
                    if table == "directus_revisions" and "parent" in self.columns[table]:
                        self._unparent_revisions(collection)
                    self.delete(table, {"collection": collection})
            self.delete(RELATIONS, {"many_collection": collection})

    def _unparent_revisions(self, collection: str) -> None:
        if self.em.vendor == "postgres":  # as SQLAlchemy Core renders the statement below
            t, qi = self._name("directus_revisions"), self.em.qi
            self.em.raw(
                f"UPDATE {t} SET {qi('parent')}=NULL WHERE {t}.{qi('parent')} IN (SELECT {t}.{qi('id')} \n"
                f"FROM {t} \nWHERE {t}.{qi('collection')} = {self.em.literal(collection)})"
            )
            return
        import sqlalchemy as sa

        t = self._table("directus_revisions", ["id", "parent", "collection"])
        inner = sa.select(t.c["id"]).where(t.c["collection"] == sa.literal(collection))
        if self.em.vendor == "mysql":  # MySQL cannot read the table it updates in a subquery
            inner = sa.select(sa.literal_column("x.id")).select_from(inner.subquery("x"))
        self.em.sql(sa.update(t).where(t.c["parent"].in_(inner)).values({t.c["parent"]: sa.null()}))

    def field_rows_for_new_collection(self, collection: str, metas: list[dict[str, Any]]) -> None:
        """``CollectionsService.createOne``: ungrouped fields first, then each group's fields."""
        ungrouped = [m for m in metas if m.get("group") is None]
        grouped: dict[Any, list[dict[str, Any]]] = {}
        for m in metas:
            if m.get("group") is not None:
                grouped.setdefault(m.get("group"), []).append(m)
        ordered = ungrouped + [m for g in grouped.values() for m in g]
        self.insert_many(FIELDS, [{**m, "collection": collection} for m in ordered])

    def create_field(self, collection: str, field: str, meta: dict[str, Any] | None) -> None:
        if meta is not None:
            self.insert(FIELDS, {**meta, "collection": collection, "field": field})

    def update_field(self, collection: str, field: str, meta: dict[str, Any] | None, existed: bool) -> None:
        if meta is None or (collection, field) in self.system_fields:
            return
        values = {**meta, "collection": collection, "field": field}
        if existed:
            self.update(FIELDS, values, {"collection": collection, "field": field})
        else:
            self.insert(FIELDS, values)

    def delete_field(self, collection: str, field: str) -> None:
        """``FieldsService.deleteField``'s row changes for the field itself."""
        self.update(RELATIONS, {"one_field": None}, {"one_collection": collection, "one_field": field})
        self.update(FIELDS, {"group": None}, {"collection": collection, "group": field})
        self.delete(FIELDS, {"collection": collection, "field": field})

    def create_relation(self, collection: str, field: str, related: Any, meta: dict[str, Any] | None) -> None:
        if meta is None:
            return
        self.insert(
            RELATIONS,
            {**meta, "many_collection": collection, "many_field": field, "one_collection": related or None},
        )

    def update_relation(self, collection: str, field: str, related: Any, meta: dict[str, Any] | None,
                        existed: bool) -> None:
        where = {"many_collection": collection, "many_field": field}
        if meta is None:
            if existed:
                self.delete(RELATIONS, where)
            return
        if existed:
            self.update(RELATIONS, meta, where)
        else:
            self.create_relation(collection, field, related, meta)

    def delete_relation(self, collection: str, field: str) -> None:
        self.delete(RELATIONS, {"many_collection": collection, "many_field": field})


__all__ = ["COLLECTIONS", "FIELDS", "RELATIONS", "MetaRows", "system_field_keys"]
