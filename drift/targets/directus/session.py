"""The ``requests`` session of the Directus client: retries, adapters, transport failures.

Imported on the first call the client sends itself (an early read answers the others, see
:mod:`drift.early`), so that a command whose reads were all answered early never loads
``requests`` and ``urllib3``. One ``requests.Session`` carries the static token; urllib3's
``Retry`` mounted on it retries the idempotent calls (every GET and the read-only
``POST /schema/diff``) on connection errors, 429 and 5xx (honouring ``Retry-After``, capped); the
apply endpoint gets an adapter of its own that only retries a connection that never opened.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from drift.targets.directus.client import APPLY_PATH, RETRY_STATUSES

log = logging.getLogger("drift.targets.directus")


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


def configure(session: requests.Session, base: str, token: str, user_agent: str, policy: Any) -> requests.Session:
    """Set ``session`` up for one Directus server: no proxies from the environment, the token,
    JSON, retries per ``policy`` (a :class:`~drift.targets.directus.client.RetryPolicy`)."""
    session.trust_env = False  # loopback servers must not go through a configured proxy
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    session.headers["Accept"] = "application/json"
    session.headers["User-Agent"] = user_agent
    retries = _Retry(
        total=policy.attempts - 1, connect=policy.attempts - 1,
        read=policy.attempts - 1, status=policy.attempts - 1, other=0,
        backoff_factor=policy.backoff, backoff_max=policy.backoff_max,
        status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
    )
    retries.retry_after_max = policy.retry_after_max
    retries.total_budget = policy.attempts - 1
    # Apply: a connection that never opened is safe to try again (nothing was sent); anything
    # after the request left is not, because Directus may already be applying it.
    apply_retries = _Retry(total=policy.attempts - 1, connect=policy.attempts - 1,
                           read=0, status=0, other=0, backoff_factor=policy.backoff,
                           allowed_methods=frozenset({"POST"}), raise_on_status=False)
    apply_retries.total_budget = policy.attempts - 1
    session.mount(base + "/", HTTPAdapter(max_retries=retries))
    session.mount(base + APPLY_PATH, HTTPAdapter(max_retries=apply_retries))
    return session


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        reason = getattr(e, "reason", None)  # an exception (urllib3) or a string (ssl)
        stack.extend([reason if isinstance(reason, BaseException) else None, e.__cause__, e.__context__])
        stack.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))
    return seen


def never_sent(exc: BaseException) -> bool:
    """True when the failure happened while connecting, i.e. the request never left."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    return any(isinstance(e, (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError))
               for e in _chain(exc))


def root_reason(exc: BaseException) -> str:
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
