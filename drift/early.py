"""Early reads: a ``drift`` command's read-only Directus requests, sent as the process starts.

Against a small Directus, a drift process spends about as long starting (the interpreter, click,
requests, the schema file's validation) as the server spends answering. So before those imports
(the entry point, :mod:`drift.entry`, calls it first thing), :func:`start` works out from the
command line which read-only requests the Directus target is going to make and sends them at
once from one thread, each on a connection of its own (standard library only: the request is
written to a socket, the answer read by :func:`read_response`; one try, the connection closed after
it):

- the admin check, ``GET /policies/me/globals`` (every command that reads a Directus URL);
- ``GET /schema/snapshot`` with the ``--include`` / ``--exclude`` query (``snapshot``, the URL side
  of ``diff`` when drift diffs locally, a schema file diffed against a URL);
- ``POST /schema/diff`` with the query ``--mode`` / ``--force`` ask for (``diff`` and ``plan``
  with the server engine). Its body is built exactly as the client builds it: a JSON desired
  file's own bytes where they can go as they are (UTF-8, no byte order mark), else the file read
  and parsed by drift's schema-file loader (YAML or JSON) and serialised compactly; sent as a
  multipart upload above :data:`MULTIPART_THRESHOLD`. A file parsed here is handed to the loader
  so that it does not parse it a second time (it still validates it, see below);
- with ``--force``, the empty partial snapshot that carries the instance's version and vendor.

The command waits up to :data:`SEND_WAIT` for them to leave, then goes on loading while the server
works. The admin check and the other reads run side by side; a token that is not an
administrator's gets Directus's own refusal of the other reads, which is dropped, and the client's
admin check then reports it as before. ``POST /schema/apply`` and anything else that writes is
never sent early, and nothing is ever retried here.

The Directus client (:mod:`drift.targets.directus.client`, one ``requests.Session`` with retries)
stays the client of record: before each read it asks :func:`take` for an early answer to
*exactly* that call (same base URL, token, method, path, query and body bytes) and uses it only
when it is a success: 200 with a UTF-8 JSON body, or 200/204 without a body for the diff.
Anything else — no early read for that call, a body that could not be built or has changed, a
connection or TLS error, a timeout, another status, a body that is not UTF-8 JSON, a redirect —
and the client makes the call itself exactly as it would have, with its retries, error messages
and exit codes; the early attempt is forgotten. An early read is used once. The client also uses
:func:`send` itself to read a batch of independent GETs together (a plan's row counts).

Nothing here prints or logs: failures are dropped silently, so the token (which lives only in the
request headers and in memory) can never appear in a message, and a token or URL the client would
not send as it is (a line break in the token, a base path that needs escaping) is not sent early. The
desired file is still loaded and validated by the normal path, and its errors are reported first,
on one line, whatever the server answered. HTTPS uses the TLS settings ``requests`` uses
(urllib3's context, certifi's CA bundle, the host name checked).
"""
from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit, urlunsplit

TYPE_CHECKING = False  # typing itself is not loaded at run time: this module loads first
if TYPE_CHECKING:
    from typing import Any

#: Bodies above this size go as a multipart upload: express.json's default limit is 1 MB.
MULTIPART_THRESHOLD = 512 * 1024
#: The client's default timeouts (connect, read), in seconds.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
USER_AGENT = "drift-schema"
ADMIN_CHECK = "/policies/me/globals"

_URL_SCHEMES = ("http", "https")
# Base URL paths sent as they are, so that the early request line is the one requests sends.
_PLAIN_PATH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._~-")


def safe_base_url(url: str) -> str:
    """The server's base URL without credentials, query or fragment; refuses a token in the URL."""
    parts = urlsplit(url)
    if parts.scheme not in _URL_SCHEMES or not parts.hostname:
        from drift.errors import TargetError

        raise TargetError(f"not a Directus URL: {redact_url(url)}")
    if "access_token" in parts.query:
        from drift.errors import TargetError

        raise TargetError("the Directus URL carries access_token: put the token in DIRECTUS_TOKEN instead")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def json_body(value: Any) -> bytes:
    """A request body as the client sends it: compact JSON, UTF-8."""
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------- what a command reads


