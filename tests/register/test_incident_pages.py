"""Recording an incident from the use-case page (members of its unit only) and its clocks shown
with their rules, there and in the admin, where the committee marks a clock done."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from register import services
from register.models import AuditEvent, Incident, IncidentClockDone, UseCase
from tests import factories

pytestmark = pytest.mark.django_db

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 3, 29, 10, 0, tzinfo=AMS)
POSTED = {
    "what_happened": "The chatbot showed another customer's address",
    "happened_at": "2026-03-28T21:00",
    "aware_at": "2026-03-28T23:30",
    "seriousness": "c",
    "personal_data_breach": "on",
    "severity": "3",
}


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case() -> UseCase:
    return factories.use_case("Chatbot", unit=factories.business_unit("Unit A"))


def new_url(case: UseCase) -> str:
    return reverse("incident_new", args=[case.pk])


def test_a_member_of_the_unit_records_an_incident_and_sees_its_clocks(
    member_a: Client, case: UseCase
) -> None:
    assert member_a.get(new_url(case)).status_code == 200
    response = member_a.post(new_url(case), POSTED)
    incident = Incident.objects.get(use_case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("use_case_detail", args=[case.pk]) + f"#incident-{incident.pk}"
    assert incident.aware_at == dt.datetime(2026, 3, 28, 22, 30, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(action="register.incident.recorded", use_case_id=case.pk).count() == 1
    page = member_a.get(
        reverse("use_case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Inform the provider (supplier) immediately (AI Act Art. 26(5))." in page
    assert "within 15 days of awareness (AI Act Art. 73" in page
    assert "within 72 hours of awareness (GDPR Art. 33)" in page
    assert 'datetime="2026-04-12T23:30:00+02:00"' in page  # 15 calendar days, same local time
    assert 'datetime="2026-04-01T00:30:00+02:00"' in page  # 72 real hours
    assert "Deadline passed" in page  # "immediately" ran out at awareness
    assert '<label for="id_aware_at">' not in page  # the form is on its own page
    assert reverse("incident_new", args=[case.pk]) in page


def test_the_form_refuses_awareness_before_it_happened(member_a: Client, case: UseCase) -> None:
    response = member_a.post(new_url(case), {**POSTED, "aware_at": "2026-03-28T20:00"})
    assert response.status_code == 200
    assert Incident.objects.count() == 0
    assert 'id="id_aware_at"' in response.content.decode()


@pytest.mark.parametrize("persona", ["member_b", "outsider", "committee", "auditor"], indirect=True)
def test_only_members_of_the_unit_may_record_one(persona: Client, case: UseCase) -> None:
    assert persona.get(new_url(case)).status_code == 404
    assert persona.post(new_url(case), POSTED).status_code == 404
    assert Incident.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_sign_in(anonymous: Client, case: UseCase) -> None:
    response = anonymous.get(new_url(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_form_needs_its_csrf_token(make_persona: object, case: UseCase) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_persona("member_a"))  # type: ignore[operator]
    assert client.post(new_url(case), POSTED).status_code == 403
    assert Incident.objects.count() == 0


def _incident(case: UseCase) -> Incident:
    return services.incident_record(
        acting_user=case.owner,
        use_case=case,
        what_happened="Wrong advice",
        happened_at=NOW - dt.timedelta(hours=3),
        aware_at=NOW - dt.timedelta(hours=2),
        seriousness="b",
    )


def test_the_committee_sees_the_clocks_in_the_admin_and_marks_one_done(
    committee: Client, case: UseCase
) -> None:
    incident = _incident(case)
    url = reverse("admin:register_incident_change", args=[incident.pk])
    page = committee.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "within 2 days of awareness (AI Act Art. 73" in page
    assert 'name="clock" value="art73_report"' in page
    response = committee.post(url, {"clock": "inform_provider", "reference": "mail to supplier 29-3"})
    assert response.status_code == 302
    done = IncidentClockDone.objects.get()
    assert (done.clock, done.reference) == ("inform_provider", "mail to supplier 29-3")
    page = committee.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "reference: mail to supplier 29-3" in page
    assert 'name="clock" value="inform_provider"' not in page


def test_the_admin_refuses_an_empty_reference_and_an_auditor(
    committee: Client, auditor: Client, case: UseCase
) -> None:
    incident = _incident(case)
    url = reverse("admin:register_incident_change", args=[incident.pk])
    assert committee.post(url, {"clock": "art73_report", "reference": " "}).status_code == 302
    assert auditor.get(url).status_code == 200
    assert auditor.post(url, {"clock": "art73_report", "reference": "R-1"}).status_code == 403
    assert IncidentClockDone.objects.count() == 0
