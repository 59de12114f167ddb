"""CI relies on these rules: a skipped pg_only or browser test must fail the run it requires."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import pytest

@pytest.mark.pg_only
def test_needs_postgres():
    pass

@pytest.mark.browser
def test_needs_chromium():
    pass

def test_runs_anywhere():
    pass
"""


def _run_probe(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER"}}
    env["PATH"] = str(Path(sys.executable).parent)  # no Chromium on this PATH
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "tests.markers",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            str(probe),
            *options,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_skips_pg_only_on_sqlite_and_browser_without_chromium_loudly(tmp_path: Path) -> None:
    result = _run_probe(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 skipped" in result.stdout
    assert "1 BROWSER TESTS SKIPPED: no Chromium found" in result.stdout


def test_it_fails_the_run_when_a_required_marker_skipped(tmp_path: Path) -> None:
    result = _run_probe(tmp_path, "--require-markers", "pg_only,browser")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "REQUIRED TESTS WERE SKIPPED" in result.stdout
    assert "test_probe.py::test_needs_postgres (pg_only)" in result.stdout
    assert "test_probe.py::test_needs_chromium (browser)" in result.stdout