class Call:
    """One read-only request: method, path, query and, for ``POST /schema/diff``, the schema file
    whose snapshot is its body (built on the sending thread)."""

    __slots__ = ("method", "path", "params", "body_file")

    def __init__(self, method: str, path: str, params: dict[str, str] | None = None,
                 body_file: str | None = None) -> None:
        self.method, self.path, self.params, self.body_file = method, path, params or {}, body_file

    def __repr__(self) -> str:
        return f"Call({self.method} {self.path} {self.params}{' < ' + self.body_file if self.body_file else ''})"


# The command line as click reads it (drift.cli; a unit test keeps the two in step): options per
# command, name -> takes a value; the choices click checks.
_COMMON = {"--ignore": True, "--force": False, "--mode": True, "--directus-version": True, "--include": True,
           "--exclude": True, "-q": False, "--quiet": False, "-v": False, "--verbose": False, "--no-color": False}
_COMMANDS: dict[str, dict[str, bool]] = {
    "snapshot": {**_COMMON, "-o": True, "--output": True, "--format": True},
    "diff": {**_COMMON, "--format": True, "--exit-code": False, "--engine": True},
    "plan": {**_COMMON, "-o": True, "--output": True, "--format": True, "--exit-code": False},
}
_POSITIONALS = {"snapshot": 1, "diff": 2, "plan": 2}
_CHOICES = {
    ("snapshot", "--format"): ("yaml", "json"),
    ("diff", "--format"): ("text", "json", "markdown", "sarif"),
    ("plan", "--format"): ("text", "json", "markdown", "sarif"),
    ("diff", "--engine"): ("auto", "server", "local"),
}
_MODES = ("mirror", "merge")


def _parse(argv: list[str]) -> tuple[str, list[str], dict[str, list[str]]] | None:
    """(command, positionals, options) as click would read them, or None for anything else
    (another command, help, an unknown option, a missing value, a wrong count)."""
    if not argv or argv[0] not in _COMMANDS:
        return None
    command, known = argv[0], _COMMANDS[argv[0]]
    positionals: list[str] = []
    options: dict[str, list[str]] = {}
    i, n = 1, len(argv)

    def value_of(inline: str | None) -> str | None:
        """An option's value: given with it, else the next argument (None: there is none)."""
        nonlocal i
        if inline is not None:
            return inline
        if i >= n:
            return None
        i += 1
        return argv[i - 1]

    while i < n:
        arg = argv[i]
        i += 1
        if arg == "--":
            positionals.extend(argv[i:])
            break
        if arg.startswith("--"):
            name, eq, inline = arg.partition("=")
            if name not in known or (eq and not known[name]):
                return None
            value = value_of(inline if eq else None) if known[name] else ""
            if value is None:
                return None
            options.setdefault(name, []).append(value)
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                name = "-" + arg[j]
                j += 1
                if name not in known:
                    return None
                if not known[name]:
                    options.setdefault(name, []).append("")
                    continue
                value = value_of(arg[j:] or None)
                if value is None:
                    return None
                options.setdefault(name, []).append(value)
                break
        else:
            positionals.append(arg)
    if len(positionals) != _POSITIONALS[command]:
        return None
    for (cmd, name), choices in _CHOICES.items():
        if cmd == command and any(v not in choices for v in options.get(name, ())):
            return None
    if any(v not in _MODES for v in options.get("--mode", ())):
        return None
    return command, positionals, options


