"""The two rules stated once: who sees which use-case, and which review is overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from register.models import ReviewSchedule, UseCase, User
from register.selectors import overdue_q, use_cases_visible_to
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units(member_a: Client, member_b: Client) -> tuple[UseCase, UseCase]:
    return (
        factories.use_case("Shift planner", unit=factories.business_unit("Unit A")),
        factories.use_case("Room pricing", unit=factories.business_unit("Unit B")),
    )


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("member_a", ["Shift planner"]),
        ("member_b", ["Room pricing"]),
        ("outsider", []),
        ("committee", ["Room pricing", "Shift planner"]),
        ("auditor", ["Room pricing", "Shift planner"]),
        ("superuser", ["Room pricing", "Shift planner"]),
    ],
)
def test_it_shows_each_person_only_what_they_may_see(
    persona: str, visible: list[str], two_units: tuple[UseCase, UseCase], request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue(persona)
    user = User.objects.get(username=persona)
    assert sorted(use_cases_visible_to(user).values_list("name", flat=True)) == visible


def test_it_shows_nothing_to_anonymous_or_deactivated_people(two_units: tuple[UseCase, UseCase]) -> None:
    assert list(use_cases_visible_to(AnonymousUser())) == []
    User.objects.filter(username="member_a").update(is_active=False)
    assert list(use_cases_visible_to(User.objects.get(username="member_a"))) == []


@pytest.mark.parametrize(
    ("stage", "next_due", "overdue"),
    [
        ("production", dt.date(2026, 11, 26), True),
        ("pilot", dt.date(2026, 11, 1), True),
        ("production", dt.date(2026, 11, 27), False),  # due today is not overdue yet
        ("production", None, False),
        ("idea", dt.date(2026, 1, 1), False),  # not in use
        ("suspended", dt.date(2026, 1, 1), False),
        ("retired", dt.date(2026, 1, 1), False),
    ],
)
def test_it_judges_overdue_against_the_local_day(stage: str, next_due: dt.date | None, overdue: bool) -> None:
    case = factories.use_case()
    UseCase.objects.filter(pk=case.pk).update(lifecycle_stage=stage)  # the state under test, set directly
    ReviewSchedule.objects.filter(use_case=case).update(next_due=next_due)
    assert UseCase.objects.filter(overdue_q(dt.date(2026, 11, 27)), pk=case.pk).exists() is overdue
