"""``drift demo``: the main job on an embedded example, in one command.

Creates a small SQLite database that has drifted from the packaged example schema file (a column
too wide, a column the file no longer has, a missing table and index, a nullable name), then plans
bringing it back to the file — the same ``drift plan`` a deployment would run.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from drift.errors import InputError


def example_file(name: str) -> Path:
    return Path(str(resources.files("drift") / "examples" / name))


def create_demo_database(path: Path) -> None:
    """(Re)create the drifted example database at ``path``."""
    try:
        if path.exists():
            path.unlink()
        con = sqlite3.connect(path)
        try:
            con.executescript(example_file("live.sql").read_text(encoding="utf-8"))
            con.commit()
        finally:
            con.close()
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"{path}: cannot create the example database: {exc}") from None
