"""The HTTP client for one Directus server: session, retries, timeouts, errors and secrets.

It owns everything about talking to Directus over REST and nothing about schemas: one
``requests.Session`` carrying the static token, bounded retries with exponential backoff for the
idempotent calls (every GET, and the read-only ``POST /schema/diff``) on connection errors, 429 and
5xx (honouring ``Retry-After``, capped), *no* retry for ``POST /schema/apply``, JSON or multipart
bodies, and the translation of Directus's error envelope into one-line :class:`DriftError` s from
which the token is always redacted. Requests are retried by urllib3's ``Retry`` mounted on the
session; the apply endpoint gets an adapter of its own without retries, so the session stays one
(:mod:`drift.targets.directus.session`, imported with ``requests`` on the first call sent).

Before a read-only call (every GET, ``POST /schema/diff``) it takes the answer of an early read of
exactly that call when the ``drift`` command sent one as the process started and it succeeded
(:mod:`drift.early`); otherwise it makes the call itself, so retries, messages and exit codes are
the same either way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drift import early
from drift.early import MULTIPART_THRESHOLD, json_body, safe_base_url
from drift.errors import DriftError, TargetError

if TYPE_CHECKING:
    import requests

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


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


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
        # The requests session (and requests itself) is set up for the first call sent from here.
        self._session_lock = threading.Lock()
        self._session = self._configure(session) if session is not None else None

    def _configure(self, session: requests.Session) -> requests.Session:
        from drift.targets.directus.session import configure

        return configure(session, self.base, self._token, early.USER_AGENT, self.retry)

    @property
    def session(self) -> requests.Session:
        """The ``requests`` session (made on first use)."""
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    import requests

                    self._session = self._configure(requests.Session())
        return self._session

    # -------------------------------------------------------------- plumbing
    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,) if self._token else ()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def _fail(self, message: str, cls: type[DriftError] = TargetError) -> DriftError:
        return cls(redact(message, self.secrets))

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                body: Any = None, raw: bytes | None = None, timeout: float | None = None,
                ok: Iterable[int] = (200, 204)) -> requests.Response:
        """One call; raises :class:`TargetError` (subclasses) with one redacted line on failure.
        ``body`` is a JSON value; ``raw`` the same already serialised with :func:`json_body`."""
        url = self.base + path
        data: bytes | None = None
        files: Any = None
        headers: dict[str, str] = {}
        if raw is None and body is not None:
            raw = json_body(body)
        if raw is not None:
            if len(raw) > MULTIPART_THRESHOLD:
                # Directus reads the first file part; mimetype application/json means JSON.
                files = {"file": ("snapshot.json", raw, "application/json")}
            else:
                data = raw
                headers["Content-Type"] = "application/json"
        label = f"{method} {path}"
        session = self.session
        import requests

        try:
            resp = session.request(method, url, params=params, data=data, files=files,
                                        headers=headers, timeout=(min(self.timeout, 10.0), timeout or self.timeout),
                                        allow_redirects=False)
        except requests.RequestException as exc:
            raise self._transport_error(label, path, exc) from None
        if resp.status_code not in ok:
            raise self._http_error(label, resp)
        return resp

    def _transport_error(self, label: str, path: str, exc: requests.RequestException) -> DriftError:
        from drift.targets.directus.session import never_sent as _never_sent, root_reason

        reason = root_reason(exc)
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
    def read_ahead(self, reads: Iterable[tuple[str, Mapping[str, str] | None]]) -> None:
        """Send these GETs (path, query) now, all at once, on light connections of their own; the
        :meth:`get_json` calls that follow take their answers (see :mod:`drift.early`)."""
        calls = [early.Call("GET", path, dict(params or {})) for path, params in reads]
        if calls and self._token:
            early.send(self.base, self._token, calls)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        taken, value = early.take(self.base, self._token, "GET", path, params, None)
        if taken:
            return value
        resp = self.request("GET", path, params=params)
        return self._json(resp, f"GET {path}")

    def post_json(self, path: str, body: Any, params: Mapping[str, Any] | None = None,
                  timeout: float | None = None) -> Any:
        """POST a JSON body (multipart when large); None for 204. A desired file's document goes
        as the file's own bytes where they can (``drift.snapshot.files.json_source``)."""
        from drift.snapshot.files import json_source

        raw = json_source(body) or json_body(body)
        if path != APPLY_PATH:
            # A read-only POST (the diff) may have been sent early with exactly this body.
            taken, value = early.take(self.base, self._token, "POST", path, params, raw)
            if taken:
                return value
        resp = self.request("POST", path, params=params, raw=raw, timeout=timeout)
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
