"""Faults during apply: a killed connection, a statement failing half-way, concurrent applies,
names a vendor would truncate.

- PostgreSQL: the applying backend is terminated mid-way (``pg_terminate_backend`` from another
  session) → exit 1 and nothing changed (one transaction).
- MariaDB: a statement fails half-way (a type change the data cannot take) → the error and the
  report say exactly which statements ran and which did not.
- Two applies of the same plan at the same time → one applies, the other exits 4.
- Names longer than the vendor keeps → refused before any statement.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from drift.targets import TargetOptions, open_target
from drift.targets.database.apply import ApplyFailed
from drift.workflow import load_plan_file
from tests.clirun import ROOT, run
from tests.integration.database_apply.conftest import Db
from tests.integration.database_apply.test_plain import AUTO


def _snapshot(db: Db) -> str:
    r = run("snapshot", db.url, "--format", "json")
    assert r.code == 0, r.err
    return r.out


def _plan_for(live: Db, want: Db, tmp: Path) -> Path:
    f = tmp / "want.json"
    assert run("snapshot", want.url, "-o", str(f)).code == 0
    plan = tmp / "plan.json"
    r = run("plan", live.url, str(f), "-o", str(plan), "--format", "json")
    assert r.code == 0, r.err
    return plan


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "drift", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_postgres_connection_killed_mid_apply_changes_nothing(_postgres_factory: Callable[[], Db],
                                                              tmp_path: Path) -> None:
    want, live = _postgres_factory(), _postgres_factory()
    want.run(*[f"create table t{i:03d} (id serial primary key, a varchar(20), b integer, c text)"
               for i in range(300)])
    live.run("create table keep (id serial primary key)", "insert into keep default values")
    plan = _plan_for(live, want, tmp_path)
    before = _snapshot(live)
    watcher = live.engine().connect().execution_options(isolation_level="AUTOCOMMIT")
    proc = _spawn("apply", live.url, "--plan", str(plan), "--allow-destructive")
    killed = None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            rows = watcher.exec_driver_sql(
                "select l.pid, (select count(*) from pg_locks x where x.pid = l.pid and x.locktype = 'relation'"
                " and x.mode = 'AccessExclusiveLock') from pg_locks l where l.locktype = 'advisory' and l.granted"
            ).fetchall()
            if rows and rows[0][1] >= 10:
                killed = rows[0][0]
                watcher.exec_driver_sql(f"select pg_terminate_backend({int(killed)})")
                break
            time.sleep(0.002)
    finally:
        watcher.close()
    out, err = proc.communicate(timeout=60)
    assert killed is not None, f"the apply finished before it could be interrupted: {proc.returncode} {out[-500:]} {err[-500:]}"
    assert proc.returncode == 1, out + err
    assert "nothing was changed" in err and "Traceback" not in err
    assert _snapshot(live) == before
    assert live.rows("select count(*) from keep") == [(1,)]


def test_mariadb_failure_half_way_reports_what_ran(_mysql_factory: Callable[[], Db], tmp_path: Path) -> None:
    want, live = _mysql_factory(), _mysql_factory()
    want.run(f"create table fresh (id {AUTO['mysql']})",
             f"create table t (id {AUTO['mysql']}, code integer, b integer)")
    live.run(f"create table t (id {AUTO['mysql']}, code varchar(10))", "insert into t (code) values ('abc')")
    plan = _plan_for(live, want, tmp_path)
    target = open_target(live.url, TargetOptions())
    try:
        with pytest.raises(ApplyFailed) as info:
            target.apply(load_plan_file(str(plan)), allow_destructive=True)
    finally:
        target.close()
    report = info.value.report
    assert len(report["ran"]) == 1 and report["ran"][0].upper().startswith("CREATE TABLE `FRESH`")
    assert "`code`" in report["failed"] and report["not_ran"][0] == report["failed"]
    assert any("ADD COLUMN `b`" in s for s in report["not_ran"])
    assert report["ran"] + report["not_ran"] == report["statements"]
    assert "statement 2 of 3 failed" in info.value.message
    # the database is exactly "first statement applied"
    tables = {r[0] for r in live.rows("show tables")}
    assert tables == {"fresh", "t"}
    assert [r[0] for r in live.rows("show columns from t")] == ["id", "code"]
    # the database is no longer in the planned state: the same plan is now stale
    r = run("apply", live.url, "--plan", str(plan), "--allow-destructive")
    assert r.code == 4, r.err
    # from the planned state again, the CLI reports the failure in one line, exit 1
    live.run("drop table fresh")
    r = run("apply", live.url, "--plan", str(plan), "--allow-destructive")
    assert r.code == 1 and r.err.count("\n") == 1, r.err
    assert "statements 1–1 ran" in r.err and "2 did not run" in r.err


@pytest.mark.parametrize("vendor", ["sqlite", "postgres", "mysql"])
def test_two_concurrent_applies_one_wins(vendor: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    factory = request.getfixturevalue(f"_{vendor}_factory")
    want, live = factory(), factory()
    want.run(*[f"create table t{i:02d} (id {AUTO[vendor]}, a varchar(20), b integer)" for i in range(40)])
    plan = _plan_for(live, want, tmp_path)
    procs = [_spawn("apply", live.url, "--plan", str(plan)) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 4], results
    assert run("diff", live.url, str(tmp_path / "want.json"), "--exit-code").code == 0


@pytest.mark.parametrize("vendor", ["postgres", "mysql"])
def test_names_too_long_are_refused_before_anything(vendor: str, request: pytest.FixtureRequest,
                                                    tmp_path: Path) -> None:
    factory = request.getfixturevalue(f"_{vendor}_factory")
    want, live = factory(), factory()
    want.run(f"create table first_one (id {AUTO[vendor]})", f"create table t (id {AUTO[vendor]}, x integer)")
    f = tmp_path / "want.json"
    assert run("snapshot", want.url, "-o", str(f)).code == 0
    snap = json.loads(f.read_text())
    long = "x" * 70
    for field in snap["fields"]:
        if field["field"] == "x":
            field["field"] = long
            field["schema"]["name"] = long
    f.write_text(json.dumps(snap))
    plan = tmp_path / "plan.json"
    r = run("plan", live.url, str(f), "-o", str(plan))
    assert r.code == 1 and "keeps at most" in r.err, r.out + r.err
    assert not plan.exists()
    assert json.loads(_snapshot(live))["collections"] == []


# -- the apply transaction starts while the plan file loads (PostgreSQL) --------------------------------------------

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"


def _advisory_locks(db: Db) -> list[tuple[object, ...]]:
    return db.rows("select pid from pg_locks where locktype = 'advisory'")


def _backends(db: Db) -> int:
    name = db.url.rsplit("/", 1)[1].split("?")[0]
    return db.rows(f"select count(*) from pg_stat_activity where datname = '{name}' and pid <> pg_backend_pid()")[0][0]


def test_postgres_refused_consent_changes_nothing_and_lets_go(_postgres_factory: Callable[[], Db],
                                                              tmp_path: Path) -> None:
    """The connection, lock and read made while the plan loads change nothing: without consent
    for a destructive plan nothing is applied, and the transaction and lock are let go at once."""
    want, live = _postgres_factory(), _postgres_factory()
    want.run("create table kept (id serial primary key)")
    live.run("create table kept (id serial primary key)", "create table dropped (id serial primary key)")
    plan = _plan_for(live, want, tmp_path)
    before = _snapshot(live)
    r = run("apply", live.url, "--plan", str(plan))
    assert r.code == 3 and "--allow-destructive" in r.err, r.out + r.err
    assert _snapshot(live) == before
    deadline = time.monotonic() + 10
    while (_advisory_locks(live) or _backends(live)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _advisory_locks(live) == [] and _backends(live) == 0


def test_postgres_plan_file_errors_come_first(_postgres_factory: Callable[[], Db], tmp_path: Path) -> None:
    live = _postgres_factory()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for url in (live.url, UNREACHABLE):
        r = run("apply", url, "--plan", str(bad))
        assert r.code == 1 and "bad.json" in r.err and "invalid JSON" in r.err, r.err
    r = run("apply", UNREACHABLE, "--plan", str(tmp_path / "missing.json"))
    assert r.code == 1 and "no such file" in r.err, r.err
    deadline = time.monotonic() + 10
    while _backends(live) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _advisory_locks(live) == [] and _backends(live) == 0


def test_postgres_unreachable_database_is_reported_after_the_plan(_postgres_factory: Callable[[], Db],
                                                                  tmp_path: Path) -> None:
    want, live = _postgres_factory(), _postgres_factory()
    want.run("create table t (id serial primary key)")
    plan = _plan_for(live, want, tmp_path)
    r = run("apply", UNREACHABLE, "--plan", str(plan))
    assert r.code == 1 and "cannot connect to the server at 127.0.0.1:1" in r.err, r.err
    # a plan with no changes needs no database at all
    empty = tmp_path / "empty.json"
    record = json.loads(plan.read_text())
    assert run("plan", want.url, str(tmp_path / "want.json"), "-o", str(empty)).code == 0
    assert json.loads(empty.read_text())["changes"] == [] and record["changes"]
    r = run("apply", UNREACHABLE, "--plan", str(empty))
    assert r.code == 0 and "nothing to apply" in r.err, r.out + r.err
