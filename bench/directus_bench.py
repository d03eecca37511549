"""Time drift against the bare HTTP calls it makes, on a real Directus with 25 collections x 30 fields.

One real Directus 12.4.1 runs on a fresh PostgreSQL database (``scripts/directus-server.sh``, its
own database, dropped afterwards). 25 collections of 30 fields each (one m2o relation per
collection, a few rows in each) are built through Directus's API. The desired schema file is the
instance's snapshot with changes: meta edits, a changed column, added fields, dropped fields and a
dropped collection (so the plan has rows to count).

Each job is timed both ways in the same run, alternating, on the same warm server:

- drift, as a whole process (start-up included) with ``DIRECTUS_TOKEN`` in its environment:
  ``drift snapshot URL`` (YAML on stdout) and ``drift snapshot URL -o snap.json``,
  ``drift diff URL desired.json`` (server engine), ``drift diff URL desired.json --engine local``,
  ``drift plan URL desired.json -o plan.json``;
- the bare HTTP calls that job needs, made by a minimal ``requests`` client in this process: the
  admin check (``GET /policies/me/globals``) plus ``GET /schema/snapshot``, or ``POST /schema/diff``
  (and for the plan, one ``aggregate[count]`` per dropped collection and per collection with dropped
  fields).

The medians and drift's overhead (drift / bare - 1) are printed; the target is an overhead of at most
20% per job. ``--trace`` also runs each drift job once through a recording loopback proxy and lists
the calls drift made. Outputs are checked: drift's server-engine and local-engine hashes and diffs
agree with Directus's own answer, and ``snap.json`` is Directus's snapshot.

drift sends these read-only calls as its process starts, before its heavy imports, and its
``requests`` client takes their answers when they succeed (``drift/early.py``; see
``bench/README.md``). The drift package is byte-compiled before the timed runs, as an install does,
so that no timed process compiles drift's modules.

    python bench/directus_bench.py [--runs 5] [--port 8090] [--trace] [--json FILE]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FIELD_TYPES, compile_drift, drift_command, python_for_drift, run_timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "directus-server.sh"
PG = os.environ.get("DRIFT_TEST_PG", "postgres@127.0.0.1:5432")
TARGET = 0.20  # drift's overhead over the bare calls, per job
COLLECTIONS = 25  # the most a Directus without a license key allows
FIELDS = 30  # per collection, the primary key and the m2o included
ROWS = 20


class Directus:
    """A Directus on its own fresh database, started and dropped by ``scripts/directus-server.sh``."""

    def __init__(self, port: int) -> None:
        self.db = f"drift_bench_dx_{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DIRECTUS_")}
        if os.environ.get("DIRECTUS_HOME"):
            self.env["DIRECTUS_HOME"] = os.environ["DIRECTUS_HOME"]
        self.env.update({"DIRECTUS_PORT": str(port), "DIRECTUS_DB_URL": f"postgres://{PG}/{self.db}",
                         "LOG_LEVEL": "warn"})
        proc = subprocess.run(["bash", str(SCRIPT), "reset"], env=self.env, check=False, capture_output=True, text=True,
                              timeout=900)
        if proc.returncode != 0:
            self.drop()
            sys.exit(f"directus_bench: Directus did not start: {proc.stderr.strip().splitlines()[-1:]}")
        info = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
        self.url = info["DIRECTUS_URL"]
        self.token = info["DIRECTUS_TOKEN"]
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def ok(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 600)
        r = self.session.request(method, self.url + path, **kw)
        if r.status_code not in (200, 204):
            sys.exit(f"directus_bench: {method} {path}: {r.status_code} {r.text[:300]}")
        return r

    def snapshot(self) -> dict[str, Any]:
        return self.ok("GET", "/schema/snapshot").json()["data"]  # type: ignore[no-any-return]

    def drop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "drop"], env=self.env, check=False, capture_output=True, timeout=120)


# ---------------------------------------------------------------------------------- the instance


def collection_name(c: int) -> str:
    return f"bench_{c:02d}"


def build(d: Directus) -> None:
    """25 collections x 30 fields, an m2o ring, and rows, through Directus's own API."""
    plain = FIELDS - 2  # the primary key and the m2o are the other two
    for c in range(COLLECTIONS):
        name = collection_name(c)
        fields: list[dict[str, Any]] = [{"field": "id", "type": "integer", "meta": {"hidden": True},
                                         "schema": {"is_primary_key": True, "has_auto_increment": True}}]
        for i in range(plain):
            type_, schema = FIELD_TYPES[i % len(FIELD_TYPES)]
            fields.append({"field": f"f{i:02d}_{type_.lower()}", "type": type_, "schema": dict(schema),
                           "meta": {"interface": "input", "note": f"field {i} of {name}", "width": "half"}})
        d.ok("POST", "/collections", json={"collection": name, "schema": {}, "fields": fields,
                                           "meta": {"collection": name, "icon": "box", "sort": c + 1,
                                                    "note": f"collection {c}"}})
    for c in range(COLLECTIONS):
        name = collection_name(c)
        d.ok("POST", f"/fields/{name}", json={"field": "parent", "type": "integer", "schema": {},
                                              "meta": {"interface": "select-dropdown-m2o"}})
        d.ok("POST", "/relations", json={"collection": name, "field": "parent",
                                         "related_collection": collection_name((c + 1) % COLLECTIONS),
                                         "schema": {"on_delete": "SET NULL"}})
    for c in range(COLLECTIONS):
        rows = [{"f00_string": f"row {r}", "f02_integer": r, "f01_text": "text" if r % 2 else None}
                for r in range(ROWS)]
        d.ok("POST", f"/items/{collection_name(c)}", json=rows)


