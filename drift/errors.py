"""The drift exception hierarchy.

Every failure a user can cause or meet is a :class:`DriftError` carrying a one-line, user-facing
message and the exit code it maps to. Only ``drift.cli`` turns them into process exits, so the
exit-code contract (0 in sync, 1 error, 2 changes, 3 destructive blocked, 4 stale plan) lives in
one place: :mod:`drift.exits`.
"""

from __future__ import annotations

from drift import exits


class DriftError(Exception):
    """An error with a message fit for the user (one line, no secrets)."""

    exit_code: int = exits.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(str(message).split("\n")).strip()

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InputError(DriftError):
    """A schema file, plan file or option that cannot be used (file, place, problem)."""


class ValidationError(InputError):
    """A snapshot or diff that does not follow Directus's format."""


class CompatibilityError(InputError):
    """The two sides disagree on Directus version or vendor (bypassed with ``--force``)."""


class TargetError(DriftError):
    """A target (Directus server or database) that cannot be reached or answered badly."""


class DestructiveBlocked(DriftError):
    """Destructive changes were planned but consent was not given."""

    exit_code = exits.DESTRUCTIVE_BLOCKED


class StalePlan(DriftError):
    """The target changed since the plan was made: the recorded hash no longer matches."""

    exit_code = exits.STALE_PLAN
