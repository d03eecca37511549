"""The core Directus scenarios on a MariaDB-backed Directus (vendor ``mysql``)."""

from __future__ import annotations

import copy
import json

import pytest

from drift.errors import CompatibilityError, StalePlan
from tests.integration.directus.test_apply import additive, names, plan_for, without
from tests.integration.directus.test_engines import MUTATIONS

pytestmark = [pytest.mark.directus, pytest.mark.mariadb]


def test_snapshot_equals_the_servers_own(seeded_mysql, make_target):
    target = make_target(seeded_mysql)
    snap = target.snapshot()
    assert snap["vendor"] == "mysql"
    assert json.dumps(snap) == json.dumps(seeded_mysql.snapshot())


def test_engines_agree(seeded_mysql, make_target):
    target = make_target(seeded_mysql)
    base = target.snapshot()
    for mutate in MUTATIONS:
        desired = copy.deepcopy(base)
        mutate(desired)
        server = target.server_diff(desired)
        local = target.local_diff(desired)
        assert json.dumps(local) == json.dumps(server), mutate.__name__


def test_plan_apply_converges_and_stale_plans_are_refused(seeded_mysql, make_target):
    target = make_target(seeded_mysql)
    desired = without(additive(target.snapshot()), "authors", "bio")
    plan = plan_for(target, desired)
    assert target.rows_affected(plan) == {"authors.bio": 2}
    report = target.apply(plan, allow_destructive=True)
    assert report["converged"] is True
    assert "reviews" in names(seeded_mysql.snapshot())
    # a second plan, made stale by a change on the server
    plan2 = plan_for(target, without(target.snapshot(), "tags"))
    seeded_mysql.http("PATCH", "/collections/articles", json={"meta": {"note": "changed"}})
    with pytest.raises(StalePlan):
        target.apply(plan2, allow_destructive=True)
    assert "tags" in names(seeded_mysql.snapshot())


def test_postgres_snapshot_on_mysql_needs_force(seeded, seeded_mysql, make_target):
    pg_snapshot = make_target(seeded).snapshot()
    target = make_target(seeded_mysql)
    with pytest.raises(CompatibilityError, match="vendor postgres does not match the current instance's vendor mysql"):
        target.server_diff(pg_snapshot)
    forced = target.server_diff(pg_snapshot, force=True)
    assert forced["diff"]["fields"]  # cross-vendor noise: data types, lengths
    assert json.dumps(forced) == json.dumps(target.local_diff(pg_snapshot, force=True))
