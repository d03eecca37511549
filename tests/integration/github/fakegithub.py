"""A loopback stand-in for the GitHub REST API that checks every request against GitHub's own
OpenAPI description.

A ``ThreadingHTTPServer`` on 127.0.0.1 keeps comments, issues, merged pull requests and files in
memory, answers with bodies built from the description's own examples, paginates with ``Link``
headers, and can inject failures (403, 404, 422, 429, secondary rate limits, 5xx) on demand. Each
request is validated with ``openapi-core`` (method, path template, query parameters, request
body); anything unknown or invalid is recorded as a violation, answered 400, and fails the test.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
SPEC_HOST = "https://api.github.com"
ACTIONS_BOT = "github-actions[bot]"

_SPEC_CACHE: dict[str, Any] = {}


def openapi() -> Any:
    """GitHub's REST description (the trimmed subset), built once per process."""
    if "api" not in _SPEC_CACHE:
        from openapi_core import Config, OpenAPI

        spec = json.loads((FIXTURES / "github-rest-subset.json").read_text(encoding="utf-8"))
        _SPEC_CACHE["spec"] = spec
        _SPEC_CACHE["api"] = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
    return _SPEC_CACHE["api"]


def example(name: str) -> Any:
    openapi()
    return copy.deepcopy(_SPEC_CACHE["spec"]["components"]["examples"][name]["value"])


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    token: str


@dataclass
class Failure:
    method: str
    pattern: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    times: int = 1


