"""Retention (register/retention.py, SECURITY.md): `apply_retention` removes logs past their time
and pseudonymises people who left; the register and its audit trail stay."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.sessions.models import Session
from django.core.management import call_command

from register import services
from register.models import ApiAccess, AuditEvent, Heartbeat, SweepRun, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)


def _ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def _run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _access(user: User, days: float) -> ApiAccess:
    return ApiAccess.objects.create(
        user=user,
        occurred_at=_ago(days),
        method="GET",
        path="/api/v1/",
        status_code=200,
        duration_ms=1,
        authenticated_by="token",
    )


def test_it_removes_api_requests_and_admin_history_past_a_year() -> None:
    person = UserFactory.create()
    old, kept = _access(person, 366), _access(person, 364)
    LogEntry.objects.create(user=person, action_time=_ago(400), action_flag=CHANGE, object_repr="x")
    recent = LogEntry.objects.create(user=person, action_time=_ago(10), action_flag=CHANGE, object_repr="y")
    out = _run()
    assert "register.apiaccess: 1 removed" in out
    assert "admin.logentry: 1 removed" in out
    assert list(ApiAccess.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not ApiAccess.objects.filter(pk=old.pk).exists()
    assert list(LogEntry.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_api_requests_time_is_a_setting(settings: Any) -> None:
    settings.KOERS_RETENTION_API_ACCESS_DAYS = 30
    person = UserFactory.create()
    _access(person, 31)
    kept = _access(person, 29)
    assert "register.apiaccess: 1 removed" in _run()
    assert list(ApiAccess.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_dry_run_counts_and_changes_nothing() -> None:
    person = UserFactory.create()
    _access(person, 400)
    out = _run("--dry-run")
    assert "register.apiaccess: 1 would go" in out
    assert "Nothing changed (dry run)." in out
    assert ApiAccess.objects.count() == 1


def test_it_keeps_the_last_clean_sweep_however_old() -> None:
    clean = SweepRun.objects.create(started_at=_ago(200), finished_at=_ago(200))
    SweepRun.objects.create(started_at=_ago(300), finished_at=_ago(300))  # older: goes
    crashed = SweepRun.objects.create(started_at=_ago(60), finished_at=_ago(60), error="RuntimeError")
    SweepRun.objects.create(started_at=_ago(100), finished_at=_ago(100), error="RuntimeError")  # goes
    recent = SweepRun.objects.create(started_at=_ago(1), finished_at=None)
    assert "register.sweeprun: 2 removed" in _run()
    assert set(SweepRun.objects.values_list("pk", flat=True)) == {clean.pk, crashed.pk, recent.pk}


def test_it_removes_old_heartbeats_and_expired_sessions() -> None:
    Heartbeat.objects.create(created_at=_ago(2))
    fresh = Heartbeat.objects.create(created_at=_ago(0.5))
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=_ago(1))
    Session.objects.create(session_key="b" * 32, session_data="", expire_date=NOW + dt.timedelta(days=1))
    out = _run()
    assert "register.heartbeat: 1 removed" in out
    assert "django_session: 1 removed" in out
    assert list(Heartbeat.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]


def test_it_pseudonymises_people_who_left_long_enough_ago() -> None:
    left_long_ago = UserFactory.create(username="anna.bakker", first_name="Anna", last_name="Bakker")
    left_lately = UserFactory.create(username="bram")
    staying = UserFactory.create(username="cees")
    made_inactive_by_hand = UserFactory.create(username="dirk", is_active=False)  # no record of when
    with time_machine.travel(_ago(91), tick=False):
        services.user_deactivate(acting_user=None, user=left_long_ago)
    with time_machine.travel(_ago(89), tick=False):
        services.user_deactivate(acting_user=None, user=left_lately)

    assert "register.user: 1 would go" in _run("--dry-run")
    assert User.objects.get(pk=left_long_ago.pk).username == "anna.bakker"

    assert "register.user: 1 removed" in _run()
    gone = User.objects.get(pk=left_long_ago.pk)
    assert (gone.username, gone.first_name, gone.last_name, gone.email) == (f"former-{gone.pk}", "", "", "")
    # Throughout the audit trail: no event names them any more, and the pseudonymisation is one.
    assert not AuditEvent.objects.filter(snapshot__username="anna.bakker").exists()
    assert AuditEvent.objects.filter(action="register.user.pseudonymised", subject_id=str(gone.pk)).exists()
    for person in (left_lately, staying, made_inactive_by_hand):
        assert User.objects.get(pk=person.pk).username == person.username
    assert "register.user: 0 removed" in _run()  # once is enough


def test_it_forgets_who_asked_a_public_question_a_year_after_the_answer() -> None:
    from register.models import Delivery, ExplanationRequest
    from tests.register.test_transparency import approved, chair, publish

    case = approved()
    publish(case)
    with time_machine.travel(_ago(400), tick=False):
        old = services.explanation_request_create(
            acting_user=None, use_case=case, kind="explanation", question="Waarom dit antwoord?",
            name="Karin de Wit", email="karin@example.net", phone="0612345678",
        )  # fmt: skip
        services.explanation_request_answer(acting_user=chair(), request=old, note="Per e-mail uitgelegd")
    with time_machine.travel(_ago(30), tick=False):
        recent = services.explanation_request_create(
            acting_user=None, use_case=case, kind="explanation", question="En nu?", email="piet@example.net"
        )
        services.explanation_request_answer(acting_user=chair(), request=recent, note="Gebeld")
    still_open = services.explanation_request_create(
        acting_user=None, use_case=case, kind="explanation", question="Open?", email="open@example.net"
    )

    assert "register.explanationrequest: 1 would go" in _run("--dry-run")
    assert "register.explanationrequest: 1 removed" in _run()

    gone = ExplanationRequest.objects.get(pk=old.pk)
    assert (gone.name, gone.email, gone.phone) == ("", "", "")
    assert (gone.question, gone.answer_note) == ("Waarom dit antwoord?", "Per e-mail uitgelegd")
    assert gone.contact_removed_at is not None
    # Nowhere else either: the snapshots of its own events, the confirmation sent to them.
    for personal in ("Karin", "karin@example.net", "0612345678"):
        assert not AuditEvent.objects.filter(snapshot__icontains=personal).exists()
        assert not Delivery.objects.filter(recipient__icontains=personal).exists()
    assert AuditEvent.objects.filter(
        action="register.explanation_request.contact_removed", subject_id=str(old.pk)
    ).exists()
    for kept in (recent, still_open):
        assert ExplanationRequest.objects.get(pk=kept.pk).email == kept.email
    assert "register.explanationrequest: 0 removed" in _run()  # once is enough
