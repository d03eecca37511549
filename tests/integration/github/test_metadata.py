"""The Action's packaging: ``action.yml`` and the workflows against the vendored GitHub schemas,
the Dockerfile against hadolint and the container-action rules, and the docs against the inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.integration.github.conftest import ROOT

BIN = Path(sys.executable).parent
INPUTS = {"target", "schema-file", "token", "database-url", "github-token", "mode", "allow-destructive",
          "fail-on-drift", "ignore", "environment"}
OUTPUTS = {"has-changes", "destructive-count", "hash", "plan-digest", "comment-url", "drift-issue-url"}


def _check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True)


def test_action_yml_passes_the_github_actions_schema(tmp_path):
    proc = _check_jsonschema("vendor.github-actions", ROOT / "action.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = tmp_path / "action.yml"
    bad.write_text("name: x\nruns:\n  using: docker\n", encoding="utf-8")
    assert _check_jsonschema("vendor.github-actions", bad).returncode != 0, "the check must be able to fail"


def test_workflows_pass_the_github_workflows_schema():
    files = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted((ROOT / "examples" / "workflows").glob("*.yml"))
    assert len(files) >= 4
    proc = _check_jsonschema("vendor.github-workflows", *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_declares_the_contract():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert set(action["inputs"]) == INPUTS
    assert set(action["outputs"]) == OUTPUTS
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    for name, spec in action["inputs"].items():
        assert isinstance(spec.get("default", ""), str), f"{name}: defaults are strings, as the runner passes them"


def test_code_reads_every_input_and_writes_every_output():
    src = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "drift" / "github").glob("*.py"))
    for name in INPUTS:
        assert f'"{name}"' in src, f"input {name} is never read"
    for name in OUTPUTS:
        assert f'set_output("{name}"' in src, f"output {name} is never written"


def test_dockerfile_passes_hadolint_and_the_container_action_rules():
    proc = subprocess.run([str(BIN / "hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from dockerfile_parse import DockerfileParser

    df = DockerfileParser(path=str(ROOT / "Dockerfile"))
    instructions = [i["instruction"] for i in df.structure if i["instruction"] != "COMMENT"]
    assert instructions[0] == "FROM" and df.baseimage.startswith("python:") and df.baseimage.endswith("-slim")
    assert "USER" not in instructions, "container actions run as root"
    assert "WORKDIR" not in instructions, "the runner mounts the workspace as the working directory"
    entry = [i["value"] for i in df.structure if i["instruction"] == "ENTRYPOINT"][-1]
    assert entry.strip() == '["drift", "ci"]'
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    assert "!drift/" in ignore and "!pyproject.toml" in ignore


def test_docs_describe_every_input_and_output():
    doc = (ROOT / "docs" / "github-action.md").read_text(encoding="utf-8")
    for name in INPUTS | OUTPUTS:
        assert f"`{name}`" in doc, name
    for wf in (ROOT / "examples" / "workflows").glob("*.yml"):
        assert f"examples/workflows/{wf.name}" in doc


def test_the_image_build_context_builds_an_installable_drift(tmp_path):
    """What ``docker build`` would do, without Docker: only the files ``.dockerignore`` lets into
    the context (pyproject.toml, README.md, drift/) must build a wheel with the ``drift`` command
    and the package data."""
    import shutil
    import zipfile

    ctx = tmp_path / "ctx"
    ctx.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, ctx / name)
    shutil.copytree(ROOT / "drift", ctx / "drift", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path / "dist"), str(ctx)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry = next(n for n in names if n.endswith("entry_points.txt"))
        assert "drift = drift.entry:main" in z.read(entry).decode()
    assert "drift/github/main.py" in names and "drift/targets/database/system_data.json" in names
