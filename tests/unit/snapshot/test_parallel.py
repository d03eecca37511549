"""Writing a snapshot's YAML on two cores: the text is the whole document's, whatever happens to
the child process."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import pytest

from drift.snapshot import parallel
from drift.snapshot.parallel import Deferred, snapshot_yaml
from drift.snapshot.yamlio import dump_yaml

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def _snapshot() -> dict[str, Any]:
    fields = [
        {
            "collection": f"c{i // 7:03d}",
            "field": f"f{i}",
            "type": "string",
            "meta": {"note": "line\nbreak" if i % 5 == 0 else None, "options": {"n": i}},
            "schema": {"name": f"f{i}", "max_length": 255},
        }
        for i in range(140)
    ]
    return {
        "version": 1,
        "directus": "12.4.1",
        "vendor": "postgres",
        "collections": [{"collection": "c000", "meta": None, "schema": {"name": "c000"}}],
        "fields": fields,
        "systemFields": [{"collection": "directus_users", "field": "email", "schema": {"is_indexed": True}}],
        "relations": [],
    }


def _deferred(fail_in_child: bool = False, garbage_from_child: bool = False) -> Deferred:
    whole = _snapshot()
    parent = os.getpid()

    def build(part: Any) -> dict[str, Any]:
        if os.getpid() != parent:
            if fail_in_child:
                raise RuntimeError("the child fails")
            if garbage_from_child:
                os.write(1, b"")  # nothing on stdout; then a short answer on the pipe
                os._exit(0)
        if part is None:
            return whole
        lo, hi = part
        return dict(whole, fields=whole["fields"][lo:hi])

    def split(share: float) -> tuple[Any, Any]:
        cut = int(len(whole["fields"]) * (1 - share))
        return (0, cut), (cut, len(whole["fields"]))

    return Deferred(build, len(whole["fields"]), split)


def test_two_processes_write_the_whole_document() -> None:
    assert snapshot_yaml(_deferred(), two=True) == dump_yaml(_snapshot())


def test_a_failing_child_leaves_its_part_to_this_process() -> None:
    assert snapshot_yaml(_deferred(fail_in_child=True), two=True) == dump_yaml(_snapshot())


def test_a_child_that_answers_nothing_leaves_its_part_to_this_process() -> None:
    assert snapshot_yaml(_deferred(garbage_from_child=True), two=True) == dump_yaml(_snapshot())


def test_an_empty_first_part_writes_the_document_whole() -> None:
    d = _deferred()
    d.split = lambda share: ((0, 0), (0, 140))
    assert snapshot_yaml(d, two=True) == dump_yaml(_snapshot())


def test_an_empty_second_part_is_no_loss() -> None:
    d = _deferred()
    d.split = lambda share: ((0, 140), (140, 140))
    assert snapshot_yaml(d, two=True) == dump_yaml(_snapshot())


def test_small_snapshots_and_readings_without_parts_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    assert snapshot_yaml(_deferred()) == dump_yaml(_snapshot())  # 140 fields: below the bar
    d = _deferred()
    d.fields = parallel.MIN_FIELDS
    d.split = None
    assert snapshot_yaml(d) == dump_yaml(_snapshot())


def test_an_error_in_this_process_ends_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _deferred()
    parent = os.getpid()
    build = d.build

    def failing(part: Any) -> dict[str, Any]:
        if os.getpid() == parent and part is not None and part[0] == 0:
            raise KeyboardInterrupt
        return build(part)

    d.build = failing
    reaped: list[tuple[int, bool]] = []
    real_reap = parallel._reap
    monkeypatch.setattr(parallel, "_reap", lambda pid, kill: (reaped.append((pid, kill)), real_reap(pid, kill=kill)))
    with pytest.raises(KeyboardInterrupt):
        snapshot_yaml(d, two=True)
    assert len(reaped) == 1 and reaped[0][1] is True
    with pytest.raises(ChildProcessError):  # already waited for: no zombie left behind
        os.waitpid(reaped[0][0], os.WNOHANG)


def test_two_cores_only_where_forking_is_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert parallel._two_cores() is False


def test_drift_no_fork_keeps_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert parallel._two_cores() is (threading.active_count() == 1)
    monkeypatch.setenv("DRIFT_NO_FORK", "1")
    assert parallel._two_cores() is False

    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    d = _deferred()
    d.fields = parallel.MIN_FIELDS
    assert snapshot_yaml(d) == dump_yaml(_snapshot())


def test_the_childs_part_comes_as_utf8_bytes_between_this_process_pieces() -> None:
    kept: list[Any] = []
    pieces = parallel.snapshot_yaml_pieces(_deferred(), two=True, keep=kept)
    assert [type(p) for p in pieces] == [str, bytes, str]
    assert parallel.joined(pieces) == dump_yaml(_snapshot())
    # the part built here is handed to the caller to free (or not) when it likes
    assert len(kept) == 1 and kept[0]["fields"] == _snapshot()["fields"][: len(kept[0]["fields"])]


def test_one_process_gives_one_piece_and_keeps_the_snapshot() -> None:
    kept: list[Any] = []
    pieces = parallel.snapshot_yaml_pieces(_deferred(), two=False, keep=kept)
    assert pieces == [dump_yaml(_snapshot())]
    assert kept == [_snapshot()]
