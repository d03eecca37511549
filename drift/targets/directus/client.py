"""The HTTP client for one Directus server: session, retries, timeouts, errors and secrets.

It owns everything about talking to Directus over REST and nothing about schemas: one
``requests.Session`` carrying the static token, bounded retries with exponential backoff for the
idempotent calls (every GET, and the read-only ``POST /schema/diff``) on connection errors, 429 and
5xx (honouring ``Retry-After``, capped), *no* retry for ``POST /schema/apply``, JSON or multipart
bodies, and the translation of Directus's error envelope into one-line :class:`DriftError` s from
which the token is always redacted. Requests are retried by urllib3's ``Retry`` mounted on the
session; the apply endpoint gets an adapter of its own without retries, so the session stays one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from drift.errors import DriftError, TargetError

log = logging.getLogger("drift.targets.directus")

#: Bodies above this size go as a multipart upload: express.json's default limit is 1 MB.
MULTIPART_THRESHOLD = 512 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
APPLY_PATH = "/schema/apply"


class ApplyOutcomeUnknown(TargetError):
    """The apply request was sent but no answer came back (timeout, dropped connection)."""


class DirectusHTTPError(TargetError):
    """Directus answered with an error status; carries the parsed envelope."""

    def __init__(self, message: str, status: int, code: str | None, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail


class _Retry(Retry):
    """urllib3's Retry with a ceiling on ``Retry-After`` and a log line per retry."""

    retry_after_max: float = 30.0
    total_budget: int = 0

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.retry_after_max)

    def new(self, **kw: Any) -> _Retry:
        new = super().new(**kw)
        new.retry_after_max = self.retry_after_max
        new.total_budget = self.total_budget
        return new  # type: ignore[return-value]

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> _Retry:
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        why = f"HTTP {response.status}" if response is not None and error is None else type(error).__name__
        path = urlsplit(url or "").path or url
        log.warning("Directus %s %s: %s; retrying (%d of %s retries used)",
                    method, path, why, len(new.history), self.total_budget)
        return new  # type: ignore[return-value]


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def safe_base_url(url: str) -> str:
    """The server's base URL without credentials, query or fragment; refuses a token in the URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"not a Directus URL: {redact_url(url)}")
    if "access_token" in parts.query:
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


def envelope_line(body: Any) -> tuple[str | None, str]:
    """(code, message) of Directus's ``{"errors": [{"message", "extensions": {"code"}}]}``."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
        ext = first.get("extensions") if isinstance(first.get("extensions"), dict) else {}
        message = str(first.get("message") or "").strip()
        more = len(body["errors"]) - 1
        if more > 0:
            message += f" (and {more} more error{'s' if more > 1 else ''})"
        return (ext.get("code"), message)
    return (None, "")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # the first try plus three retries
    backoff: float = 0.5  # seconds: 0, 1, 2, 4 ... between tries (urllib3's formula)
    backoff_max: float = 8.0
    retry_after_max: float = 30.0


