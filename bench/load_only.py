"""The floor of the benchmark: a process that only loads the two snapshot files with drift's loader.

``python bench/load_only.py CURRENT DESIRED`` reads and validates both files with
``drift.snapshot.files.load_snapshot`` (what ``drift diff`` does before diffing) and exits; its
whole-process time is what ``drift diff`` is compared against. It prints the in-process load time
in seconds on stderr.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    t0 = time.perf_counter()
    from drift.snapshot.files import load_snapshot

    t1 = time.perf_counter()
    for path in sys.argv[1:3]:
        load_snapshot(path)
    t2 = time.perf_counter()
    print(f'{{"import_s": {t1 - t0:.3f}, "load_s": {t2 - t1:.3f}}}', file=sys.stderr)


if __name__ == "__main__":
    main()
