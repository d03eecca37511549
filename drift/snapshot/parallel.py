"""Writing a large snapshot as YAML on two cores.

Building a snapshot from a database reading and writing it as YAML is pure Python, one core's
work (at 1,000 tables × 20 columns about 0.3 s to build and 0.35 s to write), and the ``fields``
list is most of it. A reading whose fields can be built in two parts (a :class:`Deferred` that
can ``split``: the fields of one set of collections come before all of the other's in the list)
is built and written by two processes: a child forked after the reading builds and writes the
second part of the fields and sends the text back through a pipe, while this process builds and
writes everything else. Both build from the same reading with the same deterministic code, so
the pieces joined are exactly the text of the whole
(:func:`drift.snapshot.yamlio.dump_yaml_around`).

Only on Linux with at least two usable CPUs, with no other thread running (a fork copies only the
calling thread), with enough fields to be worth a process, and unless ``DRIFT_NO_FORK`` is set. Anything that goes wrong in the
child (it fails, is killed, sends a short answer) is not an error: this process then builds and
writes that part itself. The child never touches the database connection (it is closed before
the fork), writes nothing but its pipe and leaves with ``os._exit``, so no buffered output and no
exit handler of this process runs twice.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# below this many columns a second process costs more than it saves (a fork and a pipe: ~5 ms)
MIN_FIELDS = 4000
# the child's share of the fields: this process also writes collections, systemFields and
# relations, and joins the pieces
SHARE = 0.5
_HEADER = 8  # the child's answer: the text's length in bytes, then the text


@dataclass
class Deferred:
    """A snapshot read but not yet built. ``build(None)`` builds the whole snapshot;
    ``split(share)`` gives two parts ``(first, second)`` (or None), the second with about
    ``share`` of the fields, and ``build(part)`` builds the same snapshot with only that part's
    fields: the first part's ``fields`` followed by the second's are the whole ``fields`` list.
    ``fields``: about how many fields it has."""

    build: Callable[[Any], dict[str, Any]]
    fields: int = 0
    split: Callable[[float], tuple[Any, Any] | None] | None = None


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection: building and writing a snapshot allocate hundreds of
    thousands of containers that stay alive and hold no cycles; the collector would walk them
    again and again and find nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _two_cores() -> bool:
    if os.environ.get("DRIFT_NO_FORK") or not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return False


def snapshot_yaml(deferred: Deferred, *, two: bool | None = None) -> str:
    """The snapshot's YAML text (``dump_yaml`` of ``deferred.build(None)``), written on two cores
    when that pays (``two``: force the choice, for tests)."""
    from drift.snapshot.yamlio import dump_yaml

    if two is None:
        two = deferred.fields >= MIN_FIELDS and _two_cores()
    with gc_paused():
        parts = deferred.split(SHARE) if two and deferred.split is not None else None
        if parts is not None and hasattr(os, "fork"):
            text = _in_two(deferred.build, *parts)
            if text is not None:
                return text
        return dump_yaml(deferred.build(None))


def _in_two(build: Callable[[Any], dict[str, Any]], first: Any, second: Any) -> str | None:
    from drift.snapshot.yamlio import dump_yaml_around, dump_yaml_items

    try:
        r, w = os.pipe()
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):  # nothing buffered that both processes could write
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: the second part of the fields, as text, into the pipe; nothing else
        code = 1
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            items = build(second)["fields"]
            data = dump_yaml_items(items).encode("utf-8", "surrogatepass") if items else b""
            _write_all(w, len(data).to_bytes(_HEADER, "big") + data)
            os.close(w)  # the answer is complete now, not when this large process is torn down
            code = 0
        except BaseException:  # noqa: S110 - the parent builds this part itself
            pass
        finally:
            os._exit(code)
    os.close(w)
    answered: list[bool] = []

    def second_text() -> str:  # the child's text, or that part built and written here
        answered.append(True)
        got = _read_answer(r)
        if got is None:
            items = build(second)["fields"]
            got = dump_yaml_items(items) if items else ""
        return got

    try:
        mine = build(first)
        text = dump_yaml_around(mine, "fields", second_text) if mine["fields"] else None
    except BaseException:  # an interrupt or an error here: the child's part is not wanted
        os.close(r)
        _reap(pid, kill=True)
        raise
    os.close(r)
    _reap(pid, kill=not answered)
    return text  # None: the first part has no fields; the document is written whole


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_answer(fd: int) -> str | None:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    data = b"".join(chunks)
    if len(data) < _HEADER or len(data) != _HEADER + int.from_bytes(data[:_HEADER], "big"):
        return None
    return data[_HEADER:].decode("utf-8", "surrogatepass")


def _reap(pid: int, *, kill: bool) -> None:
    """Wait for the child (its answer is read, or it is ended first with ``kill``)."""
    try:
        if kill:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass
