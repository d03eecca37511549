"""The snapshot hash computed alongside the diff (forked child) equals the in-process hash."""

from __future__ import annotations

import os
import threading

import pytest

from drift.diff.hashing import versioned_hash, versioned_hash_later


def _big_snapshot() -> dict:
    fields = [
        {"collection": f"c{i // 20}", "field": f"f{i}", "type": "string",
         "meta": {"note": "Ünï ✓" if i % 7 else None, "sort": i, "hidden": i % 2 == 0},
         "schema": {"name": f"f{i}", "max_length": 255, "is_nullable": True}}
        for i in range(6000)
    ]
    return {"version": 1, "directus": "12.4.1", "vendor": "postgres", "collections": [],
            "fields": fields, "systemFields": [], "relations": []}


def test_forked_hash_equals_in_process_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform: the hash is always computed in-process")
    # other tests may leave server threads behind; the child only hashes and leaves with _exit
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    snap = _big_snapshot()
    later = versioned_hash_later(snap, "12.4.1")
    assert forks == [1]
    assert later() == versioned_hash(snap, "12.4.1")


def test_small_snapshots_and_opt_out_hash_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("must not fork"))
    small = {"version": 1, "directus": "12.4.1", "fields": []}
    assert versioned_hash_later(small, "12.4.1")() == versioned_hash(small, "12.4.1")
    monkeypatch.setenv("DRIFT_NO_FORK", "1")
    big = _big_snapshot()
    assert versioned_hash_later(big, "12.4.1")() == versioned_hash(big, "12.4.1")
