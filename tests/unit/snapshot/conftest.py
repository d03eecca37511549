"""Fixtures for the snapshot tests: the real js-yaml, run through node, as the reference."""

from __future__ import annotations

import subprocess
from types import ModuleType

import pytest

from tests.conftest import ROOT, unavailable
from tests.tools import jsyaml as _jsyaml

INSTALLER = ROOT / "scripts" / "directus-server.sh"


@pytest.fixture(scope="session")
def jsyaml() -> ModuleType:
    """The js-yaml runner (``dump_many``, ``load_many``); skips (or fails in CI) without node.

    Node and js-yaml come from the Directus install; when it is missing, the repository's
    installer is run once (it only installs, it starts nothing).
    """
    if _jsyaml.missing_reason() and INSTALLER.is_file():
        subprocess.run(["bash", str(INSTALLER), "install"], capture_output=True, timeout=1200, check=False)
    reason = _jsyaml.missing_reason()
    if reason:
        unavailable(reason)
    return _jsyaml
