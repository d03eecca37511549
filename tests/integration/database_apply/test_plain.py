"""Plain databases on all three vendors: apply a plan, then the database is the desired file.

The desired state is a real database built with SQL (not through drift), snapshotted to a file;
the live database is built with SQL too and holds rows. After ``drift apply`` a fresh diff is
empty and the rows in untouched columns are still there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.clirun import run
from tests.integration.database_apply.conftest import Db

AUTO = {
    "sqlite": "integer primary key autoincrement",
    "postgres": "serial primary key",
    "mysql": "int auto_increment primary key",
}


def want_sql(v: str) -> list[str]:
    text = "text"
    return [
        f"create table authors (id {AUTO[v]}, name varchar(100) not null default 'anon', "
        f"email varchar(255) unique, age integer, bio {text})",
        f"create table posts (id {AUTO[v]}, title varchar(200), body {text}, "
        "author integer references authors(id) on delete set null, score integer default 3, flag boolean)",
        "create index posts_title_index on posts (title)",
        f"create table tags (id {AUTO[v]}, label varchar(40) not null)",
    ]


def live_sql(v: str) -> list[str]:
    return [
        f"create table authors (id {AUTO[v]}, name varchar(50), legacy varchar(20), bio {'text'})",
        f"create table posts (id {AUTO[v]}, title varchar(200), body text, score integer)",
        f"create table old_stuff (id {AUTO[v]}, x integer)",
        "insert into authors (name, legacy, bio) values ('ada', 'l1', 'first'), ('bob', 'l2', 'second')",
        "insert into posts (title, body, score) values ('hello', 'world', 7)",
    ]


def _plan(live: Db, want_file: Path, tmp: Path, *extra: str) -> tuple[Path, int, str]:
    plan = tmp / "plan.json"
    r = run("plan", live.url, str(want_file), "-o", str(plan), "--format", "json", *extra)
    return plan, r.code, r.out + r.err


def _setup(new_db: Callable[[], Db], tmp_path: Path) -> tuple[Db, Db, Path]:
    want, live = new_db(), new_db()
    want.run(*want_sql(want.vendor))
    live.run(*live_sql(live.vendor))
    f = tmp_path / "want.json"
    r = run("snapshot", want.url, "-o", str(f))
    assert r.code == 0, r.err
    return live, want, f


def test_apply_converges_and_keeps_data(new_db: Callable[[], Db], tmp_path: Path) -> None:
    live, _, want_file = _setup(new_db, tmp_path)
    plan, code, out = _plan(live, want_file, tmp_path)
    assert code == 0, out
    record = json.loads(plan.read_text())
    assert record["sql"], "the plan shows the SQL that would run"
    assert all(s["statements"] for s in record["sql"])
    r = run("apply", live.url, "--plan", str(plan), "--allow-destructive")
    assert r.code == 0, r.out + r.err
    assert "Converged" in r.out
    again = run("diff", live.url, str(want_file), "--exit-code")
    assert again.code == 0, again.out
    rows = live.rows("select name, bio from authors order by id")
    assert [tuple(x) for x in rows] == [("ada", "first"), ("bob", "second")]
    assert [tuple(x) for x in live.rows("select title, body, score from posts")] == [("hello", "world", 7)]


def test_dry_run_changes_nothing(new_db: Callable[[], Db], tmp_path: Path) -> None:
    live, _, want_file = _setup(new_db, tmp_path)
    before = run("snapshot", live.url, "--format", "json").out
    plan, code, out = _plan(live, want_file, tmp_path)
    assert code == 0, out
    r = run("apply", live.url, "--plan", str(plan), "--dry-run")
    assert r.code == 0, r.err
    assert "Dry run" in r.out and "CREATE TABLE" in r.out.upper()
    assert run("snapshot", live.url, "--format", "json").out == before


def test_destructive_without_consent_exits_3(new_db: Callable[[], Db], tmp_path: Path) -> None:
    live, _, want_file = _setup(new_db, tmp_path)
    before = run("snapshot", live.url, "--format", "json").out
    plan, _, _ = _plan(live, want_file, tmp_path)
    r = run("apply", live.url, "--plan", str(plan))
    assert r.code == 3, r.out + r.err
    assert run("snapshot", live.url, "--format", "json").out == before


def test_schema_changed_after_plan_exits_4(new_db: Callable[[], Db], tmp_path: Path) -> None:
    live, _, want_file = _setup(new_db, tmp_path)
    plan, _, _ = _plan(live, want_file, tmp_path)
    live.run("create table sneaky (id integer primary key)")
    before = run("snapshot", live.url, "--format", "json").out
    r = run("apply", live.url, "--plan", str(plan), "--allow-destructive")
    assert r.code == 4, r.out + r.err
    assert "changed since the plan" in r.err
    assert run("snapshot", live.url, "--format", "json").out == before


def test_hostile_identifiers_are_quoted(new_db: Callable[[], Db], tmp_path: Path) -> None:
    want, live = new_db(), new_db()
    v = want.vendor
    table = 'x"; drop table victim; --`'
    column = "a'b; drop table victim; %s %% \\ `"
    qt = want.q(table.replace('"', '""') if v != "mysql" else table.replace("`", "``"))
    qc = want.q(column.replace('"', '""') if v != "mysql" else column.replace("`", "``"))
    want.run(
        f"create table {qt} (id {AUTO[v]}, {qc} varchar(30) default 'it''s; drop table victim')",
        f"create table victim (id {AUTO[v]})",
    )
    live.run(f"create table victim (id {AUTO[v]})", "insert into victim (id) values (1)")
    f = tmp_path / "want.json"
    assert run("snapshot", want.url, "-o", str(f)).code == 0
    plan, code, out = _plan(live, f, tmp_path)
    assert code == 0, out
    r = run("apply", live.url, "--plan", str(plan))
    assert r.code == 0, r.out + r.err
    assert live.rows("select id from victim") == [(1,)]
    assert run("diff", live.url, str(f), "--exit-code").code == 0


def test_postgres_schema_other_than_public(_postgres_factory: Callable[[], Db], tmp_path: Path) -> None:
    """``?schema=``: the plan's hash is checked on a read made as the plan's was (the search path
    changes how PostgreSQL prints a serial column's default), and the statements run in that
    schema; ``public`` is left alone."""
    want, live = _postgres_factory(), _postgres_factory()
    schema = 'odd "s"'
    q = '"odd ""s"""'
    want.run(f"create schema {q}", *[s.replace("create table ", f"create table {q}.")
                                      .replace("references authors", f"references {q}.authors")
                                      .replace(" on posts ", f" on {q}.posts ") for s in want_sql("postgres")])
    live.run(f"create schema {q}", f"create table {q}.old_stuff (id serial primary key, x integer)",
             "create table public.authors (id serial primary key)")
    suffix = "?schema=" + schema.replace(" ", "%20").replace('"', "%22")
    f = tmp_path / "want.json"
    assert run("snapshot", want.url + suffix, "-o", str(f)).code == 0
    plan, code, out = _plan(Db("postgres", live.url + suffix), f, tmp_path)
    assert code == 0, out
    r = run("apply", live.url + suffix, "--plan", str(plan), "--allow-destructive")
    assert r.code == 0 and "Converged" in r.out, r.out + r.err
    assert run("diff", live.url + suffix, str(f), "--exit-code").code == 0
    assert [tuple(x) for x in live.rows("select table_name from information_schema.tables "
                                        "where table_schema = 'public'")] == [("authors",)]
