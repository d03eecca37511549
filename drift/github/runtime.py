"""The runner's side channels: workflow commands on stdout, outputs, the job summary.

Outputs go to ``GITHUB_OUTPUT`` in the heredoc form with a fresh random delimiter per value
(``name<<ghadelimiter_<uuid>``), the job summary is appended to ``GITHUB_STEP_SUMMARY`` (kept under
the runner's size limit), secrets are registered with ``::add-mask::`` line by line before anything
derived from them is printed, annotations carry escaped properties, and any text that came from a
target, a schema file or a pull request is printed between ``::stop-commands::<token>`` and
``::<token>::`` so it can never be read as a workflow command. Outside Actions (no file paths) the
file commands are skipped.
"""

from __future__ import annotations

import contextlib
import secrets as _random
import sys
import uuid
from typing import Callable, Iterator
from urllib.parse import quote, unquote

from drift.secrets import redact, register

SUMMARY_LIMIT = 1_000_000  # the runner refuses summaries over 1 MiB; stay below


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def secret_forms(secret: str) -> list[str]:
    """A secret and the forms it may be printed in (URL-encoded or decoded; a URL's password)."""
    forms = {secret, quote(secret, safe=""), unquote(secret)}
    if "://" in secret:
        from urllib.parse import urlsplit

        try:
            password = urlsplit(secret).password
        except ValueError:
            password = None
        if password:
            forms.update({password, unquote(password), quote(unquote(password), safe="")})
    return [f for f in forms if f and len(f) >= 3]


class Runtime:
    """Writes to the runner: ``write`` is stdout, paths come from ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY``."""

    def __init__(self, output_path: str = "", summary_path: str = "",
                 write: Callable[[str], None] | None = None) -> None:
        self.output_path = output_path
        self.summary_path = summary_path
        self._write = write or _stdout
        self.outputs: dict[str, str] = {}

    # -- commands -------------------------------------------------------------------------
    def command(self, name: str, message: str = "", **props: str | int | None) -> None:
        items = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v not in (None, ""))
        self._write(f"::{name}{' ' + items if items else ''}::{escape_data(redact(message))}\n")

    def mask(self, secret: str) -> None:
        """Mask ``secret`` (and its derived forms) in the log from now on; remember it for redaction."""
        for form in secret_forms(secret):
            register(form)
            for line in form.splitlines():
                if line.strip():
                    self._write(f"::add-mask::{escape_data(line)}\n")

    def warning(self, message: str, *, file: str | None = None, line: int | None = None, title: str | None = None) -> None:
        self.command("warning", message, file=file, line=line, title=title)

    def error(self, message: str, *, title: str | None = None) -> None:
        self.command("error", message, title=title)

    def notice(self, message: str, *, title: str | None = None) -> None:
        self.command("notice", message, title=title)

    def log(self, text: str) -> None:
        """Plain log text of our own (no untrusted content)."""
        self._write(redact(text) + ("" if text.endswith("\n") else "\n"))

    def untrusted(self, text: str) -> None:
        """Print text that came from outside with workflow commands switched off around it."""
        with self.commands_off():
            self._write(redact(text) + ("" if text.endswith("\n") else "\n"))

    @contextlib.contextmanager
    def commands_off(self) -> Iterator[None]:
        token = _random.token_hex(16)
        self._write(f"::stop-commands::{token}\n")
        try:
            yield
        finally:
            self._write(f"::{token}::\n")

    @contextlib.contextmanager
    def group(self, title: str) -> Iterator[None]:
        self._write(f"::group::{escape_data(title)}\n")
        try:
            yield
        finally:
            self._write("::endgroup::\n")

    # -- files ----------------------------------------------------------------------------
    def set_output(self, name: str, value: str) -> None:
        value = redact(value)
        self.outputs[name] = value
        if not self.output_path:
            return
        delim = f"ghadelimiter_{uuid.uuid4()}"
        if delim in name or delim in value:  # pragma: no cover - a uuid collision
            raise RuntimeError("output delimiter collision")
        with open(self.output_path, "a", encoding="utf-8") as f:
            f.write(f"{name}<<{delim}\n{value}\n{delim}\n")

    def summary(self, markdown: str) -> None:
        """Append to the job summary (cut to the runner's limit, redacted)."""
        if not self.summary_path:
            return
        text = redact(markdown)
        if len(text.encode("utf-8")) > SUMMARY_LIMIT:
            cut = text.encode("utf-8")[: SUMMARY_LIMIT - 200].decode("utf-8", "ignore")
            text = cut.rsplit("\n", 1)[0] + "\n\n…truncated to fit the job summary limit\n"
        with open(self.summary_path, "a", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")


def _stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
