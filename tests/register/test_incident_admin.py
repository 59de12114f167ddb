"""The committee records an incident in the admin for a chosen use-case (through the service:
audited, and a serious one brings the next review forward); others may not; times are local."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client

from register.models import AuditEvent, Incident, ReviewSchedule, UseCase
from tests import factories

pytestmark = pytest.mark.django_db

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=AMS)
ADD = "/admin/register/incident/add/"


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case() -> UseCase:
    use_case = factories.use_case(
        "Chatbot", unit=factories.business_unit("Unit A"), lifecycle_stage="production"
    )
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=use_case)
    plan.next_due = dt.date(2027, 6, 1)
    plan.save()
    return use_case


def posted(case: UseCase, **changes: str) -> dict[str, str]:
    return {
        "use_case": str(case.pk),
        "what_happened": "The chatbot showed another customer's address",
        "happened_at": "2026-11-26T21:00",
        "aware_at": "2026-11-26T23:30",
        "seriousness": "c",
        "personal_data_breach": "on",
        "severity": "3",
        **changes,
    }


def test_the_committee_records_a_serious_incident_and_sees_its_clocks(
    committee: Client, case: UseCase
) -> None:
    form = committee.get(ADD, HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200
    assert "Chatbot" in form.content.decode()
    response = committee.post(ADD, posted(case), HTTP_ACCEPT_LANGUAGE="en")
    incident = Incident.objects.get(use_case=case)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/register/incident/{incident.pk}/change/"
    assert incident.aware_at == dt.datetime(2026, 11, 26, 22, 30, tzinfo=dt.UTC)  # typed in local time
    assert incident.happened_at == dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC)
    event = AuditEvent.objects.get(action="register.incident.recorded")
    assert (event.use_case_id, event.actor_label) == (case.pk, "committee")
    # serious: the next review comes forward from 1 June 2027 (KOERS_EXTRA_REVIEW_DAYS)
    next_due = ReviewSchedule.objects.get(use_case=case).next_due
    assert next_due is not None
    assert next_due < dt.date(2027, 6, 1)
    assert AuditEvent.objects.filter(action="register.use_case.review_triggered").count() == 1
    page = committee.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Inform the provider (supplier) immediately (AI Act Art. 26(5))." in page
    assert "GDPR Art. 33" in page


def test_a_minor_incident_leaves_the_review_where_it_was(committee: Client, case: UseCase) -> None:
    response = committee.post(ADD, posted(case, seriousness="", personal_data_breach=""))
    assert response.status_code == 302
    assert Incident.objects.get(use_case=case).seriousness == ""
    assert ReviewSchedule.objects.get(use_case=case).next_due == dt.date(2027, 6, 1)


def test_aware_before_it_happened_shows_the_form_again_with_the_values(
    committee: Client, case: UseCase
) -> None:
    response = committee.post(ADD, posted(case, aware_at="2026-11-26T20:00"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action="register.incident.recorded").exists()
    page = response.content.decode()
    assert "errornote" in page
    assert 'value="2026-11-26T20:00"' in page
    assert 'value="2026-11-26T21:00"' in page
    assert "The chatbot showed another customer&#x27;s address" in page


@pytest.mark.parametrize(
    ("persona", "get", "post"),
    [
        ("anonymous", 302, 302),
        ("outsider", 302, 302),
        ("member_a", 302, 302),
        ("member_b", 302, 302),
        ("committee", 200, 200),
        ("auditor", 403, 403),
        ("superuser", 200, 200),
    ],
    indirect=["persona"],
)
def test_only_the_committee_may_add(persona: Client, get: int, post: int, case: UseCase) -> None:
    assert persona.get(ADD).status_code == get
    assert persona.post(ADD, {}).status_code == post
    assert persona.post(ADD, posted(case)).status_code in {post, 302}
    if get != 200:
        assert not Incident.objects.exists()


def test_a_widespread_infringement_without_a_kind_brings_the_review_forward(case: UseCase) -> None:
    from register import services

    chair = factories.committee_member("chair")
    services.incident_record(
        acting_user=chair,
        use_case=case,
        what_happened="Prices shown to every visitor broke consumer law",
        happened_at=NOW,
        aware_at=NOW,
        widespread_infringement=True,  # serious for the clocks (Art. 3(61)), no Art. 3(49) kind
    )
    assert ReviewSchedule.objects.get(use_case=case).next_due < dt.date(2027, 6, 1)  # type: ignore[operator]


def test_it_refuses_an_awareness_in_the_future(case: UseCase) -> None:
    from django.core.exceptions import ValidationError

    from register import services

    chair = factories.committee_member("chair")
    with pytest.raises(ValidationError, match="aware_at"):
        services.incident_record(
            acting_user=chair,
            use_case=case,
            what_happened="Typed next year by mistake",
            happened_at=NOW,
            aware_at=NOW + dt.timedelta(days=365),
        )
    assert not case.incidents.exists()


def test_the_admin_form_refuses_an_awareness_in_the_future_and_keeps_the_values(
    committee: Client, case: UseCase
) -> None:
    response = committee.post(ADD, posted(case, aware_at="2027-11-26T23:30"))
    assert response.status_code == 200  # shown again, with the error; nothing recorded
    assert "2027-11-26T23:30" in response.content.decode()
    assert not case.incidents.exists()