class FakeGitHub:
    """State and behaviour of the fake; ``url`` is its base URL once started."""

    def __init__(self, repository: str = "Codertocat/Hello-World") -> None:
        self.repository = repository
        self.users: dict[str, str] = {}  # personal tokens → login; any other token is an Actions token
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self.commit_pulls: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[tuple[str, str], str] = {}
        self.seen: list[Seen] = []
        self.violations: list[str] = []
        self.failures: list[Failure] = []
        self.read_only_tokens: set[str] = set()
        self._next_id = 1000
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- set-up helpers -------------------------------------------------------------------
    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def login_for(self, token: str) -> str:
        return self.users.get(token, ACTIONS_BOT)

    def make_comment(self, number: int, body: str, login: str) -> dict[str, Any]:
        c = example("issue-comment")
        cid = self.new_id()
        c.update(id=cid, node_id=f"IC_{cid}", body=body,
                 url=f"{SPEC_HOST}/repos/{self.repository}/issues/comments/{cid}",
                 html_url=f"https://github.com/{self.repository}/pull/{number}#issuecomment-{cid}",
                 issue_url=f"{SPEC_HOST}/repos/{self.repository}/issues/{number}")
        c["user"]["login"] = login
        c["user"]["type"] = "Bot" if login.endswith("[bot]") else "User"
        self.comments.setdefault(number, []).append(c)
        return c

    def make_issue(self, title: str, body: str, labels: list[str], login: str) -> dict[str, Any]:
        it = example("issue")
        number = max([0, *self.issues]) + 1
        it.update(id=self.new_id(), number=number, title=title, body=body, state="open", state_reason=None,
                  html_url=f"https://github.com/{self.repository}/issues/{number}",
                  url=f"{SPEC_HOST}/repos/{self.repository}/issues/{number}", closed_at=None)
        it.pop("pull_request", None)
        template = it["labels"][0] if it.get("labels") else {"id": 1, "node_id": "L", "url": "", "name": "",
                                                             "description": None, "color": "ededed", "default": False}
        it["labels"] = [dict(template, name=name) for name in labels]
        it["user"]["login"] = login
        self.issues[number] = it
        return it

    def add_merged_pull(self, sha: str, number: int, *, base: str = "master", labels: tuple[str, ...] = ()) -> None:
        pr = example("pull-request-simple-items")[0]
        pr.update(number=number, state="closed", merged_at="2024-01-02T03:04:05Z", merge_commit_sha=sha)
        pr["base"]["ref"] = base
        template = pr["labels"][0]
        pr["labels"] = [dict(template, name=name) for name in labels]
        self.commit_pulls.setdefault(sha, []).append(pr)

    def fail(self, method: str, pattern: str, status: int, *, headers: dict[str, str] | None = None,
             message: str = "failure", times: int = 1, errors: list[dict[str, Any]] | None = None) -> None:
        body: dict[str, Any] = {"message": message, "documentation_url": "https://docs.github.com/rest"}
        if errors:
            body["errors"] = errors
        self.failures.append(Failure(method, pattern, status, headers or {}, body, times))

    def writes(self) -> list[Seen]:
        return [s for s in self.seen if s.method in ("POST", "PATCH", "PUT", "DELETE")]

    # -- server ---------------------------------------------------------------------------
    def start(self) -> "FakeGitHub":
        openapi()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def _any(self) -> None:
                fake.handle(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- request handling -----------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        query = parse_qs(parts.query, keep_blank_values=True)
        auth = h.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").removeprefix("token ") if auth else ""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = "<not json>"
        self.seen.append(Seen(h.command, parts.path, query, body, token))
        problem = self.validate(h, parts.path, query, raw)
        if problem:
            self.violations.append(f"{h.command} {parts.path}: {problem}")
            return self.reply(h, 400, {"message": f"invalid request: {problem}"})
        if not token:
            return self.reply(h, 401, {"message": "Requires authentication"})
        for f in self.failures:
            if f.times > 0 and f.method == h.command and re.search(f.pattern, parts.path):
                f.times -= 1
                return self.reply(h, f.status, f.body, f.headers)
        try:
            status, answer, headers = self.route(h.command, parts.path, query, body, token)
        except KeyError:
            status, answer, headers = 404, {"message": "Not Found"}, {}
        raw_text = headers.pop("__raw__", None)
        self.reply(h, status, answer, headers, raw=raw_text.encode() if raw_text is not None else None)

    def validate(self, h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]], raw: bytes) -> str:
        from openapi_core.testing import MockRequest

        for name in ("Accept", "User-Agent", "X-GitHub-Api-Version"):
            if not h.headers.get(name):
                return f"missing header {name}"
        args = {k: v[-1] for k, v in query.items()}
        req = MockRequest(SPEC_HOST, h.command.lower(), path, args=args, data=raw or None,
                          content_type=h.headers.get("Content-Type", "application/json").split(";")[0])
        try:
            openapi().validate_request(req)
        except Exception as exc:  # noqa: BLE001 - any validation error is a violation
            detail = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [])
            return f"{type(exc).__name__}: {exc}{' — ' + detail if detail else ''}"
        return ""

    def reply(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None,
              raw: bytes | None = None) -> None:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def page(self, path: str, items: list[Any], query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        per_page = int(query.get("per_page", ["30"])[-1])
        page = int(query.get("page", ["1"])[-1])
        start = (page - 1) * per_page
        chunk = items[start:start + per_page]
        headers: dict[str, str] = {}
        last = max(1, -(-len(items) // per_page))
        if page < last:
            keep = "&".join(f"{k}={v[-1]}" for k, v in query.items() if k not in ("page",))
            base = f"{self.url}{path}?{keep}&" if keep else f"{self.url}{path}?"
            headers["Link"] = f'<{base}page={page + 1}>; rel="next", <{base}page={last}>; rel="last"'
        return 200, chunk, headers

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
              token: str) -> tuple[int, Any, dict[str, str]]:
        login = self.login_for(token)
        write = method in ("POST", "PATCH")
        if write and token in self.read_only_tokens:
            return 403, {"message": "Resource not accessible by integration"}, {}
        if path == "/user":
            if token not in self.users:
                return 403, {"message": "Resource not accessible by integration"}, {}
            user = example("private-user-response-with-public-profile-information")
            user["login"] = login
            return 200, user, {}
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)", path)
        if not m or m.group(1) != self.repository:
            return 404, {"message": "Not Found"}, {}
        rest = m.group(2)
        if (mm := re.fullmatch(r"/issues/(\d+)/comments", rest)):
            number = int(mm.group(1))
            if method == "GET":
                return self.page(path, self.comments.get(number, []), query)
            c = self.make_comment(number, body["body"], login)
            return 201, c, {"Location": c["url"]}
        if (mm := re.fullmatch(r"/issues/comments/(\d+)", rest)):
            cid = int(mm.group(1))
            found = next(c for cs in self.comments.values() for c in cs if c["id"] == cid)
            if method == "PATCH":
                found["body"] = body["body"]
            return 200, found, {}
        if (mm := re.fullmatch(r"/commits/([0-9a-f]+)/pulls", rest)):
            return self.page(path, self.commit_pulls.get(mm.group(1), []), query)
        if rest == "/issues":
            if method == "POST":
                it = self.make_issue(body["title"], body.get("body", ""), list(body.get("labels") or []), login)
                return 201, it, {}
            items = list(self.issues.values())
            state = query.get("state", ["open"])[-1]
            if state != "all":
                items = [i for i in items if i["state"] == state]
            if "labels" in query:
                want = set(query["labels"][-1].split(","))
                items = [i for i in items if want <= {lb["name"] for lb in i["labels"]}]
            return self.page(path, items, query)
        if (mm := re.fullmatch(r"/issues/(\d+)", rest)):
            it = self.issues[int(mm.group(1))]
            if method == "PATCH":
                for k in ("title", "body", "state", "state_reason"):
                    if k in body:
                        it[k] = body[k]
            return 200, it, {}
        if (mm := re.fullmatch(r"/contents/(.+)", rest)):
            ref = query.get("ref", [""])[-1]
            text = self.files[(ref, unquote(mm.group(1)))]
            return 200, None, {"__raw__": text}
        return 404, {"message": "Not Found"}, {}
