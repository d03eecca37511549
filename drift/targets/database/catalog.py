"""What introspection of one database yields: tables, columns, foreign keys, indexes.

Each dialect module (``postgres``, ``mysql``, ``sqlite``) exposes the same functions and returns
these records, read in a fixed number of set-based catalog queries. Column and foreign-key records
are plain dicts with exactly the keys (and the value semantics, quirks included) of the
``@directus/schema`` inspector Directus uses, because they become a snapshot's ``schema`` objects
as they are. Indexes and primary keys are kept too, so planning DDL can reuse the same reading.
Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Column = dict[str, Any]
"""``name, table, data_type, default_value, max_length, numeric_precision, numeric_scale,
is_nullable, is_unique, is_indexed, is_primary_key, is_generated, generation_expression,
has_auto_increment, foreign_key_table, foreign_key_column`` (+ vendor extras a sanitizer drops)."""

ForeignKey = dict[str, Any]
"""``table, column, foreign_key_table, foreign_key_column, constraint_name, on_update,
on_delete`` (+ ``foreign_key_schema`` on PostgreSQL)."""


@dataclass(frozen=True)
class Index:
    """One index: its columns in order (None for an expression part)."""

    table: str
    name: str
    columns: tuple[str | None, ...]
    unique: bool
    primary: bool = False


@dataclass
class Catalog:
    """Everything read from one database (one schema on PostgreSQL)."""

    vendor: str
    tables: list[str] = field(
        default_factory=list
    )  # base tables, in the inspector's order
    columns: list[Column] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    # table -> primary-key columns, in key order
    primary_keys: dict[str, list[str]] = field(default_factory=dict)
    server_version: str = ""
    round_trips: int = 0

    def has_table(self, table: str) -> bool:
        return table in set(self.tables)

    def columns_of(self, table: str) -> list[Column]:
        return [c for c in self.columns if c["table"] == table]

    def single_primary(self, table: str) -> str | None:
        """The table's primary key when it is one column (Directus ignores other tables)."""
        pk = self.primary_keys.get(table) or []
        return pk[0] if len(pk) == 1 else None
