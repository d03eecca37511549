"""The simulated Actions runner for ``drift ci`` tests.

``ActionRunner`` builds the environment the runner gives a container action from ``action.yml``
(every declared input as ``INPUT_<NAME>``, defaults applied, ``${{ github.token }}`` evaluated),
writes the event payload, creates empty ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` files, points
``GITHUB_API_URL`` at the loopback fake, and runs the Dockerfile's ``ENTRYPOINT`` as a subprocess
in the checkout (or :func:`drift.github.main.run_ci` in-process). Outputs are read back with a
parser that follows the runner's file-command rules, and stdout with one that follows its
workflow-command rules (``::stop-commands::`` included).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.integration.github import schemas
from tests.integration.github.fakegithub import FIXTURES, FakeGitHub

ROOT = Path(__file__).resolve().parents[3]
REPOSITORY = "Codertocat/Hello-World"
ACTIONS_TOKEN = "ghs_FAKEactionsTOKEN0123456789abcdef"


def webhook(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / "webhooks" / f"{name}.json").read_text(encoding="utf-8"))["payload"])


def parse_output_file(text: str) -> dict[str, str]:
    """``GITHUB_OUTPUT`` as the runner reads it (NAME=VALUE or NAME<<DELIM … DELIM); errors raise."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        eq, hd = line.find("="), line.find("<<")
        if eq >= 0 and (hd < 0 or eq < hd):
            out[line[:eq]] = line[eq + 1:]
            continue
        if hd < 0:
            raise AssertionError(f"invalid GITHUB_OUTPUT line: {line!r}")
        name, delim = line[:hd], line[hd + 2:]
        assert name and delim, f"empty name or delimiter: {line!r}"
        value: list[str] = []
        while True:
            assert i < len(lines), f"matching delimiter not found {delim!r}"
            if lines[i] == delim:
                i += 1
                break
            value.append(lines[i])
            i += 1
        out[name] = "\n".join(value)
    return out


@dataclass
class Command:
    name: str
    props: str
    message: str


def processed_commands(stdout: str) -> list[Command]:
    """The workflow commands the runner would act on (lines inside stop-commands are plain text)."""
    cmds: list[Command] = []
    resume: str | None = None
    for line in stdout.splitlines():
        if resume is not None:
            if line.strip() == f"::{resume}::":
                resume = None
            continue
        s = line.strip()
        if not s.startswith("::"):
            continue
        end = s.find("::", 2)
        if end < 0:
            continue
        head, message = s[2:end], s[end + 2:]
        name, _, props = head.partition(" ")
        cmds.append(Command(name.lower(), props, message))
        if name.lower() == "stop-commands":
            resume = message
    return cmds


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def commands(self) -> list[Command]:
        return processed_commands(self.stdout)


