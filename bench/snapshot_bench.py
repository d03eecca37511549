"""Time ``drift snapshot`` of a large Directus database on PostgreSQL against Directus's own CLI.

A real Directus 12.4.1 database is made with ``scripts/directus-server.sh`` (``start`` bootstraps
it, then the server is stopped). The benchmark schema is then written with SQL alone, because the
licence limit on collections only applies to the API: N tables of 20 columns (serial key, strings,
text, numeric, bigint, real, double, boolean, JSON, CSV, date, time, uuid, a unique and an indexed
column, an ``m2o`` to ``directus_users`` and one to the previous table), their
``directus_collections`` rows (one folder per 25 collections), ``directus_fields`` rows (every
column, plus a divider and an ``o2m`` alias) and ``directus_relations`` rows, with the casts
Directus applies (booleans, JSON, CSV).

In the same run, as whole processes, median of ``--runs`` for Directus's CLI and of ``--runs`` ×
``--repeat`` for drift and the bare queries (cheap enough to sample more, alternating):

- ``drift snapshot <url> -o drift.yaml`` (start-up included);
- Directus's ``directus schema snapshot --yes --format yaml`` CLI on the same database, with the
  server's settings;
- the bare catalog queries: exactly the statements drift sends (recorded at the psycopg cursor),
  replayed on a fresh psycopg connection in one read-only, repeatable-read transaction opened the
  way drift opens it, connect and fetch included, timed in this process (no start-up);
- the same replay as a process of its own (``--replay``: Python's start-up, psycopg's import,
  connect, the statements), for the reading in which both sides are whole processes. The target
  is checked against the in-process replay, the stricter of the two.

Round trips (statements sent in the snapshot transaction) are counted at ``--small`` tables and
at N tables and must be equal. drift's YAML must equal Directus's CLI output byte for byte.

Targets: drift ≤ 0.1× Directus's time and ≤ 3× the bare queries. Exit 1 when a target is missed
or the outputs differ (``--no-check`` only reports).

    python bench/snapshot_bench.py [--tables 1000] [--small 100] [--runs 3] [--repeat 3] [--port 8083] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (OUT, ROOT, app_dir, compile_drift, directus_home, drift_command, node_bin,  # noqa: E402
                    python_for_drift, run_timed)

SCRIPT = ROOT / "scripts" / "directus-server.sh"
PG = os.environ.get("DRIFT_TEST_PG", "postgres@127.0.0.1:5432")
TARGET_DIRECTUS = 0.1
TARGET_BARE = 3.0
FOLDER_EVERY = 25


# -- the database ----------------------------------------------------------------------------------


def lit(value: Any) -> str:
    """A SQL literal for str / None / bool / int / JSON-able values."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    return "'" + value.replace("'", "''") + "'"


def table_name(i: int) -> str:
    return f"bench_{i:04d}"


# (column, DDL, directus_fields values)
def columns_of(i: int) -> list[tuple[str, str, dict[str, Any]]]:
    prev = table_name(i - 1) if i > 0 else None
    choices = {"choices": [{"text": "Draft", "value": "draft"}, {"text": "Published", "value": "published"}]}
    cols: list[tuple[str, str, dict[str, Any]]] = [
        ("id", "serial PRIMARY KEY", {"interface": "input", "readonly": True, "hidden": True}),
        ("status", "varchar(255) NOT NULL DEFAULT 'draft'",
         {"interface": "select-dropdown", "options": choices, "display": "labels", "width": "full"}),
        ("sort", "integer", {"interface": "input", "hidden": True}),
        ("user_created", "uuid REFERENCES directus_users(id)",
         {"special": "user-created", "interface": "select-dropdown-m2o", "readonly": True, "hidden": True,
          "width": "half", "display": "user"}),
        ("date_created", "timestamp with time zone",
         {"special": "date-created", "interface": "datetime", "readonly": True, "hidden": True, "width": "half"}),
        ("title", "varchar(255)",
         {"interface": "input", "required": True, "note": f"Title of item in table {i}",
          "translations": [{"language": "de-DE", "translation": "Titel"}]}),
        ("slug", "varchar(64) UNIQUE", {"interface": "input", "options": {"slug": True, "trim": True}}),
        ("body", "text", {"interface": "input-rich-text-html", "searchable": False}),
        ("price", "numeric(10,2) DEFAULT 0", {"interface": "input", "width": "half"}),
        ("quantity", "bigint", {"interface": "input", "width": "half",
                                "validation": {"_and": [{"quantity": {"_gte": 0}}]},
                                "validation_message": "must not be negative"}),
        ("rating", "real", {"interface": "input", "width": "half"}),
        ("score", "double precision DEFAULT 1.5", {"interface": "input", "width": "half"}),
        ("active", "boolean DEFAULT true",
         {"special": "cast-boolean", "interface": "boolean", "display": "boolean", "width": "half"}),
        ("data", "json", {"special": "cast-json", "interface": "input-code", "options": {"language": "JSON"}}),
        ("tags", "text", {"special": "cast-csv", "interface": "tags",
                          "conditions": [{"name": "hide", "rule": {"status": {"_eq": "draft"}}, "hidden": True}]}),
        ("published_on", "date", {"interface": "datetime", "width": "half"}),
        ("opens_at", "time", {"interface": "datetime", "width": "half"}),
        ("ident", "uuid", {"special": "uuid", "interface": "input", "readonly": True}),
        ("code", "varchar(32)", {"interface": "input", "width": "half"}),
        ("parent", f"integer REFERENCES {prev}(id) ON DELETE SET NULL" if prev else "integer",
         {"interface": "select-dropdown-m2o", "options": {"template": "{{title}}"}} if prev else {"interface": "input"}),
    ]
    return cols


