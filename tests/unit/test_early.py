"""Early reads (:mod:`drift.early`): what a command line reads early, the hand-over of a successful
answer to the Directus client, and the fall-back to the client's own call for every other outcome
(same result, same error message, the token never shown).

The server is a small fake Directus on loopback that records every request and can be told to
misbehave once (or always) on a given call.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from drift import early
from drift.errors import DriftError, ValidationError
from drift.snapshot import files as files_mod
from drift.snapshot.files import load_snapshot
from drift.targets import TargetOptions
from drift.targets.directus import DirectusTarget, RetryPolicy
from drift.targets.directus.client import APPLY_PATH
from tests.clirun import ROOT, run

TOKEN = "early-test-token-5d1c"
EXAMPLE = ROOT / "drift" / "examples" / "schema.yaml"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Fault:
    kind: str  # status | html | badjson | latin1 | empty | drop | slow | redirect
    times: int | None = 1  # None: always
    status: int = 500
    seconds: float = 0.0


@dataclass
class FakeDirectus:
    snapshot: dict[str, Any]
    seen: list[Seen] = field(default_factory=list)
    faults: dict[tuple[str, str], Fault] = field(default_factory=dict)
    gzip: bool = False
    chunked: bool = False

    def fault(self, method: str, path: str, kind: str, **kw: Any) -> None:
        self.faults[(method, path)] = Fault(kind, **kw)

    def calls(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.seen]

    def count(self, method: str, path: str) -> int:
        return sum(1 for s in self.seen if (s.method, s.path) == (method, path))

    @staticmethod
    def desired_of(seen: Seen) -> Any:
        ctype = seen.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            boundary = ctype.split("boundary=", 1)[1].encode()
            part = seen.body.split(b"--" + boundary)[1]
            return json.loads(part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0])
        return json.loads(seen.body)

    def answer(self, seen: Seen) -> tuple[int, bytes]:
        if seen.path == early.ADMIN_CHECK:
            return 200, json.dumps({"data": {"admin_access": seen.headers.get("authorization") == f"Bearer {TOKEN}",
                                             "app_access": True}}).encode()
        if seen.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, b'{"errors":[{"message":"Invalid user credentials.","extensions":{"code":"INVALID_CREDENTIALS"}}]}'
        if seen.path == "/schema/snapshot":
            snap = copy.deepcopy(self.snapshot)
            if "includeCollections" in seen.query:
                keep = set(filter(None, seen.query["includeCollections"].split(",")))
                snap["collections"] = [c for c in snap["collections"] if c["collection"] in keep]
                snap["fields"] = [f for f in snap["fields"] if f["collection"] in keep]
                snap["relations"] = [r for r in snap["relations"] if r["collection"] in keep]
            return 200, json.dumps({"data": snap}).encode()
        if seen.path == "/schema/diff":
            try:
                desired = self.desired_of(seen)
            except ValueError:  # as Directus refuses a body that is not JSON
                return 400, json.dumps({"errors": [{"message": "Invalid payload.",
                                                    "extensions": {"code": "INVALID_PAYLOAD"}}]}).encode()
            digest = hashlib.sha256(json.dumps(desired, sort_keys=True).encode()).hexdigest()
            diff = {"collections": [{"collection": "tags", "diff": [{"kind": "D", "lhs": {"collection": "tags"}}]}],
                    "fields": [], "systemFields": [], "relations": []}
            return 200, json.dumps({"data": {"hash": digest, "diff": diff, "query": seen.query}}).encode()
        if seen.path.startswith("/items/"):
            spec = seen.query.get("aggregate[count]", "")
            count: Any = 7 if spec == "*" else {f: 3 for f in spec.split(",")}
            return 200, json.dumps({"data": [{"count": count}]}).encode()
        return 404, b'{"errors":[{"message":"Route doesn\'t exist.","extensions":{"code":"ROUTE_NOT_FOUND"}}]}'


class Served:
    def __init__(self, fake: FakeDirectus, tls: Any = None) -> None:
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                            {k.lower(): v for k, v in self.headers.items()}, body)
                with lock:
                    fake.seen.append(seen)
                    fault = fake.faults.get((self.command, parts.path))
                    if fault is not None and fault.times is not None:
                        fault.times -= 1
                        if fault.times < 0:
                            fault = None
                status, payload = fake.answer(seen)
                ctype = "application/json; charset=utf-8"
                extra: dict[str, str] = {}
                if fault is not None:
                    if fault.kind == "drop":
                        self.close_connection = True
                        return
                    if fault.kind == "slow":
                        time.sleep(fault.seconds)
                    elif fault.kind == "status":
                        status = fault.status
                        payload = b'{"errors":[{"message":"injected","extensions":{"code":"INJECTED"}}]}'
                    elif fault.kind == "html":
                        ctype, payload = "text/html", b"<html>not the API</html>"
                    elif fault.kind == "badjson":
                        payload = payload[:-5]
                    elif fault.kind == "latin1":
                        ctype = "application/json; charset=iso-8859-1"
                    elif fault.kind == "empty":
                        payload = b""
                    elif fault.kind == "redirect":
                        status, payload, extra = 302, b"", {"Location": "/elsewhere"}
                if fake.gzip and payload:
                    payload, extra = gzip.compress(payload), {**extra, "Content-Encoding": "gzip"}
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    if fake.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for i in range(0, len(payload), 1000):
                            chunk = payload[i:i + 1000]
                            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.url = self.url.replace("http://", "https://")
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def fresh_early() -> Iterator[None]:
    early.reset()
    yield
    early.reset()


@pytest.fixture
def fake() -> Iterator[tuple[FakeDirectus, str]]:
    f = FakeDirectus(load_snapshot(EXAMPLE))
    served = Served(f)
    try:
        yield f, served.url
    finally:
        served.close()


def target(url: str, token: str = TOKEN, **options: Any) -> DirectusTarget:
    return DirectusTarget(url, TargetOptions(env={"DIRECTUS_TOKEN": token}, **options),
                          retry=RetryPolicy(attempts=2, backoff=0.0))


def desired_file(tmp_path: Path, name: str = "desired.json", pad: int = 0) -> tuple[Path, dict[str, Any]]:
    snap = load_snapshot(EXAMPLE)
    snap["collections"] = [c for c in snap["collections"] if c["collection"] != "tags"]
    snap["fields"] = [f for f in snap["fields"] if f["collection"] != "tags"]
    snap["relations"] = [r for r in snap["relations"] if r["collection"] != "tags"]
    if pad:
        snap["collections"][0]["meta"] = {"note": "é" * pad}
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(snap, indent=2), encoding="utf-8")
    else:
        import yaml

        path.write_text(yaml.safe_dump(snap, sort_keys=False), encoding="utf-8")
    return path, snap


# ---------------------------------------------------------------------------- what is read early


U = "http://dx.example:8055"


def reads(*argv: str) -> list[tuple[str, str, dict[str, str], str | None]] | None:
    planned = early.planned_reads(list(argv))
    if planned is None:
        return None
    url, calls = planned
    assert url == U
    return [(c.method, c.path, c.params, c.body_file) for c in calls]


ADMIN = ("GET", early.ADMIN_CHECK, {}, None)
SNAP = ("GET", "/schema/snapshot", {}, None)


@pytest.mark.parametrize("argv, expected", [
    (["snapshot", U], [ADMIN, SNAP]),
    (["snapshot", U, "-o", "s.json", "--format", "json", "-q"], [ADMIN, SNAP]),
    (["snapshot", "--include", "a, b", "--include=c", U], [ADMIN, ("GET", "/schema/snapshot",
                                                                   {"includeCollections": "a,b,c"}, None)]),
    (["snapshot", U, "--exclude", "x"], [ADMIN, ("GET", "/schema/snapshot", {"excludeCollections": "x"}, None)]),
    (["diff", U, "d.json"], [ADMIN, ("POST", "/schema/diff", {}, "d.json")]),
    (["diff", U, "d.yaml", "--engine", "server", "--mode", "merge"], [ADMIN, ("POST", "/schema/diff",
                                                                                {"mode": "merge"}, "d.yaml")]),
    (["diff", U, "d.json", "--force", "--format=json", "--exit-code"],
     [ADMIN, ("GET", "/schema/snapshot", {"includeCollections": ""}, None),
      ("POST", "/schema/diff", {"force": "true"}, "d.json")]),
    (["diff", U, "d.json", "--engine", "local", "--include", "a"],
     [ADMIN, ("GET", "/schema/snapshot", {"includeCollections": "a"}, None)]),
    (["diff", "d.json", U], [ADMIN, SNAP]),
    (["plan", U, "d.json", "-o", "p.json", "-qv", "--ignore", "x.*"], [ADMIN, ("POST", "/schema/diff", {}, "d.json")]),
    (["plan", U, "postgresql://u@h/db"], [ADMIN]),
])
def test_the_reads_each_command_makes_first(argv, expected):
    assert reads(*argv) == expected


@pytest.mark.parametrize("argv", [
    [], ["--version"], ["ci"], ["demo"], ["apply", U, "--plan", "p.json"], ["apply", U, "--plan", "p.json", "--dry-run"],
    ["snapshot", "postgresql://u@h/db"], ["snapshot", "schema.yaml"], ["snapshot", U, "--help"], ["snapshot", U, "-h"],
    ["snapshot", U, "--bogus"], ["snapshot", U, "extra"], ["snapshot"], ["snapshot", U, "-o"],
    ["snapshot", U, "--include", "a", "--exclude", "b"], ["snapshot", U, "--format", "xml"],
    ["diff", U, "d.json", "--engine", "turbo"], ["diff", U, "d.json", "--mode", "replace"],
    ["diff", U, U], ["diff", "a.json", "b.json"], ["plan", U], ["diff", U, "d.json", "--force=yes"],
])
def test_nothing_is_read_early_for_other_command_lines(argv):
    assert early.planned_reads(argv) is None


def test_the_command_line_is_read_as_click_reads_it():
    """Every option of the commands that read early is known here, with its kind and choices."""
    import click

    from drift.cli import cli

    for name, known in early._COMMANDS.items():
        options: dict[str, bool] = {}
        for param in cli.commands[name].params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    options[opt] = not param.is_flag
                    if isinstance(param.type, click.Choice) and opt != "--mode":
                        assert early._CHOICES[(name, opt)] == tuple(param.type.choices), (name, opt)
        options.pop("--help", None)
        assert known == options, name
        assert early._POSITIONALS[name] == sum(isinstance(p, click.Argument) for p in cli.commands[name].params)
    assert early._MODES == ("mirror", "merge")


def test_nothing_is_sent_without_a_token_or_for_a_url_the_client_refuses(fake, monkeypatch):
    f, url = fake
    early.start(["snapshot", url], {})
    early.reset()
    early.start(["snapshot", url + "/?access_token=" + TOKEN], {"DIRECTUS_TOKEN": TOKEN})
    early.reset()
    early.start(["snapshot", url + "/a%20b"], {"DIRECTUS_TOKEN": TOKEN})
    early.reset()
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": "bad\r\nX-Injected: 1"})
    time.sleep(0.2)
    assert f.seen == []


# ---------------------------------------------------------------------------- success: handed over


def test_a_successful_snapshot_read_is_handed_over_and_requests_is_never_used(fake):
    f, url = fake
    early.start(["snapshot", url, "--include", "authors,posts"], {"DIRECTUS_TOKEN": TOKEN})
    t = target(url, include=("authors", "posts"))
    snap = t.snapshot()
    assert [c["collection"] for c in snap["collections"]] == ["authors", "posts"]
    assert t.client._session is None  # no call went through requests
    assert sorted(f.calls()) == ["GET /policies/me/globals", "GET /schema/snapshot"]
    for seen in f.seen:
        assert seen.headers["authorization"] == f"Bearer {TOKEN}"
        assert seen.headers["user-agent"] == "drift-schema" and seen.headers["accept"] == "application/json"
    early.reset()
    # the same call without early reads gives the same snapshot
    assert target(url, include=("authors", "posts")).snapshot() == snap


@pytest.mark.parametrize("encoding", ["gzip", "chunked"])
def test_compressed_and_chunked_answers_are_read(fake, encoding):
    f, url = fake
    setattr(f, encoding, True)
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": TOKEN})
    t = target(url)
    assert t.snapshot() == load_snapshot(EXAMPLE)
    assert t.client._session is None and f.count("GET", "/schema/snapshot") == 1


@pytest.mark.parametrize("name, pad", [("desired.json", 0), ("desired.yaml", 0), ("desired.json", 300_000)])
def test_the_diff_is_sent_early_with_exactly_the_clients_body(fake, tmp_path, name, pad):
    f, url = fake
    path, _ = desired_file(tmp_path, name, pad)
    early.start(["plan", url, str(path), "--mode", "merge"], {"DIRECTUS_TOKEN": TOKEN})
    t = target(url)
    desired = load_snapshot(path)  # validated by the normal loader (which takes the early parse)
    answer = t.server_diff(desired, "merge")
    assert t.client._session is None
    posts = [s for s in f.seen if s.method == "POST"]
    assert len(posts) == 1 and posts[0].query == {"mode": "merge"}
    assert f.desired_of(posts[0]) == desired
    multipart = posts[0].headers["content-type"].startswith("multipart/form-data")
    assert multipart == (pad > 0)
    early.reset()
    assert target(url).server_diff(desired, "merge") == answer
    assert len([s for s in f.seen if s.method == "POST"]) == 2
    assert f.desired_of(posts[0]) == f.desired_of([s for s in f.seen if s.method == "POST"][1])


def test_the_loader_takes_the_early_parse_instead_of_parsing_again(fake, tmp_path, monkeypatch):
    f, url = fake
    path, _ = desired_file(tmp_path, "desired.yaml")
    early.start(["diff", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    from drift.snapshot import files

    def no_second_parse(*a: Any, **k: Any) -> Any:
        raise AssertionError("parsed twice")

    monkeypatch.setattr(files, "parse_text", no_second_parse)
    assert load_snapshot(path)["vendor"] == "sqlite"
    monkeypatch.undo()
    assert load_snapshot(path)["vendor"] == "sqlite"  # once only: the next load parses


def test_a_body_that_changed_since_is_not_taken(fake, tmp_path):
    f, url = fake
    path, desired = desired_file(tmp_path)
    early.start(["diff", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    changed = load_snapshot(path)
    changed["collections"][0]["meta"] = {"note": "edited"}
    answer = target(url).server_diff(changed)
    posts = [s for s in f.seen if s.method == "POST"]
    assert len(posts) == 2 and f.desired_of(posts[1]) == changed
    assert answer["hash"] == hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()


def test_row_counts_are_read_together_without_requests(fake):
    f, url = fake
    t = target(url)
    diff = {"collections": [{"collection": "tags", "diff": [{"kind": "D", "lhs": {"collection": "tags",
                                                                                "schema": {"name": "tags"}}}]}],
            "fields": [{"collection": "posts", "field": "title", "diff": [{"kind": "D", "lhs": {"type": "string",
                                                                                            "schema": {}}}]},
                       {"collection": "posts", "field": "body", "diff": [{"kind": "D", "lhs": {"type": "text",
                                                                                           "schema": {}}}]}],
            "systemFields": [], "relations": []}
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": TOKEN})  # the admin check comes early too
    t.check_admin()  # as the plan's diff did
    rows = t.rows_affected(diff)
    assert rows == {"tags": 7, "posts.title": 3, "posts.body": 3}
    assert t.client._session is None
    items = sorted((s.path, s.query["aggregate[count]"]) for s in f.seen if s.path.startswith("/items/"))
    assert items == [("/items/posts", "title,body"), ("/items/tags", "*")]


# ---------------------------------------------------------------------------- anything else: the client's own call


FAULTS = [
    ("status", {"status": 500}), ("status", {"status": 503}), ("status", {"status": 401}), ("status", {"status": 404}),
    ("redirect", {}), ("html", {}), ("badjson", {}), ("latin1", {}), ("empty", {}), ("drop", {}),
    ("slow", {"seconds": 1.0}),
]


@pytest.mark.parametrize("kind, kw", FAULTS, ids=[f"{k}{kw.get('status', '')}" for k, kw in FAULTS])
@pytest.mark.parametrize("path", ["/schema/snapshot", early.ADMIN_CHECK])
def test_an_early_read_that_fails_once_is_made_again_by_the_client(fake, monkeypatch, kind, kw, path):
    f, url = fake
    monkeypatch.setattr(early, "READ_TIMEOUT", 0.3)
    f.fault("GET", path, kind, **kw)
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": TOKEN})
    t = target(url)
    assert t.snapshot() == load_snapshot(EXAMPLE)
    assert f.count("GET", path) == 2  # the early read, then the client's own
    assert t.client._session is not None


DIFF_FAULTS = [(k, kw) for k, kw in FAULTS if k != "empty"]  # an empty 200 is the client's "no changes"


@pytest.mark.parametrize("kind, kw", DIFF_FAULTS, ids=[f"{k}{kw.get('status', '')}" for k, kw in DIFF_FAULTS])
def test_an_early_diff_that_fails_once_is_made_again_by_the_client(fake, tmp_path, monkeypatch, kind, kw):
    f, url = fake
    monkeypatch.setattr(early, "READ_TIMEOUT", 0.3)
    path, _ = desired_file(tmp_path)
    f.fault("POST", "/schema/diff", kind, **kw)
    early.start(["diff", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    desired = load_snapshot(path)
    answer = target(url).server_diff(desired)
    early.reset()
    assert target(url).server_diff(desired) == answer
    assert f.count("POST", "/schema/diff") == 3


def _outcome(fn: Any) -> tuple[str, str, int]:
    try:
        return "ok", json.dumps(fn(), sort_keys=True), 0
    except DriftError as exc:
        return type(exc).__name__, exc.message, exc.exit_code


PERSISTENT = [("status", {"status": 500}), ("status", {"status": 403}), ("status", {"status": 401}),
              ("html", {}), ("badjson", {}), ("empty", {}), ("redirect", {})]


@pytest.mark.parametrize("kind, kw", PERSISTENT, ids=[f"{k}{kw.get('status', '')}" for k, kw in PERSISTENT])
@pytest.mark.parametrize("path", ["/schema/snapshot", early.ADMIN_CHECK])
def test_a_persistent_failure_gives_the_same_error_as_without_early_reads(fake, caplog, kind, kw, path):
    f, url = fake
    f.fault("GET", path, kind, times=None, **kw)
    with caplog.at_level(logging.DEBUG):
        without = _outcome(target(url).snapshot)
        n = len(f.seen)
        early.start(["snapshot", url], {"DIRECTUS_TOKEN": TOKEN})
        with_early = _outcome(target(url).snapshot)
    assert with_early == without
    assert TOKEN not in with_early[1] and TOKEN not in caplog.text
    assert f.count("GET", path) >= 2 and len(f.seen) > n


def test_a_rejected_token_gives_the_same_error_as_without_early_reads(fake):
    f, url = fake
    without = _outcome(target(url, token="wrong-token-1234").snapshot)
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": "wrong-token-1234"})
    assert _outcome(target(url, token="wrong-token-1234").snapshot) == without
    assert "wrong-token-1234" not in without[1]


def test_an_unreachable_server_gives_the_same_error_as_without_early_reads():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens there
    without = _outcome(target(url).snapshot)
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": TOKEN})
    assert _outcome(target(url).snapshot) == without
    assert "cannot reach Directus" in without[1]


def test_an_invalid_desired_file_is_reported_first_even_when_the_server_answered(fake, tmp_path):
    from drift.cli import Common, Console
    from drift.workflow import make_plan

    f, url = fake
    path, desired = desired_file(tmp_path)
    desired["fields"][0]["schema"]["is_nullable"] = "maybe"
    path.write_text(json.dumps(desired), encoding="utf-8")

    def plan() -> Any:
        return make_plan(url, str(path), Common(), Console(quiet=True), env={"DIRECTUS_TOKEN": TOKEN})

    without = _outcome(plan)
    early.start(["plan", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    time.sleep(0.3)  # the server has answered the early diff by now
    assert any(s.method == "POST" for s in f.seen)
    assert _outcome(plan) == without
    assert without[0] == ValidationError.__name__ and "is_nullable" in without[1]


def test_a_desired_file_that_cannot_be_parsed_is_reported_by_the_loader(fake, tmp_path):
    f, url = fake
    path = tmp_path / "desired.json"
    path.write_text('{"version": 1,', encoding="utf-8")
    early.start(["diff", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    with pytest.raises(DriftError) as err:
        load_snapshot(path)
    assert "invalid JSON" in err.value.message and str(path) in err.value.message
    deadline = time.monotonic() + 5
    while not f.seen and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    # the admin check, and the file's own bytes sent as they are (they are not parsed first); the
    # server's refusal is never taken
    assert [s.method for s in f.seen] == ["GET", "POST"]
    assert f.seen[1].body == path.read_bytes()
    assert early.take(url, TOKEN, "POST", "/schema/diff", None, path.read_bytes()) == (False, None)


def test_a_yaml_desired_file_that_cannot_be_parsed_is_not_sent(fake, tmp_path):
    f, url = fake
    path = tmp_path / "desired.yaml"
    path.write_text("version: [1\n", encoding="utf-8")
    early.start(["diff", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    with pytest.raises(DriftError):
        load_snapshot(path)
    time.sleep(0.2)
    assert [s.method for s in f.seen] == ["GET"]  # the admin check; no body, so no diff


def test_a_json_desired_file_goes_as_its_own_bytes_and_is_parsed_once(fake, tmp_path, monkeypatch):
    f, url = fake
    path, desired = desired_file(tmp_path)
    pretty = json.dumps(desired, indent=3).encode()  # not what a re-serialisation would give
    path.write_bytes(pretty)
    parses = []
    real = files_mod.parse_json
    monkeypatch.setattr(files_mod, "parse_json", lambda *a, **k: parses.append(1) or real(*a, **k))
    early.start(["diff", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    answer = target(url).server_diff(load_snapshot(path))
    assert answer["hash"] and len(parses) == 1
    posts = [s for s in f.seen if s.method == "POST"]
    assert len(posts) == 1 and posts[0].body == pretty  # taken early: the client sent nothing


@pytest.mark.parametrize("head", [b"\xef\xbb\xbf", b""])
def test_a_json_file_with_a_byte_order_mark_is_sent_re_serialised(fake, tmp_path, head):
    f, url = fake
    path, desired = desired_file(tmp_path)
    path.write_bytes(head + json.dumps(desired, indent=1).encode())
    early.start(["diff", url, str(path)], {"DIRECTUS_TOKEN": TOKEN})
    target(url).server_diff(load_snapshot(path))
    posts = [s for s in f.seen if s.method == "POST"]
    assert len(posts) == 1
    assert posts[0].body == (early.json_body(desired) if head else path.read_bytes())


def test_the_apply_never_takes_an_early_answer(fake, monkeypatch):
    f, url = fake
    asked: list[str] = []
    real_take = early.take
    monkeypatch.setattr(early, "take", lambda *a: asked.append(a[3]) or real_take(*a))
    t = target(url)
    with pytest.raises(DriftError):
        t.client.post_json(APPLY_PATH, {"hash": "x", "diff": {}})
    assert APPLY_PATH not in asked


# ---------------------------------------------------------------------------- HTTPS


def _certificate(tmp_path: Path, name: str, san: str) -> tuple[Path, Path]:
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName={san}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_fake(tmp_path: Path, request: Any) -> Iterator[tuple[FakeDirectus, str, Path]]:
    import ssl

    cert, key = _certificate(tmp_path, "drift-test", request.param)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    f = FakeDirectus(load_snapshot(EXAMPLE))
    served = Served(f, tls=ctx)
    try:
        yield f, served.url, cert
    finally:
        served.close()


@pytest.mark.parametrize("tls_fake", ["IP:127.0.0.1"], indirect=True)
def test_https_early_reads_use_the_ca_bundle_requests_uses(tls_fake, monkeypatch):
    import certifi

    f, url, cert = tls_fake
    monkeypatch.setattr(early, "_TLS", [])
    monkeypatch.setattr(certifi, "where", lambda: str(cert))  # this certificate's own CA only
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": TOKEN})
    t = target(url)
    assert t.snapshot() == load_snapshot(EXAMPLE)
    assert t.client._session is None and sorted(f.calls()) == ["GET /policies/me/globals", "GET /schema/snapshot"]


@pytest.mark.parametrize("tls_fake", ["IP:127.0.0.1", "DNS:elsewhere.example"], indirect=True)
def test_an_https_server_that_is_not_verified_never_sees_the_token(tls_fake, monkeypatch):
    # a self-signed certificate no CA in certifi's bundle vouches for, whatever name it carries
    f, url, cert = tls_fake
    monkeypatch.setattr(early, "_TLS", [])
    without = _outcome(target(url).snapshot)
    early.start(["snapshot", url], {"DIRECTUS_TOKEN": TOKEN})
    assert _outcome(target(url).snapshot) == without
    assert f.seen == []  # no request got through a handshake, early or not
    assert TOKEN not in without[1]


@pytest.mark.parametrize("tls_fake", ["DNS:elsewhere.example"], indirect=True)
def test_a_trusted_certificate_for_another_name_is_refused_early(tls_fake, monkeypatch):
    import certifi

    f, url, cert = tls_fake
    monkeypatch.setattr(early, "_TLS", [])
    monkeypatch.setattr(certifi, "where", lambda: str(cert))
    reads = early.send(url, TOKEN, [early.Call("GET", "/schema/snapshot")])
    assert reads and reads[0].wait(reads[0].done) and not reads[0].ok
    assert f.seen == []


# ---------------------------------------------------------------------------- the drift command


def test_the_drift_command_gives_the_same_output_with_early_reads(fake, tmp_path):
    f, url = fake
    path, _ = desired_file(tmp_path)
    env = {"DIRECTUS_TOKEN": TOKEN, "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    for args in (["snapshot", url], ["diff", url, str(path), "--format", "json"], ["plan", url, str(path)]):
        f.seen.clear()
        p = subprocess.run([sys.executable, "-m", "drift", *args], env=env, capture_output=True, text=True,
                           timeout=60, cwd=tmp_path)
        calls = f.calls()
        early.reset()
        with pytest.MonkeyPatch.context() as m:
            m.setenv("DIRECTUS_TOKEN", TOKEN)
            m.setenv("NO_COLOR", "1")
            inproc = run(*args)  # main(argv): no early reads
        assert (p.returncode, p.stdout, p.stderr) == (inproc.code, inproc.out, inproc.err), args
        assert len(calls) == len(f.seen) - len(calls), (calls, f.calls())  # the same calls, each once


# ------------------------------------------------------------------------- the answer reader


def _answer_of(raw: bytes, method: str = "GET", pieces: int = 7) -> tuple[int, dict[str, str], bytes]:
    """``early.read_response`` of ``raw`` sent by a peer in ``pieces`` writes, then closed."""
    import socket

    ours, theirs = socket.socketpair()
    ours.settimeout(5)

    def write() -> None:
        step = max(1, len(raw) // pieces)
        for i in range(0, len(raw), step):
            theirs.sendall(raw[i : i + step])
            time.sleep(0.001)
        theirs.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        return early.read_response(ours, method)
    finally:
        writer.join()
        ours.close()


BODY = json.dumps({"data": {"a": list(range(3000))}}).encode()


def _chunks(body: bytes, size: int) -> bytes:
    out = b"".join(b"%x;ext=1\r\n" % len(body[i : i + size]) + body[i : i + size] + b"\r\n"
                   for i in range(0, len(body), size))
    return out + b"0\r\nX-Trailer: 1\r\n\r\n"


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY,
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + _chunks(BODY, 1000),
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n" + _chunks(BODY, 70000),
    b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + BODY,  # the body runs to the close
], ids=["sized", "chunked", "large chunks", "to the close"])
def test_answers_are_read_whole_whatever_their_framing(raw):
    for pieces in (1, 7, 300):
        status, headers, body = _answer_of(raw, pieces=pieces)
        assert status == 200 and headers["content-type"] == "application/json" and body == BODY


def test_an_answer_without_a_body_is_read_as_empty():
    assert _answer_of(b"HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n", "POST") == (204, {"x-a": "b"}, b"")
    status, _, body = _answer_of(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}")
    assert (status, body) == (404, b"{}")


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",  # closed before the whole body
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n",  # no last chunk
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n folded: line\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n{}",
    b"HTTP/2 200\r\n\r\n{}",
    b"SSH-2.0-OpenSSH\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",  # closed inside the head
    b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n{}",
], ids=["short body", "two lengths", "negative length", "other coding", "both framings", "bad chunk size",
        "chunk without CRLF", "no last chunk", "folded header", "no colon", "HTTP/2", "not HTTP",
        "head cut", "huge head"])
def test_malformed_answers_are_refused(raw):
    with pytest.raises(ValueError):
        _answer_of(raw)


def test_a_json_document_is_sent_as_its_file_only_while_unchanged(tmp_path):
    path, _ = desired_file(tmp_path)
    assert files_mod.json_source(load_snapshot(path)) is None  # bytes kept only when asked for
    files_mod.keep_source(str(path))
    doc = load_snapshot(path)
    assert files_mod.json_source(doc) == path.read_bytes()
    assert files_mod.json_source(copy.deepcopy(doc)) is None  # an equal copy is another object
    for change in (
        lambda d: d["fields"][0]["schema"].__setitem__("name", "x"),
        lambda d: d["fields"][0]["schema"].__setitem__("is_nullable", int(d["fields"][0]["schema"]["is_nullable"])),
        lambda d: d["relations"].append({}),
        lambda d: d["collections"][0].__setitem__("meta", object()),  # nothing JSON can carry
    ):
        files_mod.keep_source(str(path))
        doc = load_snapshot(path)
        change(doc)
        assert files_mod.json_source(doc) is None
