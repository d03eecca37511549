"""Targets: where a snapshot comes from and where a plan is applied.

A target is named on the command line. It is chosen by a plain dict on the name's scheme:
``http(s)://`` → the Directus REST target, a SQLAlchemy URL → the database target, anything else
→ a schema file. Each implementation lives in its own module and provides the small
:class:`Target` protocol below; the CLI and the GitHub layer only talk to that protocol.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable


@dataclass(frozen=True)
class TargetOptions:
    """What a command passes to every target it opens."""

    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    directus_version: str | None = None
    timeout: float = 30.0
    progress: bool = False
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)


@runtime_checkable
class Target(Protocol):
    """The role every target plays. Optional capabilities are looked up with ``getattr``:

    - ``server_diff(desired: dict, mode: str, force: bool) -> dict`` — ``{hash, diff}`` computed
      by the target itself (Directus's ``/schema/diff``);
    - ``rows_affected(plan) -> dict[str, int]`` — row counts for destructive changes, keyed by
      ``collection`` or ``collection.field``;
    - ``sql_preview(plan) -> list`` — the statements an apply would run (database targets);
    - ``apply(plan, *, allow_destructive: bool, dry_run: bool) -> dict`` — apply a plan;
    - ``start_apply() -> None`` — begin the apply's work that needs no plan (a database: connect,
      lock, read) while the caller loads the plan; ``apply`` goes on from there, ``close`` lets it
      go.
    """

    kind: str  # "file", "directus" or "database"

    def describe(self) -> str:
        """The target's name for humans and plan files, with every secret redacted."""

    def snapshot(self) -> dict[str, Any]:
        """The target's current snapshot (Directus shape, JS key order)."""

    def close(self) -> None:
        """Release connections."""


Opener = Callable[[str, TargetOptions], Target]


def _open_file(name: str, options: TargetOptions) -> Target:
    from drift.targets.file import FileTarget

    return FileTarget(name, options)


def _open_directus(name: str, options: TargetOptions) -> Target:
    from drift.targets.directus import open_directus

    return open_directus(name, options)


def _open_database(name: str, options: TargetOptions) -> Target:
    from drift.targets.database import open_database

    return open_database(name, options)


DATABASE_SCHEMES = ("postgresql", "postgres", "mysql", "mariadb", "sqlite")

OPENERS: dict[str, Opener] = {
    "http": _open_directus,
    "https": _open_directus,
    **{s: _open_database for s in DATABASE_SCHEMES},
}


def scheme_of(name: str) -> str | None:
    head, sep, _ = name.partition("://")
    if not sep:
        return None
    return head.split("+", 1)[0].lower()


def open_target(name: str, options: TargetOptions | None = None) -> Target:
    """Open the target a command-line name denotes."""
    options = options or TargetOptions()
    opener = OPENERS.get(scheme_of(name) or "", _open_file)
    return opener(name, options)
