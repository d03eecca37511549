"""The Action's settings, read once from the Actions environment.

The runner passes every input declared in ``action.yml`` as ``INPUT_<NAME>`` (upper-cased, spaces
to ``_``, hyphens kept, ``""`` when unset) and never enforces ``required``, so every input is
validated here. The ``GITHUB_*`` variables give the repository, the event, the API base URL
(Enterprise Server included) and the file-command paths; the event payload is read from
``GITHUB_EVENT_PATH``. Secret fields are excluded from ``repr`` so a settings object can never leak
a token into a log line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from drift.errors import InputError

MODES = ("auto", "plan", "apply", "drift")
TRUE = ("true", "True", "TRUE")
FALSE = ("false", "False", "FALSE")
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
CONSENT_LABEL = "drift:allow-destructive"


def input_env_name(name: str) -> str:
    """The variable the runner sets for input ``name`` (``schema-file`` → ``INPUT_SCHEMA-FILE``)."""
    return "INPUT_" + name.replace(" ", "_").upper()


def _input(env: Mapping[str, str], name: str) -> str:
    return env.get(input_env_name(name), "").strip()


def _bool_input(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean input as ``@actions/core`` reads it (YAML 1.2 core schema), empty → default."""
    raw = _input(env, name)
    if raw == "":
        return default
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise InputError(f"input {name}: {raw!r} is not a boolean (use true or false)")


def _list_input(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(input_env_name(name), "")
    out: list[str] = []
    for line in raw.replace(",", "\n").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)


@dataclass(frozen=True)
class Inputs:
    """The Action's inputs, validated."""

    target: str = ""
    schema_file: str = ""
    token: str = field(default="", repr=False)
    database_url: str = field(default="", repr=False)
    github_token: str = field(default="", repr=False)
    mode: str = "auto"
    allow_destructive: bool = False
    fail_on_drift: bool = False
    ignore: tuple[str, ...] = ()
    environment: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Inputs":
        mode = _input(env, "mode").lower() or "auto"
        if mode not in MODES:
            raise InputError(f"input mode: {mode!r} is not one of {', '.join(MODES)}")
        target = _input(env, "target")
        database_url = _input(env, "database-url") or env.get("DRIFT_DATABASE_URL", "").strip()
        if target and database_url and "://" in target and not target.lower().startswith(("http://", "https://")):
            raise InputError("inputs target and database-url both name a database; give the database in one of them")
        environment = _input(env, "environment")
        if any(ch in environment for ch in "\r\n"):
            raise InputError("input environment: must be one line")
        return cls(
            target=target,
            schema_file=_input(env, "schema-file"),
            token=_input(env, "token") or env.get("DIRECTUS_TOKEN", "").strip(),
            database_url=database_url,
            github_token=_input(env, "github-token") or env.get("GITHUB_TOKEN", "").strip(),
            mode=mode,
            allow_destructive=_bool_input(env, "allow-destructive", False),
            fail_on_drift=_bool_input(env, "fail-on-drift", False),
            ignore=_list_input(env, "ignore"),
            environment=environment,
        )

    @property
    def target_name(self) -> str:
        """What to compare against: ``target``, else the database URL, else nothing (file-only)."""
        return self.target or self.database_url

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.github_token, self.database_url) if s)


@dataclass(frozen=True)
class Settings:
    """Everything ``drift ci`` needs from its environment, read once."""

    inputs: Inputs
    event_name: str
    event: dict[str, Any] = field(repr=False)
    repository: str
    sha: str = ""
    ref: str = ""
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    workspace: str = "."
    run_id: str = ""
    run_attempt: str = ""
    output_path: str = ""
    summary_path: str = ""
    base_ref: str = ""
    head_ref: str = ""

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def repo(self) -> str:
        return self.repository.split("/", 1)[1]

    @property
    def run_url(self) -> str:
        if not self.run_id:
            return ""
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def default_branch(self) -> str:
        repo = self.event.get("repository")
        if isinstance(repo, dict) and isinstance(repo.get("default_branch"), str):
            return repo["default_branch"]
        return ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        inputs = Inputs.from_env(env)
        repository = env.get("GITHUB_REPOSITORY", "").strip()
        if repository.count("/") != 1 or not all(repository.split("/")):
            raise InputError("GITHUB_REPOSITORY is not set to owner/repo (is this running in GitHub Actions?)")
        event_name = env.get("GITHUB_EVENT_NAME", "").strip()
        if not event_name:
            raise InputError("GITHUB_EVENT_NAME is not set (is this running in GitHub Actions?)")
        return cls(
            inputs=inputs,
            event_name=event_name,
            event=read_event(env.get("GITHUB_EVENT_PATH", "")),
            repository=repository,
            sha=env.get("GITHUB_SHA", "").strip(),
            ref=env.get("GITHUB_REF", "").strip(),
            api_url=(env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL", "").strip() or DEFAULT_SERVER_URL).rstrip("/"),
            workspace=env.get("GITHUB_WORKSPACE", "").strip() or ".",
            run_id=env.get("GITHUB_RUN_ID", "").strip(),
            run_attempt=env.get("GITHUB_RUN_ATTEMPT", "").strip(),
            output_path=env.get("GITHUB_OUTPUT", "").strip(),
            summary_path=env.get("GITHUB_STEP_SUMMARY", "").strip(),
            base_ref=env.get("GITHUB_BASE_REF", "").strip(),
            head_ref=env.get("GITHUB_HEAD_REF", "").strip(),
        )


def read_event(path: str) -> dict[str, Any]:
    """The event payload; an absent path or file is an empty payload (``schedule`` may carry none)."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InputError(f"GITHUB_EVENT_PATH: cannot read the event payload: {exc.strerror or exc}") from None
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InputError(f"GITHUB_EVENT_PATH: the event payload is not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise InputError("GITHUB_EVENT_PATH: the event payload is not a JSON object")
    return value
