"""Cadence and reminder dates; no database."""

from __future__ import annotations

import datetime as dt

import pytest

from register import schedule


@pytest.mark.parametrize(
    ("tier", "override", "months"),
    [
        ("high_risk", None, 3),
        ("limited", None, 6),
        ("minimal", None, 12),
        ("out_of_scope", None, 12),
        ("prohibited", None, None),
        ("prohibited", 1, None),  # never scheduled, whatever the override
        ("minimal", 2, 2),
        ("", None, 3),  # not assessed yet: the strictest cadence
    ],
)
def test_it_picks_the_cadence(tier: str, override: int | None, months: int | None) -> None:
    assert schedule.cadence_months(tier, override=override) == months


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2027, 11, 30), 3, dt.date(2028, 2, 29)),
        (dt.date(2026, 8, 31), 3, dt.date(2026, 11, 30)),
        (dt.date(2026, 11, 27), 12, dt.date(2027, 11, 27)),
    ],
)
def test_it_counts_calendar_months_falling_back_to_the_last_day(
    start: dt.date, months: int, due: dt.date
) -> None:
    assert schedule.next_due(start, months) == due


@pytest.mark.parametrize(
    ("stage", "repeat", "day"),
    [
        ("upcoming", 0, dt.date(2026, 12, 1)),
        ("due", 0, dt.date(2026, 12, 15)),
        ("overdue", 0, dt.date(2026, 12, 16)),
        ("overdue", 1, dt.date(2026, 12, 23)),
        ("overdue", 2, dt.date(2026, 12, 30)),
    ],
)
def test_it_dates_each_reminder_stage(stage: str, repeat: int, day: dt.date) -> None:
    assert schedule.stage_date(dt.date(2026, 12, 15), stage, repeat) == day


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (dt.date(2026, 3, 28), dt.datetime(2026, 3, 28, 7, 0, tzinfo=dt.UTC)),  # winter time, UTC+1
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 6, 0, tzinfo=dt.UTC)),  # summer time from today
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)),
    ],
)
def test_it_sends_at_the_local_hour_across_daylight_saving(day: dt.date, utc: dt.datetime) -> None:
    assert schedule.send_at(day, hour=8, zone="Europe/Amsterdam") == utc
