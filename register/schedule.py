"""Review cadence and reminder dates (PRODUCT.md, reviews and deliveries). Pure: no ORM, dates
and zones passed in. Cadences are calendar months; the 31st falls back to the month's last day."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from register.choices import RiskTier

# Months between reviews per tier; settings.KOERS_REVIEW_CADENCE_MONTHS (from the environment
# variable of that name) is what the services pass in.
# A prohibited use-case is suspended and escalated at once, never scheduled.
DEFAULT_CADENCE_MONTHS: dict[str, int | None] = {
    RiskTier.HIGH_RISK: 3,
    RiskTier.LIMITED: 6,
    RiskTier.MINIMAL: 12,
    RiskTier.OUT_OF_SCOPE: 12,
    RiskTier.PROHIBITED: None,
}
UPCOMING_DAYS = 14


def cadence_months(
    tier: str, *, override: int | None = None, policy: Mapping[str, int | None] = DEFAULT_CADENCE_MONTHS
) -> int | None:
    """The months until the next review; the strictest tier's cadence when none is assessed."""
    if tier == RiskTier.PROHIBITED:
        return None
    if override is not None:
        return override
    return policy.get(tier or RiskTier.HIGH_RISK, policy[RiskTier.HIGH_RISK])


def next_due(after: dt.date, months: int) -> dt.date:
    return after + relativedelta(months=months)


def stage_date(due: dt.date, stage: str, repeat: int = 0, *, upcoming_days: int = UPCOMING_DAYS) -> dt.date:
    """The local day a reminder stage falls on: upcoming 14 days before, due on the day, overdue
    the day after (repeat 0) and weekly after that."""
    if stage == "upcoming":
        return due - dt.timedelta(days=upcoming_days)
    if stage == "due":
        return due
    if stage == "overdue":
        return due + dt.timedelta(days=1 + 7 * repeat)
    raise ValueError(f"unknown stage {stage!r}")


def send_at(day: dt.date, *, hour: int, zone: str) -> dt.datetime:
    """The moment, in UTC, of the local send hour on a local day (DST-correct)."""
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(zone))
    return local.astimezone(dt.UTC)


@dataclass(frozen=True)
class Stage:
    """One reminder of a review: its name, its repeat number (overdue: 0, 1, 2, ... weekly) and
    the moment (UTC) it is to be sent: the send hour on its local day."""

    name: str
    repeat: int
    day: dt.date
    at: dt.datetime


@dataclass(frozen=True)
class Now:
    """Where a review's reminders stand at a moment: the stage that applies now (None before the
    first), the earlier ones (each sent already, or missed and to be recorded as skipped), and
    when the next stage is to be sent."""

    current: Stage | None
    earlier: tuple[Stage, ...]
    next_at: dt.datetime


def _stages(due: dt.date, *, hour: int, zone: str, upcoming_days: int) -> Iterator[Stage]:
    def stage(name: str, repeat: int = 0) -> Stage:
        day = stage_date(due, name, repeat, upcoming_days=upcoming_days)
        return Stage(name, repeat, day, send_at(day, hour=hour, zone=zone))

    if upcoming_days > 0:
        yield stage("upcoming")
    yield stage("due")
    repeat = 0
    while True:
        yield stage("overdue", repeat)
        repeat += 1


def stages_at(
    due: dt.date, now: dt.datetime, *, hour: int, zone: str, upcoming_days: int = UPCOMING_DAYS
) -> Now:
    """The reminders of a review due on the local day `due`, as they stand at `now`."""
    reached: list[Stage] = []
    for stage in _stages(due, hour=hour, zone=zone, upcoming_days=upcoming_days):
        if stage.at > now:
            return Now(reached[-1] if reached else None, tuple(reached[:-1]), stage.at)
        reached.append(stage)
    raise AssertionError("the overdue stages never end")  # pragma: no cover


def recipients(stage: str, repeat: int) -> tuple[str, ...]:
    """Who hears of a stage (PRODUCT.md, deliveries): the one table of it. A pilot's stages
    ("pilot_upcoming", ... before and after its end date) follow the same table."""
    if stage.removeprefix("pilot_") == "overdue":
        return ("owner", "lead") if repeat == 0 else ("owner", "lead", "committee")
    return ("owner",)
