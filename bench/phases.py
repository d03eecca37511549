"""Where drift's time goes on one snapshot pair: load, diff, hash and output, timed in one process.

``python bench/phases.py CURRENT DESIRED`` times ``load_snapshot`` for each file, then
``snapshot_diff``, ``versioned_hash`` and the JSON text of ``{hash, diff}``, and prints the
seconds and the peak RSS after each phase. No profiler runs, so the figures are not inflated by
per-call overhead; ``run.py --profile`` gives the function-level picture.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: phases.py CURRENT DESIRED")
    rows: list[tuple[str, float, float]] = []
    t = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        rows.append((name, now - t, _rss_mb()))
        t = now

    from drift.diff.engine import snapshot_diff
    from drift.diff.hashing import versioned_hash
    from drift.snapshot.files import load_snapshot

    mark("import")
    current = load_snapshot(sys.argv[1])
    mark("load current")
    desired = load_snapshot(sys.argv[2])
    mark("load desired")
    diff = snapshot_diff(current, desired)
    mark("diff")
    digest = versioned_hash(current, current["directus"])
    mark("hash")
    text = json.dumps({"hash": digest, "diff": diff}, ensure_ascii=False, separators=(",", ":"))
    mark("json output")
    total = sum(r[1] for r in rows)
    for name, secs, mb in rows:
        print(f"{name:14s} {secs:7.3f} s  {100 * secs / total:5.1f}%   peak {mb:6.0f} MB")
    print(f"{'total':14s} {total:7.3f} s   ({len(text)} output characters)")


if __name__ == "__main__":
    main()