def mutate(current: dict[str, Any]) -> tuple[dict[str, Any], list[str], dict[str, list[str]]]:
    """The desired snapshot: edits, additions and drops. Returns it with the dropped collections
    and the dropped fields by collection (what the plan counts rows of)."""
    desired = copy.deepcopy(current)
    gone = collection_name(COLLECTIONS - 1)
    dropped_fields: dict[str, list[str]] = {}
    fields: list[dict[str, Any]] = []
    for f in desired["fields"]:
        coll, name = f["collection"], f["field"]
        if coll == gone:
            continue
        idx = int(coll.rsplit("_", 1)[1])
        if idx < 5 and name in ("f01_text", "f04_float"):
            dropped_fields.setdefault(coll, []).append(name)
            continue
        if name.startswith("f0") and idx % 3 == 0 and f.get("meta"):
            f["meta"]["note"] = f"edited note of {coll}.{name}"
        if name == "f00_string" and idx % 4 == 0 and f.get("schema"):
            f["schema"]["max_length"] = 400
        fields.append(f)
    template = next(f for f in current["fields"] if f["field"] == "f00_string")
    for c in range(0, COLLECTIONS - 1, 6):
        coll = collection_name(c)
        added = copy.deepcopy(template)
        added.update(collection=coll, field="added")
        added["meta"].update(collection=coll, field="added", note="a new field", sort=None)
        added["schema"].update(table=coll, name="added")
        fields.append(added)
    desired["fields"] = fields
    desired["collections"] = [c for c in desired["collections"] if c["collection"] != gone]
    desired["relations"] = [r for r in desired["relations"]
                            if r["collection"] != gone and r.get("related_collection") != gone]
    return desired, [gone], dropped_fields


# ---------------------------------------------------------------------------------- the bare calls


