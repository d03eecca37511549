"""Real users' Directus databases: drift's snapshot of each equals Directus 12.4.1's own.

The corpus (``../shared/realworld/databases``) holds 8 databases people published (7 PostgreSQL,
1 MySQL restored into MariaDB), migrated to 12.4.1 by Directus, with the ``GET /schema/snapshot``
Directus returned for each. Each test restores one dump into a database with a unique name, reads
it with drift, and compares the JSON byte for byte (key order included) and the hash.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from drift.targets import TargetOptions, open_target
from tests.conftest import SHARED
from tests.integration.database.conftest import restore_mariadb, restore_pg

CORPUS = SHARED / "realworld" / "databases"


def _manifest() -> list[tuple[str, str]]:
    path = CORPUS / "manifest.tsv"
    if not path.is_file():
        return [("corpus-missing", "")]
    with path.open(encoding="utf-8") as fh:
        return [
            (row["db"], row["vendor"]) for row in csv.DictReader(fh, delimiter="\t")
        ]


def _hash(snapshot: dict, version: str) -> str | None:
    try:
        from drift.diff.hashing import versioned_hash
    except ImportError:  # pragma: no cover - the hashing module ships with drift
        return None
    return versioned_hash(snapshot, version)


@pytest.mark.shared
@pytest.mark.parametrize(("db", "vendor"), _manifest())
def test_realworld_database_snapshot_equals_directus(
    db: str,
    vendor: str,
    shared_dir: Path,
    make_pg: Callable[[], str],
    make_mariadb: Callable[[], str],
) -> None:
    corpus = shared_dir / "realworld" / "databases"
    dump = corpus / "migrated" / f"{db}.sql"
    raw = (corpus / "expected" / f"{db}.json").read_text(encoding="utf-8")
    expected = json.loads(raw)
    if vendor == "postgresql":
        url = make_pg()
        restore_pg(url, dump)
    else:
        url = make_mariadb()
        restore_mariadb(url, dump)

    target = open_target(url, TargetOptions())
    try:
        snapshot = target.snapshot()
        inspection = target.last
    finally:
        target.close()

    assert json.dumps(snapshot, ensure_ascii=False) == json.dumps(
        expected, ensure_ascii=False
    )
    assert _hash(snapshot, "12.4.1") == _hash(expected, "12.4.1")
    # the version comes from the evidence in the database: its migrations end where 12.4.1's do
    assert "directus_migrations ends at 20260909A" in target.version_source
    assert inspection is not None and inspection.mode == "directus"
    # a fixed number of statements, whatever the size of the database
    assert inspection.round_trips <= 12
