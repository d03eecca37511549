"""The strongest check: after ``drift apply`` to a Directus database, a real Directus 12.4.1 on that
database agrees it is exactly the desired schema.

Per vendor (PostgreSQL, MariaDB) two servers run: ``source`` is changed through Directus's own REST
API and its ``GET /schema/snapshot`` is the desired file; ``target`` is a fresh Directus whose
database drift changes directly (``drift plan`` + ``drift apply`` on the database URL). After each
apply the target's schema cache is cleared and its ``POST /schema/diff`` of the desired file must
answer 204, and its ``GET /schema/snapshot`` must equal drift's own snapshot of that database.
The steps build on each other: create everything, then edit (types, lengths, nullability,
defaults, unique/index, meta only, relations, groups), then delete, then back to the start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import run
from tests.conftest import MARIADB_HOST, PG_HOST
from tests.integration.database.rich_schema import build_rich_schema
from tests.integration.directus_fixtures import DirectusServer, start_directus, stop_directus

pytestmark = [pytest.mark.directus]

def _ports(name: str, default: str) -> tuple[int, int]:
    a, _, b = os.environ.get(name, default).partition(",")
    return int(a), int(b)


PORTS = {
    "postgres": _ports("DRIFT_TEST_APPLY_PG_PORTS", "8070,8071"),
    "mysql": _ports("DRIFT_TEST_APPLY_MARIADB_PORTS", "8074,8075"),
}


class Pair:
    def __init__(self, vendor: str, source: DirectusServer, target: DirectusServer) -> None:
        self.vendor = vendor
        self.source = source
        self.target = target
        self.baseline = target.snapshot()
        host = PG_HOST if vendor == "postgres" else MARIADB_HOST
        scheme = "postgresql" if vendor == "postgres" else "mysql+pymysql"
        self.db = f"{scheme}://{host}/{target.db_name}"

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        r = self.source.http(method, path, **kw)
        assert r.status_code in (200, 204), f"{method} {path}: {r.status_code} {r.text[:500]}"
        return r

    def drift_apply(self, desired: dict[str, Any], tmp: Path) -> str:
        want = tmp / "want.json"
        want.write_text(json.dumps(desired), encoding="utf-8")
        plan = tmp / "plan.json"
        r = run("plan", self.db, str(want), "-o", str(plan), "--format", "json")
        assert r.code == 0, r.err
        r = run("apply", self.db, "--plan", str(plan), "--allow-destructive")
        assert r.code == 0, r.out[-3000:] + r.err
        assert "Converged" in r.out
        return r.out

    def assert_directus_agrees(self, desired: dict[str, Any]) -> None:
        r = self.target.http("POST", "/utils/cache/clear", params={"system": ""})
        assert r.status_code in (200, 204), r.text
        r = self.target.http("POST", "/schema/diff", json=desired)
        assert r.status_code == 204, json.dumps(r.json())[:3000]
        theirs = self.target.snapshot()
        ours = json.loads(run("snapshot", self.db, "--format", "json").out)
        assert json.dumps(ours, ensure_ascii=False) == json.dumps(theirs, ensure_ascii=False)


@pytest.fixture(scope="module", params=["postgres", "mysql"])
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    vendor = request.param
    client = "pg" if vendor == "postgres" else "mysql"
    a, b = PORTS[vendor]
    source = start_directus(a, client)
    try:
        target = start_directus(b, client)
        try:
            yield Pair(vendor, source, target)
        finally:
            stop_directus(target)
    finally:
        stop_directus(source)


def test_create_everything(pair: Pair, tmp_path: Path) -> None:
    build_rich_schema(pair.source.http, pair.vendor)
    desired = pair.source.snapshot()
    out = pair.drift_apply(desired, tmp_path)
    assert "CREATE TABLE" in out
    pair.assert_directus_agrees(desired)


def test_edits(pair: Pair, tmp_path: Path) -> None:
    ok = pair.ok
    # type and length changes, nullability, defaults, unique and index toggles
    ok("PATCH", "/fields/authors/bio", json={"type": "string", "schema": {"max_length": 500}})
    ok("PATCH", "/fields/authors/age", json={"type": "bigInteger", "schema": {"default_value": 21}})
    ok("PATCH", "/fields/authors/color", json={"schema": {"max_length": 20, "is_nullable": False,
                                                          "default_value": "#FFFFFF"}})
    ok("PATCH", "/fields/authors/email", json={"schema": {"is_indexed": False, "is_unique": True}})
    ok("PATCH", "/fields/authors/slug", json={"schema": {"is_unique": False, "is_indexed": True}})
    ok("PATCH", "/fields/authors/rating", json={"schema": {"default_value": None}})
    ok("PATCH", "/fields/events/place", json={"schema": {"is_nullable": False, "default_value": "here"}})
    # meta only
    ok("PATCH", "/fields/authors/name", json={"meta": {"note": "renamed note", "width": "full",
                                                       "options": {"placeholder": "Name"}}})
    ok("PATCH", "/collections/tags", json={"meta": {"icon": "sell", "note": "now with a note",
                                                    "translations": [{"language": "fr-FR", "translation": "Étiquettes"}]}})
    # groups: move a collection out of its folder, nest a folder, a new collection in a folder
    ok("PATCH", "/collections/events", json={"meta": {"group": "library"}})
    ok("POST", "/collections", json={"collection": "inner_folder", "schema": None,
                                     "meta": {"collection": "inner_folder", "group": "library", "icon": "folder"}})
    ok("POST", "/collections", json={
        "collection": "notes", "schema": {}, "meta": {"collection": "notes", "group": "inner_folder"},
        "fields": [{"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True},
                    "meta": {"hidden": True}},
                   {"field": "text", "type": "text", "schema": {}, "meta": {"interface": "input-multiline"}},
                   {"field": "author", "type": "integer", "schema": {}, "meta": {"interface": "select-dropdown-m2o"}}]})
    ok("POST", "/relations", json={"collection": "notes", "field": "author", "related_collection": "authors",
                                   "schema": {"on_delete": "CASCADE"}, "meta": {"one_field": None}})
    # relations: change an action, add a field on a system collection
    ok("PATCH", "/relations/articles/category", json={"schema": {"on_delete": "CASCADE"},
                                                      "meta": {"one_deselect_action": "delete"}})
    ok("POST", "/fields/directus_users", json={"field": "motto", "type": "string", "schema": {"max_length": 80},
                                               "meta": {"interface": "input"}})
    # deletes: a field, a field with a relation, a collection
    ok("DELETE", "/fields/authors/secret")
    ok("DELETE", "/fields/directus_users/favorite_article")
    ok("DELETE", "/collections/site_settings")
    desired = pair.source.snapshot()
    pair.drift_apply(desired, tmp_path)
    pair.assert_directus_agrees(desired)


def test_delete_everything(pair: Pair, tmp_path: Path) -> None:
    pair.drift_apply(pair.baseline, tmp_path)
    pair.assert_directus_agrees(pair.baseline)