def schema_sql(start: int, stop: int) -> str:
    """DDL and Directus rows for tables ``start`` … ``stop - 1``."""
    ddl: list[str] = []
    colls: list[str] = []
    fields: list[str] = []
    rels: list[str] = []
    fcols = ("collection", "field", "special", "interface", "options", "display", "readonly", "hidden", "sort",
             "width", "translations", "note", "conditions", "required", '"group"', "validation",
             "validation_message", "searchable")
    for i in range(start, stop):
        t = table_name(i)
        folder = f"folder_{i // FOLDER_EVERY:03d}"
        if i % FOLDER_EVERY == 0:
            colls.append(f"({lit(folder)}, 'folder', NULL, {lit(None)}, FALSE, {i // FOLDER_EVERY + 1})")
        cols = columns_of(i)
        body = ",\n  ".join(f'"{name}" {decl}' for name, decl, _ in cols)
        ddl.append(f'CREATE TABLE "{t}" (\n  {body}\n);')
        ddl.append(f'CREATE INDEX "{t}_code_index" ON "{t}" ("code");')
        colls.append(f"({lit(t)}, 'article', {lit(f'Table number {i}')}, {lit(folder)}, {lit(i % 7 == 0)}, "
                     f"{i % FOLDER_EVERY + 1})")
        sort = 0
        for name, _, meta in cols:
            sort += 1
            if name == "code":  # a divider before the last two fields
                fields.append(_field_row(t, "divider", {"special": "alias,no-data", "interface": "presentation-divider",
                                                        "options": {"title": "More"}}, sort))
                sort += 1
            fields.append(_field_row(t, name, meta, sort))
        # the o2m side of the next table's `parent`
        fields.append(_field_row(t, "children", {"special": "o2m", "interface": "list-o2m"}, sort + 1))
        rels.append(f"({lit(t)}, 'user_created', 'directus_users', NULL, 'nullify')")
        if i > 0:
            rels.append(f"({lit(t)}, 'parent', {lit(table_name(i - 1))}, 'children', 'nullify')")
    return "\n".join([
        *ddl,
        'INSERT INTO directus_collections (collection, icon, note, "group", hidden, sort) VALUES\n'
        + ",\n".join(colls) + ";",
        f"INSERT INTO directus_fields ({', '.join(fcols)}) VALUES\n" + ",\n".join(fields) + ";",
        "INSERT INTO directus_relations (many_collection, many_field, one_collection, one_field, "
        "one_deselect_action) VALUES\n" + ",\n".join(rels) + ";",
    ])


def _field_row(table: str, field: str, meta: dict[str, Any], sort: int) -> str:
    values = [
        table, field, meta.get("special"), meta.get("interface"),
        json.dumps(meta["options"]) if "options" in meta else None, meta.get("display"),
        bool(meta.get("readonly", False)), bool(meta.get("hidden", False)), sort, meta.get("width", "full"),
        json.dumps(meta["translations"]) if "translations" in meta else None, meta.get("note"),
        json.dumps(meta["conditions"]) if "conditions" in meta else None, bool(meta.get("required", False)),
        None, json.dumps(meta["validation"]) if "validation" in meta else None, meta.get("validation_message"),
        bool(meta.get("searchable", True)),
    ]
    return "(" + ", ".join(lit(v) for v in values) + ")"


