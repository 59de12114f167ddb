"""Meetings, follow-up actions and incidents: stored, audited, and moving the use-case's updated_at."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from register import services
from register.choices import DecisionKind
from register.models import AuditEvent, UseCase
from register.services.use_cases import ActionSpec
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HAPPENED = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)


def test_it_records_a_meeting_and_a_decision_taken_in_it() -> None:
    chair, secretary = UserFactory.create(username="chair"), UserFactory.create(username="secretary")
    meeting = services.meeting_record(
        acting_user=secretary,
        held_on=dt.date(2026, 11, 26),
        title="AI-commissie november",
        attendees=[chair, secretary],
    )
    case = factories.use_case()
    services.use_case_submit(acting_user=case.owner, use_case=case)
    decision = services.decision_record(
        acting_user=chair, use_case=case, kind=DecisionKind.APPROVE, meeting=meeting
    )
    assert list(meeting.decisions.all()) == [decision]
    event = AuditEvent.objects.get(action="register.meeting.recorded")
    assert event.snapshot["attendees"] == ["chair", "secretary"]


def test_it_completes_an_action_once_and_moves_the_use_case() -> None:
    chair = UserFactory.create(username="chair")
    case = factories.use_case()
    services.use_case_submit(acting_user=case.owner, use_case=case)
    decision = services.decision_record(
        acting_user=chair,
        use_case=case,
        kind=DecisionKind.APPROVE,
        conditions="Add the notice",
        actions=[ActionSpec("Add the notice", case.owner, dt.date(2026, 12, 15))],
    )
    before = UseCase.objects.get(pk=case.pk).updated_at
    action = decision.actions.get()
    services.action_complete(acting_user=case.owner, action=action, note="Notice live")
    assert UseCase.objects.get(pk=case.pk).updated_at > before
    with pytest.raises(ValidationError):
        services.action_complete(acting_user=case.owner, action=action)


def test_it_records_an_incident_and_refuses_awareness_before_it_happened() -> None:
    case = factories.use_case()
    incident = services.incident_record(
        acting_user=case.owner,
        use_case=case,
        what_happened="The chatbot promised a refund policy we do not have",
        happened_at=HAPPENED,
        aware_at=HAPPENED + dt.timedelta(hours=3),
        seriousness="",
        severity=2,
    )
    assert AuditEvent.objects.filter(action="register.incident.recorded", use_case_id=case.pk).count() == 1
    assert incident.status == "open"
    with pytest.raises(ValidationError):
        services.incident_record(
            acting_user=case.owner,
            use_case=case,
            what_happened="Clock confusion",
            happened_at=HAPPENED,
            aware_at=HAPPENED - dt.timedelta(hours=1),
        )
