"""seed_bench: the benchmarks' register (issue 10). Small sizes here; `make bench` runs the large."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from register import reminders
from register.models import AuditEvent, Decision, Delivery, Review, RiskAssessment, UseCase, User

pytestmark = pytest.mark.django_db
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DAY = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)


def _seed(size: int, seed: int = 7, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "seed_bench", "--use-cases", str(size), "--seed", str(seed), *extra, stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def _fingerprint() -> str:
    """Every row the seed wrote to the main tables, as one hash."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in (UseCase, RiskAssessment, Decision, Review, Delivery, AuditEvent):
            cursor.execute(
                f"SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM \"{model._meta.db_table}\" t"  # noqa: S608
            )
            digest.update(str(cursor.fetchone()[0]).encode())
    return digest.hexdigest()


@pytest.mark.pg_only
@time_machine.travel(DAY, tick=False)
def test_it_builds_a_register_with_a_tenth_due_and_history_that_agrees_with_it() -> None:
    out = _seed(300)
    assert "300 UseCase" in out
    assert UseCase.objects.count() == 300
    # About 10 audit events and a few reviews per use-case, with the people to own them.
    assert 6 * 300 <= AuditEvent.objects.count() <= 14 * 300
    assert 3 * 300 <= Review.objects.count() <= 5 * 300
    assert User.objects.filter(username__in=["bench-committee", "bench-auditor"], is_active=True).count() == 2
    assert set(UseCase.objects.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "changes_requested",
        "approved",
        "rejected",
    }
    # Exactly a tenth has a review reminder due: the planner itself finds them.
    planned = reminders.plan(timezone.now())
    assert planned.schedules == 30
    # Each use-case's stored row is its latest snapshot: the register as of now reads the same.
    client = APIClient()
    client.force_authenticate(User.objects.get(username="bench-auditor"))
    live = client.get("/api/v1/use-cases/", {"page_size": "500"}).json()["results"]
    past = client.get("/api/v1/use-cases/", {"page_size": "500", "as_of": "2026-11-27T13:59:00Z"}).json()
    assert len(live) == 300
    diffs = [
        (a["id"], k, a[k], b[k])
        for a, b in zip(past["results"], live, strict=True)
        for k in a
        if a[k] != b[k]
    ]
    assert sorted({d[1] for d in diffs}) == [], diffs[:5]


@pytest.mark.pg_only
def test_the_same_seed_gives_the_same_register_and_another_seed_another() -> None:
    with time_machine.travel(DAY, tick=False):
        _seed(120, 3)
        first = _fingerprint()
    with time_machine.travel(DAY + dt.timedelta(hours=5), tick=False):  # later the same day
        _seed(120, 3, "--replace")
        assert _fingerprint() == first
        _seed(120, 4, "--replace")
        assert _fingerprint() != first


@pytest.mark.pg_only
def test_it_refuses_a_register_that_holds_anything(django_user_model: Any) -> None:
    django_user_model.objects.create(username="someone")
    with pytest.raises(CommandError, match=r"not empty \(register_user\).*--replace"):
        _seed(10)
    assert list(User.objects.values_list("username", flat=True)) == ["someone"]
    assert UseCase.objects.count() == 0


@pytest.mark.skipif(ON_POSTGRES, reason="the refusal of SQLite")
def test_it_refuses_sqlite() -> None:
    with pytest.raises(CommandError, match="PostgreSQL"):
        _seed(10)


@pytest.mark.pg_only
def test_it_refuses_a_size_below_one() -> None:
    with pytest.raises(CommandError, match="use-cases"):
        _seed(0)


@pytest.mark.pg_only
def test_it_refuses_a_database_that_is_not_a_benchmarks(
    monkeypatch: pytest.MonkeyPatch, django_user_model: Any
) -> None:
    """Even with --replace: a real register is never emptied or mixed with made-up data."""
    django_user_model.objects.create(username="someone")
    monkeypatch.setitem(connection.settings_dict, "NAME", "koers")
    with pytest.raises(CommandError, match=r"only a benchmark database.*not 'koers'"):
        _seed(10, 1, "--replace")
    assert list(User.objects.values_list("username", flat=True)) == ["someone"]
