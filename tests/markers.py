"""The test markers' rules, as a plugin (loaded by the root conftest.py, or with -p).

- `pg_only` tests skip unless the database is PostgreSQL; `browser` tests skip unless Chromium
  is on PATH, with a loud line at the end of the run; `fault` tests skip unless they can make a
  private PostgreSQL cluster (Debian's pg_createcluster, as root).
- `--require-markers pg_only,browser` (CI; `fault` in its own step) turns any such skip into a
  failed run."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-markers",
        default="",
        help="comma-separated markers (pg_only,browser) whose tests must run: a skip fails the run",
    )


def _chromium() -> str | None:
    return next((path for name in CHROMIUM_CANDIDATES if (path := shutil.which(name))), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    has_chromium = _chromium() is not None
    makes_clusters = shutil.which("pg_createcluster") is not None and os.geteuid() == 0
    for item in items:
        if "fault" in item.keywords and not makes_clusters:
            item.add_marker(pytest.mark.skip(reason="fault: needs pg_createcluster, run as root"))
        if "pg_only" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="pg_only: DATABASE_URL does not point at PostgreSQL"))
        if "browser" in item.keywords and not has_chromium:
            item.add_marker(pytest.mark.skip(reason="browser: no Chromium found on PATH"))


# Markers whose tests CI requires to run (--require-markers), and those that were skipped anyway.
_REQUIRED: list[str] = []
_SKIPPED_REQUIRED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and report.when in {"setup", "call"}:
        required = {m for m in _REQUIRED if m in report.keywords}
        if required:
            _SKIPPED_REQUIRED.append(f"{report.nodeid} ({', '.join(sorted(required))})")


def pytest_configure(config: pytest.Config) -> None:
    _REQUIRED[:] = [m.strip() for m in str(config.getoption("--require-markers")).split(",") if m.strip()]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    browser_skips = [
        r for r in terminalreporter.stats.get("skipped", []) if "browser" in getattr(r, "keywords", {})
    ]
    if browser_skips:
        terminalreporter.write_sep(
            "!",
            f"{len(browser_skips)} BROWSER TESTS SKIPPED: no Chromium found (apt install chromium)",
            red=True,
            bold=True,
        )
    if _SKIPPED_REQUIRED:
        terminalreporter.write_sep("!", "REQUIRED TESTS WERE SKIPPED", red=True, bold=True)
        for line in _SKIPPED_REQUIRED:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED_REQUIRED and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