class Database:
    """A Directus 12.4.1 database made by the real Directus (bootstrap), server stopped after."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.name = f"drift_bench_snap_{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DIRECTUS_")}
        self.env.update({"DIRECTUS_PORT": str(port), "DIRECTUS_DB_URL": f"postgres://{PG}/{self.name}",
                         "LOG_LEVEL": "warn"})
        self.run_dir = directus_home() / f"run-{port}"
        self.made = False

    @property
    def url(self) -> str:
        return f"postgresql://{PG}/{self.name}"

    @property
    def dsn(self) -> str:
        return f"postgresql://{PG}/{self.name}"

    def create(self) -> None:
        t0 = time.perf_counter()
        proc = subprocess.run(["bash", str(SCRIPT), "start"], env=self.env, capture_output=True, text=True,
                              timeout=900, check=False)
        self.made = True
        if proc.returncode != 0:
            sys.exit(f"snapshot_bench: Directus did not start: {proc.stderr.strip().splitlines()[-1:]}")
        subprocess.run(["bash", str(SCRIPT), "stop"], env=self.env, capture_output=True, text=True, timeout=120,
                       check=False)
        print(f"Directus database {self.name} bootstrapped by Directus in {time.perf_counter() - t0:.1f}s; "
              "server stopped")

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=False) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
            conn.commit()
            conn.execute("ANALYZE")

    def drop(self) -> None:
        if self.made:
            subprocess.run(["bash", str(SCRIPT), "drop"], env=self.env, capture_output=True, timeout=300, check=False)

    def cli_env(self) -> dict[str, str]:
        """The server's settings, as ``scripts/directus-server.sh`` gives them to Directus."""
        user, _, hostport = PG.partition("@")
        host, _, port = hostport.partition(":")
        base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DIRECTUS_"))}
        env.update({
            "DB_CLIENT": "pg", "DB_HOST": host, "DB_PORT": port or "5432", "DB_DATABASE": self.name,
            "DB_USER": user, "KEY": "drift-test-key-0000000000", "SECRET": "drift-test-secret-00000000000000000000",
            "HOST": "127.0.0.1", "PORT": str(self.port), "PUBLIC_URL": base,
            "CONFIG_PATH": str(self.run_dir / ".env"),
            "TELEMETRY": "false", "TELEMETRY_URL": "http://127.0.0.1:9", "COMPLIANCE_URL": "http://127.0.0.1:9",
            "PROJECT_OWNER_ENABLED": "false", "MARKETPLACE_REGISTRY": "http://127.0.0.1:9",
            "MARKETPLACE_TRUST": "sandbox", "AI_ENABLED": "false", "MCP_ENABLED": "false", "SERVE_APP": "false",
            "WEBSOCKETS_ENABLED": "false", "LOG_LEVEL": "warn", "LOG_STYLE": "raw",
            "STORAGE_LOCAL_ROOT": str(self.run_dir / "uploads"), "EXTENSIONS_PATH": str(self.run_dir / "extensions"),
            "TEMP_PATH": str(self.run_dir / "tmp"), "PACKAGE_FILE_LOCATION": str(self.run_dir),
            "NODE_ENV": "production",
        })
        return env


# -- the measurements -------------------------------------------------------------------------------


def settle() -> None:
    """Before each timed run: the 22 MB files the last runs wrote go to disk now, and this
    process's garbage is collected, so that neither lands in the middle of the next run."""
    import gc

    os.sync()
    gc.collect()
    time.sleep(0.2)


