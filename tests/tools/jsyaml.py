"""Locating node and Directus's js-yaml, and running them, so tests can compare against the real thing.

js-yaml is the copy inside a Directus install made by ``start-directus.sh``: the package directory
is ``$JSYAML_DIR`` if set, else ``$DIRECTUS_HOME/directus-$DIRECTUS_VERSION/node_modules/js-yaml``
(``DIRECTUS_HOME`` defaults to ``~/.cache/directus-server``, the version to 12.4.1). node is
``$DRIFT_NODE``, else the node that install brought, else ``node`` on ``PATH``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "jsyaml.cjs"


def directus_home() -> Path:
    home = os.environ.get("DIRECTUS_HOME")
    if home:
        return Path(home)
    return Path(os.path.expanduser("~")) / ".cache" / "directus-server"


def jsyaml_dir() -> Path | None:
    explicit = os.environ.get("JSYAML_DIR")
    if explicit:
        return Path(explicit) if (Path(explicit) / "package.json").is_file() else None
    version = os.environ.get("DIRECTUS_VERSION", "12.4.1")
    path = directus_home() / f"directus-{version}" / "node_modules" / "js-yaml"
    return path if (path / "package.json").is_file() else None


def node_binary() -> str | None:
    explicit = os.environ.get("DRIFT_NODE")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), "x64"
    )
    version = os.environ.get("DIRECTUS_NODE_VERSION", "22.23.3")
    bundled = directus_home() / f"node-{version}" / "node_modules" / f"node-linux-{arch}" / "bin" / "node"
    if bundled.is_file():
        return str(bundled)
    return shutil.which("node")


def missing_reason() -> str | None:
    """Why js-yaml cannot be run here, or None when it can."""
    if node_binary() is None:
        return "node is not installed (set DRIFT_NODE or install Directus with start-directus.sh)"
    if jsyaml_dir() is None:
        return "js-yaml from a Directus install was not found (set JSYAML_DIR or DIRECTUS_HOME)"
    return None


def run(mode: str, stdin: str, timeout: float = 120) -> str:
    node, pkg = node_binary(), jsyaml_dir()
    assert node and pkg, missing_reason()
    env = dict(os.environ, JSYAML_DIR=str(pkg))
    proc = subprocess.run(
        [node, str(SCRIPT), mode],
        input=stdin.encode("utf-8", "surrogatepass"),
        capture_output=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the js-yaml script failed: {proc.stderr.decode(errors='replace')[:2000]}")
    return proc.stdout.decode("utf-8")


def dump_many(values: list[Any]) -> list[str]:
    """js-yaml ``dump`` of each JSON value."""
    return list(json.loads(run("dump-many", json.dumps(values))))


def load_many(texts: list[str]) -> list[Any]:
    """js-yaml ``load`` of each text, in the tagged JSON form (see jsyaml.cjs)."""
    return list(json.loads(run("load-many", json.dumps(texts))))
