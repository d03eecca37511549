"""Renderers: pure functions from a plan to a string; only the CLI and the GitHub layer write.

``RENDERERS`` maps a ``--format`` name to ``fn(plan, options) -> str``; :class:`RenderOptions`
carries everything any of them may use (each takes what it needs). The modules can also be called
directly: :func:`drift.render.text.render_text`, :func:`drift.render.markdown.render_markdown`,
:func:`drift.render.json.render_json`, :func:`drift.render.sarif.render_sarif`. Renderer modules
are imported on first use, so ``drift --help`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from drift.plan.model import Plan


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False  # text: ANSI colour (the CLI decides: NO_COLOR, --no-color, a terminal)
    verbose: bool = False  # text: untruncated values, hash and digest
    schema_file: str | None = None  # names the desired file; SARIF locations point into it
    locate: Mapping[Any, int] | None = None  # SARIF: drift.snapshot.locate.locate_entities(...)
    title: str | None = None  # markdown heading
    max_chars: int | None = None  # markdown: fit under this many characters
    details: bool = True  # markdown: include the full diff JSON


def _text(plan: Plan, o: RenderOptions) -> str:
    from drift.render.text import render_text

    return render_text(plan, color=o.color, verbose=o.verbose, schema_file=o.schema_file)


def _json(plan: Plan, o: RenderOptions) -> str:
    from drift.render.json import render_json

    return render_json(plan)


def _markdown(plan: Plan, o: RenderOptions) -> str:
    from drift.render.markdown import render_markdown

    return render_markdown(plan, title=o.title, max_chars=o.max_chars, details=o.details, schema_file=o.schema_file)


def _sarif(plan: Plan, o: RenderOptions) -> str:
    from drift.render.sarif import render_sarif

    return render_sarif(plan, schema_file=o.schema_file, locate=o.locate)


RENDERERS: dict[str, Callable[["Plan", RenderOptions], str]] = {
    "text": _text,
    "json": _json,
    "markdown": _markdown,
    "sarif": _sarif,
}
