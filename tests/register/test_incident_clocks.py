"""The incident clocks (DIGEST §11.5): which apply, and when each runs out. No database; the
expected deadlines are written by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from register.incident_clocks import (
    ART73_REPORT,
    GDPR_BREACH,
    INFORM_PROVIDER,
    Facts,
    add_calendar_days,
    add_hours,
    clocks_for,
)

ZONE = "Europe/Amsterdam"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("aware", "days", "deadline"),
    [
        # 23:30 the evening before the March change: 47 real hours, same local time.
        ("2026-03-28T23:30+01:00", 2, "2026-03-30T23:30+02:00"),
        ("2026-03-28T23:30+01:00", 10, "2026-04-07T23:30+02:00"),
        ("2026-03-28T23:30+01:00", 15, "2026-04-12T23:30+02:00"),
        # 23:30 the evening before the October change: 49 real hours, same local time.
        ("2026-10-24T23:30+02:00", 2, "2026-10-26T23:30+01:00"),
        ("2026-10-24T23:30+02:00", 10, "2026-11-03T23:30+01:00"),
        ("2026-10-24T23:30+02:00", 15, "2026-11-08T23:30+01:00"),
        # No DST change in between: exactly 48 hours.
        ("2026-06-10T14:05+02:00", 2, "2026-06-12T14:05+02:00"),
        # Month ends.
        ("2026-01-31T10:00+01:00", 15, "2026-02-15T10:00+01:00"),
        ("2026-01-31T10:00+01:00", 2, "2026-02-02T10:00+01:00"),
        ("2026-04-30T16:45+02:00", 15, "2026-05-15T16:45+02:00"),
        ("2026-04-30T16:45+02:00", 2, "2026-05-02T16:45+02:00"),
        ("2026-12-31T23:30+01:00", 2, "2027-01-02T23:30+01:00"),
        # Leap year: over and from 29 February.
        ("2028-02-28T09:00+01:00", 2, "2028-03-01T09:00+01:00"),
        ("2028-02-29T09:00+01:00", 10, "2028-03-10T09:00+01:00"),
        ("2028-02-29T09:00+01:00", 15, "2028-03-15T09:00+01:00"),
        # A wall time the clocks skip (02:30 on 29 March 2026) or show twice (25 October 2026):
        # the earlier instant.
        ("2026-03-27T02:30+01:00", 2, "2026-03-29T01:30+01:00"),
        ("2026-10-23T02:30+02:00", 2, "2026-10-25T02:30+02:00"),
        # Given in UTC, counted in the organisation's zone.
        ("2026-03-28T22:30+00:00", 2, "2026-03-30T23:30+02:00"),
    ],
)
def test_it_counts_calendar_days_to_the_same_local_time(aware: str, days: int, deadline: str) -> None:
    result = add_calendar_days(at(aware), days, ZONE)
    # In UTC: an instant in a doubled hour compares unequal across zones (PEP 495).
    assert result.astimezone(dt.UTC) == at(deadline).astimezone(dt.UTC)
    assert result.utcoffset() == at(deadline).utcoffset()


@pytest.mark.parametrize(
    ("aware", "deadline"),
    [
        # 72 real hours: across the March change the local clock reads an hour later ...
        ("2026-03-28T23:30+01:00", "2026-04-01T00:30+02:00"),
        # ... and across the October change an hour earlier.
        ("2026-10-24T23:30+02:00", "2026-10-27T22:30+01:00"),
        ("2026-01-31T10:00+01:00", "2026-02-03T10:00+01:00"),
        ("2026-04-30T16:45+02:00", "2026-05-03T16:45+02:00"),
        ("2028-02-28T09:00+01:00", "2028-03-02T09:00+01:00"),
    ],
)
def test_it_counts_72_real_hours(aware: str, deadline: str) -> None:
    result = add_hours(at(aware), 72, ZONE)
    # In UTC: an instant in a doubled hour compares unequal across zones (PEP 495).
    assert result.astimezone(dt.UTC) == at(deadline).astimezone(dt.UTC)
    assert result.utcoffset() == at(deadline).utcoffset()


AWARE = "2026-03-28T23:30+01:00"


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, []),
        ({"personal_data_breach": True}, [(GDPR_BREACH, "controller", "2026-04-01T00:30+02:00")]),
        (
            {"seriousness": "a"},
            [
                (INFORM_PROVIDER, "deployer", "2026-03-28T23:30+01:00"),
                (ART73_REPORT, "provider", "2026-04-12T23:30+02:00"),
            ],
        ),
        (
            {"seriousness": "a", "death": True},
            [
                (INFORM_PROVIDER, "deployer", "2026-03-28T23:30+01:00"),
                (ART73_REPORT, "provider", "2026-04-07T23:30+02:00"),
            ],
        ),
        (
            {"seriousness": "b"},
            [
                (INFORM_PROVIDER, "deployer", "2026-03-28T23:30+01:00"),
                (ART73_REPORT, "provider", "2026-03-30T23:30+02:00"),
            ],
        ),
        (
            {"seriousness": "c", "widespread_infringement": True, "personal_data_breach": True},
            [
                (INFORM_PROVIDER, "deployer", "2026-03-28T23:30+01:00"),
                (ART73_REPORT, "provider", "2026-03-30T23:30+02:00"),
                (GDPR_BREACH, "controller", "2026-04-01T00:30+02:00"),
            ],
        ),
        # A death and critical infrastructure at once: the shortest deadline, 2 days.
        (
            {"seriousness": "b", "death": True},
            [
                (INFORM_PROVIDER, "deployer", "2026-03-28T23:30+01:00"),
                (ART73_REPORT, "provider", "2026-03-30T23:30+02:00"),
            ],
        ),
        (
            {"seriousness": "d", "personal_data_breach": True},
            [
                (INFORM_PROVIDER, "deployer", "2026-03-28T23:30+01:00"),
                (GDPR_BREACH, "controller", "2026-04-01T00:30+02:00"),
                (ART73_REPORT, "provider", "2026-04-12T23:30+02:00"),
            ],
        ),
    ],
)
def test_it_applies_the_clocks_of_each_kind(
    facts: dict[str, object], expected: list[tuple[str, str, str]]
) -> None:
    clocks = clocks_for(Facts(aware_at=at(AWARE), **facts), zone=ZONE)  # type: ignore[arg-type]
    assert [(c.code, c.owner, c.deadline) for c in clocks] == [(c, o, at(d)) for c, o, d in expected]


def test_it_states_each_rule_with_its_article_in_both_languages() -> None:
    facts = Facts(aware_at=at(AWARE), seriousness="a", death=True, personal_data_breach=True)
    rules = {c.code: (c.rule("en"), c.rule("nl")) for c in clocks_for(facts, zone=ZONE)}
    assert rules[INFORM_PROVIDER] == (
        "Inform the provider (supplier) immediately (AI Act Art. 26(5)).",
        "Informeer de aanbieder (leverancier) onmiddellijk (art. 26 lid 5 AI-verordening).",
    )
    assert rules[ART73_REPORT] == (
        "The provider reports the serious incident to the market surveillance authority within 10 days"
        " of awareness (AI Act Art. 73: 15 days, 10 after a death, 2 for a widespread infringement or"
        " critical infrastructure).",
        "De aanbieder meldt het ernstige incident binnen 10 dagen na kennisname aan de"
        " markttoezichtautoriteit (art. 73 AI-verordening: 15 dagen, 10 bij een overlijden, 2 bij een"
        " wijdverbreide inbreuk of kritieke infrastructuur).",
    )
    assert rules[GDPR_BREACH] == (
        "Notify the personal data breach to the Dutch Data Protection Authority within 72 hours of"
        " awareness (GDPR Art. 33).",
        "Meld het datalek binnen 72 uur na kennisname bij de Autoriteit Persoonsgegevens (art. 33 AVG).",
    )