def _split(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _is_url(name: str) -> bool:
    head, sep, _ = name.partition("://")
    return bool(sep) and head.split("+", 1)[0].lower() in _URL_SCHEMES


def planned_reads(argv: list[str]) -> tuple[str, list[Call]] | None:
    """The Directus URL a command line reads and the read-only calls its target will make first,
    in order; None when there is nothing to read early (or the command line is not understood)."""
    parsed = _parse(argv)
    if parsed is None:
        return None
    command, positionals, options = parsed
    include, exclude = options.get("--include"), options.get("--exclude")
    if include and exclude:
        return None  # refused by the command line before anything is read
    snapshot_params: dict[str, str] = {}
    if include:
        snapshot_params["includeCollections"] = ",".join(_split(include))
    if exclude:
        snapshot_params["excludeCollections"] = ",".join(_split(exclude))
    snapshot = Call("GET", "/schema/snapshot", snapshot_params)
    admin = Call("GET", ADMIN_CHECK)
    if command == "snapshot":
        return (positionals[0], [admin, snapshot]) if _is_url(positionals[0]) else None
    current, desired = positionals
    if _is_url(current) and _is_url(desired):
        return None
    if _is_url(desired):
        return desired, [admin, snapshot]  # a schema file against a live instance: its snapshot
    if not _is_url(current):
        return None
    engine = (options.get("--engine") or ["auto"])[-1]
    if engine == "local":
        return current, [admin, snapshot]
    calls = [admin]
    params: dict[str, str] = {}
    if (options.get("--mode") or ["mirror"])[-1] != "mirror":
        params["mode"] = options["--mode"][-1]
    if "--force" in options:
        params["force"] = "true"
        # forced, the instance's own version and vendor are read for the mismatch warnings
        calls.append(Call("GET", "/schema/snapshot", {"includeCollections": ""}))
    if "://" not in desired:
        calls.append(Call("POST", "/schema/diff", params, body_file=desired))
    return current, calls


# ---------------------------------------------------------------------------- sending and handing over


class _Read:
    """One early request (a batch shares a thread). ``built`` is set once its body is known
    (``document`` is then the parsed desired file, or None), ``sent`` once the request has left
    (or will not), ``done`` once it has an answer or has failed."""

    __slots__ = ("base", "token", "call", "body", "document", "ok", "value", "built", "sent", "done", "thread")

    def __init__(self, base: str, token: str, call: Call) -> None:
        self.base, self.token, self.call = base, token, call
        self.body: bytes | None = None
        self.document: Any = None
        self.ok = False
        self.value: Any = None
        self.built = threading.Event()
        self.sent = threading.Event()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def wait(self, event: threading.Event) -> bool:
        """Wait for ``event``; False if the thread ended without setting it (it always does)."""
        while not event.wait(0.5):
            if self.thread is not None and not self.thread.is_alive():
                return event.is_set()
        return True

    def carries(self, body: bytes | None) -> bool:
        """Whether this read sent exactly ``body`` (None: no body)."""
        if self.call.body_file is None:
            return body is None
        return self.wait(self.built) and body is not None and self.body == body


_LOCK = threading.Lock()
_READS: list[_Read] = []
#: How long the command waits for its early requests to leave before it goes on loading. On a
#: reachable server they leave within milliseconds; the wait gives their threads the interpreter
#: (building the diff's body is Python work) and bounds what a slow network can cost.
SEND_WAIT = 0.1
_started = False


def start(argv: list[str], environ: Any) -> None:
    """Send the command line's early reads (if any) and wait a little for them to leave; never
    raises. Their answers are read once this returns. Only the first call in a process counts."""
    global _started
    if _started:
        return
    _started = True
    try:
        planned = planned_reads(argv)
        token = environ.get("DIRECTUS_TOKEN", "")
        if planned is None or not token:
            return
        url, calls = planned
        hold = threading.Event()
        reads = send(url, token, calls, hold=hold)
        if reads:
            _adopt_documents(reads)
        deadline = _now() + SEND_WAIT
        for read in reads:
            read.sent.wait(max(0.0, deadline - _now()))
        hold.set()
    except Exception:  # noqa: BLE001 - an early read is only ever an optimisation
        return


def _now() -> float:
    import time

    return time.monotonic()


def send(url: str, token: str, calls: list[Call], hold: threading.Event | None = None) -> list[_Read]:
    """Send these calls to the Directus at ``url`` from a thread of their own and return the reads;
    none when ``url`` or the token is not one the client would send as it is. With ``hold``, the
    answers are read only once it is set (or :data:`SEND_WAIT` has passed), so that sending
    comes first."""
    try:
        base = safe_base_url(url)
    except Exception:  # noqa: BLE001 - the client reports it
        return []
    parts = urlsplit(base)
    if not set(parts.path) <= _PLAIN_PATH or not _header_safe(token) or not (parts.hostname or "").isascii():
        return []
    reads = [_Read(base, token, call) for call in calls]
    if not reads:
        return reads
    with _LOCK:
        _READS.extend(reads)
    thread = threading.Thread(target=_run, args=(reads, hold), name="drift-early-reads", daemon=True)
    for read in reads:
        read.thread = thread
    thread.start()
    return reads


def take(base: str, token: str, method: str, path: str, params: Any, body: bytes | None) -> tuple[bool, Any]:
    """``(True, value)`` when an early read of exactly this call succeeded (``value`` is the parsed
    JSON, or None for a POST answered without a body); ``(False, None)`` otherwise, and the caller
    makes the call itself. Waits for a matching read still under way. Each read is used once."""
    if not _READS:
        return False, None
    wanted = {str(k): str(v) for k, v in (params or {}).items()}
    with _LOCK:
        candidates = [r for r in _READS if (r.base, r.token, r.call.method, r.call.path, r.call.params)
                      == (base, token, method, path, wanted)]
    for read in candidates:
        if not read.carries(body):
            continue
        with _LOCK:
            if read not in _READS:
                continue  # taken by another thread meanwhile
            _READS.remove(read)
        if read.wait(read.done) and read.ok:
            return True, read.value
        return False, None
    return False, None


def reset() -> None:
    """Forget every early read (the ones under way finish on their own); :func:`start` may run again."""
    global _started
    with _LOCK:
        _READS.clear()
        _started = False


def _adopt_documents(reads: list[_Read]) -> None:
    """Hand the desired files the early reads parse to the schema-file loader, so it does not
    parse them a second time (it still validates them; it parses them itself if this failed),
    and have it keep the bytes of a JSON one, which may have gone as they are (the client then
    sends the same body, see ``drift.snapshot.files.json_source``)."""
    files = [r for r in reads if r.call.body_file is not None]
    if not files:
        return
    from drift.snapshot import files as loader

    for read in files:
        def document(read: _Read = read) -> Any:
            return read.document if read.wait(read.built) else None

        name = read.call.body_file or ""
        loader.expect_document(name, document)
        if loader.is_json_name(name):
            loader.keep_source(name)


def _header_safe(value: str) -> bool:
    return value.isascii() and value.isprintable()


def _file_body(read: _Read) -> bytes | None:
    """The body the client would send for the desired schema file: a JSON file's own bytes when
    they can go as they are (``drift.snapshot.files.sendable_json``; the loader then parses the
    file itself), else the file read and parsed as the schema-file loader does it (YAML or JSON)
    and serialised as the client serialises it."""
    from drift.snapshot.files import is_json_name, read_bytes, read_document, sendable_json

    name = read.call.body_file or ""
    if is_json_name(name):
        raw = read_bytes(name)
        if sendable_json(raw):
            return raw
    read.document = read_document(name)
    return json_body(read.document)


_TLS: list[Any] = []
_TLS_LOCK = threading.Lock()


def _tls_context() -> Any:
    # The TLS settings of the client of record: urllib3's context with certifi's CA bundle, as
    # requests builds it; the certificate and the host name are always checked. Made once.
    with _TLS_LOCK:
        if not _TLS:
            _TLS.append(_new_tls_context())
        return _TLS[0]


def _new_tls_context() -> Any:
    import ssl

    import certifi
    from urllib3.util.ssl_ import create_urllib3_context

    ctx = create_urllib3_context()
    ctx.load_verify_locations(certifi.where())
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    return ctx


def _request_bytes(read: _Read, body: bytes | None) -> bytes:
    """The request as ``requests`` would send it: the same URL, the client's headers (the token as a
    bearer token), JSON or a multipart upload; the connection is closed after the answer."""
    call = read.call
    parts = urlsplit(read.base)
    target = parts.path + call.path
    if call.params:
        from urllib.parse import urlencode

        target += "?" + urlencode(call.params)
    host = parts.netloc
    lines = [f"{call.method} {target} HTTP/1.1", f"Host: {host}", f"User-Agent: {USER_AGENT}",
             "Accept-Encoding: gzip", "Accept: application/json", "Connection: close",
             f"Authorization: Bearer {read.token}"]
    if body is not None:
        if len(body) > MULTIPART_THRESHOLD:
            # Directus reads the first file part; mimetype application/json means JSON.
            boundary = os.urandom(16).hex()
            body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="snapshot.json"\r\n'
                    f"Content-Type: application/json\r\n\r\n").encode("ascii") + body + \
                f"\r\n--{boundary}--\r\n".encode("ascii")
            lines.append(f"Content-Type: multipart/form-data; boundary={boundary}")
        else:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    return head + body if body is not None else head