class Bare:
    """The calls drift needs for each job, made with a minimal client (a fresh session per job)."""

    def __init__(self, url: str, token: str, desired_raw: bytes, dropped: list[str],
                 dropped_fields: dict[str, list[str]]) -> None:
        self.url, self.token = url, token
        self.desired_raw = desired_raw
        self.dropped, self.dropped_fields = dropped, dropped_fields

    def _session(self) -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        s.headers["Authorization"] = f"Bearer {self.token}"
        return s

    def _get(self, s: requests.Session, path: str, params: dict[str, str] | None = None) -> Any:
        r = s.get(self.url + path, params=params, timeout=600)
        r.raise_for_status()
        return r.json()

    def _admin(self, s: requests.Session) -> None:
        assert self._get(s, "/policies/me/globals")["data"]["admin_access"] is True

    def _diff(self, s: requests.Session) -> Any:
        # Sent the way drift sends it: JSON, or a multipart upload above 512 KiB.
        if len(self.desired_raw) > 512 * 1024:
            r = s.post(self.url + "/schema/diff", files={"file": ("snapshot.json", self.desired_raw,
                                                                  "application/json")}, timeout=600)
        else:
            r = s.post(self.url + "/schema/diff", data=self.desired_raw,
                       headers={"Content-Type": "application/json"}, timeout=600)
        r.raise_for_status()
        return r.json()["data"] if r.status_code == 200 else None

    def snapshot(self) -> Any:
        with self._session() as s:
            self._admin(s)
            return self._get(s, "/schema/snapshot")["data"]

    def diff(self) -> Any:
        with self._session() as s:
            self._admin(s)
            return self._diff(s)

    def plan(self) -> Any:
        with self._session() as s:
            self._admin(s)
            answer = self._diff(s)
            for coll in self.dropped:
                self._get(s, f"/items/{coll}", {"aggregate[count]": "*"})
            for coll, names in self.dropped_fields.items():
                self._get(s, f"/items/{coll}", {"aggregate[count]": ",".join(names)})
            return answer


# ---------------------------------------------------------------------------------- tracing proxy


@dataclass
class Call:
    method: str
    path: str
    status: int
    ms: float


class RecordingProxy:
    """A loopback reverse proxy that forwards everything to Directus and records each call."""

    def __init__(self, upstream: str) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        parts = urlsplit(upstream)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        self.calls: list[Call] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length")}
                t0 = time.perf_counter()
                conn = http.client.HTTPConnection(host, port, timeout=600)
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                proxy.calls.append(Call(self.command, self.path, resp.status, (time.perf_counter() - t0) * 1000))
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PATCH = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------- timing


@dataclass
class Job:
    name: str
    argv: list[str]
    bare: Callable[[], Any]
    drift_s: list[float] = field(default_factory=list)
    drift_cpu: list[float] = field(default_factory=list)
    bare_s: list[float] = field(default_factory=list)
    bare_argv: list[str] = field(default_factory=list)
    bare_proc_s: list[float] = field(default_factory=list)
    least_argv: list[str] = field(default_factory=list)  # the least Python process for this job
    least_s: list[float] = field(default_factory=list)


