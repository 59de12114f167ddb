"""Review cadence and reminder dates (PRODUCT.md, reviews and deliveries). Pure: no ORM, dates
and zones passed in. Cadences are calendar months; the 31st falls back to the month's last day."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping

from dateutil.relativedelta import relativedelta

from register.choices import RiskTier

# Months between reviews per tier; settings.KOERS_REVIEW_CADENCE_MONTHS may override any of them.
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


def stage_date(due: dt.date, stage: str, repeat: int = 0) -> dt.date:
    """The local day a reminder stage falls on: upcoming 14 days before, due on the day, overdue
    the day after (repeat 0) and weekly after that."""
    if stage == "upcoming":
        return due - dt.timedelta(days=UPCOMING_DAYS)
    if stage == "due":
        return due
    if stage == "overdue":
        return due + dt.timedelta(days=1 + 7 * repeat)
    raise ValueError(f"unknown stage {stage!r}")


def send_at(day: dt.date, *, hour: int, zone: str) -> dt.datetime:
    """The moment, in UTC, of the local send hour on a local day (DST-correct)."""
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(zone))
    return local.astimezone(dt.UTC)
