"""Secrets known to this process, and redaction of any text that might carry one.

Targets register the secrets they are given (Directus tokens, database passwords, the GitHub
token); every message drift prints on an error path goes through :func:`redact`, so a secret that
slips into a driver's exception text is still never shown.
"""

from __future__ import annotations

import re

_SECRETS: set[str] = set()
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")
MASK = "***"


def register(secret: str | None) -> None:
    """Remember a secret so that :func:`redact` removes it (very short values are ignored)."""
    if secret and len(secret) >= 3:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret and every password in a URL replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    for s in sorted(_SECRETS, key=len, reverse=True):
        if s in text:
            text = text.replace(s, MASK)
    return text
