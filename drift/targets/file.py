"""The schema-file target: a YAML or JSON snapshot on disk."""

from __future__ import annotations

from typing import Any

from drift.errors import InputError
from drift.snapshot.files import load_snapshot


class FileTarget:
    kind = "file"

    def __init__(self, path: str, options: Any = None) -> None:
        self.path = path
        self._snapshot: dict[str, Any] | None = None

    def describe(self) -> str:
        return self.path

    def snapshot(self) -> dict[str, Any]:
        if self._snapshot is None:
            self._snapshot = load_snapshot(self.path)
        return self._snapshot

    def apply(self, plan: Any, **_: Any) -> dict[str, Any]:
        raise InputError(f"{self.path}: a schema file is not a target to apply to (name a Directus URL or a database URL)")

    def close(self) -> None:
        pass
