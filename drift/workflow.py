"""Operations shared by the CLI and the GitHub Action: plan a target against a schema file,
check consent, load a plan file, apply it.

These take settings and a console-like object and return values; they never exit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from drift.errors import DestructiveBlocked, InputError


class Notes(Protocol):
    quiet: bool

    def warn(self, text: str) -> None: ...


def target_options(common: Any, console: Any, env: dict[str, str] | None = None) -> Any:
    import os
    import sys

    from drift.targets import TargetOptions

    return TargetOptions(
        include=common.include,
        exclude=common.exclude,
        directus_version=common.directus_version,
        progress=not console.quiet and sys.stderr.isatty(),
        env=dict(os.environ) if env is None else env,
    )


def _diff_options(common: Any) -> Any:
    from drift.pipeline import DiffOptions
    from drift.plan.ignore import parse_rules

    return DiffOptions(mode=common.mode, force=common.force, ignore=tuple(parse_rules(list(common.ignore))))


class _Background:
    """One call run on a thread of its own; :meth:`result` returns its value or raises its error."""

    def __init__(self, fn: Callable[[], Any] | None) -> None:
        import threading

        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name="drift-prefetch", daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any] | None) -> None:
        try:
            self._value = fn() if fn is not None else None
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def make_plan(current_name: str, desired_name: str, common: Any, console: Any, *, engine: str = "auto",
              with_extras: bool = False, env: dict[str, str] | None = None) -> Any:
    """Open both sides, diff them and return the plan (targets closed afterwards). Targets read
    their credentials from ``env`` (default: the process environment)."""
    from drift.pipeline import compare
    from drift.targets import open_target

    topts = target_options(common, console, env)
    current = open_target(current_name, topts)
    early: _Background | None = None
    try:
        server_diff = getattr(current, "server_diff", None) if engine in ("auto", "server") else None
        if engine == "server" and server_diff is None:
            raise InputError(f"--engine server: {current.describe()} cannot compute a diff itself (use --engine local)")
        if getattr(current, "concurrent_reads", False):
            # A remote target's first read (the access check, or the whole snapshot for a local
            # diff) runs while the desired side loads; the desired side's errors still come first.
            early = _Background(getattr(current, "check_admin", None) if server_diff is not None else current.snapshot)
        # If the desired side fails, its error is reported at once; the read on the thread is
        # left to finish or fail on its own (it only reads).
        desired_target = open_target(desired_name, topts)
        try:
            desired = desired_target.snapshot()
        finally:
            desired_target.close()
        current_snapshot = early.result() if early is not None else None
        if server_diff is not None:
            # Unforced, the server checks version and vendor itself (same rules, refused with a
            # CompatibilityError), so an answer proves they match the desired file's: asking the
            # target first would cost a second schema read. Forced, its own values are needed
            # for the mismatch warnings.
            snap_meta = getattr(current, "identity", lambda: None)() if common.force else None
            plan = compare(
                snap_meta or {"directus": desired.get("directus"), "vendor": desired.get("vendor")},
                desired, _diff_options(common), target=current.describe(), desired_name=desired_name,
                server_diff=server_diff,
            )
        else:
            if current_snapshot is None:
                current_snapshot = current.snapshot()
            plan = compare(current_snapshot, desired, _diff_options(common), target=current.describe(),
                           desired_name=desired_name)
        if with_extras:
            rows = getattr(current, "rows_affected", None)
            if rows is not None and plan.destructive:
                plan.rows_affected = rows(plan)
            sql = getattr(current, "sql_preview", None)
            if sql is not None and plan.has_changes:
                plan.sql = sql(plan)
        return plan
    finally:
        current.close()


def load_plan_file(path: str) -> Any:
    from drift.plan.model import Plan
    from drift.snapshot.files import parse_json, read_text

    return Plan.from_record(parse_json(read_text(path), path), path)


def check_consent(plan: Any, allow_destructive: bool) -> None:
    """Destructive changes need explicit consent; checked before anything is sent."""
    if plan.destructive and not allow_destructive:
        keys = ", ".join(c.key for c in plan.destructive[:5])
        more = f" and {len(plan.destructive) - 5} more" if len(plan.destructive) > 5 else ""
        raise DestructiveBlocked(
            f"the plan has {len(plan.destructive)} destructive change(s) ({keys}{more}); "
            "re-run with --allow-destructive to apply them"
        )


def apply_on(target: Any, plan: Any, *, allow_destructive: bool, dry_run: bool = False) -> dict[str, Any]:
    """Apply ``plan`` to an open target and return its report; a target that cannot apply plans
    (a schema file) is refused with one line."""
    apply = getattr(target, "apply", None)
    if apply is None:
        raise InputError(f"{target.describe()}: this target cannot apply plans")
    report = apply(plan, allow_destructive=allow_destructive, dry_run=dry_run)
    return report if isinstance(report, dict) else {}
