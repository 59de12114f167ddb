"""The one persona set (STYLE.md §17). Each persona is a logged-in `Client` (or none, for
`anonymous`); `member_a` and `member_b` are members of business units "Unit A" and "Unit B" of
one legal entity."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from register import services
from register.choices import Role
from register.models import User
from tests.factories import UserFactory, business_unit

PERSONAS = ("anonymous", "outsider", "member_a", "member_b", "committee", "auditor", "superuser")


def _with_role(username: str, role: Role | None) -> User:
    user = UserFactory.create(username=username, email=f"{username}@example.org")
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
        user = _with_role(name, roles[name])
        if name in {"member_a", "member_b"}:
            unit = business_unit("Unit A" if name == "member_a" else "Unit B")
            services.membership_add(acting_user=None, user=user, business_unit=unit)
        return user

    return make


def _client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _persona_client(name: str) -> Callable[..., Client]:
    @pytest.fixture(name=name)
    def client(make_persona: Callable[[str], User | None]) -> Client:
        return _client_for(make_persona(name))

    return client


# One logged-in Client fixture per persona: `def test_it_...(committee: Client)`.
anonymous = _persona_client("anonymous")
outsider = _persona_client("outsider")
member_a = _persona_client("member_a")
member_b = _persona_client("member_b")
committee = _persona_client("committee")
auditor = _persona_client("auditor")
superuser = _persona_client("superuser")


@pytest.fixture
def persona(request: pytest.FixtureRequest) -> Client:
    """Indirect parametrisation by persona name: `@pytest.mark.parametrize("persona", PERSONAS,
    indirect=True)`."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # PBKDF2's deliberate slowness is for attackers, not for the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def own_cache(settings: Any) -> None:
    """A cache of this test's own: a fresh key prefix, never a flush. In CI the cache is a Redis
    database that the other worker process (and the broker) use at the same time: a flush there
    once reset another test's rate-limit count halfway."""
    default = settings.CACHES["default"]
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
