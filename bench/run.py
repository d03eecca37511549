"""Time ``drift diff A B --format json`` against Directus's own diff and hash on the same files.

For each size (collections x fields) the seeded generator writes a snapshot pair (10% changed) as
JSON and YAML. For each input format, three whole processes run in turn, ``--runs`` times:
Directus (``directus_reference.mjs`` under Node 22: js-yaml/JSON load, ``getSnapshotDiff``,
``getVersionedHash``), ``drift diff CURRENT DESIRED --format json``, and drift's loader alone
(``load_only.py``, the floor). The median wall time and the peak RSS of each process are
reported, drift's output is checked byte for byte against Directus's, and the ratios are checked
against the targets. Results go to ``bench/out/`` (``results.md``, ``results.json``, outputs).

    python bench/run.py                 # 1000x20 and 2000x20, JSON and YAML, 3 runs each
    python bench/run.py --quick         # a smoke run on small pairs, 1 run each
    python bench/run.py --profile       # also profile drift (cProfile) on the 1000x20 JSON pair
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import gen_snapshots  # noqa: E402

TARGET_VS_DIRECTUS = {1000: 0.2, 2000: 0.1}
TARGET_GROWTH = 2.2
TARGET_VS_LOAD = 3.0


def run_process(cmd: list[str], stdout: Path, stderr: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one whole process: wall and CPU seconds, peak RSS (MB) of that process alone, exit code."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return {"s": wall, "cpu": cpu, "mb": usage.ru_maxrss / 1024, "rc": proc.returncode}


def compare(ref: bytes, got: bytes) -> str:
    """'identical' or a short description of the first difference."""
    ref, got = ref.rstrip(b"\n"), got.rstrip(b"\n")
    if ref == got:
        return "identical"
    try:
        r, g = json.loads(ref), json.loads(got)
    except ValueError:
        return "drift output is not JSON"
    if list(g) != ["hash", "diff"]:
        return f"drift prints keys {list(g)}, not exactly hash, diff"
    if r == g:
        return "same data, different bytes"
    if r["hash"] != g["hash"]:
        return f"hash differs ({g['hash']} vs Directus {r['hash']})"
    for kind in ("collections", "fields", "systemFields", "relations"):
        a, b = r["diff"].get(kind, []), g["diff"].get(kind, [])
        if a != b:
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    return f"diff.{kind}[{i}] differs ({x.get('collection')}.{x.get('field', '')})"
            return f"diff.{kind}: {len(b)} entries vs Directus {len(a)}"
    return "differs"


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["rc"] == 0]
    if not ok:
        return {"s": None, "cpu": None, "mb": None, "rc": runs[-1]["rc"]}
    return {"s": statistics.median(r["s"] for r in ok), "cpu": statistics.median(r["cpu"] for r in ok),
            "mb": max(r["mb"] for r in ok), "rc": 0,
            "all_s": [round(r["s"], 3) for r in ok]}


def bench_pair(folder: Path, fmt: str, runs: int, out: Path, with_drift: bool) -> dict[str, Any]:
    cur, des = str(folder / f"current.{fmt}"), str(folder / f"desired.{fmt}")
    node = str(common.node_bin())
    cmds = {
        "directus": [node, str(common.BENCH / "directus_reference.mjs"), cur, des, "--timings"],
        "drift": [*common.drift_command(), "diff", cur, des, "--format", "json"],
        "load": [common.python_for_drift(), str(common.BENCH / "load_only.py"), cur, des],
    }
    if not with_drift:
        del cmds["drift"], cmds["load"]
    tag = f"{folder.name}.{fmt}"
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in cmds}
    for i in range(runs):
        for name, cmd in cmds.items():
            r = run_process(cmd, out / f"{tag}.{name}.out", out / f"{tag}.{name}.err")
            results[name].append(r)
            secs = f"{r['s']:.2f}s" if r["rc"] == 0 else f"exit {r['rc']}"
            print(f"  {tag} run {i + 1}/{runs} {name:8s} {secs:>8s} cpu {r['cpu']:6.2f}s {r['mb']:6.0f} MB",
                  file=sys.stderr, flush=True)
            if r["rc"] != 0:
                msg = (out / f"{tag}.{name}.err").read_text(errors="replace").strip().splitlines()[-1:]
                print(f"    {name} failed: {msg[0] if msg else '(no message)'}", file=sys.stderr)
    row: dict[str, Any] = {name: median_of(rs) for name, rs in results.items()}
    try:
        row["directus_phases_ms"] = json.loads((out / f"{tag}.directus.err").read_text().strip().splitlines()[-1])
    except (ValueError, IndexError):
        pass
    if with_drift and row["drift"]["rc"] == 0 and row["directus"]["rc"] == 0:
        row["output"] = compare((out / f"{tag}.directus.out").read_bytes(), (out / f"{tag}.drift.out").read_bytes())
    elif with_drift:
        err = (out / f"{tag}.drift.err").read_text(errors="replace").strip().splitlines()
        row["output"] = f"drift failed: {err[-1] if err else 'exit ' + str(row['drift']['rc'])}"
    return row


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt_num(x: float | None, spec: str = ".2f") -> str:
    return "n/a" if x is None else format(x, spec)


def report(rows: list[dict[str, Any]], quick: bool) -> tuple[str, list[dict[str, Any]]]:
    lines = [
        "| pair | input | Directus s | drift s | load-only s | drift/Directus | drift/load | "
        "drift/Directus (CPU s) | Directus MB | drift MB | load MB | drift output |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        d, g, l = r["directus"], r.get("drift", {}), r.get("load", {})
        lines.append(
            f"| {r['collections']}x{r['fields']} | {r['format']} | {fmt_num(d['s'])} | {fmt_num(g.get('s'))} | "
            f"{fmt_num(l.get('s'))} | {fmt_num(ratio(g.get('s'), d['s']), '.3f')} | "
            f"{fmt_num(ratio(g.get('s'), l.get('s')))} | "
            f"{fmt_num(ratio(g.get('cpu'), d['cpu']), '.3f')} ({fmt_num(g.get('cpu'))}/{fmt_num(d['cpu'])}) | "
            f"{fmt_num(d['mb'], '.0f')} | "
            f"{fmt_num(g.get('mb'), '.0f')} | {fmt_num(l.get('mb'), '.0f')} | {r.get('output', '-')} |"
        )
    checks: list[dict[str, Any]] = []
    by = {(r["collections"], r["format"]): r for r in rows}
    for (n, fmt), r in sorted(by.items()):
        g = r.get("drift", {}).get("s")
        goal = TARGET_VS_DIRECTUS.get(n)
        if goal is not None:
            checks.append({"check": f"drift/Directus at {n}x{r['fields']} ({fmt})",
                           "value": ratio(g, r["directus"]["s"]), "goal": goal})
        checks.append({"check": f"drift/load-only at {n}x{r['fields']} ({fmt})",
                       "value": ratio(g, r.get("load", {}).get("s")), "goal": TARGET_VS_LOAD})
    for (n, fmt), r in sorted(by.items()):
        big = by.get((2 * n, fmt))
        if big is not None:
            checks.append({"check": f"drift growth {2 * n} vs {n} ({fmt})",
                           "value": ratio(big.get("drift", {}).get("s"), r.get("drift", {}).get("s")),
                           "goal": TARGET_GROWTH})
            checks.append({"check": f"Directus growth {2 * n} vs {n} ({fmt}, for reference)",
                           "value": ratio(big["directus"]["s"], r["directus"]["s"]), "goal": None})
    lines += ["", "| check | measured | target | met |", "|---|--:|--:|---|"]
    for c in checks:
        met = "-" if c["goal"] is None or c["value"] is None else ("yes" if c["value"] <= c["goal"] else "NO")
        c["met"] = met
        goal = "-" if c["goal"] is None else f"≤ {c['goal']}"
        lines.append(f"| {c['check']} | {fmt_num(c['value'])} | {goal} | {met} |")
    for r in rows:
        if "directus_phases_ms" in r:
            lines.append(f"\nDirectus phases, {r['collections']}x{r['fields']} {r['format']} (last run, ms): "
                         + ", ".join(f"{k[:-3]} {v}" for k, v in r["directus_phases_ms"].items()))
    if quick:
        lines.append("\n(quick run: small pairs, one run each; the targets are set for 1000x20 and 2000x20)")
    return "\n".join(lines), checks


def profile(folder: Path, out: Path, top: int = 25) -> str:
    """cProfile one ``drift diff`` (JSON pair); the top functions by own time and by cumulative time."""
    prof = out / f"profile-{folder.name}.prof"
    cur, des = folder / "current.json", folder / "desired.json"
    cmd = [common.python_for_drift(), "-m", "cProfile", "-o", str(prof), "-m", "drift",
           "diff", str(cur), str(des), "--format", "json"]
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0 or not prof.is_file():
        return f"profiling failed: {proc.stderr.strip().splitlines()[-1:]}"
    import io
    import pstats

    buf = io.StringIO()
    stats = pstats.Stats(str(prof), stream=buf)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    text = buf.getvalue()
    (out / f"profile-{folder.name}.txt").write_text(text)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description="drift diff vs Directus getSnapshotDiff + getVersionedHash")
    ap.add_argument("--quick", action="store_true", help="small pairs (100x20, 200x20), one run each")
    ap.add_argument("--sizes", default=None, help="collection counts, comma-separated (default 1000,2000)")
    ap.add_argument("--fields", type=int, default=20)
    ap.add_argument("--runs", type=int, default=None, help="runs per process (default 3, quick 1)")
    ap.add_argument("--formats", default="json,yaml")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--directus-only", action="store_true", help="skip drift (check the reference side)")
    ap.add_argument("--profile", action="store_true", help="cProfile drift on the 1000-collection JSON pair")
    a = ap.parse_args()
    sizes = [int(s) for s in (a.sizes or ("100,200" if a.quick else "1000,2000")).split(",")]
    runs = a.runs or (1 if a.quick else 3)
    formats = [f.strip() for f in a.formats.split(",") if f.strip()]

    common.ensure_directus()
    common.compile_drift()
    out = common.OUT
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    for n in sizes:
        print(f"generating {n}x{a.fields} (seed {a.seed})", file=sys.stderr, flush=True)
        folder = gen_snapshots.generate(n, a.fields, a.seed, yaml="yaml" in formats)
        for fmt in formats:
            row = bench_pair(folder, fmt, runs, out, not a.directus_only)
            row.update(collections=n, fields=a.fields, format=fmt,
                       params=json.loads((folder / "params.json").read_text()))
            rows.append(row)
    table, checks = report(rows, a.quick)
    head = (f"drift diff vs Directus {common.DIRECTUS_VERSION} (Node {common.NODE_VERSION}); "
            f"median of {runs} whole-process run(s); {os.cpu_count()} CPUs; "
            f"load average at start {load0:.2f}; {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    text = head + "\n" + table + "\n"
    if a.profile and not a.directus_only:
        n = 1000 if 1000 in sizes else sizes[0]
        folder = gen_snapshots.generate(n, a.fields, a.seed, yaml="yaml" in formats)
        prof = profile(folder, out)
        text += f"\nProfile of drift diff on {folder.name} (JSON): bench/out/profile-{folder.name}.txt\n"
        print(prof[:6000], file=sys.stderr)
    print(text)
    (out / "results.md").write_text(text)
    (out / "results.json").write_text(json.dumps({"rows": rows, "checks": checks,
                                                  "elapsed_s": time.perf_counter() - t0}, indent=1) + "\n")
    failed = [c for c in checks if c["met"] == "NO"]
    mismatched = [r for r in rows if r.get("output", "identical") != "identical"]
    if not a.quick and (failed or mismatched):
        sys.exit(1)
    if mismatched:
        sys.exit(1)


if __name__ == "__main__":
    main()
