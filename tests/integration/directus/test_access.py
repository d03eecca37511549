"""Tokens, compatibility and licence limits: each answered with one clear line, no secret in it."""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from drift.errors import CompatibilityError, TargetError, ValidationError
from tests.integration.directus.fault_proxy import FaultProxy
from tests.integration.directus.test_apply import additive, names, plan_for

pytestmark = pytest.mark.directus

CANARY = "canary-token-7f3a9c1e-do-not-print"


@pytest.fixture
def non_admin_token(directus) -> Iterator[str]:
    """A static token of an active user with no role and no policies."""
    token = f"non-admin-{uuid.uuid4().hex}"
    r = directus.http("POST", "/users", json={"email": f"reader-{uuid.uuid4().hex[:8]}@example.com",
                                              "password": "reader-pw-123", "token": token, "status": "active"})
    assert r.status_code == 200, r.text
    user_id = r.json()["data"]["id"]
    yield token
    directus.http("DELETE", f"/users/{user_id}")


def test_wrong_token_is_named_and_never_shown(directus, make_target, caplog):
    target = make_target(directus, CANARY)
    with caplog.at_level(logging.DEBUG), pytest.raises(TargetError) as err:
        target.snapshot()
    msg = str(err.value)
    assert "rejected the token in DIRECTUS_TOKEN" in msg and "401" in msg
    for text in (msg, repr(err.value), caplog.text, repr(target), target.describe()):
        assert CANARY not in text


def test_non_admin_token_is_refused_up_front(directus, non_admin_token, make_target):
    target = make_target(directus, non_admin_token)
    with pytest.raises(TargetError, match="not an administrator's") as err:
        target.server_diff(directus.baseline)
    assert non_admin_token not in str(err.value)
    # the endpoint itself agrees: Directus's own 403
    assert directus.http("GET", "/schema/snapshot", token=non_admin_token).status_code == 403


def test_schema_endpoint_403_is_explained_too(directus, non_admin_token, make_target):
    target = make_target(directus, non_admin_token)
    target._admin_checked = True  # as on a server without /policies/me/globals
    with pytest.raises(TargetError, match="not an administrator's"):
        target.snapshot()


def test_missing_token(directus, make_target):
    with pytest.raises(TargetError, match="DIRECTUS_TOKEN is not set"):
        make_target(directus.url).snapshot()


def test_version_mismatch_without_and_with_force(seeded, make_target, caplog):
    with FaultProxy(seeded.url) as proxy:
        target = make_target(proxy.url, seeded.token)
        desired = additive(target.snapshot())
        desired["directus"] = "12.3.0"
        with pytest.raises(CompatibilityError) as err:
            target.server_diff(desired)
        msg = str(err.value)
        assert "directus version 12.3.0 does not match the current instance's version 12.4.1" in msg
        assert "--force" in msg and err.value.exit_code == 1
        assert "force" not in proxy.seen[-1].query  # never sent unless asked
        with pytest.raises(CompatibilityError, match="12.3.0"):
            target.local_diff(desired)
        with caplog.at_level(logging.WARNING):
            forced = target.server_diff(desired, force=True)
        assert proxy.seen[-1].path == "/schema/diff" and proxy.seen[-1].query == "force=true"
        assert "--force" in caplog.text
        assert forced["diff"]["collections"] and forced == target.local_diff(desired, force=True)
        # force is for the diff only: the apply itself goes without it, guarded by the hash
        report = target.apply({**forced, "desired": desired, "force": True})
        assert report["converged"] is True
        applies = [s for s in proxy.seen if s.path == "/schema/apply"]
        assert len(applies) == 1 and applies[0].query == ""


def test_missing_vendor(seeded, make_target):
    target = make_target(seeded)
    desired = target.snapshot()
    del desired["vendor"]
    with pytest.raises(CompatibilityError, match='does not contain the "vendor" property'):
        target.server_diff(desired)


def test_invalid_snapshot_is_one_line(seeded, make_target):
    target = make_target(seeded)
    desired = target.snapshot()
    desired["fields"][0]["name"] = "extra"
    with pytest.raises(ValidationError) as err:
        target.server_diff(desired)
    assert '"fields[0].name" is not allowed' in str(err.value) and "\n" not in str(err.value)


def _collection(base: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    coll = {"collection": name, "meta": copy.deepcopy(base["collection_meta"]), "schema": {"name": name}}
    coll["meta"]["collection"] = name
    field = copy.deepcopy(base["id_field"])
    field["collection"] = field["meta"]["collection"] = field["schema"]["table"] = name
    return coll, field


def test_25_collection_licence_limit_is_explained(seeded, make_target):
    target = make_target(seeded)
    current = target.snapshot()
    tags = next(c for c in current["collections"] if c["collection"] == "tags")
    tag_id = next(f for f in current["fields"] if f["collection"] == "tags" and f["field"] == "id")
    base = {"collection_meta": {**tags["meta"], "group": None}, "id_field": tag_id}
    desired = copy.deepcopy(current)
    existing = len([c for c in current["collections"] if c.get("schema")])
    for i in range(26 - existing):
        c, f = _collection(base, f"extra_{i:02d}")
        desired["collections"].append(c)
        desired["fields"].append(f)
    plan = plan_for(target, desired)
    with pytest.raises(TargetError) as err:
        target.apply(plan)
    msg = str(err.value)
    assert "403 LIMIT_EXCEEDED" in msg and "collections limit exceeded" in msg
    assert "at most 25 active user collections" in msg and "license" in msg
    assert not any(n.startswith("extra_") for n in names(seeded.snapshot()))  # rolled back
