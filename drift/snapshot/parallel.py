"""Writing a large snapshot as YAML on two cores.

Building a snapshot from a database reading and writing it as YAML is pure Python, one core's
work (at 1,000 tables × 20 columns about 0.3 s to build and 0.35 s to write), and the ``fields``
list is most of it. A reading whose fields can be built in two parts (a :class:`Deferred` that
can ``split``: the fields of one set of collections come before all of the other's in the list)
is built and written by two processes: a child forked after the reading builds and writes the
second part of the fields and hands the text back in an anonymous memory file, while this process
builds and writes everything else. Both build from the same reading with the same deterministic
code, so the pieces in order are exactly the text of the whole
(:func:`drift.snapshot.yamlio.dump_yaml_split`). The child's text stays UTF-8 bytes: a file is
written from the pieces without joining them.

Only on Linux with at least two usable CPUs, with no other thread running (a fork copies only the
calling thread), with enough fields to be worth a process, and unless ``DRIFT_NO_FORK`` is set.
Anything that goes wrong in the child (it fails, is killed, sends a short answer) is not an
error: this process then builds and writes that part itself. The child never touches the
database connection (it is closed before the fork), writes nothing but its memory file and its
pipe, and leaves with ``os._exit``, so no buffered output and no exit handler of this process
runs twice.
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

# below this many columns a second process costs more than it saves (a fork, a pipe: ~5 ms)
MIN_FIELDS = 4000
# the child's share of the fields: this process also writes collections, systemFields and
# relations, and joins the pieces
SHARE = 0.55
_HEADER = 8  # the child's answer through the pipe: its text's length in bytes


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
    return joined(snapshot_yaml_pieces(deferred, two=two))


def snapshot_yaml_pieces(
    deferred: Deferred, *, two: bool | None = None, keep: list[Any] | None = None
) -> list[str | bytes]:
    """:func:`snapshot_yaml`'s text in pieces, in order: ``str``, or ``bytes`` in UTF-8 (the
    child's part, as it sent it: it is written out without being decoded and encoded again).
    ``keep``: a list that is given the large objects built on the way instead of their being
    freed here, for a caller that leaves them to the process's exit (freeing a built snapshot's
    hundreds of thousands of objects one by one takes a noticeable time)."""
    from drift.snapshot.yamlio import dump_yaml

    if two is None:
        two = deferred.fields >= MIN_FIELDS and _two_cores()
    with gc_paused():
        parts = deferred.split(SHARE) if two and deferred.split is not None else None
        if parts is not None and hasattr(os, "fork"):
            pieces = _in_two(deferred.build, *parts, keep=keep)
            if pieces is not None:
                return pieces
        built = deferred.build(None)
        if keep is not None:
            keep.append(built)
        return [dump_yaml(built)]


def joined(pieces: list[str | bytes]) -> str:
    """The text of :func:`snapshot_yaml_pieces`' pieces."""
    return "".join(p if isinstance(p, str) else p.decode("utf-8") for p in pieces)


def _in_two(
    build: Callable[[Any], dict[str, Any]], first: Any, second: Any, *, keep: list[Any] | None
) -> list[str | bytes] | None:
    """The pieces, the second part's fields written by a forked child: it writes their text into
    an anonymous memory file (so it never waits for this process to read) and then, through a
    pipe, its length. None: nothing was forked (or the first part has no fields)."""
    from drift.snapshot.yamlio import dump_yaml_items, dump_yaml_split

    try:
        text_fd = os.memfd_create("drift-snapshot-part", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None
    try:
        r, w = os.pipe()
    except OSError:
        os.close(text_fd)
        return None
    for stream in (sys.stdout, sys.stderr):  # nothing buffered that both processes could write
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        pid = os.fork()
    except OSError:
        for fd in (r, w, text_fd):
            os.close(fd)
        return None
    if pid == 0:  # the child: the second part of the fields, as text; nothing else
        code = 1
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            items = build(second)["fields"]
            # strict UTF-8: text that cannot be encoded is left to this process, which fails on
            # it as a one-process write would
            data = dump_yaml_items(items).encode("utf-8") if items else b""
            _write_all(text_fd, data)
            _write_all(w, len(data).to_bytes(_HEADER, "big"))
            os.close(w)  # the answer is complete now, not when this large process is torn down
            code = 0
        except BaseException:  # noqa: S110 - the parent builds this part itself
            pass
        finally:
            os._exit(code)
    os.close(w)
    try:
        mine = build(first)
        if keep is not None:
            keep.append(mine)
        if not mine["fields"]:  # the document is written whole
            head_tail = None
        else:
            head_tail = dump_yaml_split(mine, "fields")
            got: str | bytes | None = _read_answer(r, text_fd)
            if got is None:  # the child's part, built and written here
                items = build(second)["fields"]
                got = dump_yaml_items(items) if items else ""
    except BaseException:  # an interrupt or an error here: the child's part is not wanted
        os.close(r)
        os.close(text_fd)
        _reap(pid, kill=True)
        raise
    os.close(r)
    os.close(text_fd)
    _reap(pid, kill=head_tail is None)
    if head_tail is None:
        return None
    head, tail = head_tail
    return [head, got, tail]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_answer(fd: int, text_fd: int) -> bytes | None:
    """The child's text: its length comes through the pipe ``fd`` once the text is in
    ``text_fd``; None if the child ended without a complete answer."""
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, _HEADER + 1)
        if not chunk:
            break
        chunks.append(chunk)
    header = b"".join(chunks)
    if len(header) != _HEADER:
        return None
    size = int.from_bytes(header, "big")
    try:
        if os.fstat(text_fd).st_size != size:
            return None
        data = os.pread(text_fd, size, 0) if size else b""
    except OSError:
        return None
    return data if len(data) == size else None


def _reap(pid: int, *, kill: bool) -> None:
    """Wait for the child (its answer is read, or it is ended first with ``kill``)."""
    try:
        if kill:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass
