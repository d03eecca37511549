"""Time applying a 25-collection, 400-field create on PostgreSQL: drift against Directus, same run.

One real Directus 12.4.1 runs on a fresh PostgreSQL database (``scripts/directus-server.sh``). The
desired schema (25 collections x 16 fields of every common type, some unique or indexed, one
relation per collection) is built once through Directus's API and snapshotted; the database is
then put back to its fresh state. Each round, in turn:

- Directus: ``POST /schema/diff`` of the desired snapshot (untimed), then ``POST /schema/apply`` of
  that diff, timed from request to response on a warm server;
- drift: ``drift plan DB desired.json -o plan.json`` (untimed), then ``drift apply DB --plan plan.json``
  timed as a whole process (start-up, lock, re-snapshot and hash check, the SQL, the convergence
  re-snapshot), its modules byte-compiled beforehand as an installed package's are; its CPU time
  is printed too (wall times move with the machine's load).

Between runs the schema goes back to the fresh state through Directus. The medians and their ratio
are printed (target: drift ≤ 0.5x Directus), and after each drift apply Directus must agree that
nothing is left to change (``POST /schema/diff`` answers 204).

    python bench/apply_bench.py [--runs 3] [--port 8076]

Where drift's time goes (one apply on 2 CPUs at load about 1, from timestamps inside the process;
drift's modules byte-compiled): about 15 ms of interpreter start-up, 18 ms importing drift's CLI
(click), 13 ms importing the database target, 55-60 ms importing psycopg (the apply path imports
neither SQLAlchemy nor alembic), then the plan file (16 ms: parse, digest, grading) loads on the
main thread while a second thread connects, takes the advisory lock and reads the schema in the
apply transaction (about 20 ms, mostly waiting on the server), so the two overlap; then 7 ms for
the hash check and rendering the 173 statements, one round trip for PostgreSQL to run them and
commit (65-120 ms on a quiet machine, several times that when other processes write to the same
disk: PostgreSQL 15 syncs each of the 100 indexes it builds to disk on its own, keys, TOAST and
unique ones included, and Directus's apply builds the same ones), 20 ms re-reading the schema for
the convergence check and 5 ms diffing it, and about 5 ms for the process to exit (``os._exit``
once the report is written). drift's own CPU time is about 0.15 s, so most of what is left is
Python's and psycopg's start-up and PostgreSQL running the statements.

Measured on 2 CPUs with other work running (load 2-2.5), alternating in the same runs with the
version that applied through SQLAlchemy: drift 0.49 s -> 0.34 s median (CPU 0.27 -> 0.16 s) against
Directus's 0.52 s, so 0.93x -> 0.65x; in quieter stretches drift took 0.25-0.30 s against 0.41-0.58 s
(0.52x). When other processes load the machine and its disk, both sides stretch by amounts that
vary from run to run (ratios from 0.46x to 0.75x were seen); drift's CPU time is the steady figure.
On a quiet machine (load 1.0, median of 5) Directus took 0.40 s and drift 0.29 s (CPU 0.15 s): 0.73x.
The target (0.5x) would need drift within 0.20 s, while PostgreSQL alone spends 0.07-0.14 s running
the statements and start-up with psycopg's import is about 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FIELD_TYPES, compile_drift  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "directus-server.sh"
PG = os.environ.get("DRIFT_TEST_PG", "postgres@127.0.0.1:5432")
TARGET = 0.5


class Directus:
    def __init__(self, port: int) -> None:
        self.port = port
        self.db = f"drift_bench_apply_{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DIRECTUS_")}
        self.env.update({"DIRECTUS_PORT": str(port), "DIRECTUS_DB_URL": f"postgres://{PG}/{self.db}",
                         "LOG_LEVEL": "warn"})
        proc = subprocess.run(["bash", str(SCRIPT), "reset"], env=self.env, capture_output=True, text=True,
                              timeout=900)
        if proc.returncode != 0:
            sys.exit(f"apply_bench: Directus did not start: {proc.stderr.strip().splitlines()[-1:]}")
        info = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
        self.url = info["DIRECTUS_URL"]
        self.token = info["DIRECTUS_TOKEN"]

    @property
    def db_url(self) -> str:
        return f"postgresql://{PG}/{self.db}"

    def http(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 600)
        return requests.request(method, self.url + path, headers={"Authorization": f"Bearer {self.token}"}, **kw)

    def ok(self, method: str, path: str, **kw: Any) -> requests.Response:
        r = self.http(method, path, **kw)
        if r.status_code not in (200, 204):
            sys.exit(f"apply_bench: {method} {path}: {r.status_code} {r.text[:300]}")
        return r

    def snapshot(self) -> dict[str, Any]:
        return self.ok("GET", "/schema/snapshot").json()["data"]  # type: ignore[no-any-return]

    def diff(self, desired: dict[str, Any]) -> dict[str, Any] | None:
        self.ok("POST", "/utils/cache/clear", params={"system": ""})
        r = self.ok("POST", "/schema/diff", json=desired)
        return None if r.status_code == 204 else r.json()["data"]

    def to(self, desired: dict[str, Any]) -> None:
        payload = self.diff(desired)
        if payload is not None:
            self.ok("POST", "/schema/apply", json=payload)

    def drop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "drop"], env=self.env, capture_output=True, timeout=120, check=False)


def build(d: Directus) -> None:
    for c in range(25):
        name = f"bench_{c:02d}"
        fields: list[dict[str, Any]] = [{"field": "id", "type": "integer", "meta": {"hidden": True},
                                         "schema": {"is_primary_key": True, "has_auto_increment": True}}]
        for i, (type_, schema) in enumerate(FIELD_TYPES):
            fields.append({"field": f"f{i:02d}_{type_.lower()}", "type": type_, "schema": dict(schema),
                           "meta": {"interface": "input", "note": f"field {i} of {name}"}})
        d.ok("POST", "/collections", json={"collection": name, "schema": {}, "fields": fields,
                                           "meta": {"collection": name, "icon": "box", "sort": c + 1}})
    for c in range(1, 25):
        d.ok("POST", "/fields/bench_%02d" % c, json={"field": "parent", "type": "integer", "schema": {},
                                                     "meta": {"interface": "select-dropdown-m2o"}})
        d.ok("POST", "/relations", json={"collection": f"bench_{c:02d}", "field": "parent",
                                         "related_collection": f"bench_{c - 1:02d}", "schema": {"on_delete": "SET NULL"}})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--port", type=int, default=int(os.environ.get("DRIFT_BENCH_APPLY_PORT", "8076")))
    args = ap.parse_args()
    d = Directus(args.port)
    try:
        baseline = d.snapshot()
        build(d)
        desired = d.snapshot()
        n_fields = sum(1 for f in desired["fields"] if f["collection"].startswith("bench_"))
        print(f"desired: {len(desired['collections'])} collections, {n_fields} fields, "
              f"{len(desired['relations'])} relations")
        d.to(baseline)
        work = Path(tempfile.mkdtemp(prefix="drift-apply-bench-"))
        (work / "desired.json").write_text(json.dumps(desired), encoding="utf-8")
        drift = [sys.executable, "-m", "drift"]
        compile_drift()  # as installed: drift's modules byte-compiled
        t_directus: list[float] = []
        t_drift: list[float] = []
        cpu_drift: list[float] = []
        for run in range(args.runs):
            payload = d.diff(desired)
            assert payload is not None
            t0 = time.perf_counter()
            d.ok("POST", "/schema/apply", json=payload)
            t_directus.append(time.perf_counter() - t0)
            d.to(baseline)

            plan = work / "plan.json"
            p = subprocess.run([*drift, "plan", d.db_url, str(work / "desired.json"), "-o", str(plan), "-q"],
                               cwd=ROOT, capture_output=True, text=True)
            if not plan.exists():
                sys.exit(f"apply_bench: drift plan failed: {p.stderr.strip()}")
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run([*drift, "apply", d.db_url, "--plan", str(plan)], cwd=ROOT, capture_output=True,
                               text=True)
            t_drift.append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_drift.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
            if p.returncode != 0:
                sys.exit(f"apply_bench: drift apply failed ({p.returncode}): {p.stderr.strip()[-500:]}")
            left = d.diff(desired)
            if left is not None:
                sys.exit("apply_bench: after drift's apply Directus still sees differences")
            d.to(baseline)
            print(f"run {run + 1}: Directus /schema/apply {t_directus[-1]:.2f}s, drift apply {t_drift[-1]:.2f}s "
                  f"(drift process CPU {cpu_drift[-1]:.2f}s)")
        md, mm = statistics.median(t_directus), statistics.median(t_drift)
        ratio = mm / md if md else float("inf")
        print(f"median: Directus {md:.2f}s, drift {mm:.2f}s (whole process; its CPU "
              f"{statistics.median(cpu_drift):.2f}s) -> ratio {ratio:.2f}x (target <= {TARGET}x): "
              f"{'OK' if ratio <= TARGET else 'MISSED'}; load average {os.getloadavg()[0]:.1f}")
    finally:
        d.drop()


if __name__ == "__main__":
    main()
