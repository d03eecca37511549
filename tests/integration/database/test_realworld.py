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

from drift.snapshot.parallel import snapshot_yaml
from drift.snapshot.yamlio import dump_yaml
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

    # built in two parts (the second in a child process, as a large snapshot is), the YAML text
    # is still the whole snapshot's: each split of the fields joins back into Directus's list
    target = open_target(url, TargetOptions())
    try:
        deferred = target.snapshot_deferred()
    finally:
        target.close()
    assert deferred.split is not None
    splits = 0
    for share in (0.1, 0.5, 0.9):
        parts = deferred.split(share)
        if parts is None:
            continue
        first, second = (deferred.build(part) for part in parts)
        assert first["fields"] + second["fields"] == expected["fields"]
        assert dict(first, fields=expected["fields"]) == expected
        splits += bool(first["fields"] and second["fields"])
    if len({f["collection"] for f in expected["fields"]}) > 1:
        assert splits, "no split of the fields into two non-empty parts"
    assert snapshot_yaml(deferred, two=True) == dump_yaml(expected)