def timed(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the child) and stderr of one whole process,
    which must succeed."""
    wall, cpu, proc = run_timed(cmd, env if env is not None else dict(os.environ), cwd)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"snapshot_bench: {' '.join(cmd[:3])} … exited {proc.returncode}: {stderr.strip()[-600:]}")
    return wall, cpu, stderr


def drift_statements(url: str) -> tuple[list[tuple[Any, Any]], int]:
    """The statements one drift snapshot sends inside its read transaction (recorded at the
    psycopg cursor, so any statement drift makes counts), and the number of reads drift's own
    counter reports."""
    import psycopg

    from drift.targets import TargetOptions
    from drift.targets.database import open_database

    target = open_database(url, TargetOptions())
    sent: list[tuple[Any, Any]] = []
    original = psycopg.Cursor.execute

    def execute(self: Any, query: Any, params: Any = None, *args: Any, **kw: Any) -> Any:
        sent.append((query, params))
        return original(self, query, params, *args, **kw)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        target.snapshot()
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]
        target.close()
    assert target.last is not None
    return sent, target.last.round_trips


def bare_queries(dsn: str, statements: list[tuple[str, Any]]) -> float:
    """Seconds to connect, run the statements in one read-only repeatable-read transaction and fetch
    every row, on a bare psycopg connection."""
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params or None)  # type: ignore[arg-type]
                if cur.description is not None:
                    cur.fetchall()
        conn.rollback()
    return time.perf_counter() - t0


def replay(path: str, dsn: str) -> None:
    """The bare queries as a process of their own (``--replay``): import psycopg, connect, run the
    recorded statements, fetch every row."""
    statements = json.loads(Path(path).read_text(encoding="utf-8"))
    bare_queries(dsn, [(sql, params) for sql, params in statements])


def profile(url: str, out: Path) -> None:
    """cProfile (CPU time) of one in-process snapshot + YAML dump; the top of the listing."""
    import cProfile
    import pstats

    from drift.snapshot.files import dump_snapshot
    from drift.targets import TargetOptions
    from drift.targets.database import open_database

    prof = cProfile.Profile(time.process_time)
    prof.enable()
    target = open_database(url, TargetOptions())
    dump_snapshot(target.snapshot(), "yaml")
    target.close()
    prof.disable()
    prof.dump_stats(str(out))
    pstats.Stats(str(out)).sort_stats("tottime").print_stats(30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tables", type=int, default=1000)
    ap.add_argument("--small", type=int, default=100, help="first size, for the round-trip check")
    ap.add_argument("--runs", type=int, default=3, help="runs of Directus's CLI")
    ap.add_argument("--repeat", type=int, default=3, help="runs of drift and of the bare queries per Directus run")
    ap.add_argument("--port", type=int, default=int(os.environ.get("DRIFT_BENCH_SNAPSHOT_PORT", "8083")))
    ap.add_argument("--profile", action="store_true", help="also cProfile drift in-process")
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    ap.add_argument("--no-check", action="store_true", help="report only; exit 0 on missed targets")
    ap.add_argument("--replay", nargs=2, metavar=("STATEMENTS", "DSN"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.replay:
        replay(*args.replay)
        return 0

    out = OUT / "snapshot"
    out.mkdir(parents=True, exist_ok=True)
    db = Database(args.port)
    node, entry = node_bin(), app_dir() / "node_modules" / "@directus" / "api" / "dist" / "cli" / "run.js"
    compile_drift()
    drift = drift_command()
    try:
        db.create()
        t0 = time.perf_counter()
        db.execute(schema_sql(0, args.small))
        print(f"{args.small} tables × 20 columns written with SQL in {time.perf_counter() - t0:.1f}s")
        sent_small, rt_small = drift_statements(db.url)
        t0 = time.perf_counter()
        db.execute(schema_sql(args.small, args.tables))
        print(f"{args.tables} tables × 20 columns written with SQL in {time.perf_counter() - t0:.1f}s")
        sent, rt_large = drift_statements(db.url)

        drift_yaml, directus_yaml = out / "drift.yaml", out / "directus.yaml"
        cli_env = db.cli_env()
        drift_cmd = [*drift, "snapshot", db.url, "-o", str(drift_yaml), "--format", "yaml"]
        directus_cmd = [str(node), str(entry), "schema", "snapshot", "--yes", "--format", "yaml", str(directus_yaml)]
        startup_cmd = [*drift, "--version"]
        statements_file = out / "statements.json"
        statements_file.write_text(json.dumps([[str(q), p] for q, p in sent]), encoding="utf-8")
        replay_cmd = [python_for_drift(), str(Path(__file__).resolve()), "--replay", str(statements_file), db.dsn]
        walls: dict[str, list[float]] = {"drift": [], "directus": [], "bare": [], "bare_process": [], "startup": []}
        cpus: dict[str, list[float]] = {"drift": [], "directus": []}
        for run in range(args.runs):
            settle()
            w, c, _ = timed(directus_cmd, cwd=db.run_dir, env=cli_env)
            walls["directus"].append(w)
            cpus["directus"].append(c)
            # drift and the bare queries take a second or less: several of each per Directus run,
            # alternating, so that their medians are not one noisy sample
            for _ in range(args.repeat):
                settle()
                w, c, _ = timed(drift_cmd, cwd=ROOT)
                walls["drift"].append(w)
                cpus["drift"].append(c)
                settle()
                walls["bare"].append(bare_queries(db.dsn, sent))
                settle()
                walls["bare_process"].append(timed(replay_cmd, cwd=ROOT)[0])
                walls["startup"].append(timed(startup_cmd, cwd=ROOT)[0])
            print(f"run {run + 1}: Directus CLI {walls['directus'][-1]:.2f}s, drift "
                  + " ".join(f"{x:.3f}" for x in walls["drift"][-args.repeat:])
                  + "s, bare queries " + " ".join(f"{x:.3f}" for x in walls["bare"][-args.repeat:])
                  + f"s (as a process {walls['bare_process'][-1]:.3f}s), drift --version {walls['startup'][-1]:.3f}s")

        same = drift_yaml.read_bytes() == directus_yaml.read_bytes()
        snap_stats = _counts(drift_yaml)
        med = {k: statistics.median(v) for k, v in walls.items()}
        cpu = {k: statistics.median(v) for k, v in cpus.items()}
        r_directus = med["drift"] / med["directus"]
        r_bare = med["drift"] / med["bare"]
        r_cpu = cpu["drift"] / cpu["directus"]
        checks = [
            (f"drift / Directus CLI ≤ {TARGET_DIRECTUS}", r_directus <= TARGET_DIRECTUS, f"{r_directus:.3f}×"),
            (f"drift / bare catalog queries ≤ {TARGET_BARE}", r_bare <= TARGET_BARE, f"{r_bare:.2f}×"),
            (f"round trips at {args.small} = at {args.tables} tables", len(sent_small) == len(sent)
             and rt_small == rt_large, f"{len(sent_small)} → {len(sent)} statements ({rt_small} → {rt_large} reads)"),
            ("drift YAML = Directus CLI YAML (bytes)", same, "identical" if same else _first_difference(
                drift_yaml, directus_yaml)),
        ]
        print()
        print(f"PostgreSQL, {args.tables} tables × 20 columns ({snap_stats}); median of {args.runs} "
              f"(drift and the bare queries: of {args.runs * args.repeat}); "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {platform.python_version()}")
        print(f"  Directus `schema snapshot` CLI  {med['directus']:8.3f} s   (CPU {cpu['directus']:.2f} s)")
        print(f"  drift snapshot                  {med['drift']:8.3f} s   (CPU {cpu['drift']:.2f} s)")
        print(f"  bare catalog queries            {med['bare']:8.3f} s")
        print(f"  the same, as a process          {med['bare_process']:8.3f} s   "
              f"(python, psycopg's import, connect, queries: drift / this {med['drift'] / med['bare_process']:.2f}×)")
        print(f"  drift --version (start-up)      {med['startup']:8.3f} s")
        print(f"  drift/Directus CPU              {r_cpu:8.3f} ×")
        for name, ok, figure in checks:
            print(f"  {'OK    ' if ok else 'MISSED'} {name}: {figure}")
        result = {
            "tables": args.tables, "small": args.small, "runs": args.runs, "repeat": args.repeat,
            "walls": walls, "cpus": cpus,
            "medians": med, "ratio_directus": r_directus, "ratio_bare": r_bare, "ratio_cpu": r_cpu,
            "ratio_bare_process": med["drift"] / med["bare_process"],
            "round_trips": {str(args.small): len(sent_small), str(args.tables): len(sent)},
            "reads": {str(args.small): rt_small, str(args.tables): rt_large}, "identical": same,
            "statements": [str(q) for q, _ in sent],
        }
        (out / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        if args.profile:
            profile(db.url, out / "drift.prof")
        if args.keep:
            db.made = False
            print(f"kept: {db.url}")
        return 0 if args.no_check or all(ok for _, ok, _ in checks) else 1
    finally:
        db.drop()


def _counts(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return f"{len(text) / 1e6:.1f} MB of YAML"


def _first_difference(a: Path, b: Path) -> str:
    la, lb = a.read_text(encoding="utf-8").splitlines(), b.read_text(encoding="utf-8").splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: drift {x!r} vs Directus {y!r}"
    return f"lengths differ: drift {len(la)} lines, Directus {len(lb)} lines"


if __name__ == "__main__":
    raise SystemExit(main())