def _run(reads: list[_Read], hold: threading.Event | None) -> None:
    """Send every read in turn, then read the answers in the same order (the server works on them
    side by side meanwhile). Once the server could not be reached, the rest are not tried."""
    socks: list[Any] = [None] * len(reads)
    try:
        reachable = True
        for i, read in enumerate(reads):
            if reachable:
                socks[i], reachable = _send(read)
            read.built.set()
            read.sent.set()
            if socks[i] is None:
                read.done.set()  # failed or not sent: the client makes the call itself
        if hold is not None:
            hold.wait(SEND_WAIT)
        for read, sock in zip(reads, socks):
            if sock is not None:
                _receive(read, sock)
    finally:
        for read, sock in zip(reads, socks):
            if sock is not None:
                sock.close()
            read.built.set()
            read.sent.set()
            read.done.set()


def _send(read: _Read) -> tuple[Any, bool]:
    """Build the request, connect and send it: (the socket or None, whether the server was reached)."""
    try:
        body: bytes | None = None
        if read.call.body_file is not None:
            try:
                body = read.body = _file_body(read)
            finally:
                read.built.set()
        request = _request_bytes(read, body)
    except Exception:  # noqa: BLE001 - no body: the client makes the call itself
        return None, True
    sock = None
    try:
        import socket

        parts = urlsplit(read.base)
        https = parts.scheme == "https"
        host = parts.hostname or ""
        # an ASCII name goes to getaddrinfo as bytes, as it is: a str would load the idna codec
        # (and unicodedata) first, a millisecond of a short command's start
        sock = socket.create_connection((host.encode("ascii") if host.isascii() else host,
                                         parts.port or (443 if https else 80)), timeout=CONNECT_TIMEOUT)
        if https:
            sock = _tls_context().wrap_socket(sock, server_hostname=parts.hostname)
        sock.settimeout(READ_TIMEOUT)
        sock.sendall(request)
        return sock, True
    except Exception:  # noqa: BLE001 - any failure: the client makes the call itself
        if sock is not None:
            sock.close()
        return None, False


