"""Browser tests: Playwright driving Debian's Chromium (no downloaded browsers on these
machines), against pytest-django's live server. Every page a test visits is checked with
axe-core: no serious or critical violations."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
# it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A Dutch browser: Koers is Dutch-first.
    return {**browser_context_args, "locale": "nl-NL", "timezone_id": "Europe/Amsterdam"}


_axe = Axe()


@pytest.fixture(autouse=True)
def _nothing_refused_by_the_content_security_policy(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every page a browser test visits runs under the Content Security Policy (config/settings.py)
    without the browser refusing anything: no inline script or style, nothing from elsewhere,
    also where a script adds it (htmx, the admin's, the API docs')."""
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    refused: list[str] = []

    def watch(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    yield
    assert refused == [], "\n".join(refused)


def check_accessibility(page: Page) -> None:
    """Zero serious or critical axe-core violations on the page as it is now."""
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]
    assert bad == [], "\n".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in bad)


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Iterator[Callable[[str], None]]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}-{name}.png", full_page=True)

    yield take
    take("last")


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    check_accessibility(page)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill("correct horse battery staple")
    page.get_by_role("button", name="Inloggen").click()