class DirectusClient:
    """Talks to one Directus server with a static token. Never prints; never logs the token."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 30.0,
                 retry: RetryPolicy | None = None, session: requests.Session | None = None) -> None:
        self.base = safe_base_url(base_url)
        self.display = self.base
        self._token = token or ""
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.session.trust_env = False  # loopback servers must not go through a configured proxy
        if self._token:
            self.session.headers["Authorization"] = f"Bearer {self._token}"
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "drift-schema"
        retries = _Retry(
            total=self.retry.attempts - 1, connect=self.retry.attempts - 1,
            read=self.retry.attempts - 1, status=self.retry.attempts - 1, other=0,
            backoff_factor=self.retry.backoff, backoff_max=self.retry.backoff_max,
            status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "POST"}),
            respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
        )
        retries.retry_after_max = self.retry.retry_after_max
        retries.total_budget = self.retry.attempts - 1
        # Apply: a connection that never opened is safe to try again (nothing was sent); anything
        # after the request left is not, because Directus may already be applying it.
        apply_retries = _Retry(total=self.retry.attempts - 1, connect=self.retry.attempts - 1,
                               read=0, status=0, other=0, backoff_factor=self.retry.backoff,
                               allowed_methods=frozenset({"POST"}), raise_on_status=False)
        apply_retries.total_budget = self.retry.attempts - 1
        self.session.mount(self.base + "/", HTTPAdapter(max_retries=retries))
        self.session.mount(self.base + APPLY_PATH, HTTPAdapter(max_retries=apply_retries))

    # -------------------------------------------------------------- plumbing
    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,) if self._token else ()

    def close(self) -> None:
        self.session.close()

    def _fail(self, message: str, cls: type[DriftError] = TargetError) -> DriftError:
        return cls(redact(message, self.secrets))

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                body: Any = None, timeout: float | None = None, ok: Iterable[int] = (200, 204)) -> requests.Response:
        """One call; raises :class:`TargetError` (subclasses) with one redacted line on failure."""
        url = self.base + path
        data: bytes | None = None
        files: Any = None
        headers: dict[str, str] = {}
        if body is not None:
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            if len(raw) > MULTIPART_THRESHOLD:
                # Directus reads the first file part; mimetype application/json means JSON.
                files = {"file": ("snapshot.json", raw, "application/json")}
            else:
                data = raw
                headers["Content-Type"] = "application/json"
        label = f"{method} {path}"
        try:
            resp = self.session.request(method, url, params=params, data=data, files=files,
                                        headers=headers, timeout=(min(self.timeout, 10.0), timeout or self.timeout),
                                        allow_redirects=False)
        except requests.RequestException as exc:
            raise self._transport_error(label, path, exc) from None
        if resp.status_code not in ok:
            raise self._http_error(label, resp)
        return resp

    def _transport_error(self, label: str, path: str, exc: requests.RequestException) -> DriftError:
        reason = _root_reason(exc)
        never_sent = _never_sent(exc)
        if path == APPLY_PATH and not never_sent:
            return self._fail(
                f"Directus {label} at {self.display}: no answer ({reason}); the outcome is unknown",
                ApplyOutcomeUnknown)
        tries = self.retry.attempts if (never_sent or path != APPLY_PATH) else 1
        what = "cannot reach Directus" if never_sent else "no usable answer from Directus"
        return self._fail(f"{what} at {self.display} ({label}: {reason}) after {tries} attempts")

    def _http_error(self, label: str, resp: requests.Response) -> DriftError:
        try:
            body = resp.json()
        except ValueError:
            body = None
        code, message = envelope_line(body)
        if not message:
            text = " ".join(resp.text.split())[:200] if resp.text else ""
            message = text or resp.reason or "no error message"
        status = resp.status_code
        tries = ""
        history = getattr(getattr(resp.raw, "retries", None), "history", None)
        if status in RETRY_STATUSES and history:
            tries = f" after {len(history) + 1} attempts"
        hint = ""
        if status == 401:
            hint = " — the token in DIRECTUS_TOKEN was rejected (wrong or expired static token)"
        elif status == 403 and code == "LIMIT_EXCEEDED":
            hint = (" — the instance runs without a license key (Directus's \"Core\" license), which allows"
                    " at most 25 active user collections; this change would go over that limit")
        elif status == 413 or code == "CONTENT_TOO_LARGE" or "entity too large" in message:
            hint = " — the body is over the server's MAX_PAYLOAD_SIZE / IMPORT_MAX_FILE_SIZE"
        line = f"Directus {label} at {self.display} answered {status}{' ' + code if code else ''}{tries}: {message}{hint}"
        err = DirectusHTTPError(redact(line, self.secrets), status, code, redact(message, self.secrets))
        return err

    # -------------------------------------------------------------- calls
    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        resp = self.request("GET", path, params=params)
        return self._json(resp, f"GET {path}")

    def post_json(self, path: str, body: Any, params: Mapping[str, Any] | None = None,
                  timeout: float | None = None) -> Any:
        """POST a JSON body (multipart when large); None for 204."""
        resp = self.request("POST", path, params=params, body=body, timeout=timeout)
        if resp.status_code == 204 or not resp.content:
            return None
        return self._json(resp, f"POST {path}")

    def _json(self, resp: requests.Response, label: str) -> Any:
        try:
            return resp.json()
        except ValueError:
            ctype = resp.headers.get("Content-Type", "?")
            raise self._fail(f"Directus {label} at {self.display} did not answer JSON ({ctype}); "
                             "is the URL the Directus API's base URL?") from None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        stack.extend([getattr(e, "reason", None), e.__cause__, e.__context__])
        stack.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))
    return seen


def _never_sent(exc: BaseException) -> bool:
    """True when the failure happened while connecting, i.e. the request never left."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    return any(isinstance(e, (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError))
               for e in _chain(exc))


def _root_reason(exc: BaseException) -> str:
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or "Connection refused" in str(e):
            return "connection refused"
    for e in chain:
        name = type(e).__name__
        if name in ("ReadTimeoutError", "ReadTimeout") or "timed out" in str(e).lower():
            return "timed out"
    for e in chain:
        if isinstance(e, (ConnectionResetError, BrokenPipeError)) or "RemoteDisconnected" in type(e).__name__ \
                or "Connection aborted" in str(e) or "reset by peer" in str(e):
            return "connection dropped"
    return type(chain[-1]).__name__ if chain else type(exc).__name__
