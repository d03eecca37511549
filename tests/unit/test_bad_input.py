"""Bad schema files: every one gets a clear one-line error, exit 1, no traceback, quickly.

The corpus is ``tests/fixtures/bad/``: ``expectations.tsv`` lists each file and a piece of text
the error must contain; ``_good.yaml`` is a valid Directus 12.4.1 (postgres) snapshot to diff
against. Each bad file is tried on both sides of ``drift diff``, as a real process. A few more
cases (a huge file, a missing file) are made at test time rather than stored.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad"
GOOD = BAD / "_good.yaml"
TIMEOUT = 10.0

# Printable text only: no terminal escapes or other control characters may reach the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_ERROR_CHARS = 2000


def _expectations() -> list[tuple[str, str]]:
    rows = []
    with (BAD / "expectations.tsv").open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        rows.append((row["file"], row["must-contain"]))
    return rows


EXPECTATIONS = _expectations()

# Where drift does not meet the bar yet; strict, so a fix shows up as XPASS and the entry goes.
KNOWN_GAPS: dict[str, str] = {}


def run_diff(current: str, desired: str, cwd: Path = ROOT) -> tuple[subprocess.CompletedProcess[bytes], float]:
    env = dict(os.environ, NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("DIRECTUS_TOKEN", None)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "drift", "diff", current, desired],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT * 3,
        check=False,
    )
    return proc, time.monotonic() - started


def check_rejected(proc: subprocess.CompletedProcess[bytes], elapsed: float, name: str, must_contain: str) -> None:
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-2000:]
    assert proc.returncode == 1, (proc.returncode, stderr[-500:], proc.stdout[-500:])
    assert elapsed < TIMEOUT, f"took {elapsed:.1f} s"
    lines = stderr.strip("\n").split("\n")
    assert stderr.strip(), "no error message"
    assert len(lines) <= 3, stderr[-2000:]
    assert name in stderr, f"the error does not name {name}: {stderr[:300]}"
    assert must_contain.lower() in stderr.lower(), f"expected {must_contain!r} in: {stderr[:500]}"
    assert not _CONTROL.search(stderr), f"control characters in the error: {stderr[:300]!r}"
    assert len(stderr) <= MAX_ERROR_CHARS, f"error of {len(stderr)} characters"


def test_corpus_is_complete() -> None:
    names = {name for name, _ in EXPECTATIONS}
    assert len(names) == len(EXPECTATIONS), "a file is listed twice"
    assert len(names) >= 30
    stored = {p.name for p in BAD.iterdir()} - {"expectations.tsv", "_good.yaml"}
    assert stored == names, f"unlisted: {sorted(stored - names)}, missing: {sorted(names - stored)}"


def test_good_file_is_accepted() -> None:
    proc, _ = run_diff(str(GOOD.relative_to(ROOT)), str(GOOD.relative_to(ROOT)))
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]


def _params() -> list[object]:
    params = []
    for name, must_contain in EXPECTATIONS:
        for side in ("desired", "current"):
            marks = []
            if name in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name]))
            params.append(pytest.param(name, must_contain, side, id=f"{side}:{name}", marks=marks))
    return params


@pytest.mark.parametrize(("name", "must_contain", "side"), _params())
def test_bad_file_is_refused_in_one_line(name: str, must_contain: str, side: str) -> None:
    bad = str((BAD / name).relative_to(ROOT))
    good = str(GOOD.relative_to(ROOT))
    proc, elapsed = run_diff(good, bad) if side == "desired" else run_diff(bad, good)
    check_rejected(proc, elapsed, bad, must_contain)


def _huge_fields(path: Path) -> None:
    snapshot = json.loads(json.dumps(_good()))
    template = snapshot["fields"][1]
    fields = []
    for i in range(60_000):
        item = json.loads(json.dumps(template))
        item["field"] = f"f{i}"
        item["meta"]["field"] = f"f{i}"
        fields.append(item)
    fields[-1]["type"] = "varchar"
    snapshot["fields"] = fields
    path.write_text(json.dumps(snapshot), encoding="utf-8")


def _huge_value(path: Path) -> None:
    snapshot = _good()
    snapshot["collections"][0]["meta"]["note"] = "word " * 2_000_000
    snapshot["version"] = 3
    from drift.snapshot.yamlio import dump_yaml

    path.write_text(dump_yaml(snapshot), encoding="utf-8")


def _good() -> dict[str, object]:
    from drift.snapshot.yamlio import load_yaml

    loaded = load_yaml(GOOD.read_text(encoding="utf-8"), GOOD.name)
    assert isinstance(loaded, dict)
    return loaded


GENERATED = {
    "huge-fields.json": (_huge_fields, "fields[59999].type"),
    "huge-value.yaml": (_huge_value, "version"),
    "no-such-file.yaml": (None, "no such file"),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_bad_file_is_refused_in_one_line(name: str, tmp_path: Path) -> None:
    make, must_contain = GENERATED[name]
    if make is not None:
        make(tmp_path / name)
    good = str(GOOD)
    for current, desired in ((good, name), (name, good)):
        proc, elapsed = run_diff(current, desired, cwd=tmp_path)
        check_rejected(proc, elapsed, name, must_contain)
