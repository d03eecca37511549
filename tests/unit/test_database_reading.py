"""Reading the rest of a catalog on a second thread while this one works (``_meanwhile``): the
steps the reading yields run here, in order, each while the reading goes on; errors of either
side are raised here, after the thread is joined."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from drift.targets.database import _meanwhile


def _reading(log: list[str], *, fail_after_first: bool = False) -> Callable[[], Iterator[Callable[[], None]]]:
    first_ran = threading.Event()

    def read() -> Iterator[Callable[[], None]]:
        log.append(f"read 1 on {threading.current_thread().name}")

        def first() -> None:
            log.append(f"step 1 on {threading.current_thread().name}")
            first_ran.set()

        yield first
        # the reading goes on only once the caller has run the first step: a step that waited for
        # the whole reading would leave this thread waiting here
        assert first_ran.wait(10), "the first step did not run while the reading went on"
        log.append("read 2")
        if fail_after_first:
            raise RuntimeError("the second statement fails")
        yield lambda: log.append(f"step 2 on {threading.current_thread().name}")

    return read


def test_steps_run_here_in_order_while_the_reading_goes_on() -> None:
    log: list[str] = []
    with _meanwhile(_reading(log), threaded=True):
        log.append("body")
    me = threading.current_thread().name
    assert log.index("step 1 on " + me) < log.index("read 2") < log.index("step 2 on " + me)
    assert "read 1 on drift-catalog" in log and log[-1] == "step 2 on " + me
    assert all(t.name != "drift-catalog" for t in threading.enumerate())


def test_without_a_thread_the_same_steps_run_after_the_body() -> None:
    log: list[str] = []
    with _meanwhile(_reading(log), threaded=False):
        log.append("body")
    me = threading.current_thread().name
    assert log == ["body", f"read 1 on {me}", f"step 1 on {me}", "read 2", f"step 2 on {me}"]


def test_an_error_of_the_reading_is_raised_here_after_the_steps_before_it() -> None:
    log: list[str] = []
    with pytest.raises(RuntimeError, match="second statement"):
        with _meanwhile(_reading(log, fail_after_first=True), threaded=True):
            log.append("body")
    assert any(s.startswith("step 1") for s in log)
    assert not any(s.startswith("step 2") for s in log)
    assert all(t.name != "drift-catalog" for t in threading.enumerate())


def test_an_error_of_the_body_runs_no_step_and_joins_the_thread() -> None:
    log: list[str] = []
    ran: list[bool] = []

    def read() -> Iterator[Callable[[], None]]:
        log.append("read")
        yield lambda: ran.append(True)

    with pytest.raises(KeyError):
        with _meanwhile(read, threaded=True):
            raise KeyError("body")
    assert log == ["read"] and ran == []
    assert all(t.name != "drift-catalog" for t in threading.enumerate())
