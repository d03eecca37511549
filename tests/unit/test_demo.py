"""The README's main job: ``drift demo`` plans a drifted SQLite example back to its schema file."""

from __future__ import annotations

from pathlib import Path

from tests.clirun import run_process


def test_demo_shows_real_drift_with_risk_and_rows(tmp_path: Path) -> None:
    r = run_process("demo", "--no-color", cwd=tmp_path)
    assert r.code == 0, r.err
    assert (tmp_path / "drift-demo.db").is_file() and (tmp_path / "drift-demo.schema.yaml").is_file()
    assert "3 destructive" in r.out
    assert "Delete posts.legacy_slug" in r.out and "rows affected: 2" in r.out
    assert "Create tags" in r.out
    # the same plan through the ordinary commands, with --exit-code
    again = run_process("diff", "sqlite:///drift-demo.db", "drift-demo.schema.yaml", "--exit-code", cwd=tmp_path)
    assert again.code == 2
