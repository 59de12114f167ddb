"""The legal clocks an incident starts (PRODUCT.md, incidents; DIGEST §11.5). Pure: no ORM, the
moment of awareness and the organisation's zone are passed in.

Deadlines count from the moment of awareness in calendar days and end at the same local time
(2 days is 48 hours, except across a DST change, where the local time stays); no shift for
weekends or holidays (the conservative reading). GDPR Art. 33's 72 hours are real hours. Where
the local time does not exist (the clocks skip it in spring) or exists twice (autumn), the
deadline is the earlier of the two readings: the conservative one."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

# Who owes each clock: the organisation as deployer, its supplier as provider, the organisation
# as the GDPR controller.
DEPLOYER, PROVIDER, CONTROLLER = "deployer", "provider", "controller"

INFORM_PROVIDER = "inform_provider"
ART73_REPORT = "art73_report"
GDPR_BREACH = "gdpr_breach"
CODES = (INFORM_PROVIDER, ART73_REPORT, GDPR_BREACH)

# Art. 3(49)(b): serious and irreversible disruption of critical infrastructure.
CRITICAL_INFRASTRUCTURE = "b"


@dataclass(frozen=True)
class Facts:
    """What the clocks depend on. `seriousness` is an IncidentSeriousness value ("" when the
    incident is not serious in the sense of Art. 3(49))."""

    aware_at: dt.datetime
    seriousness: str = ""
    death: bool = False
    widespread_infringement: bool = False  # Art. 3(61)
    personal_data_breach: bool = False


@dataclass(frozen=True)
class Clock:
    code: str
    owner: str  # DEPLOYER, PROVIDER or CONTROLLER
    rule_en: str
    rule_nl: str
    deadline: dt.datetime  # aware, in the organisation's zone

    def rule(self, language: str) -> str:
        return self.rule_nl if language.startswith("nl") else self.rule_en


def add_calendar_days(moment: dt.datetime, days: int, zone: str) -> dt.datetime:
    """`days` calendar days after `moment`, at the same local wall-clock time in `zone`."""
    tz = zoneinfo.ZoneInfo(zone)
    wall = moment.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=days)
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    # A skipped or doubled wall time has two readings (PEP 495): take the earlier instant.
    earlier = min(first.astimezone(dt.UTC), second.astimezone(dt.UTC))
    return earlier.astimezone(tz)  # as the local clock reads it then


def add_hours(moment: dt.datetime, hours: int, zone: str) -> dt.datetime:
    """Real elapsed hours, shown in the organisation's zone."""
    return (moment.astimezone(dt.UTC) + dt.timedelta(hours=hours)).astimezone(zoneinfo.ZoneInfo(zone))


def is_serious(facts: Facts) -> bool:
    return bool(facts.seriousness) or facts.widespread_infringement or facts.death


def art73_days(facts: Facts) -> int:
    """Art. 73(2)-(4): 15 days; 2 for a widespread infringement or a critical-infrastructure
    disruption (73(3)); 10 after a death (73(4)). The shortest that applies wins."""
    if facts.widespread_infringement or facts.seriousness == CRITICAL_INFRASTRUCTURE:
        return 2
    if facts.death:
        return 10
    return 15


def clocks_for(facts: Facts, *, zone: str) -> tuple[Clock, ...]:
    """The clocks that apply, in the order they run out."""
    aware = facts.aware_at.astimezone(zoneinfo.ZoneInfo(zone))
    found: list[Clock] = []
    if is_serious(facts):
        # Art. 26(5): a deployer informs the provider immediately; the clock ran out at awareness.
        found.append(
            Clock(
                INFORM_PROVIDER,
                DEPLOYER,
                "Inform the provider (supplier) immediately (AI Act Art. 26(5)).",
                "Informeer de aanbieder (leverancier) onmiddellijk (art. 26 lid 5 AI-verordening).",
                aware,
            )
        )
        days = art73_days(facts)
        found.append(
            Clock(
                ART73_REPORT,
                PROVIDER,
                f"The provider reports the serious incident to the market surveillance authority "
                f"within {days} days of awareness (AI Act Art. 73: 15 days, 10 after a death, 2 for a "
                f"widespread infringement or critical infrastructure).",
                f"De aanbieder meldt het ernstige incident binnen {days} dagen na kennisname aan de "
                f"markttoezichtautoriteit (art. 73 AI-verordening: 15 dagen, 10 bij een overlijden, 2 bij "
                f"een wijdverbreide inbreuk of kritieke infrastructuur).",
                add_calendar_days(aware, days, zone),
            )
        )
    if facts.personal_data_breach:
        found.append(
            Clock(
                GDPR_BREACH,
                CONTROLLER,
                "Notify the personal data breach to the Dutch Data Protection Authority within 72 hours "
                "of awareness (GDPR Art. 33).",
                "Meld het datalek binnen 72 uur na kennisname bij de Autoriteit Persoonsgegevens "
                "(art. 33 AVG).",
                add_hours(aware, 72, zone),
            )
        )
    return tuple(sorted(found, key=lambda clock: clock.deadline))


def aware_in_future(aware_at: dt.datetime, now: dt.datetime) -> bool:
    """The clocks count from the moment of awareness: one in the future is a typo, refused by the
    form and by the service alike."""
    return aware_at > now
