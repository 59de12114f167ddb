"""The authentication backend reads a person's permissions in one query, and finds exactly what
Django's own ModelBackend finds."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from register.backends import OneQueryModelBackend
from register.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NumQueries = Callable[[int], AbstractContextManager[Any]]


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permissions remembered on the object


def _people() -> list[User]:
    plain = UserFactory.create()
    own = UserFactory.create()
    own.user_permissions.add(Permission.objects.get(codename="view_vendor"))
    deciders = Group.objects.create(name="deciders")
    deciders.permissions.add(*Permission.objects.filter(codename__in=["view_usecase", "decide_usecase"]))
    grouped = UserFactory.create()
    grouped.groups.add(deciders)
    both = UserFactory.create()  # a permission both their own and from a group: counted once
    both.groups.add(deciders)
    both.user_permissions.add(
        Permission.objects.get(codename="view_usecase"), Permission.objects.get(codename="add_vendor")
    )
    superuser = UserFactory.create(is_superuser=True)
    left = UserFactory.create(is_active=False)
    left.groups.add(deciders)
    return [plain, own, grouped, both, superuser, left]


def test_it_finds_what_djangos_model_backend_finds() -> None:
    people = _people()
    for person in people:
        ours = OneQueryModelBackend().get_all_permissions(_fresh(person))
        assert ours == ModelBackend().get_all_permissions(_fresh(person)), person.username
    plain, own, _grouped, both, superuser, left = (
        OneQueryModelBackend().get_all_permissions(_fresh(p)) for p in people
    )
    assert plain == set()
    assert own == {"register.view_vendor"}
    assert {"register.view_usecase", "register.add_vendor", "register.decide_usecase"} <= both
    assert "register.delete_usecase" in superuser  # a superuser holds every permission there is
    assert left == set()  # inactive: none


def test_it_reads_a_persons_permissions_in_one_query_once_per_request(
    django_assert_num_queries: NumQueries,
) -> None:
    person = _fresh(_people()[3])
    with django_assert_num_queries(1):
        assert person.has_perm("register.decide_usecase")
        assert person.has_perm("register.add_vendor")  # remembered on the object
        assert not person.has_perm("register.delete_usecase")
        assert person.has_module_perms("register")


def test_the_site_uses_it(settings: Any) -> None:
    # django-axes first: it only refuses a paused sign-in, and holds no permissions.
    assert settings.AUTHENTICATION_BACKENDS == [
        "axes.backends.AxesStandaloneBackend",
        "register.backends.OneQueryModelBackend",
    ]
