"""The Directus REST target (``http://`` and ``https://`` names).

:mod:`.client` talks HTTP (session, retries, errors, redaction); :mod:`.target` is the target
itself (snapshot, diff, rows affected, hash-guarded apply). ``open_directus`` is the opener that
:mod:`drift.targets` registers for the URL schemes.
"""

from __future__ import annotations

from drift.targets.directus.client import (
    ApplyOutcomeUnknown,
    DirectusClient,
    DirectusHTTPError,
    RetryPolicy,
)
from drift.targets.directus.target import (
    DirectusTarget,
    destructive_changes,
    empty_diff,
    is_empty_diff,
    open_directus,
)

__all__ = [
    "ApplyOutcomeUnknown",
    "DirectusClient",
    "DirectusHTTPError",
    "DirectusTarget",
    "RetryPolicy",
    "destructive_changes",
    "empty_diff",
    "is_empty_diff",
    "open_directus",
]