class ActionRunner:
    def __init__(self, tmp_path: Path, fake: FakeGitHub) -> None:
        self.tmp = tmp_path
        self.fake = fake
        self.workspace = tmp_path / "workspace"
        self.workspace.mkdir()
        (tmp_path / "home").mkdir()
        self.live = tmp_path / "live"
        self.live.mkdir()
        self.action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
        self.runs = 0
        self.extra_env: dict[str, str] = {}

    # -- files ----------------------------------------------------------------------------
    def set_target(self, tables: dict[str, list[str]], **kw: Any) -> str:
        """The "live" target: a schema file outside the checkout (file targets stand in for a server)."""
        return str(schemas.write(self.live / "target.json", tables, **kw))

    def set_schema(self, tables: dict[str, list[str]], name: str = "schema/schema.json", **kw: Any) -> str:
        """The schema file in the checkout; returns its repository-relative path."""
        schemas.write(self.workspace / name, tables, **kw)
        return name

    def git(self, *args: str) -> str:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.tmp / "home"), "GIT_AUTHOR_NAME": "t",
               "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
        proc = subprocess.run(["git", "-C", str(self.workspace), *args], capture_output=True, text=True, env=env,
                              check=True)
        return proc.stdout.strip()

    # -- the environment ------------------------------------------------------------------
    def env(self, event_name: str, payload: dict[str, Any] | None, inputs: dict[str, str], *, sha: str = "",
            ref: str = "", token: str = ACTIONS_TOKEN) -> dict[str, str]:
        self.runs += 1
        files = self.tmp / f"run{self.runs}"
        files.mkdir()
        env: dict[str, str] = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.tmp / "home"),
            "LANG": "C.UTF-8",
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_REPOSITORY_OWNER": REPOSITORY.split("/")[0],
            "GITHUB_SHA": sha,
            "GITHUB_REF": ref,
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_API_URL": self.fake.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_GRAPHQL_URL": self.fake.url + "/graphql",
            "GITHUB_RUN_ID": str(7000 + self.runs),
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_OUTPUT": str(files / "set_output"),
            "GITHUB_STEP_SUMMARY": str(files / "step_summary"),
            "GITHUB_ENV": str(files / "set_env"),
            "GITHUB_STATE": str(files / "save_state"),
            "RUNNER_TEMP": str(files),
        }
        for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_STATE"):
            Path(env[name]).write_text("", encoding="utf-8")
        if payload is not None:
            (files / "event.json").write_text(json.dumps(payload), encoding="utf-8")
            env["GITHUB_EVENT_PATH"] = str(files / "event.json")
        if event_name == "pull_request" and payload and payload.get("pull_request"):
            env["GITHUB_BASE_REF"] = payload["pull_request"]["base"]["ref"]
            env["GITHUB_HEAD_REF"] = payload["pull_request"]["head"]["ref"]
        # Every declared input is set, as the runner does: the given value, else the default, else "".
        unknown = set(inputs) - set(self.action["inputs"])
        assert not unknown, f"inputs not declared in action.yml: {unknown}"
        for name, spec in self.action["inputs"].items():
            default = spec.get("default", "")
            if isinstance(default, bool):
                default = str(default).lower()
            value = str(inputs.get(name, default))
            value = value.replace("${{ github.token }}", token)
            env["INPUT_" + name.replace(" ", "_").upper()] = value
        env.update(self.extra_env)
        return env

    def entrypoint(self) -> list[str]:
        from dockerfile_parse import DockerfileParser

        parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
        entry = [i for i in parser.structure if i["instruction"] == "ENTRYPOINT"][-1]["value"]
        argv = json.loads(entry)
        exe = Path(sys.executable).parent / argv[0]
        return [str(exe), *argv[1:]]

    def run(self, event_name: str, payload: dict[str, Any] | None, inputs: dict[str, str], *, sha: str = "",
            ref: str = "", token: str = ACTIONS_TOKEN, in_process: bool = False) -> Run:
        env = self.env(event_name, payload, inputs, sha=sha, ref=ref, token=token)
        if in_process:
            from drift.github.main import run_ci

            chunks: list[str] = []
            code = run_ci(env, write=chunks.append, sleep=lambda s: None)
            stdout, stderr = "".join(chunks), ""
        else:
            proc = subprocess.run(self.entrypoint(), cwd=self.workspace, env=env, capture_output=True, text=True,
                                  timeout=120)
            code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        outputs = parse_output_file(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))
        summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
        assert Path(env["GITHUB_ENV"]).read_text() == "", "drift must not write GITHUB_ENV"
        return Run(code, stdout, stderr, outputs, summary)


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(REPOSITORY).start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.violations, "requests GitHub's OpenAPI description does not allow:\n" + "\n".join(fake.violations)


@pytest.fixture
def runner(tmp_path: Path, fake_github: FakeGitHub) -> ActionRunner:
    return ActionRunner(tmp_path, fake_github)


def pr_event(*, number: int = 2, head_sha: str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821", labels: tuple[str, ...] = (),
             fork: bool | None = False) -> dict[str, Any]:
    """The ``opened`` example; ``fork=True`` moves the head to a fork, ``None`` deletes it."""
    ev = webhook("pull_request.opened")
    pr = ev["pull_request"]
    ev["number"] = pr["number"] = number
    pr["head"]["sha"] = head_sha
    template = {"id": 1, "node_id": "L", "url": "", "name": "", "color": "ededed", "default": False,
                "description": None}
    pr["labels"] = [dict(template, name=n) for n in labels]
    if fork:
        pr["head"]["repo"]["full_name"] = "someone/Hello-World"
        pr["head"]["repo"]["fork"] = True
        pr["head"]["repo"]["owner"]["login"] = "someone"
    elif fork is None:
        pr["head"]["repo"] = None
    return ev


def push_event(sha: str, *, ref: str = "refs/heads/master") -> dict[str, Any]:
    """The branch example, made into an ordinary push of ``sha`` to the default branch."""
    ev = webhook("push.branch")
    ev.update(ref=ref, before="1" * 40, after=sha, created=False)
    if ev.get("head_commit"):
        ev["head_commit"]["id"] = sha
    return ev


def schedule_event() -> dict[str, Any]:
    push = webhook("push.branch")
    return {"schedule": "17 6 * * *", "workflow": ".github/workflows/drift.yml",
            "repository": push["repository"], "sender": push["sender"]}
