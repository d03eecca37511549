"""Time drift's YAML writer (``drift.snapshot.yamlio.dump_yaml``) on a large snapshot, in-process.

Each run is a fresh Python process (so the writer's caches start cold, as in ``drift snapshot``)
that loads the snapshot, then times one ``dump_yaml`` call alone: wall time, and CPU time of the
process plus any child it waited for (user + system, from ``getrusage``). Two variants run in
the same session, alternately:

- ``default``: ``dump_yaml`` as ``drift snapshot`` calls it;
- ``no-fork``: the same with ``DRIFT_NO_FORK=1`` (everything rendered in this process).

Both outputs must be identical; when the input is a YAML file they must also equal that file
byte for byte (a Directus / js-yaml written snapshot round-trips exactly). Exit 1 otherwise.

Input: a snapshot file (``.yaml`` or ``.json``), or by default the 1000x20 ``current`` snapshot
of ``gen_snapshots.py`` (seed 1) built in memory.

    python bench/yaml_dump_bench.py [FILE] [--runs 5] [--collections 1000] [--fields 20]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def _cpu() -> float:
    self_ = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return self_.ru_utime + self_.ru_stime + kids.ru_utime + kids.ru_stime


def _load(source: str, collections: int, fields: int) -> tuple[Any, bytes | None]:
    if source:
        from drift.snapshot.files import load_document

        data = Path(source).read_bytes()
        return load_document(source), (data if source.endswith((".yaml", ".yml")) else None)
    sys.path.insert(0, str(BENCH))
    import random

    import gen_snapshots

    return gen_snapshots.build_current(collections, fields, random.Random(1)).snapshot(), None


def _one(args: argparse.Namespace) -> None:
    """One measured dump, in this (fresh) process; prints a JSON line."""
    from drift.snapshot.yamlio import dump_yaml

    snap, expected = _load(args.file, args.collections, args.fields)
    cpu0, wall0 = _cpu(), time.perf_counter()
    text = dump_yaml(snap)
    wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    out = text.encode("utf-8")
    print(json.dumps({
        "wall": wall, "cpu": cpu, "bytes": len(out), "sha1": hashlib.sha1(out).hexdigest(),
        "matches_file": None if expected is None else out == expected,
    }))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", default="", help="a snapshot .yaml/.json (default: generated 1000x20)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--collections", type=int, default=1000)
    ap.add_argument("--fields", type=int, default=20)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args)
        return
    variants = {"default": {}, "no-fork": {"DRIFT_NO_FORK": "1"}}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--collections", str(args.collections),
           "--fields", str(args.fields)]
    if args.file:
        cmd.append(args.file)
    for _ in range(args.runs):
        for name, extra in variants.items():
            env = {k: v for k, v in os.environ.items() if k != "DRIFT_NO_FORK"} | extra
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.exit(f"bench: {name} run failed:\n{proc.stderr}")
            results[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"dump_yaml, {args.file or f'generated {args.collections}x{args.fields}'}, "
          f"median of {args.runs}, load average {os.getloadavg()[0]:.2f}")
    ok = True
    digests = set()
    for name, rows in results.items():
        wall = statistics.median(r["wall"] for r in rows)
        cpu = statistics.median(r["cpu"] for r in rows)
        digests.update(r["sha1"] for r in rows)
        file_ok = {r["matches_file"] for r in rows}
        ok &= False not in file_ok
        same = "" if file_ok == {None} else ("  equals the file" if file_ok == {True} else "  DIFFERS from the file")
        print(f"  {name:8s} wall {wall:.3f} s  cpu {cpu:.3f} s  ({rows[0]['bytes']:,} bytes){same}")
    if len(digests) != 1:
        print("  outputs differ between runs or variants")
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
