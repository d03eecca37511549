"""Snapshots through the Directus target equal the server's own ``GET /schema/snapshot``."""

from __future__ import annotations

import json

import pytest

from drift.errors import InputError, TargetError
from drift.targets import TargetOptions, open_target
from drift.targets.directus import DirectusTarget

pytestmark = pytest.mark.directus


def same(a: object, b: object) -> bool:
    """Equal, key order included (drift keeps the server's JSON exactly as sent)."""
    return json.dumps(a) == json.dumps(b)


def test_snapshot_equals_the_servers_own(seeded, make_target):
    target = make_target(seeded)
    assert same(target.snapshot(), seeded.snapshot())
    assert target.info() == {"version": "12.4.1", "vendor": "postgres"}


def test_partial_snapshots_equal_the_servers_own(seeded, make_target):
    inc = make_target(seeded, include=("articles", "authors")).snapshot()
    assert inc["version"] == 2
    assert same(inc, seeded.snapshot(includeCollections="articles,authors"))
    assert {c["collection"] for c in inc["collections"]} == {"articles", "authors"}
    exc = make_target(seeded, exclude=("tags",)).snapshot()
    assert same(exc, seeded.snapshot(excludeCollections="tags"))
    assert "tags" not in {c["collection"] for c in exc["collections"]}
    empty = make_target(seeded, include=()).snapshot()
    assert empty["version"] == 2 and empty["collections"] == [] and empty["fields"] == []


def test_include_and_exclude_together_is_a_usage_error(seeded, make_target):
    with pytest.raises(InputError, match="cannot be used together"):
        make_target(seeded, include=("a",), exclude=("b",)).snapshot()


def test_registry_opens_the_directus_target_for_http_urls(seeded):
    t = open_target(seeded.url + "/", TargetOptions(env={"DIRECTUS_TOKEN": seeded.token}))
    try:
        assert isinstance(t, DirectusTarget) and t.kind == "directus"
        assert t.describe() == seeded.url
        assert t.snapshot()["vendor"] == "postgres"
    finally:
        t.close()


def test_describe_redacts_credentials_and_refuses_a_token_in_the_url():
    t = DirectusTarget("https://user:s3cret@example.invalid:8443/cms/?x=1", TargetOptions(env={}))
    assert t.describe() == "https://example.invalid:8443/cms"
    assert "s3cret" not in repr(t)
    with pytest.raises(TargetError, match="DIRECTUS_TOKEN") as err:
        DirectusTarget("http://example.invalid/?access_token=canary-123", TargetOptions(env={}))
    assert "canary-123" not in str(err.value)
