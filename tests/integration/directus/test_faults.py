"""A misbehaving network or server: bounded retries, then one clear line; apply never retried blindly.

A loopback proxy (:mod:`.fault_proxy`) sits in front of the real Directus and injects 5xx, 429
with ``Retry-After``, slow answers and dropped connections.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from drift.errors import TargetError
from tests.integration.directus.fault_proxy import FaultProxy
from tests.integration.directus.test_apply import additive, names, plan_for

pytestmark = pytest.mark.directus

ATTEMPTS = 3  # conftest.FAST_RETRY


@pytest.fixture
def proxy(seeded) -> Iterator[FaultProxy]:
    with FaultProxy(seeded.url) as p:
        yield p


def assert_no_secret(seeded: Any, *texts: str) -> None:
    for text in texts:
        assert seeded.token not in text


def test_transient_503_is_retried_then_succeeds(seeded, proxy, make_target):
    proxy.add("status", method="GET", path="/schema/snapshot", status=503, times=2)
    target = make_target(proxy.url, seeded.token)
    assert target.snapshot()["vendor"] == "postgres"
    assert proxy.count("GET", "/schema/snapshot") == 3


def test_persistent_500_gives_up_after_bounded_retries(seeded, proxy, make_target, caplog):
    proxy.add("status", method="GET", path="/schema/snapshot", status=500,
              body=b'{"errors":[{"message":"boom","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}')
    target = make_target(proxy.url, seeded.token)
    with caplog.at_level(logging.WARNING), pytest.raises(TargetError) as err:
        target.snapshot()
    msg = str(err.value)
    assert "500 INTERNAL_SERVER_ERROR" in msg and f"after {ATTEMPTS} attempts" in msg and "boom" in msg
    assert "\n" not in msg
    assert proxy.count("GET", "/schema/snapshot") == ATTEMPTS
    assert_no_secret(seeded, msg, caplog.text)


def test_429_honours_retry_after(seeded, proxy, make_target):
    proxy.add("status", method="GET", path="/schema/snapshot", status=429, headers={"Retry-After": "1"}, times=1,
              body=b'{"errors":[{"message":"Too many requests","extensions":{"code":"REQUESTS_EXCEEDED"}}]}')
    target = make_target(proxy.url, seeded.token)
    target.check_admin()
    t0 = time.monotonic()
    target.snapshot()
    assert time.monotonic() - t0 >= 0.9
    assert proxy.count("GET", "/schema/snapshot") == 2


def test_schema_diff_is_retried_as_a_read(seeded, proxy, make_target):
    proxy.add("status", method="POST", path="/schema/diff", status=502, times=2)
    target = make_target(proxy.url, seeded.token)
    desired = additive(seeded.snapshot())
    assert target.server_diff(desired)["diff"]["collections"]
    assert proxy.count("POST", "/schema/diff") == 3
    proxy.clear()
    proxy.add("status", method="POST", path="/schema/diff", status=503)
    with pytest.raises(TargetError, match=rf"503 SERVICE_UNAVAILABLE after {ATTEMPTS} attempts"):
        target.server_diff(desired)
    assert proxy.count("POST", "/schema/diff") == ATTEMPTS


def test_server_down(seeded, make_target, caplog):
    target = make_target("http://127.0.0.1:8069", seeded.token)  # nothing listens there
    with caplog.at_level(logging.WARNING), pytest.raises(TargetError) as err:
        target.snapshot()
    msg = str(err.value)
    assert msg.startswith("cannot reach Directus at http://127.0.0.1:8069")
    assert "connection refused" in msg and f"after {ATTEMPTS} attempts" in msg
    assert_no_secret(seeded, msg, caplog.text)


def test_slow_server_times_out_after_bounded_retries(seeded, proxy, make_target):
    proxy.add("delay", method="GET", path="/schema/snapshot", seconds=2.5)
    target = make_target(proxy.url, seeded.token, timeout=1.0)
    t0 = time.monotonic()
    with pytest.raises(TargetError, match=r"timed out.*after 3 attempts"):
        target.snapshot()
    assert time.monotonic() - t0 < ATTEMPTS * 1.0 + 3  # bounded: tries × timeout + backoff
    assert proxy.count("GET", "/schema/snapshot") == ATTEMPTS


def test_apply_is_never_retried_on_5xx(seeded, proxy, make_target):
    target = make_target(proxy.url, seeded.token)
    plan = plan_for(target, additive(target.snapshot()))
    proxy.add("status", method="POST", path="/schema/apply", status=503)
    with pytest.raises(TargetError, match="503") as err:
        target.apply(plan)
    assert "after" not in str(err.value)
    assert proxy.count("POST", "/schema/apply") == 1
    assert "reviews" not in names(seeded.snapshot())


def test_apply_connection_dropped_after_it_reached_directus_reports_it_took_effect(seeded, proxy, make_target):
    target = make_target(proxy.url, seeded.token)
    desired = additive(target.snapshot())
    plan = plan_for(target, desired)
    proxy.add("drop_after", method="POST", path="/schema/apply")
    report = target.apply(plan)
    assert report["outcome"] == "applied-unconfirmed" and report["converged"] is True
    assert "no answer came back" in report["note"]
    assert proxy.count("POST", "/schema/apply") == 1
    assert "reviews" in names(seeded.snapshot())


def test_apply_connection_dropped_before_directus_saw_it_says_nothing_changed(seeded, proxy, make_target):
    target = make_target(proxy.url, seeded.token, settle_seconds=1.0)
    plan = plan_for(target, additive(target.snapshot()))
    before = seeded.snapshot()
    proxy.add("drop_before", method="POST", path="/schema/apply")
    with pytest.raises(TargetError) as err:
        target.apply(plan)
    msg = str(err.value)
    assert "outcome is unknown" in msg and "has not taken effect" in msg
    assert proxy.count("POST", "/schema/apply") == 1  # no blind retry
    assert seeded.snapshot() == before


def test_apply_timeout_then_it_took_effect(seeded, proxy, make_target):
    target = make_target(proxy.url, seeded.token, apply_timeout=2.0)
    plan = plan_for(target, additive(target.snapshot()))
    proxy.add("slow_answer", method="POST", path="/schema/apply", seconds=4.0)
    report = target.apply(plan)
    assert report["outcome"] == "applied-unconfirmed" and report["converged"] is True
    assert proxy.count("POST", "/schema/apply") == 1


def test_large_snapshot_goes_as_multipart(seeded, proxy, make_target):
    target = make_target(proxy.url, seeded.token)
    desired = copy.deepcopy(seeded.snapshot())
    big = "x" * (1_200_000)  # over express.json's 1 MB default
    next(c for c in desired["collections"] if c["collection"] == "authors")["meta"]["note"] = big
    # the plain JSON body is refused by the server ...
    plain = seeded.http("POST", "/schema/diff", json=desired)
    assert plain.status_code == 400 and "request entity too large" in plain.text
    # ... drift's upload is not
    answer = target.server_diff(desired)
    entry = answer["diff"]["collections"][0]
    assert entry["collection"] == "authors" and entry["diff"][0]["rhs"] == big
    diffs = [s for s in proxy.seen if s.path == "/schema/diff"]
    assert diffs and diffs[-1].content_type.startswith("multipart/form-data")
    assert target.local_diff(desired) == answer