def _receive(read: _Read, sock: Any) -> None:
    """Read the answer (:func:`read_response`)."""
    try:
        status, headers, data = read_response(sock, read.call.method)
        read.ok, read.value = _answer(read.call.method, status, headers.get("content-type", ""),
                                      headers.get("content-encoding", ""), data)
    except Exception:  # noqa: BLE001 - any failure: the client makes the call itself
        read.ok = False
    finally:
        read.done.set()


#: The most an answer's status line and headers may take.
MAX_HEAD = 64 * 1024


def read_response(sock: Any, method: str) -> tuple[int, dict[str, str], bytes]:
    """An HTTP/1.1 answer to a request sent with ``Connection: close``: (status, headers with
    lower-case names, body), the body sized by ``Content-Length``, chunked, or up to the close.

    Only the plain forms a Directus server sends are taken; anything else (a malformed or folded
    header line, a repeated or odd framing header, a short body) raises ``ValueError`` and the
    client makes the call itself. ``http.client`` would do this too, but it loads ``ssl`` and the
    ``email`` package, tens of milliseconds of a short command's start."""
    buf = bytearray()
    while b"\r\n\r\n" not in buf:
        if len(buf) > MAX_HEAD:
            raise ValueError("answer head too long")
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed before the answer's head")
        buf += chunk
    end = buf.index(b"\r\n\r\n")
    if end > MAX_HEAD:
        raise ValueError("answer head too long")
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    rest = bytes(buf[end + 4 :])
    version, _, status_text = head[0].partition(" ")
    code = status_text[:3]
    if version not in ("HTTP/1.1", "HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise ValueError("not an HTTP/1.x status line")
    status = int(code)
    headers: dict[str, str] = {}
    for line in head[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or line[:1] in (" ", "\t"):
            raise ValueError("malformed header line")
        name = name.lower()
        if name in headers and name in ("content-length", "transfer-encoding", "content-type", "content-encoding"):
            raise ValueError(f"repeated {name}")
        headers[name] = value.strip()
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, headers, b""
    framing = headers.get("transfer-encoding")
    if framing is not None:
        if framing.lower() != "chunked" or "content-length" in headers:
            raise ValueError("unsupported framing")
        return status, headers, _chunked(sock, rest)
    if "content-length" in headers:
        size_text = headers["content-length"]
        if not size_text.isdigit():
            raise ValueError("bad Content-Length")
        size = int(size_text)
        body = bytearray(rest)
        while len(body) < size:
            chunk = sock.recv(min(1 << 20, size - len(body)))
            if not chunk:
                raise ValueError("short body")
            body += chunk
        if len(body) != size:
            raise ValueError("body longer than its Content-Length")
        return status, headers, bytes(body)
    body = bytearray(rest)  # no framing: the body runs to the close
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return status, headers, bytes(body)
        body += chunk


def _chunked(sock: Any, rest: bytes) -> bytes:
    buf = bytearray(rest)
    pos = 0
    body = bytearray()

    def need(n: int) -> None:  # at least n bytes from pos on
        while len(buf) - pos < n:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise ValueError("connection closed inside a chunked body")
            buf.extend(chunk)

    def line() -> bytes:
        nonlocal pos
        while True:
            end = buf.find(b"\r\n", pos)
            if end != -1:
                text = bytes(buf[pos:end])
                pos = end + 2
                return text
            if len(buf) - pos > MAX_HEAD:
                raise ValueError("chunk line too long")
            need(len(buf) - pos + 1)

    while True:
        size_text = line().split(b";", 1)[0].strip()
        if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise ValueError("bad chunk size")
        size = int(size_text, 16)
        if size == 0:
            while line():  # trailers, up to the empty line
                pass
            return bytes(body)
        need(size + 2)
        body += buf[pos : pos + size]
        if buf[pos + size : pos + size + 2] != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
        pos += size + 2
        if pos > (1 << 20):  # drop what has been read
            del buf[:pos]
            pos = 0


def _answer(method: str, status: int, content_type: str, encoding: str, data: bytes) -> tuple[bool, Any]:
    """(usable, value) for an answer, accepting only what the client takes as a success."""
    if method == "POST" and (status == 204 or (status == 200 and not data)):
        return True, None
    if status != 200 or not data:
        return False, None
    ctype, _, rest = content_type.partition(";")
    if ctype.strip().lower() != "application/json":
        return False, None
    charset = rest.strip().lower().replace('"', "")
    if charset and charset != "charset=utf-8":
        return False, None
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        import zlib

        data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
    elif encoding not in ("", "identity"):
        return False, None
    try:
        import simplejson as json  # the JSON module requests' Response.json uses, when installed
    except ImportError:
        import json
    return True, json.loads(data.decode("utf-8"))
