"""The one persona set (STYLE.md §17). Each persona is a logged-in `Client` (or none, for
`anonymous`); `persona_user` gives the user behind it. Business units A and B join with the
domain core: then `member_a` and `member_b` also get their unit memberships here."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from register import services
from register.choices import Role
from register.models import User
from tests.factories import UserFactory

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
    for item in items:
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


PERSONAS = ("anonymous", "outsider", "member_a", "member_b", "committee", "auditor", "superuser")


def _with_role(username: str, role: Role | None) -> User:
    user = UserFactory.create(username=username)
    if role is not None:
        services.role_grant(acting_user=None, user=user, role=role)
    return user


@pytest.fixture
def make_persona(db: None) -> Callable[[str], User | None]:
    def make(name: str) -> User | None:
        if name == "anonymous":
            return None
        if name == "superuser":
            return UserFactory.create(username="superuser", is_staff=True, is_superuser=True)
        roles = {
            "outsider": None,
            "member_a": Role.MEMBER,
            "member_b": Role.MEMBER,
            "committee": Role.COMMITTEE,
            "auditor": Role.AUDITOR,
        }
        return _with_role(name, roles[name])

    return make


def _client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def outsider(make_persona: Callable[[str], User | None]) -> Client:
    return _client_for(make_persona("outsider"))


@pytest.fixture
def member_a(make_persona: Callable[[str], User | None]) -> Client:
    return _client_for(make_persona("member_a"))


@pytest.fixture
def member_b(make_persona: Callable[[str], User | None]) -> Client:
    return _client_for(make_persona("member_b"))


@pytest.fixture
def committee(make_persona: Callable[[str], User | None]) -> Client:
    return _client_for(make_persona("committee"))


@pytest.fixture
def auditor(make_persona: Callable[[str], User | None]) -> Client:
    return _client_for(make_persona("auditor"))


@pytest.fixture
def superuser(make_persona: Callable[[str], User | None]) -> Client:
    return _client_for(make_persona("superuser"))


@pytest.fixture
def persona(request: pytest.FixtureRequest) -> Client:
    """Indirect parametrisation by persona name: `@pytest.mark.parametrize("persona", PERSONAS,
    indirect=True)`."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # PBKDF2's deliberate slowness is for attackers, not for the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
