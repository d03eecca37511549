"""Fixtures for the Directus target's integration tests: real servers, a seeded schema, targets.

The seeded schema is built through Directus's own REST API (not through drift): a folder, three
collections with an m2o relation and its o2m alias, a relation to ``directus_users``, a
select field with choices, and a few rows, so that snapshots, diffs and row counts have
something real to work on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from drift.targets import TargetOptions
from drift.targets.directus import DirectusTarget, RetryPolicy
from tests.integration.directus_fixtures import (  # noqa: F401 - fixtures used by the tests here
    DirectusServer,
    directus,
    directus_mysql,
    directus_mysql_server,
    directus_server,
)

pytestmark = pytest.mark.directus


def _ok(resp: Any) -> Any:
    assert resp.status_code in (200, 204), f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}"
    return resp.json() if resp.content else None


def _pk(uuid: bool = False) -> dict[str, Any]:
    if uuid:
        return {"field": "id", "type": "uuid", "meta": {"hidden": True, "readonly": True, "interface": "input",
                                                      "special": ["uuid"]},
                "schema": {"is_primary_key": True, "length": 36, "has_auto_increment": False}}
    return {"field": "id", "type": "integer", "meta": {"hidden": True, "interface": "input", "readonly": True},
            "schema": {"is_primary_key": True, "has_auto_increment": True}}


def seed_schema(server: DirectusServer) -> None:
    """Build the sample schema (and a few rows) on a freshly reset server."""
    h = server.http
    _ok(h("POST", "/collections", json={"collection": "library", "meta": {"icon": "folder"}, "schema": None}))
    _ok(h("POST", "/collections", json={
        "collection": "authors", "meta": {"icon": "person", "note": "People who write", "group": "library"},
        "schema": {}, "fields": [
            _pk(),
            {"field": "name", "type": "string", "meta": {"interface": "input", "required": True},
             "schema": {"is_nullable": False, "max_length": 120}},
            {"field": "bio", "type": "text", "meta": {"interface": "input-multiline"}, "schema": {}},
        ]}))
    _ok(h("POST", "/collections", json={
        "collection": "articles", "meta": {"icon": "article", "sort_field": None}, "schema": {}, "fields": [
            _pk(uuid=True),
            {"field": "title", "type": "string", "meta": {"interface": "input", "note": "Headline"},
             "schema": {"max_length": 255, "is_nullable": False, "default_value": "untitled"}},
            {"field": "status", "type": "string", "meta": {
                "interface": "select-dropdown", "options": {"choices": [
                    {"text": "Draft", "value": "draft"}, {"text": "Published", "value": "published"}]}},
             "schema": {"default_value": "draft"}},
            {"field": "views", "type": "integer", "meta": {"interface": "input"},
             "schema": {"default_value": 0, "is_indexed": True}},
            {"field": "rating", "type": "float", "meta": {"interface": "input"}, "schema": {}},
        ]}))
    _ok(h("POST", "/fields/articles", json={"field": "author", "type": "integer",
                                             "meta": {"interface": "select-dropdown-m2o", "special": ["m2o"]},
                                             "schema": {}}))
    _ok(h("POST", "/relations", json={"collection": "articles", "field": "author", "related_collection": "authors",
                                      "schema": {"on_delete": "SET NULL"}, "meta": {"sort_field": None}}))
    _ok(h("POST", "/fields/authors", json={"field": "articles", "type": "alias",
                                            "meta": {"interface": "list-o2m", "special": ["o2m"]}}))
    _ok(h("PATCH", "/relations/articles/author", json={"meta": {"one_field": "articles"}}))
    _ok(h("POST", "/fields/articles", json={"field": "editor", "type": "uuid",
                                             "meta": {"interface": "select-dropdown-m2o", "special": ["m2o"]},
                                             "schema": {}}))
    _ok(h("POST", "/relations", json={"collection": "articles", "field": "editor",
                                      "related_collection": "directus_users", "schema": {"on_delete": "SET NULL"}}))
    _ok(h("POST", "/collections", json={
        "collection": "tags", "meta": {"icon": "label", "group": "library"}, "schema": {}, "fields": [
            _pk(), {"field": "label", "type": "string", "meta": {"interface": "input"}, "schema": {"max_length": 64}},
        ]}))
    # rows: 3 authors (one without bio), 4 articles (two with views), 5 tags
    _ok(h("POST", "/items/authors", json=[{"name": "Ada", "bio": "maths"}, {"name": "Grace", "bio": "ships"},
                                          {"name": "Linus"}]))
    _ok(h("POST", "/items/articles", json=[{"title": "a", "author": 1, "views": 10}, {"title": "b", "author": 2},
                                           {"title": "c", "views": 3}, {"title": "d"}]))
    _ok(h("POST", "/items/tags", json=[{"label": f"t{i}"} for i in range(5)]))


@pytest.fixture
def seeded(directus: DirectusServer) -> DirectusServer:  # noqa: F811
    seed_schema(directus)
    return directus


@pytest.fixture
def seeded_mysql(directus_mysql: DirectusServer) -> DirectusServer:  # noqa: F811
    seed_schema(directus_mysql)
    return directus_mysql


FAST_RETRY = RetryPolicy(attempts=3, backoff=0.05, backoff_max=0.2, retry_after_max=2.0)


@pytest.fixture
def make_target() -> Iterator[Callable[..., DirectusTarget]]:
    """``make_target(server_or_url, token=None, **options)`` → an open DirectusTarget (closed after)."""
    opened: list[DirectusTarget] = []

    def make(where: DirectusServer | str, token: str | None = None, *, retry: RetryPolicy | None = None,
             settle_seconds: float = 3.0, apply_timeout: float | None = None, **options: Any) -> DirectusTarget:
        url = where if isinstance(where, str) else where.url
        if token is None and isinstance(where, DirectusServer):
            token = where.token
        env = {"DIRECTUS_TOKEN": token} if token else {}
        t = DirectusTarget(url, TargetOptions(env=env, **options), retry=retry or FAST_RETRY,
                           settle_seconds=settle_seconds, apply_timeout=apply_timeout)
        opened.append(t)
        return t

    yield make
    for t in opened:
        t.close()
