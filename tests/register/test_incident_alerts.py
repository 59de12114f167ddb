"""Incident clocks in the register: marking one done (audited, refused without a reference or
when it does not apply), and the committee's alerts: once a day at the send hour until done."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from register import incident_alerts, outbox, services
from register.models import AuditEvent, Delivery, Incident, UseCase
from tests import factories

pytestmark = pytest.mark.django_db

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def case(settings: object) -> UseCase:
    settings.KOERS_COMMITTEE_EMAIL = ""  # type: ignore[attr-defined]
    settings.KOERS_SEND_HOUR = 8  # type: ignore[attr-defined]
    factories.committee_member("chair", email="chair@example.org")
    factories.committee_member("vice", email="vice@example.org", language="en")
    return factories.use_case("Chatbot", unit=factories.business_unit("Unit A"))


def record(case: UseCase, at: dt.datetime, **facts: object) -> Incident:
    with time_machine.travel(at, tick=False):
        return services.incident_record(
            acting_user=case.owner,
            use_case=case,
            what_happened="The chatbot disclosed another customer's order",
            happened_at=at - dt.timedelta(hours=2),
            aware_at=at - dt.timedelta(hours=1),
            **facts,
        )


def sweep_at(*moments: dt.datetime) -> None:
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            outbox.sweep(now=moment)


def alerts() -> list[tuple[str, dt.date, str, str]]:
    return sorted(
        Delivery.objects.filter(template="incident_clock").values_list(
            "stage", "due_date", "recipient", "status"
        )
    )


def test_it_marks_a_clock_done_once_with_its_reference(case: UseCase) -> None:
    incident = record(case, local(2026, 3, 27, 15), seriousness="a", personal_data_breach=True)
    done = services.incident_clock_done(
        acting_user=case.owner, incident=incident, clock="gdpr_breach", reference=" AP-2026-0042 "
    )
    assert (done.clock, done.reference, done.done_by) == ("gdpr_breach", "AP-2026-0042", case.owner)
    event = AuditEvent.objects.get(action="register.incident.clock_done")
    assert event.use_case_id == case.pk
    assert event.justification == "AP-2026-0042"
    assert event.snapshot["clocks_done"] == [["gdpr_breach", "AP-2026-0042"]]
    states = {s.clock.code: s.done for s in incident_alerts.clocks_of(incident)}
    assert states == {"inform_provider": None, "art73_report": None, "gdpr_breach": done}


@pytest.mark.parametrize(
    ("clock", "reference", "code"),
    [
        ("gdpr_breach", "   ", "reference_required"),
        ("art73_report", "", "reference_required"),
        ("gdpr_breach", "AP-1", "clock_not_applicable"),  # no personal data breached
        ("no_such_clock", "X-1", "clock_not_applicable"),
        ("inform_provider", "e-mail to the supplier, 27 March", "already_done"),
    ],
)
def test_it_refuses_a_mark_without_reference_or_that_does_not_apply(
    case: UseCase, clock: str, reference: str, code: str
) -> None:
    incident = record(case, local(2026, 3, 27, 15), seriousness="c")
    services.incident_clock_done(
        acting_user=case.owner, incident=incident, clock="inform_provider", reference="mail 27-3"
    )
    with pytest.raises(ValidationError) as refused:
        services.incident_clock_done(
            acting_user=case.owner, incident=incident, clock=clock, reference=reference
        )
    error = refused.value
    found = (
        [e.code for errors in error.error_dict.values() for e in errors]
        if hasattr(error, "error_dict")
        else [e.code for e in error.error_list]
    )
    assert found == [code]
    assert AuditEvent.objects.filter(action="register.incident.clock_done").count() == 1


def test_it_refuses_a_death_that_is_not_a_serious_incident_of_kind_a(case: UseCase) -> None:
    with pytest.raises(ValidationError):
        record(case, local(2026, 3, 27, 15), seriousness="d", death=True)


def test_it_alerts_the_committee_once_a_day_until_each_clock_is_done(case: UseCase) -> None:
    # Recorded on Friday afternoon: the first alert goes at the next sweep, then daily at 08:00
    # (also on the Sunday summer time starts), several sweeps a day.
    incident = record(case, local(2026, 3, 27, 15), seriousness="a", personal_data_breach=True)
    sweep_at(local(2026, 3, 27, 15, 30), local(2026, 3, 27, 16, 30), local(2026, 3, 28, 7, 59))
    sweep_at(local(2026, 3, 28, 8), local(2026, 3, 28, 9), local(2026, 3, 28, 23, 59))
    sweep_at(local(2026, 3, 29, 7, 30), local(2026, 3, 29, 8), local(2026, 3, 29, 12))
    with time_machine.travel(local(2026, 3, 29, 13), tick=False):
        services.incident_clock_done(
            acting_user=case.owner, incident=incident, clock="gdpr_breach", reference="AP-2026-0042"
        )
    sweep_at(local(2026, 3, 30, 8), local(2026, 3, 30, 10))
    days = [dt.date(2026, 3, 27), dt.date(2026, 3, 28), dt.date(2026, 3, 29)]
    people = ["chair@example.org", "vice@example.org"]
    expected = sorted(
        [(f"incident_{c}", d, p, "sent") for c in ("inform_provider", "art73_report", "gdpr_breach")
         for d in days for p in people]
        + [(f"incident_{c}", dt.date(2026, 3, 30), p, "sent") for c in ("inform_provider", "art73_report")
           for p in people]
    )  # fmt: skip
    assert alerts() == expected
    # Each row went out once: one e-mail per row, none twice.
    sent = Counter(
        m.extra_headers["X-Koers-Delivery"] for m in mail.outbox if "incident" in m.subject.lower()
    )
    assert len(sent) == len(expected)
    assert set(sent.values()) == {1}


def test_it_stops_when_done_and_sends_no_alert_queued_before(case: UseCase) -> None:
    incident = record(case, local(2026, 6, 10, 9), seriousness="b")
    with time_machine.travel(local(2026, 6, 11, 8), tick=False):
        incident_alerts.plan(local(2026, 6, 11, 8))  # queued, not yet sent
        for clock in ("inform_provider", "art73_report"):
            services.incident_clock_done(
                acting_user=case.owner, incident=incident, clock=clock, reference="R-1"
            )
        outbox.sweep(now=local(2026, 6, 11, 8))
    sweep_at(local(2026, 6, 12, 8), local(2026, 6, 13, 8))
    # The 10th passed without a sweep after it was recorded (skipped as missed); the 11th's alert
    # was queued, then the clocks were marked done before it went out.
    assert {row[1:] for row in alerts()} == {
        (dt.date(2026, 6, 10), "chair@example.org", "skipped"),
        (dt.date(2026, 6, 10), "vice@example.org", "skipped"),
        (dt.date(2026, 6, 11), "chair@example.org", "skipped"),
        (dt.date(2026, 6, 11), "vice@example.org", "skipped"),
    }
    assert [m for m in mail.outbox if "incident" in m.subject.lower()] == []
    assert set(
        Delivery.objects.filter(template="incident_clock", due_date=dt.date(2026, 6, 11)).values_list(
            "last_error", flat=True
        )
    ) == {"The clock was marked done before this alert went out."}


def test_after_downtime_only_todays_alert_goes_out(case: UseCase) -> None:
    record(case, local(2026, 10, 23, 15), personal_data_breach=True)
    sweep_at(local(2026, 10, 23, 16))
    sweep_at(local(2026, 10, 27, 9), local(2026, 10, 27, 10))  # down from Friday to Tuesday
    assert [row[1:] for row in alerts() if row[2] == "chair@example.org"] == [
        (dt.date(2026, 10, 23), "chair@example.org", "sent"),
        (dt.date(2026, 10, 24), "chair@example.org", "skipped"),
        (dt.date(2026, 10, 25), "chair@example.org", "skipped"),
        (dt.date(2026, 10, 26), "chair@example.org", "skipped"),
        (dt.date(2026, 10, 27), "chair@example.org", "sent"),
    ]


def test_an_incident_without_clocks_raises_no_alert(case: UseCase) -> None:
    record(case, local(2026, 6, 10, 9), seriousness="", severity=2)
    sweep_at(local(2026, 6, 10, 10), local(2026, 6, 11, 8))
    assert alerts() == []


def test_the_alert_states_the_rule_and_the_deadline_in_the_readers_language(case: UseCase) -> None:
    record(case, local(2026, 3, 28, 23, 30), seriousness="b")  # aware at 22:30
    sweep_at(local(2026, 3, 29, 8))
    by_reader = {
        (m.to[0], m.extra_headers["X-Koers-Delivery"]): m
        for m in mail.outbox
        if "art73" in Delivery.objects.get(pk=m.extra_headers["X-Koers-Delivery"]).stage
    }
    english = next(m for (to, _pk), m in by_reader.items() if to == "vice@example.org")
    assert "within 2 days of awareness (AI Act Art. 73" in english.body
    assert "March 30, 2026, 10:30 p.m." in english.body


@pytest.mark.parametrize(
    ("facts", "clocks"),
    [
        ({}, 0),
        ({"personal_data_breach": True}, 1),
        ({"seriousness": "d"}, 2),
        ({"seriousness": "a", "death": True, "personal_data_breach": True}, 3),
        ({"widespread_infringement": True}, 2),
    ],
)
def test_the_sweeps_count_of_clocks_agrees_with_the_rules(
    case: UseCase, facts: dict[str, object], clocks: int
) -> None:
    incident = record(case, local(2026, 6, 10, 9), **facts)
    counted = Incident.objects.annotate(n=incident_alerts.CLOCK_COUNT).get(pk=incident.pk).n
    assert counted == len(incident_alerts.clocks_of(incident)) == clocks
