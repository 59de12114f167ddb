"""Incidents in the API carry their legal clocks, each with its rule, deadline and whether the
committee marked it done (issue 9)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from register import services
from tests import factories

pytestmark = pytest.mark.django_db

AWARE = dt.datetime(2026, 3, 27, 22, 30, tzinfo=dt.UTC)  # 23:30 in Amsterdam, before summer time


def test_it_shows_an_incidents_clocks_with_their_rules(auditor: Client) -> None:
    chair = factories.committee_member("chair")
    use_case = factories.use_case(lifecycle_stage="production")
    with time_machine.travel(AWARE + dt.timedelta(hours=1), tick=False):
        incident = services.incident_record(
            acting_user=chair,
            use_case=use_case,
            what_happened="The chatbot gave wrong medication advice",
            happened_at=AWARE,
            aware_at=AWARE,
            seriousness="a",
            personal_data_breach=True,
        )
        services.incident_clock_done(
            acting_user=chair, incident=incident, clock="inform_provider", reference="Ticket CD-1234"
        )
    body = auditor.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert (body["death"], body["widespread_infringement"], body["personal_data_breach"]) == (
        False,
        False,
        True,
    )
    clocks = {clock["code"]: clock for clock in body["clocks"]}
    assert sorted(clocks) == ["art73_report", "gdpr_breach", "inform_provider"]
    assert (clocks["inform_provider"]["deadline"], clocks["inform_provider"]["reference"]) == (
        "2026-03-27T23:30:00+01:00",
        "Ticket CD-1234",
    )
    assert clocks["inform_provider"]["done_at"] == "2026-03-28T00:30:00+01:00"
    # 15 calendar days, ending at the same local time across the change to summer time.
    assert (clocks["art73_report"]["deadline"], clocks["art73_report"]["owed_by"]) == (
        "2026-04-11T23:30:00+02:00",
        "provider",
    )
    # 72 real hours: one hour later on the clock after the change.
    assert (clocks["gdpr_breach"]["deadline"], clocks["gdpr_breach"]["done_at"]) == (
        "2026-03-31T00:30:00+02:00",
        None,
    )
    assert "Art. 33" in clocks["gdpr_breach"]["rule_en"]
