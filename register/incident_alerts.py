"""Incident clocks as they stand, and the committee's daily alerts until each is done.

The hourly outbox sweep calls `plan`: for every clock of every incident not yet marked done, one
outbox row per committee recipient and local day, at the configured send hour. The outbox's
unique key (subject, day, stage, recipient, channel) makes a second sweep on the same day a
no-op, also two sweeps at once. After downtime only today's alert goes out; the days missed get a
`skipped` row saying so (STYLE.md §8), never a late message."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, Max, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import formats, timezone, translation

from register import outbox, schedule
from register.choices import DeliveryChannel, DeliveryStatus
from register.incident_clocks import Clock, Facts, clocks_for
from register.models import Delivery, Incident, IncidentClockDone
from register.services.notify import committee_recipients

log = logging.getLogger(__name__)

STAGE_PREFIX = "incident_"
TEMPLATE = "incident_clock"
# How many missed days one sweep records as skipped at most: the ledger shows the gap without
# an old, never-marked incident filling it with years of rows.
MAX_SKIPPED_DAYS = 14
SKIPPED_REASON = "Missed while the sweep was not running; only today's alert was sent."


@dataclass(frozen=True)
class ClockState:
    clock: Clock
    done: IncidentClockDone | None


def facts_of(incident: Incident) -> Facts:
    return Facts(
        aware_at=incident.aware_at,
        seriousness=incident.seriousness,
        death=incident.death,
        widespread_infringement=incident.widespread_infringement,
        personal_data_breach=incident.personal_data_breach,
    )


def clocks_of(incident: Incident) -> list[ClockState]:
    """The incident's clocks in the organisation's zone, each with its done mark if any (reads
    `clocks_done.all()`, so a prefetch serves it)."""
    done = {row.clock: row for row in incident.clocks_done.all()}
    return [
        ClockState(clock, done.get(clock.code))
        for clock in clocks_for(facts_of(incident), zone=settings.TIME_ZONE)
    ]


def alert_day(now: dt.datetime) -> dt.date:
    """The latest local day whose send hour has come at `now`."""
    today = timezone.localdate(now)
    if now >= schedule.send_at(today, hour=settings.KOERS_SEND_HOUR, zone=settings.TIME_ZONE):
        return today
    return today - dt.timedelta(days=1)


# How many clocks an incident has, in SQL (as register.incident_clocks.clocks_for decides): a
# serious one two (inform the provider, the Art. 73 report), a personal data breach one more.
SERIOUS = ~Q(seriousness="") | Q(death=True) | Q(widespread_infringement=True)
CLOCK_COUNT = Case(When(SERIOUS, then=Value(2)), default=Value(0)) + Case(
    When(personal_data_breach=True, then=Value(1)), default=Value(0)
)


def clock_open(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """The incidents among `incidents` with a clock not yet marked done (as `plan` alerts on)."""
    pending = Incident.objects.annotate(clocks=CLOCK_COUNT, marked=Count("clocks_done")).filter(
        marked__lt=F("clocks")
    )
    return incidents.filter(pk__in=pending.values("pk"))


@dataclass
class Planned:
    queued: int = 0
    skipped: int = 0
    lines: list[str] = field(default_factory=list)


def plan(now: dt.datetime, *, limit: int = 500) -> Planned:
    """One pass over the incidents with a clock still running."""
    done = Planned()
    day = alert_day(now)
    # Only incidents with a clock not yet done, so old, finished ones never crowd out the limit.
    pending = (
        Incident.objects.annotate(clocks=CLOCK_COUNT, marked=Count("clocks_done"))
        .filter(marked__lt=F("clocks"))
        .select_related("use_case__business_unit")
        .prefetch_related("clocks_done")
        .order_by("aware_at", "id")
    )
    for incident in pending[:limit]:
        try:
            with transaction.atomic():
                _plan_one(incident, day, done)
        except SoftTimeLimitExceeded:  # the sweep's time is up: the rest waits for the next one
            raise
        except Exception:  # one bad incident must not stop the others (STYLE.md §9)
            log.exception("alerts for incident %s failed; tried again at the next sweep", incident.pk)
    return done


def _plan_one(incident: Incident, day: dt.date, done: Planned) -> None:
    first_day = timezone.localdate(incident.created_at)
    if day < first_day:
        return
    for state in clocks_of(incident):
        if state.done is not None:
            continue
        stage = STAGE_PREFIX + state.clock.code
        _skip_missed(
            incident, state.clock, stage, max(first_day, day - dt.timedelta(MAX_SKIPPED_DAYS)), day, done
        )
        for address, language in committee_recipients():
            row = outbox.enqueue(
                subject=incident,
                use_case=incident.use_case,
                due_date=day,
                stage=stage,
                recipient=address,
                template=TEMPLATE,
                context=_context(incident, state.clock, language),
                language=language,
            )
            if row is not None:
                done.queued += 1
                done.lines.append(_line(incident, stage, day, address, "queued"))


def _skip_missed(
    incident: Incident, clock: Clock, stage: str, since: dt.date, day: dt.date, done: Planned
) -> None:
    """Days after the last alert of this clock (and not before `since`) that passed unsent."""
    last = Delivery.objects.filter(
        subject_type=Incident._meta.label_lower, subject_id=str(incident.pk), stage=stage
    ).aggregate(last=Max("due_date"))["last"]
    start = since if last is None else max(since, last + dt.timedelta(days=1))
    missed = start
    while missed < day:
        for address, language in committee_recipients():
            _row, created = Delivery.objects.get_or_create(
                subject_type=Incident._meta.label_lower,
                subject_id=str(incident.pk),
                due_date=missed,
                stage=stage,
                repeat=0,
                recipient=address,
                channel=DeliveryChannel.EMAIL,
                defaults={
                    "use_case": incident.use_case,
                    "template": TEMPLATE,
                    "context": _context(incident, clock, language),
                    "language": language,
                    "status": DeliveryStatus.SKIPPED,
                    "last_error": SKIPPED_REASON,
                },
            )
            if created:
                done.skipped += 1
                done.lines.append(_line(incident, stage, missed, address, "skipped"))
        missed += dt.timedelta(days=1)


def _context(incident: Incident, clock: Clock, language: str) -> dict[str, str]:
    """Plain strings in the recipient's language; a link to the incident for the committee."""
    use_case = incident.use_case
    with translation.override(language):
        return {
            "label": f"{use_case.reference or ''} {use_case.name}".strip(),
            "unit": use_case.business_unit.name,
            "clock": clock.code,
            "rule": clock.rule(language),
            "deadline": formats.date_format(timezone.localtime(clock.deadline), "DATETIME_FORMAT"),
            "aware": formats.date_format(timezone.localtime(incident.aware_at), "DATETIME_FORMAT"),
            "path": reverse("admin:register_incident_change", args=[incident.pk]),
        }


def _line(incident: Incident, stage: str, day: dt.date, address: str, what: str) -> str:
    return f"{what:8} incident #{incident.pk} · {stage} · {day} → {address}"
