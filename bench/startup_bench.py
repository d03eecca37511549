"""Time drift's start-up: ``drift --help`` and ``drift ci`` as whole processes, and what they import.

Each command runs N times as a fresh process (median and minimum reported, user+system CPU too):

- ``drift --version`` and ``drift --help``: the command line alone (target: ``--help`` under 0.3 s);
- ``drift ci`` in a simulated GitHub Actions environment that exits early: every input that
  ``action.yml`` declares set to its default (as the runner does; ``${{ github.token }}`` becomes a
  dummy token), ``GITHUB_EVENT_NAME=issues`` (an event the Action skips), a payload file, and
  temporary ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` files. It reads the environment, decides
  to skip, writes its notice, summary and output, and exits 0 — no network.

Then each command runs once under ``python -X importtime``: the slowest top-level imports are
listed, and the heavy libraries (requests, sqlalchemy, jsonschema, fastjsonschema, yaml, click) are
marked loaded or not. On these paths only click should load.

    python bench/startup_bench.py [--runs 20] [--top 12] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import compile_drift, drift_command, python_for_drift, run_timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_HELP = 0.3
HEAVY = ("requests", "urllib3", "sqlalchemy", "jsonschema", "fastjsonschema", "yaml", "click")
# Expected on each path: the command line needs click; nothing else heavy is needed to skip or
# to print help.
ALLOWED = {"click"}


def action_inputs() -> dict[str, str]:
    """``INPUT_*`` for every input action.yml declares, with its default (``github.token`` faked)."""
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    inputs: dict[str, str] = {}
    section = False
    current = ""
    for line in text.splitlines():
        if re.match(r"^\S", line):
            section = line.startswith("inputs:")
            continue
        if not section:
            continue
        m = re.match(r"^  ([A-Za-z0-9_-]+):\s*$", line)
        if m:
            current = m.group(1)
            inputs[current] = ""
            continue
        m = re.match(r"^    default:\s*(.*)$", line)
        if m and current:
            value = m.group(1).strip().strip("'\"")
            inputs[current] = "ghs_startupbenchdummytoken" if "github.token" in value else value
    if not inputs:
        sys.exit("startup_bench: action.yml declares no inputs")
    return {"INPUT_" + name.replace(" ", "_").upper(): value for name, value in inputs.items()}


def ci_env(work: Path) -> dict[str, str]:
    event = work / "event.json"
    event.write_text(json.dumps({"action": "opened", "issue": {"number": 1},
                                 "repository": {"full_name": "octo/repo", "default_branch": "main"}}))
    (work / "output").write_text("")
    (work / "summary").write_text("")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INPUT_", "GITHUB_", "DIRECTUS_", "DRIFT_", "RUNNER_"))}
    env.update(action_inputs())
    env.update({
        "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": "issues", "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo/repo", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_REF": "refs/heads/main", "GITHUB_WORKSPACE": str(work), "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_STEP_SUMMARY": str(work / "summary"), "GITHUB_API_URL": "http://127.0.0.1:9",
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "1",
    })
    return env


def import_profile(args: list[str], env: dict[str, str], cwd: Path) -> tuple[list[tuple[str, float]], set[str], float]:
    """(top-level imports by cumulative seconds, every module imported, their total seconds)."""
    p = subprocess.run([python_for_drift(), "-X", "importtime", "-m", "drift", *args], env=env, cwd=cwd, check=False, capture_output=True,
                       text=True)
    top: list[tuple[str, float]] = []
    modules: set[str] = set()
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        name = m.group(4)
        modules.add(name)
        if len(m.group(3)) == 1:  # a top-level import (one space of indent)
            top.append((name, int(m.group(2)) / 1e6))
    total = sum(s for _, s in top)
    return sorted(top, key=lambda t: -t[1]), modules, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--top", type=int, default=12, help="how many top-level imports to list")
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="drift-startup-bench-"))
    plain_env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFT_", "DIRECTUS_"))}
    env_ci = ci_env(work)
    compile_drift()
    drift = drift_command()
    cases: list[tuple[str, list[str], dict[str, str]]] = [
        ("python -c pass", [python_for_drift(), "-c", "pass"], plain_env),
        ("drift --version", [*drift, "--version"], plain_env),
        ("drift --help", [*drift, "--help"], plain_env),
        ("drift ci (skipped event)", [*drift, "ci"], env_ci),
    ]
    # Checks first: each command works and drift ci really took the early exit.
    for name, argv, env in cases:
        _, _, p = run_timed(argv, env, work)
        if p.returncode != 0:
            sys.exit(f"startup_bench: {name} exited {p.returncode}: {p.stderr.decode()[-400:]}")
    if "has-changes" not in (work / "output").read_text():
        sys.exit("startup_bench: drift ci did not write its outputs (not the early-exit path?)")

    results: dict[str, Any] = {"runs": args.runs, "load": os.getloadavg()[0], "commands": {}}
    walls: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    cpus: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(args.runs):  # interleaved, so a busy spell hits every command alike
        for name, argv, env in cases:
            wall, cpu, _ = run_timed(argv, env, work)
            walls[name].append(wall)
            cpus[name].append(cpu)

    print(f"start-up, whole process, {args.runs} runs each (load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':28} {'median s':>9} {'min s':>7} {'CPU s':>7}")
    for name, _, _ in cases:
        med, lo, cpu = statistics.median(walls[name]), min(walls[name]), statistics.median(cpus[name])
        print(f"{name:28} {med:9.3f} {lo:7.3f} {cpu:7.3f}")
        results["commands"][name] = {"wall_s": walls[name], "cpu_s": cpus[name]}
    help_med = statistics.median(walls["drift --help"])
    ok = help_med < TARGET_HELP
    print(f"target: drift --help < {TARGET_HELP} s: {help_med:.3f} s {'OK' if ok else 'MISSED'}")

    lazy_ok = True
    for label, argv_tail, env in (("drift --help", ["--help"], plain_env), ("drift ci (skipped event)", ["ci"], env_ci)):
        top, modules, total = import_profile(argv_tail, env, work)
        loaded = [h for h in HEAVY if h in modules]
        unexpected = [h for h in loaded if h not in ALLOWED]
        lazy_ok = lazy_ok and not unexpected
        print(f"\n{label}: imports {total:.3f} s in all (python -X importtime, one run); heavy libraries loaded: "
              f"{', '.join(loaded) or 'none'}{' — UNEXPECTED: ' + ', '.join(unexpected) if unexpected else ''}")
        for name, secs in top[: args.top]:
            print(f"  {secs * 1000:7.1f} ms  {name}")
        results["commands"][label]["imports"] = {"total_s": total, "top": top[: args.top], "heavy_loaded": loaded}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not ok or not lazy_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
