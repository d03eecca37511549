"""Time drift's YAML writer (``drift.snapshot.yamlio.dump_yaml``) on a large snapshot, in-process.

Each run is a fresh Python process (so the writer's caches start cold, as in ``drift snapshot``)
that loads the snapshot, turns the cyclic garbage collector off (as drift's CLI does), then
times one ``dump_yaml`` call alone: wall time, and CPU time (user + system, from ``getrusage``).
Medians of ``--runs`` are printed with the load average.

Every run's output must be the same; when the input is a YAML file it must also equal that file
byte for byte (a Directus / js-yaml written snapshot round-trips exactly), otherwise the first
run checks that the text loads back (``load_yaml``) to the data. Exit 1 otherwise.

Input: a snapshot file (``.yaml`` or ``.json``), or by default the 1000x20 ``current`` snapshot
of ``gen_snapshots.py`` (seed 1) built in memory.

    python bench/yaml_dump_bench.py [FILE] [--runs 5] [--collections 1000] [--fields 20]
"""

from __future__ import annotations

import argparse
import gc
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
    gc.disable()
    from drift.snapshot.yamlio import dump_yaml

    snap, expected = _load(args.file, args.collections, args.fields)
    cpu0, wall0 = _cpu(), time.perf_counter()
    text = dump_yaml(snap)
    wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    out = text.encode("utf-8")
    if expected is not None:
        matches = out == expected
    elif args.check:
        from drift.snapshot.yamlio import load_yaml

        matches = load_yaml(text, "out.yaml") == snap
    else:
        matches = None
    print(json.dumps({
        "wall": wall, "cpu": cpu, "bytes": len(out), "sha1": hashlib.sha1(out).hexdigest(),
        "matches_file": matches,
    }))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", default="", help="a snapshot .yaml/.json (default: generated 1000x20)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--collections", type=int, default=1000)
    ap.add_argument("--fields", type=int, default=20)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args)
        return
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--collections", str(args.collections),
           "--fields", str(args.fields)]
    if args.file:
        cmd.append(args.file)
    rows = []
    for i in range(args.runs):
        proc = subprocess.run(cmd + (["--check"] if i == 0 else []), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"bench: a run failed:\n{proc.stderr}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    wall = statistics.median(r["wall"] for r in rows)
    cpu = statistics.median(r["cpu"] for r in rows)
    print(f"dump_yaml, {args.file or f'generated {args.collections}x{args.fields}'} "
          f"({rows[0]['bytes']:,} bytes), median of {args.runs}, load average {os.getloadavg()[0]:.2f}")
    walls = ", ".join(f"{r['wall']:.3f}" for r in rows)
    print(f"  wall {wall:.3f} s  cpu {cpu:.3f} s  (wall of each run: {walls})")
    ok = True
    if len({r["sha1"] for r in rows}) != 1:
        print("  the runs wrote different texts")
        ok = False
    matches = {r["matches_file"] for r in rows}
    from_yaml = args.file.endswith((".yaml", ".yml"))
    if False in matches:
        print("  output WRONG: " + ("differs from the input file" if from_yaml else "does not load back to the data"))
        ok = False
    elif True in matches:
        print("  output " + ("equals the input file byte for byte" if from_yaml else "loads back to the data"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
