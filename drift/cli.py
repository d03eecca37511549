"""The command line: parse → build → run → exit code.

Each click command only copies its options into a small settings object and calls a ``run_*``
function that returns an exit code; :func:`main` is the only place the process exits, and the only
place errors become one line on stderr (redacted, no traceback). Exit codes: :mod:`drift.exits`.

The console script enters through :mod:`drift.entry`, which sends the command line's early
Directus reads (:mod:`drift.early`) before this module loads.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import click

from drift import __version__, exits
from drift.errors import DriftError, InputError
from drift.workflow import apply_on, target_options, check_consent, load_plan_file, make_plan
from drift.secrets import redact

# Large objects a command is done with (a snapshot's reading, the built snapshot), left for the
# process's exit to drop instead of being freed one object at a time when they go out of scope:
# the console script ends with os._exit (see main), which frees no object; a command run
# in-process (argv given) frees them when it returns.
_spared: list[Any] = []

# -- output helpers ------------------------------------------------------------------------------


@dataclass
class Console:
    """Where a command writes: stdout for results, stderr for notes; colour decided once."""

    color: bool = False
    quiet: bool = False
    verbose: bool = False
    out: Callable[[str], None] = field(default=lambda s: _write(sys.stdout, s))
    err: Callable[[str], None] = field(default=lambda s: _write(sys.stderr, s))

    def note(self, text: str) -> None:
        if not self.quiet:
            self.err(text + "\n")

    def warn(self, text: str) -> None:
        prefix = "\x1b[1;33mwarning:\x1b[0m " if self.color else "warning: "
        self.err(prefix + redact(text) + "\n")


def _write(stream: Any, text: str) -> None:
    stream.write(text)
    stream.flush()


def _use_color(no_color: bool, stream: Any) -> bool:
    if no_color or os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


# -- settings objects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Common:
    ignore: tuple[str, ...] = ()
    force: bool = False
    mode: str = "mirror"
    directus_version: str | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


# -- the commands' work ------------------------------------------------------------------------------


def render(plan: Any, fmt: str, console: Console, *, schema_file: str | None = None) -> str:
    """Render with the format's renderer; forced-mismatch warnings go to stderr unless the text
    rendering already carries them."""
    from drift.render import RENDERERS, RenderOptions

    try:
        fn = RENDERERS[fmt]
    except KeyError:
        raise InputError(f"--format {fmt}: use one of {', '.join(RENDERERS)}") from None
    if fmt != "text":
        for w in plan.warnings:
            console.warn(w)
    locate = None
    if fmt == "sarif" and schema_file:
        from drift.snapshot.locate import locate_file

        locate = locate_file(schema_file)
    options = RenderOptions(color=console.color, verbose=console.verbose, schema_file=schema_file, locate=locate)
    return fn(plan, options)


def run_diff(current: str, desired: str, fmt: str, exit_code: bool, engine: str, common: Common, console: Console) -> int:
    plan = make_plan(current, desired, common, console, engine=engine)
    text = render(plan, fmt, console, schema_file=desired if Path(desired).suffix else None)
    console.out(text if text.endswith("\n") else text + "\n")
    return exits.for_diff(plan.has_changes, exit_code)


def run_snapshot(target: str, output: str | None, fmt: str | None, common: Common, console: Console) -> int:
    from drift.snapshot.files import dump_snapshot
    from drift.targets import open_target

    if fmt is None:
        fmt = "json" if output and output.lower().endswith(".json") else "yaml"
    if fmt == "yaml":
        # The YAML writer loads while a remote target is still answering.
        import drift.snapshot.yamlio  # noqa: F401
    t = open_target(target, target_options(common, console))
    try:
        deferred = t.snapshot_deferred() if fmt == "yaml" and hasattr(t, "snapshot_deferred") else None
        snap = t.snapshot() if deferred is None else None
    finally:
        t.close()
    _spared.extend((t, deferred, snap))
    if deferred is not None:  # a large reading is built and written on two cores
        from drift.snapshot.parallel import snapshot_yaml_pieces

        pieces = snapshot_yaml_pieces(deferred, keep=_spared)
    else:
        pieces = [dump_snapshot(snap, fmt)]
    if output:
        try:
            _write_utf8(output, pieces)
        except OSError as exc:
            raise InputError(f"{output}: cannot write: {exc.strerror or exc}") from None
        console.note(f"Snapshot saved to {output}")
    else:
        from drift.snapshot.parallel import joined

        text = joined(pieces)
        console.out(text if text.endswith("\n") else text + "\n")
    return exits.OK


def _write_utf8(path: str, pieces: list[str | bytes], chunk: int = 1 << 20) -> None:
    """Write text given in pieces (``str``, or ``bytes`` already in UTF-8) to ``path`` in UTF-8,
    a ``str`` a megabyte at a time: a large snapshot is never held twice, as text and as one
    block of bytes."""
    with open(path, "wb") as fh:
        for piece in pieces:
            if isinstance(piece, str):
                for start in range(0, len(piece), chunk):
                    fh.write(piece[start : start + chunk].encode("utf-8"))
            else:
                fh.write(piece)


def run_plan(target: str, schema_file: str, output: str | None, fmt: str, exit_code: bool, common: Common,
             console: Console) -> int:
    from drift.render.json import render_plan_record

    plan = make_plan(target, schema_file, common, console, with_extras=True)
    if output:
        try:
            Path(output).write_text(render_plan_record(plan), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{output}: cannot write: {exc.strerror or exc}") from None
        console.note(f"Plan saved to {output}")
    text = render(plan, fmt, console, schema_file=schema_file)
    console.out(text if text.endswith("\n") else text + "\n")
    return exits.for_diff(plan.has_changes, exit_code)


def run_apply(target: str, plan_path: str, allow_destructive: bool, dry_run: bool, common: Common,
              console: Console) -> int:
    from drift.targets import open_target

    # A database target starts its apply transaction (connect, lock, read the schema) on a thread
    # while the plan file loads; nothing changes before the plan is loaded, checked and consented
    # to. A plan file's error still comes first, the target's after it.
    t: Any = None
    target_error: DriftError | None = None
    try:
        t = open_target(target, target_options(common, console))
    except DriftError as exc:
        target_error = exc
    else:
        start = getattr(t, "start_apply", None)
        if start is not None:
            start()
    try:
        plan = load_plan_file(plan_path)
    except BaseException:
        if t is not None:
            t.close()
        raise
    if target_error is not None:
        raise target_error
    try:
        if not plan.has_changes:
            console.note("The plan has no changes; nothing to apply.")
            return exits.OK
        if not dry_run:
            check_consent(plan, allow_destructive)
        report = apply_on(t, plan, allow_destructive=allow_destructive, dry_run=dry_run)
    finally:
        t.close()
    from drift.render.report import render_apply_report

    console.out(render_apply_report(report, color=console.color))
    return int(report.get("exit_code", exits.OK)) if isinstance(report, dict) else exits.OK


# -- click wiring ------------------------------------------------------------------------------

_common_options = [
    click.option("--ignore", "ignore", multiple=True, metavar="RULE",
                 help="Ignore a collection, collection.field, or property glob such as fields.*.meta.sort (repeatable)."),
    click.option("--force", is_flag=True, help="Compare despite a Directus version/vendor mismatch (loudly; never bypasses the apply hash)."),
    click.option("--mode", type=click.Choice(["mirror", "merge"]), default="mirror", show_default=True,
                 help="merge: never delete whole entities."),
    click.option("--directus-version", metavar="X.Y.Z", help="Directus version of a database target (default: detected)."),
    click.option("--include", "include", multiple=True, metavar="COLL", help="Partial snapshot: only these collections."),
    click.option("--exclude", "exclude", multiple=True, metavar="COLL", help="Partial snapshot: all but these collections."),
    click.option("-q", "--quiet", is_flag=True, help="Only results; no notes or progress."),
    click.option("-v", "--verbose", is_flag=True, help="More detail."),
    click.option("--no-color", is_flag=True, help="No ANSI colours (also NO_COLOR)."),
]


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(_common_options):
        fn = opt(fn)
    return fn


def _build(kw: dict[str, Any]) -> tuple[Common, Console]:
    if kw.get("include") and kw.get("exclude"):
        raise InputError("--include and --exclude cannot be used together")
    common = Common(
        ignore=tuple(kw.pop("ignore", ()) or ()),
        force=kw.pop("force", False),
        mode=kw.pop("mode", "mirror"),
        directus_version=kw.pop("directus_version", None),
        include=_split(kw.pop("include", ()) or ()),
        exclude=_split(kw.pop("exclude", ()) or ()),
    )
    console = Console(
        color=_use_color(kw.pop("no_color", False), sys.stdout),
        quiet=kw.pop("quiet", False),
        verbose=kw.pop("verbose", False),
    )
    return common, console


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="drift")
def cli() -> None:
    """drift keeps a live schema (Directus or SQL) honest against the schema file in Git."""


@cli.command("diff")
@click.argument("current")
@click.argument("desired")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "sarif"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 2 when there are differences.")
@click.option("--engine", type=click.Choice(["auto", "server", "local"]), default="auto", show_default=True,
              help="Directus targets: let the server diff (auto/server) or diff locally.")
@common_options
def diff_cmd(current: str, desired: str, fmt: str, exit_code: bool, engine: str, **kw: Any) -> None:
    """Show what applying DESIRED would change on CURRENT (each a target or a schema file)."""
    common, console = _build(kw)
    raise SystemExit(run_diff(current, desired, fmt, exit_code, engine, common, console))


@cli.command("snapshot")
@click.argument("target")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default=None, help="Default: yaml (json for *.json).")
@common_options
def snapshot_cmd(target: str, output: str | None, fmt: str | None, **kw: Any) -> None:
    """Write TARGET's snapshot in Directus's format."""
    common, console = _build(kw)
    raise SystemExit(run_snapshot(target, output, fmt, common, console))


@cli.command("plan")
@click.argument("target")
@click.argument("schema_file")
@click.option("-o", "--output", metavar="PLAN", help="Write the plan record (JSON) to PLAN.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "sarif"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 2 when there are changes.")
@common_options
def plan_cmd(target: str, schema_file: str, output: str | None, fmt: str, exit_code: bool, **kw: Any) -> None:
    """Plan bringing TARGET to SCHEMA_FILE: diff, risk, rows affected, SQL."""
    common, console = _build(kw)
    raise SystemExit(run_plan(target, schema_file, output, fmt, exit_code, common, console))


@cli.command("apply")
@click.argument("target")
@click.option("--plan", "plan_path", required=True, metavar="PLAN", help="The plan file written by drift plan -o.")
@click.option("--allow-destructive", is_flag=True, help="Consent to the plan's destructive changes.")
@click.option("--dry-run", is_flag=True, help="Check and show what would run; change nothing.")
@common_options
def apply_cmd(target: str, plan_path: str, allow_destructive: bool, dry_run: bool, **kw: Any) -> None:
    """Apply exactly the reviewed plan to TARGET, if TARGET still has the recorded hash."""
    common, console = _build(kw)
    raise SystemExit(run_apply(target, plan_path, allow_destructive, dry_run, common, console))


@cli.command("demo")
@click.option("--db", "db_path", default="drift-demo.db", show_default=True, help="Where to create the example database.")
@common_options
def demo_cmd(db_path: str, **kw: Any) -> None:
    """Create a drifted example SQLite database and plan it back to the example schema file."""
    from drift.demo import create_demo_database, example_file

    common, console = _build(kw)
    path = Path(db_path)
    schema = path.with_suffix(".schema.yaml")
    create_demo_database(path)
    try:
        schema.write_text(example_file("schema.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{schema}: cannot write: {exc.strerror or exc}") from None
    console.note(f"Created {path} (SQLite), which has drifted from the schema file {schema}.")
    console.note(f"$ drift plan sqlite:///{path} {schema}\n")
    raise SystemExit(run_plan(f"sqlite:///{path}", str(schema), None, "text", False, common, console))


@cli.command("ci")
def ci_cmd() -> None:
    """The GitHub Action entry point: read the Actions environment and act on the event."""
    from drift.github.main import run_ci

    raise SystemExit(run_ci(dict(os.environ)))


def main(argv: list[str] | None = None) -> None:
    """Entry point: the only place drift exits."""
    if argv is None:
        # The drift command: its early reads leave now unless drift.entry sent them already.
        from drift import early

        early.start(sys.argv[1:], os.environ)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    # drift is a short-lived process that builds large acyclic trees (snapshots): the cyclic
    # garbage collector would only rescan them again and again (~15-20% of a large diff).
    gc.disable()
    try:
        code = cli.main(args=argv, prog_name="drift", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else exits.ERROR
    except click.exceptions.Abort:
        _fail("aborted")
        code = exits.ERROR
    except click.ClickException as exc:
        _fail(exc.format_message())
        code = exits.ERROR if exc.exit_code != 0 else 0
    except DriftError as exc:
        _fail(exc.message)
        code = exc.exit_code
    except KeyboardInterrupt:
        _fail("interrupted")
        code = 130
    except RecursionError:
        _fail("input nested too deeply")
        code = exits.ERROR
    except MemoryError:
        _fail("out of memory (input too large)")
        code = exits.ERROR
    except Exception as exc:  # the last line of defence: one line, no traceback
        if os.environ.get("DRIFT_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc}")
        code = exits.ERROR
    code = code if code is not None else exits.OK
    if argv is None:
        # A real process (the console script): everything is written and closed by now, so skip
        # the interpreter's teardown of large snapshot trees and imported modules.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)
    _spared.clear()
    sys.exit(code)


def _printable(text: str, limit: int = 1500) -> str:
    """One line, control characters escaped (no terminal escapes from hostile input), bounded."""
    out = "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
                  for ch in " ".join(str(text).split()))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _fail(message: str) -> None:
    text = _printable(redact(str(message)))
    sys.stderr.write(f"drift: error: {text}\n")
    sys.stderr.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
