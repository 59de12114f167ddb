"""Cadence and reminder dates; no database."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

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


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


class _Ams(TypedDict):
    hour: int
    zone: str


AMS: _Ams = {"hour": 8, "zone": "Europe/Amsterdam"}


@pytest.mark.parametrize(
    ("now", "current", "earlier", "next_at"),
    [
        # Before the first reminder: nothing applies; the upcoming one is next (14 days before, 08:00).
        ("2026-11-30T12:00+01:00", None, [], "2026-12-01T08:00+01:00"),
        ("2026-12-01T07:59+01:00", None, [], "2026-12-01T08:00+01:00"),
        ("2026-12-01T08:00+01:00", ("upcoming", 0), [], "2026-12-15T08:00+01:00"),
        ("2026-12-15T08:00+01:00", ("due", 0), ["upcoming"], "2026-12-16T08:00+01:00"),
        ("2026-12-16T09:00+01:00", ("overdue", 0), ["upcoming", "due"], "2026-12-23T08:00+01:00"),
        ("2026-12-23T08:00+01:00", ("overdue", 1), ["upcoming", "due", "overdue"], "2026-12-30T08:00+01:00"),
        # A week of downtime: only the stage that applies now; the earlier ones are listed to skip.
        (
            "2027-01-05T10:00+01:00",
            ("overdue", 2),
            ["upcoming", "due", "overdue", "overdue"],
            "2027-01-06T08:00+01:00",
        ),
    ],
)
def test_it_knows_which_stage_applies_now(
    now: str, current: tuple[str, int] | None, earlier: list[str], next_at: str
) -> None:
    where = schedule.stages_at(dt.date(2026, 12, 15), _utc(now), **AMS)
    assert ((where.current.name, where.current.repeat) if where.current else None) == current
    assert [stage.name for stage in where.earlier] == earlier
    assert where.next_at == _utc(next_at)


def test_the_send_hour_is_local_across_both_daylight_saving_changes() -> None:
    # Summer time starts on 28 March 2027 and ends on 31 October 2027 (Europe/Amsterdam).
    spring = schedule.stages_at(dt.date(2027, 3, 28), _utc("2027-03-01T00:00+00:00"), **AMS)
    assert spring.next_at == _utc("2027-03-14T07:00+00:00")  # upcoming: 08:00 CET
    due_spring = schedule.stages_at(dt.date(2027, 3, 28), _utc("2027-03-14T07:00+00:00"), **AMS)
    assert due_spring.next_at == _utc("2027-03-28T06:00+00:00")  # due: 08:00 CEST
    autumn = schedule.stages_at(dt.date(2027, 10, 31), _utc("2027-10-17T06:00+00:00"), **AMS)
    assert autumn.current is not None
    assert autumn.current.name == "upcoming"  # 08:00 CEST is 06:00 UTC
    assert autumn.next_at == _utc("2027-10-31T07:00+00:00")  # due: 08:00 CET


def test_a_due_date_on_the_31st_falls_back_to_the_months_last_day() -> None:
    assert schedule.next_due(dt.date(2026, 10, 31), 4) == dt.date(2027, 2, 28)
    assert schedule.next_due(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)


def test_the_upcoming_reminder_follows_the_configured_days() -> None:
    where = schedule.stages_at(dt.date(2026, 12, 15), _utc("2026-11-01T00:00+00:00"), upcoming_days=30, **AMS)
    assert where.next_at == _utc("2026-11-15T07:00+00:00")


@pytest.mark.parametrize(
    ("stage", "repeat", "who"),
    [
        ("upcoming", 0, ("owner",)),
        ("due", 0, ("owner",)),
        ("overdue", 0, ("owner", "lead")),
        ("overdue", 1, ("owner", "lead", "committee")),
        ("overdue", 5, ("owner", "lead", "committee")),
    ],
)
def test_the_one_table_of_recipients(stage: str, repeat: int, who: tuple[str, ...]) -> None:
    assert schedule.recipients(stage, repeat) == who
