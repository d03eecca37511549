"""Fixtures for the snapshot tests: the real js-yaml, run through node, as the reference."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.conftest import unavailable
from tests.tools import jsyaml as _jsyaml


@pytest.fixture(scope="session")
def jsyaml() -> ModuleType:
    """The js-yaml runner (``dump_many``, ``load_many``); skips (or fails in CI) without node."""
    reason = _jsyaml.missing_reason()
    if reason:
        unavailable(reason)
    return _jsyaml
