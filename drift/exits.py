"""Exit codes: the one place the process outcome is decided.

| code | meaning |
|------|---------|
| 0 | success; in sync |
| 1 | error (bad input, unreachable target, usage error) |
| 2 | drift / changes found (with ``--exit-code``, or in ``drift ci`` when asked to fail) |
| 3 | destructive change blocked (consent missing) |
| 4 | stale plan: the target changed since the plan was made |
"""

from __future__ import annotations

OK = 0
ERROR = 1
CHANGES = 2
DESTRUCTIVE_BLOCKED = 3
STALE_PLAN = 4


def for_diff(has_changes: bool, exit_code_requested: bool) -> int:
    """The exit code of a command that found (or did not find) differences."""
    return CHANGES if (has_changes and exit_code_requested) else OK
