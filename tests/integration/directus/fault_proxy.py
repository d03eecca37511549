"""A loopback HTTP proxy in front of a real Directus that injects faults on request.

Each incoming request is offered to the installed rules in order; the first rule whose method and
path prefix match (and that has uses left) decides what happens: answer with a status of its own
(``status``, optional headers such as ``Retry-After``), wait before forwarding (``delay``), forward
and then drop the connection without answering (``drop_after``, the request *did* reach Directus),
drop without forwarding (``drop_before``), or forward and hold the answer back (``slow_answer``).
Everything else is forwarded untouched. Every request is recorded (method, path, content type).
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
       "proxy-authenticate", "host", "content-length"}


@dataclass
class Rule:
    action: str  # status | delay | drop_before | drop_after | slow_answer
    method: str = "*"
    path: str = "/"
    times: int | None = None  # None: forever
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    body: bytes = b'{"errors":[{"message":"Service Unavailable (injected)","extensions":{"code":"SERVICE_UNAVAILABLE"}}]}'

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and path.startswith(self.path) and (self.times is None or self.times > 0)


@dataclass
class Seen:
    method: str
    path: str
    content_type: str
    size: int
    query: str = ""


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.up_host, self.up_port = parts.hostname or "127.0.0.1", parts.port or 80
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, query = urlsplit(self.path).path, urlsplit(self.path).query
                with proxy.lock:
                    proxy.seen.append(Seen(self.command, path, self.headers.get("Content-Type", ""), len(body), query))
                    rule = next((r for r in proxy.rules if r.matches(self.command, path)), None)
                    if rule is not None and rule.times is not None:
                        rule.times -= 1
                if rule is not None and rule.action == "status":
                    self.send_response(rule.status)
                    for k, v in rule.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(rule.body)))
                    self.end_headers()
                    self.wfile.write(rule.body)
                    return
                if rule is not None and rule.action == "drop_before":
                    self.close_connection = True
                    return
                if rule is not None and rule.action == "delay":
                    time.sleep(rule.seconds)
                status, headers, payload = proxy.forward(self.command, self.path, self.headers, body)
                if rule is not None and rule.action == "drop_after":
                    self.close_connection = True
                    return
                if rule is not None and rule.action == "slow_answer":
                    time.sleep(rule.seconds)
                try:
                    self.send_response(status)
                    for k, v in headers:
                        if k.lower() not in HOP:
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self.up_host, self.up_port, timeout=120)
        try:
            out = {k: v for k, v in headers.items() if k.lower() not in HOP}
            conn.request(method, path, body=body or None, headers=out)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def add(self, action: str, **kw: Any) -> Rule:
        rule = Rule(action, **kw)
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.seen.clear()

    def count(self, method: str, path: str) -> int:
        return sum(1 for s in self.seen if s.method == method and s.path == path)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
