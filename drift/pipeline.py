"""The pipeline from two snapshots to a plan: compatibility check, diff, hash, ignore rules.

Both sides are already snapshots in the model (a target's or a file's). The current side plays
the Directus server: its ``directus`` version goes into the hash, as ``/schema/diff`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from drift.diff.engine import MODES, snapshot_diff
from drift.diff.hashing import versioned_hash_later
from drift.errors import CompatibilityError, InputError
from drift.plan.ignore import IgnoreRule, apply_rules
from drift.plan.model import Plan, build_plan


@dataclass(frozen=True)
class DiffOptions:
    mode: str = "mirror"
    force: bool = False
    ignore: tuple[IgnoreRule, ...] = ()


@dataclass
class Comparison:
    plan: Plan
    warnings: list[str] = field(default_factory=list)


def compatibility_problems(current: dict[str, Any], desired: dict[str, Any], current_name: str = "the current side",
                           desired_name: str = "the schema file") -> list[str]:
    """Directus's version/vendor checks (spec §4.1), phrased for two named sides."""
    problems = []
    if desired.get("directus") != current.get("directus"):
        problems.append(
            f"{desired_name} was written by Directus {desired.get('directus')} but {current_name} is "
            f"Directus {current.get('directus')}"
        )
    if not desired.get("vendor"):
        problems.append(f"{desired_name} does not name its database vendor")
    elif current.get("vendor") and desired.get("vendor") != current.get("vendor"):
        problems.append(
            f"{desired_name} is for vendor {desired.get('vendor')} but {current_name} is "
            f"{current.get('vendor')}"
        )
    return problems


def check_compatible(current: dict[str, Any], desired: dict[str, Any], force: bool, current_name: str = "the current side",
                     desired_name: str = "the schema file") -> list[str]:
    """Refuse a mismatch unless forced; forced mismatches come back as warnings."""
    problems = compatibility_problems(current, desired, current_name, desired_name)
    if problems and not force:
        raise CompatibilityError(
            f"{problems[0]}; refusing to compare (use --force to compare anyway; the apply hash is never bypassed)"
        )
    return [f"--force: {p}" for p in problems]


def compare(
    current: dict[str, Any],
    desired: dict[str, Any],
    options: DiffOptions,
    *,
    target: str = "",
    desired_name: str = "the schema file",
    server_diff: Callable[[dict[str, Any], str, bool], dict[str, Any]] | None = None,
) -> Plan:
    """Diff ``desired`` against ``current`` and grade it into a plan."""
    if options.mode not in MODES:
        raise InputError(f"--mode {options.mode}: use mirror or merge")
    warnings = check_compatible(current, desired, options.force, target or "the current side", desired_name)
    if server_diff is not None:
        answer = server_diff(desired, options.mode, options.force)
        diff = answer["diff"]
        hash_later: Callable[[], str] = lambda: answer["hash"]  # noqa: E731
    else:
        # the hash may be computed alongside the diff and the grading (see versioned_hash_later)
        hash_later = versioned_hash_later(current, current.get("directus", ""))
        diff = snapshot_diff(current, desired, options.mode)
    diff, ignored = apply_rules(diff, list(options.ignore))
    plan = build_plan(
        "",
        diff,
        desired=desired,
        ignored=ignored,
        target=target,
        directus=current.get("directus"),
        vendor=current.get("vendor"),
        mode=options.mode,
    )
    plan.hash = hash_later()
    plan.warnings.extend(warnings)
    return plan