def check_outputs(work: Path, bare: Bare, env: dict[str, str], drift: list[str], url: str) -> list[str]:
    """drift's server and local engines against Directus's own {hash, diff}; the plan's hash."""
    problems: list[str] = []
    truth = bare.diff()
    for engine in ("server", "local"):
        p = subprocess.run([*drift, "diff", url, str(work / "desired.json"), "--format", "json", "--engine", engine],
                           check=False, env=env, cwd=work, capture_output=True)
        if p.returncode != 0:
            problems.append(f"drift diff --engine {engine} failed ({p.returncode}): {p.stderr.decode()[-300:]}")
            continue
        got = json.loads(p.stdout)
        if got.get("hash") != truth["hash"]:
            problems.append(f"--engine {engine}: hash {got.get('hash')} != Directus's {truth['hash']}")
        if json.dumps(got.get("diff"), sort_keys=True) != json.dumps(truth["diff"], sort_keys=True):
            problems.append(f"--engine {engine}: the diff differs from Directus's")
    plan = json.loads((work / "plan.json").read_text(encoding="utf-8"))
    if plan.get("hash") != truth["hash"]:
        problems.append("plan.json: hash differs from Directus's")
    snap = json.loads((work / "snap.json").read_text(encoding="utf-8"))
    if json.dumps(snap, sort_keys=True) != json.dumps(bare.snapshot(), sort_keys=True):
        problems.append("snap.json: differs from Directus's GET /schema/snapshot")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per job (median reported)")
    ap.add_argument("--port", type=int, default=int(os.environ.get("DRIFT_BENCH_DIRECTUS_PORT", "8090")))
    ap.add_argument("--trace", action="store_true", help="list the HTTP calls each drift job makes")
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    ap.add_argument("--bare", nargs=4, metavar=("JOB", "URL", "DESIRED", "DROPS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        # The bare calls as a process of their own (Python start-up and requests' import included).
        job, url, desired_file, drops = args.bare
        dropped, dropped_fields = json.loads(drops)
        bare_job = Bare(url, os.environ["DIRECTUS_TOKEN"], Path(desired_file).read_bytes(), dropped, dropped_fields)
        getattr(bare_job, job)()
        return

    d = Directus(args.port)
    proxy: RecordingProxy | None = None
    try:
        t0 = time.perf_counter()
        build(d)
        current = d.snapshot()
        desired, dropped, dropped_fields = mutate(current)
        n_fields = sum(1 for f in current["fields"] if f["collection"].startswith("bench_"))
        print(f"instance: {len(current['collections'])} collections, {n_fields} fields, "
              f"{len(current['relations'])} relations, {ROWS} rows each (built in {time.perf_counter() - t0:.0f}s)")
        work = Path(tempfile.mkdtemp(prefix="drift-directus-bench-"))
        raw = json.dumps(desired).encode("utf-8")
        (work / "desired.json").write_bytes(raw)
        print(f"desired.json: {len(raw) / 1024:.0f} KiB; drops {dropped} and "
              f"{sum(map(len, dropped_fields.values()))} fields in {len(dropped_fields)} collections")

        bare = Bare(d.url, d.token, raw, dropped, dropped_fields)
        compile_drift()
        drift = drift_command()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DIRECTUS_", "DRIFT_"))}
        env["DIRECTUS_TOKEN"] = d.token
        env["NO_COLOR"] = "1"
        desired_path = str(work / "desired.json")
        drops = json.dumps([dropped, dropped_fields])

        def bare_proc(job: str) -> list[str]:
            return [python_for_drift(), str(Path(__file__).resolve()), "--bare", job, d.url, desired_path, drops]

        jobs = [
            Job("snapshot (yaml, stdout)", [*drift, "snapshot", d.url], bare.snapshot, bare_argv=bare_proc("snapshot"),
                least_argv=[python_for_drift(), str(Path(__file__).resolve().parent / "least_snapshot.py"), d.url]),
            Job("snapshot -o snap.json", [*drift, "snapshot", d.url, "-o", str(work / "snap.json")], bare.snapshot,
                bare_argv=bare_proc("snapshot")),
            Job("diff (server engine)", [*drift, "diff", d.url, desired_path], bare.diff, bare_argv=bare_proc("diff")),
            Job("diff --engine local", [*drift, "diff", d.url, desired_path, "--engine", "local"], bare.snapshot,
                bare_argv=bare_proc("snapshot")),
            Job("plan -o plan.json", [*drift, "plan", d.url, desired_path, "-o", str(work / "plan.json")], bare.plan,
                bare_argv=bare_proc("plan")),
        ]
        floor: list[float] = []
        # One untimed round warms Directus's caches and the OS page cache for drift's files.
        for job in jobs:
            job.bare()
            _, _, p = run_timed(job.argv, env, work)
            if p.returncode not in (0, 2):
                sys.exit(f"directus_bench: {' '.join(job.argv[1:3])} failed ({p.returncode}): "
                         f"{p.stderr.decode()[-400:]}")
            if job.least_argv:  # the least process must print what drift prints
                _, _, q = run_timed(job.least_argv, env, work)
                if q.returncode != 0 or q.stdout != p.stdout:
                    sys.exit(f"directus_bench: least_snapshot.py's output is not drift's: {q.stderr.decode()[-400:]}")
        for run in range(args.runs):
            for job in jobs:
                # Alternate which side goes first, so neither always gets the warmer server.
                order = (0, 1, 2, 3) if run % 2 == 0 else (3, 2, 1, 0)
                for side in order:
                    if side == 3:
                        if job.least_argv:
                            job.least_s.append(run_timed(job.least_argv, env, work)[0])
                        continue
                    if side == 0:
                        t = time.perf_counter()
                        job.bare()
                        job.bare_s.append(time.perf_counter() - t)
                    elif side == 1:
                        wall, _, p = run_timed(job.bare_argv, env, work)
                        if p.returncode != 0:
                            sys.exit(f"directus_bench: the bare process failed: {p.stderr.decode()[-400:]}")
                        job.bare_proc_s.append(wall)
                    else:
                        wall, cpu, _ = run_timed(job.argv, env, work)
                        job.drift_s.append(wall)
                        job.drift_cpu.append(cpu)
            floor.append(run_timed([*drift, "--version"], env, work)[0])
            print(f"run {run + 1}/{args.runs}: " + ", ".join(f"{j.name.split()[0]} {j.drift_s[-1]:.2f}/{j.bare_s[-1]:.2f}s"
                                                             for j in jobs), flush=True)

        problems = check_outputs(work, bare, env, drift, d.url)

        load = os.getloadavg()[0]
        print(f"\nmedian of {args.runs} (load average {load:.1f}); drift = whole process, bare = the same "
              f"HTTP calls from a minimal client")
        print(f"{'job':26} {'bare s':>8} {'drift s':>8} {'drift CPU s':>11} {'ratio':>6} {'overhead':>9}   "
              f"{'bare process s':>14} {'drift/bare process':>18}")
        results: dict[str, Any] = {"runs": args.runs, "load": load, "jobs": {}}
        missed = []
        for job in jobs:
            b, m = statistics.median(job.bare_s), statistics.median(job.drift_s)
            ratio = m / b if b else float("inf")
            ok = ratio - 1 <= TARGET
            if not ok:
                missed.append(job.name)
            bp = statistics.median(job.bare_proc_s)
            print(f"{job.name:26} {b:8.3f} {m:8.3f} {statistics.median(job.drift_cpu):11.3f} {ratio:6.2f} "
                  f"{(ratio - 1) * 100:8.0f}% {'OK    ' if ok else 'MISSED'} {bp:14.3f} {m / bp:18.2f}")
            results["jobs"][job.name] = {"bare_s": job.bare_s, "drift_s": job.drift_s, "drift_cpu_s": job.drift_cpu,
                                         "bare_process_s": job.bare_proc_s, "ratio": ratio,
                                         "ratio_to_bare_process": m / bp}
        fl = statistics.median(floor)
        results["drift_version_s"] = floor
        print(f"start-up floor: `drift --version` {fl:.3f}s (included in every drift figure)")
        for job in jobs:
            if job.least_s:
                least, b = statistics.median(job.least_s), statistics.median(job.bare_s)
                results["jobs"][job.name]["least_process_s"] = job.least_s
                print(f"least Python process for `{job.name}` (least_snapshot.py: the same calls at once, "
                      f"JSON, drift's YAML writer): {least:.3f}s = {least / b:.2f}x the bare calls; "
                      f"drift = {statistics.median(job.drift_s) / least:.2f}x it")
        print(f"target: overhead <= {TARGET:.0%} per job: {'OK' if not missed else 'MISSED: ' + ', '.join(missed)}")

        if args.trace:
            proxy = RecordingProxy(d.url)
            print("\nHTTP calls drift makes (through a recording proxy; ms as seen by the proxy):")
            for job in jobs:
                proxy.calls.clear()
                argv = [proxy.url if a == d.url else a for a in job.argv]
                run_timed(argv, env, work)
                calls = ", ".join(f"{c.method} {c.path.split('?')[0]}{'?' + c.path.split('?')[1] if '?' in c.path else ''} "
                                  f"{c.status} {c.ms:.0f}ms" for c in proxy.calls)
                print(f"  {job.name}: {len(proxy.calls)} calls: {calls}")
                results["jobs"][job.name]["calls"] = [c.__dict__ for c in proxy.calls]

        if problems:
            print("\noutput checks FAILED:\n  " + "\n  ".join(problems))
        else:
            print("\noutput checks: drift's server and local engines give Directus's own hash and diff; "
                  "plan.json records that hash; snap.json is Directus's snapshot")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        if problems:
            sys.exit(1)
    finally:
        if proxy is not None:
            proxy.close()
        d.drop()


if __name__ == "__main__":
    main()
