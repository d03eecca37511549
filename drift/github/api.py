"""A small client for the GitHub REST calls the Action makes.

One ``requests.Session`` (injected, so tests hand in their own), the base URL from
``GITHUB_API_URL`` (github.com or Enterprise Server), pagination by following ``Link: rel="next"``
only while it stays on that base URL (the token is never sent elsewhere) and for a bounded number
of pages, and a bounded retry policy: 5xx and connection errors with backoff; 403/429 only when
GitHub says it is a rate limit (``Retry-After``, ``x-ratelimit-remaining: 0`` or a secondary
rate-limit message), never for a plain permission error or a validation error. Mutating calls are
spaced at least a second apart, as GitHub asks. Every failure is one line with the token redacted.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from drift import __version__
from drift.errors import DriftError
from drift.secrets import redact, register

if TYPE_CHECKING:  # requests is imported when the first call is made, not at start-up
    import requests

API_VERSION = "2022-11-28"
ACTIONS_BOT = "github-actions[bot]"
_SECONDARY = re.compile(r"\bsecondary rate\b", re.IGNORECASE)
_MUTATING = ("POST", "PATCH", "PUT", "DELETE")


class GitHubError(DriftError):
    """A GitHub API call that failed; ``status`` is the HTTP status (0 for no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(redact(message))
        self.status = status

    @property
    def forbidden(self) -> bool:
        return self.status in (401, 403)


@dataclass
class RetryPolicy:
    """Bounds on waiting: attempts per call, the longest single wait, and the total budget."""

    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 90.0
    budget: float = 180.0
    secondary_wait: float = 60.0
    mutation_gap: float = 1.0


@dataclass
class GitHubAPI:
    """The REST calls drift needs, against ``base_url`` with ``token``."""

    base_url: str
    token: str = field(repr=False)
    session: requests.Session = field(default_factory=lambda: _new_session(), repr=False)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    timeout: float = 30.0
    max_pages: int = 50
    _last_mutation: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        register(self.token)
        self.session.headers.update({
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"drift/{__version__}",
        })
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"

    # -- transport ------------------------------------------------------------------------
    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            if not (path_or_url == self.base_url or path_or_url.startswith(self.base_url + "/")):
                raise GitHubError(f"GitHub answered with a link outside {self.base_url}; not following it")
            return path_or_url
        return self.base_url + path_or_url

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, accept: str | None = None) -> requests.Response:
        """One call with the retry policy; a non-2xx answer raises :class:`GitHubError`."""
        import requests

        url = self._url(path)
        label = f"{method} {path.split('?', 1)[0] if not path.startswith('http') else _path_of(path)}"
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            self._space_mutation(method)
            headers = {"Accept": accept} if accept else None
            try:
                resp = self.session.request(method, url, params=params, json=json, headers=headers,
                                            timeout=self.timeout)
            except requests.RequestException as exc:
                wait = self.retry.backoff * 2 ** (attempt - 1)
                if attempt < self.retry.attempts and self._can_wait(started, wait):
                    self.sleep(wait)
                    continue
                raise GitHubError(f"GitHub API {label}: no answer ({type(exc).__name__})") from None
            if method in _MUTATING:
                self._last_mutation = self.clock()
            if resp.status_code < 400:
                return resp
            wait = self._retry_wait(resp, attempt)
            if wait is not None and attempt < self.retry.attempts and self._can_wait(started, wait):
                self.sleep(wait)
                continue
            raise GitHubError(f"GitHub API {label}: {_error_line(resp)}", resp.status_code)

    def _space_mutation(self, method: str) -> None:
        if method in _MUTATING and self._last_mutation is not None:
            gap = self.retry.mutation_gap - (self.clock() - self._last_mutation)
            if gap > 0:
                self.sleep(gap)

    def _can_wait(self, started: float, wait: float) -> bool:
        return wait <= self.retry.max_wait and (self.clock() - started) + wait <= self.retry.budget

    def _retry_wait(self, resp: requests.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying ``resp``, or None when it must not be retried."""
        status = resp.status_code
        if status >= 500:
            return min(self.retry.backoff * 2 ** (attempt - 1), self.retry.max_wait)
        if status not in (403, 429):
            return None
        after = resp.headers.get("retry-after")
        if after is not None:
            try:
                return max(0.0, float(after))
            except ValueError:
                return self.retry.secondary_wait
        if resp.headers.get("x-ratelimit-remaining") == "0":
            try:
                reset = float(resp.headers.get("x-ratelimit-reset", ""))
            except ValueError:
                return None
            return max(0.0, reset - time.time()) + 1.0
        if status == 429 or _SECONDARY.search(_message(resp)):
            # at least a minute, then exponential, capped (a server-given wait is never shortened)
            return min(self.retry.secondary_wait * 2 ** (attempt - 1), max(self.retry.max_wait, self.retry.secondary_wait))
        return None  # a plain permission error

    def json(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.request(method, path, **kw)
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise GitHubError(f"GitHub API {method} {path}: the answer is not JSON", resp.status_code) from None

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a list endpoint, page after page (``per_page=100``), bounded."""
        query = {"per_page": 100, **(params or {})}
        url: str | None = path
        pages = 0
        while url is not None:
            pages += 1
            if pages > self.max_pages:
                raise GitHubError(f"GitHub API GET {path}: more than {self.max_pages} pages; stopping")
            resp = self.request("GET", url, params=query if pages == 1 else None)
            items = resp.json()
            if not isinstance(items, list):
                raise GitHubError(f"GitHub API GET {path}: expected a list")
            yield from items
            nxt = resp.links.get("next", {}).get("url")
            url = self._url(nxt) if nxt else None

    # -- the calls ------------------------------------------------------------------------
    def identity(self) -> str:
        """The login the token writes as: ``GET /user``; an Actions token (403) is the Actions bot."""
        try:
            user = self.json("GET", "/user")
        except GitHubError as exc:
            if exc.forbidden:
                return ACTIONS_BOT
            raise
        login = user.get("login") if isinstance(user, dict) else None
        return login if isinstance(login, str) and login else ACTIONS_BOT

    def list_comments(self, owner: str, repo: str, number: int) -> Iterator[dict[str, Any]]:
        return self.paginate(f"/repos/{owner}/{repo}/issues/{number}/comments")

    def create_comment(self, owner: str, repo: str, number: int, body: str) -> dict[str, Any]:
        return self.json("POST", f"/repos/{owner}/{repo}/issues/{number}/comments", json={"body": body})

    def update_comment(self, owner: str, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        return self.json("PATCH", f"/repos/{owner}/{repo}/issues/comments/{comment_id}", json={"body": body})

    def commit_pulls(self, owner: str, repo: str, sha: str) -> list[dict[str, Any]]:
        return list(self.paginate(f"/repos/{owner}/{repo}/commits/{sha}/pulls"))

    def get_pull(self, owner: str, repo: str, number: int) -> dict[str, Any]:
        return self.json("GET", f"/repos/{owner}/{repo}/pulls/{number}")

    def list_issues(self, owner: str, repo: str, **params: Any) -> Iterator[dict[str, Any]]:
        return self.paginate(f"/repos/{owner}/{repo}/issues", params)

    def create_issue(self, owner: str, repo: str, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        return self.json("POST", f"/repos/{owner}/{repo}/issues", json={"title": title, "body": body, "labels": labels})

    def update_issue(self, owner: str, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        return self.json("PATCH", f"/repos/{owner}/{repo}/issues/{number}", json=fields)

    def file_at(self, owner: str, repo: str, path: str, ref: str) -> str | None:
        """A file's text at ``ref`` (the contents API, raw), or None when it does not exist there."""
        try:
            resp = self.request("GET", f"/repos/{owner}/{repo}/contents/{_quote_path(path)}", params={"ref": ref},
                                accept="application/vnd.github.raw+json")
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        return resp.content.decode("utf-8", "replace")


def _new_session() -> requests.Session:
    import requests

    return requests.Session()


def _quote_path(path: str) -> str:
    from urllib.parse import quote

    # One path segment, as Octokit sends it (GitHub decodes %2F in the contents path).
    return quote(path.lstrip("/"), safe="")


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict):
        return str(body.get("message", ""))
    return ""


def _error_line(resp: requests.Response) -> str:
    """``403 Resource not accessible by integration`` and the like: status, message, first error."""
    msg = " ".join(_message(resp).split())[:300]
    try:
        body = resp.json()
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            extra = errors[0].get("message") or errors[0].get("code")
            if extra:
                msg += f" ({' '.join(str(extra).split())[:200]})"
    except ValueError:
        pass
    return f"{resp.status_code} {msg}".strip()
