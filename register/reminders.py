"""Review reminders: the hourly sweep turns each review schedule whose `next_reminder_at` has
come into outbox rows (STYLE.md §7-8). A schedule is claimed by moving its `next_reminder_at`
on (an UPDATE that only one sweep can win), and its rows are written in the same transaction,
so two sweeps at once, or a sweep after a week of downtime, produce each reminder once: the
stage that applies now is queued, earlier stages that were never sent are recorded as
`skipped`, and nothing is sent twice (the ledger's unique key)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, translation

from register import outbox, schedule
from register.choices import DeliveryChannel, DeliveryStatus, LifecycleStage
from register.models import Delivery, ReviewSchedule, UseCase, User
from register.services.notify import committee_recipients
from register.workflow import ACTIVE_STAGES

log = logging.getLogger(__name__)

SKIPPED_REASON = "Missed while reminders were not running; only the stage that applies now was sent."


def first_reminder_at(next_due: dt.date | None) -> dt.datetime | None:
    """When a freshly planned review's reminders start (its first stage's send moment)."""
    if next_due is None:
        return None
    return stages_at(next_due, dt.datetime.min.replace(tzinfo=dt.UTC)).next_at


def stages_at(due: dt.date, now: dt.datetime) -> schedule.Now:
    """schedule.stages_at with the organisation's zone, send hour and upcoming days."""
    return schedule.stages_at(
        due,
        now,
        hour=settings.KOERS_SEND_HOUR,
        zone=settings.TIME_ZONE,
        upcoming_days=settings.KOERS_REMINDER_UPCOMING_DAYS,
    )


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str
    channel: str
    role: str  # owner, lead, committee, or unit (a webhook)


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def recipients_for(use_case: UseCase, stage: str, repeat: int) -> list[Recipient]:
    """The addresses for a stage (schedule.recipients says which roles). An inactive owner's
    reminders go to the committee; the unit's webhook, if any, hears of every stage."""
    found: list[Recipient] = []
    for role in schedule.recipients(stage, repeat):
        if role == "owner":
            owner = use_case.owner
            if owner.is_active and owner.email:
                found.append(Recipient(owner.email, _language(owner), DeliveryChannel.EMAIL, "owner"))
            else:
                found += [
                    Recipient(a, lang, DeliveryChannel.EMAIL, "committee")
                    for a, lang in committee_recipients()
                ]
        elif role == "lead":
            lead = use_case.business_unit.lead
            if lead is not None and lead.is_active and lead.email:
                found.append(Recipient(lead.email, _language(lead), DeliveryChannel.EMAIL, "lead"))
        elif role == "committee":
            found += [
                Recipient(a, lang, DeliveryChannel.EMAIL, "committee") for a, lang in committee_recipients()
            ]
    if use_case.business_unit.webhook_url:
        found.append(
            Recipient(
                use_case.business_unit.webhook_url, settings.LANGUAGE_CODE, DeliveryChannel.WEBHOOK, "unit"
            )
        )
    unique: dict[tuple[str, str], Recipient] = {}
    for recipient in found:
        unique.setdefault((recipient.address.lower(), recipient.channel), recipient)
    return list(unique.values())


def _context(use_case: UseCase, due: dt.date, stage: schedule.Stage, recipient: Recipient) -> dict[str, str]:
    """Plain strings, in the recipient's language; a link, no personal data beyond the use-case."""
    path = (
        reverse("admin:register_usecase_change", args=[use_case.pk])
        if recipient.role == "committee"
        else reverse("use_case_detail", args=[use_case.pk])
    )
    with translation.override(recipient.language):
        return {
            "reference": use_case.reference or "",
            "name": use_case.name,
            "label": f"{use_case.reference or ''} {use_case.name}".strip(),
            "unit": use_case.business_unit.name,
            "stage": stage.name,
            "repeat": str(stage.repeat),
            "due_date": due.isoformat(),
            "due": formats.date_format(due, "DATE_FORMAT"),
            "path": path,
        }


def _rows(
    use_case: UseCase, due: dt.date, stage: schedule.Stage
) -> list[tuple[Recipient, dict[str, object]]]:
    return [
        (
            recipient,
            {
                "subject_type": UseCase._meta.label_lower,
                "subject_id": str(use_case.pk),
                "due_date": due,
                "stage": stage.name,
                "repeat": stage.repeat,
                "recipient": recipient.address,
                "channel": recipient.channel,
            },
        )
        for recipient in recipients_for(use_case, stage.name, stage.repeat)
    ]


def _queue(use_case: UseCase, due: dt.date, stage: schedule.Stage, done: Planned) -> None:
    for recipient, key in _rows(use_case, due, stage):
        # The weekly digest gathers review reminders; a pilot's end is said on the day.
        reader = None if stage.name.startswith("pilot_") else digest_reader(recipient)
        if reader is not None:
            _digest(use_case, due, stage, recipient, key, reader, done)
            continue
        row = outbox.enqueue(
            subject=use_case,
            use_case=use_case,
            due_date=due,
            stage=stage.name,
            repeat=stage.repeat,
            recipient=recipient.address,
            template=f"review_{stage.name}",
            context=_context(use_case, due, stage, recipient),
            language=recipient.language,
            channel=recipient.channel,
        )
        if row is not None:
            done.queued += 1
            done.lines.append(_line(use_case, due, stage, recipient, "queued"))


def _skip(use_case: UseCase, due: dt.date, stages: Iterable[schedule.Stage], done: Planned) -> None:
    """Stages whose window passed unsent: a `skipped` row each, saying why (never sent late)."""
    for stage in stages:
        for recipient, key in _rows(use_case, due, stage):
            _row, created = Delivery.objects.get_or_create(
                **key,
                defaults={
                    "use_case": use_case,
                    "template": f"review_{stage.name}",
                    "context": _context(use_case, due, stage, recipient),
                    "language": recipient.language,
                    "status": DeliveryStatus.SKIPPED,
                    "last_error": SKIPPED_REASON,
                },
            )
            if created:
                done.skipped += 1
                done.lines.append(_line(use_case, due, stage, recipient, "skipped"))


# The weekly digest (issue 7). A person who opted for it (User.weekly_digest) gets their e-mail
# reminders together: one delivery per person and week, sent on Monday at the send hour. Each
# reminder it replaces is still its own row, with status `digested` and pointing to the digest,
# so the ledger shows every stage. Webhooks, the committee's shared address and skipped stages
# are never digested.
DIGEST_STAGE = "digest"
DIGEST_TEMPLATE = "weekly_digest"


def digest_reader(recipient: Recipient) -> User | None:
    """The person who reads this reminder in their weekly digest, if any: the one active user
    with this e-mail address (case-insensitive), if they opted for the digest."""
    if recipient.channel != DeliveryChannel.EMAIL:
        return None
    shared = settings.KOERS_COMMITTEE_EMAIL
    if shared and recipient.address.casefold() == shared.casefold():
        return None
    users = list(User.objects.filter(email__iexact=recipient.address, is_active=True)[:2])
    return users[0] if len(users) == 1 and users[0].weekly_digest else None


def digest_monday(day: dt.date) -> dt.date:
    """The Monday whose digest takes a stage falling on the local `day`: a Monday's stage goes
    with that Monday's digest (both at the send hour, the planner first), a later day's with the
    next Monday's (this week's went out before the stage fell)."""
    return day + dt.timedelta(days=-day.weekday() % 7)


def _digest_for(user: User, day: dt.date) -> Delivery:
    """The person's digest that still takes a stage falling on `day`, created if need be, not
    claimable by the sweep before its Monday's send moment. It is locked until this transaction
    commits: the outbox's claim (a locking read) waits for it and then renders what was added here;
    one claimed already (sending, sent, failed) is past, and the next Monday's takes the stage.
    Not through outbox.enqueue, whose after-commit task would send it at once."""
    monday = digest_monday(day)
    while True:
        digest, _created = Delivery.objects.get_or_create(
            subject_type=User._meta.label_lower,
            subject_id=str(user.pk),
            due_date=monday,
            stage=DIGEST_STAGE,
            repeat=0,
            recipient=user.email,
            channel=DeliveryChannel.EMAIL,
            defaults={
                "template": DIGEST_TEMPLATE,
                "language": _language(user),
                "next_attempt_at": schedule.send_at(
                    monday, hour=settings.KOERS_SEND_HOUR, zone=settings.TIME_ZONE
                ),
            },
        )
        # Locked by its key, the status read after: a status test in the WHERE clause lets
        # PostgreSQL walk the whole pending index for this one row (outbox.claim).
        locked = Delivery.objects.select_for_update().filter(pk=digest.pk)
        if locked.values_list("status", flat=True).get() == DeliveryStatus.QUEUED:
            return digest
        monday += dt.timedelta(days=7)


def _digest(
    use_case: UseCase,
    due: dt.date,
    stage: schedule.Stage,
    recipient: Recipient,
    key: dict[str, object],
    reader: User,
    done: Planned,
) -> None:
    """The reminder's own row, `digested` instead of queued, pointing to the reader's digest."""
    row, created = Delivery.objects.get_or_create(
        **key,
        defaults={
            "use_case": use_case,
            "template": f"review_{stage.name}",
            "context": _context(use_case, due, stage, recipient),
            "language": recipient.language,
            "status": DeliveryStatus.DIGESTED,
        },
    )
    if not created:
        return
    row.digest = _digest_for(reader, stage.day)
    row.save(update_fields=["digest"])
    done.digested += 1
    done.lines.append(_line(use_case, due, stage, recipient, "digested"))


@dataclass
class Planned:
    schedules: int = 0
    queued: int = 0
    skipped: int = 0
    digested: int = 0
    # One line per row written (or, in a dry run, that would be): what `send_reminders` prints.
    lines: list[str] = field(default_factory=list)


def _line(use_case: UseCase, due: dt.date, stage: schedule.Stage, recipient: Recipient, what: str) -> str:
    label = use_case.reference or f"#{use_case.pk}"
    if recipient.channel == DeliveryChannel.WEBHOOK:  # its URL holds the receiver's token: the host only
        recipient = replace(recipient, address=f"webhook {urlsplit(recipient.address).hostname}")
    return (
        f"{what:8} {label} {use_case.name} · due {due} · {stage.name} #{stage.repeat} → {recipient.address}"
    )


@dataclass(frozen=True)
class Track:
    """One kind of date a use-case's reminders count towards: its next review, or the end of
    its pilot (PRODUCT.md: a reminder before the end, an escalation when it runs past it)."""

    date_field: str  # on ReviewSchedule: the date the stages count from
    at_field: str  # on ReviewSchedule: when the next stage is due to be planned (the claim)
    prefix: str  # before the stage's name in the ledger and the template
    stages: frozenset[str]  # the lifecycle stages in which it runs


TRACKS = (
    Track("next_due", "next_reminder_at", "", ACTIVE_STAGES),
    Track("pilot_end", "pilot_reminder_at", "pilot_", frozenset({LifecycleStage.PILOT})),
)


def _named(stage: schedule.Stage, track: Track) -> schedule.Stage:
    return replace(stage, name=track.prefix + stage.name)


def plan(now: dt.datetime, *, limit: int = 500, until: float | None = None) -> Planned:
    """The schedules whose reminder time has come, `limit` at a time per track, until none is
    left or the monotonic clock passes `until` (the rest waits for the next sweep). Each schedule
    planned moves its reminder time past `now` (or an hour on, if it failed), so it leaves the
    set; one seen twice ends the pass (BENCHMARKS.md: 10,000 due at once)."""
    done = Planned()
    for track in TRACKS:
        seen: set[int] = set()
        while until is None or time.monotonic() < until:
            rows = _due(track, now, limit)
            batch = [(pk, at) for pk, at in rows if pk not in seen]
            for pk, claimed_at in batch:
                seen.add(pk)
                _plan_guarded(track, pk, claimed_at, now, done)
            if len(rows) < limit or not batch:
                break
    return done


def _plan_guarded(track: Track, pk: int, claimed_at: dt.datetime, now: dt.datetime, done: Planned) -> None:
    try:
        with transaction.atomic():
            _plan_one(track, pk, claimed_at, now, done)
    except SoftTimeLimitExceeded:  # the sweep's time is up: stop here, the rest waits
        raise
    except Exception:  # one bad schedule must not stop the others (STYLE.md §9)
        log.exception("reminders for schedule %s failed; tried again in an hour", pk)
        ReviewSchedule.objects.filter(pk=pk, **{track.at_field: claimed_at}).update(
            **{track.at_field: now + dt.timedelta(hours=1)}
        )


def preview(now: dt.datetime, *, limit: int = 500) -> Planned:
    """What `plan` would write at `now`, writing nothing (send_reminders --dry-run)."""
    done = Planned()
    for track in TRACKS:
        for pk, _claimed_at in _due(track, now, limit):
            plan_row = _schedule(pk)
            due = getattr(plan_row, track.date_field)
            where = stages_at(due, now)
            use_case = plan_row.use_case
            done.schedules += 1
            for stage in (_named(stage, track) for stage in where.earlier):
                for recipient, key in _rows(use_case, due, stage):
                    if not Delivery.objects.filter(**key).exists():
                        done.skipped += 1
                        done.lines.append(_line(use_case, due, stage, recipient, "skip"))
            if where.current is not None:
                current = _named(where.current, track)
                for recipient, key in _rows(use_case, due, current):
                    if Delivery.objects.filter(**key).exists():
                        continue
                    if not current.name.startswith("pilot_") and digest_reader(recipient) is not None:
                        done.digested += 1
                        done.lines.append(_line(use_case, due, current, recipient, "digest"))
                    else:
                        done.queued += 1
                        done.lines.append(_line(use_case, due, current, recipient, "send"))
    return done


def _schedule(pk: int) -> ReviewSchedule:
    return ReviewSchedule.objects.select_related("use_case__owner", "use_case__business_unit__lead").get(
        pk=pk
    )


def due_schedules(track: Track, now: dt.datetime) -> QuerySet[ReviewSchedule]:
    """The schedules whose reminder time on `track` has come at `now` (in use, dated)."""
    return ReviewSchedule.objects.filter(
        **{f"{track.at_field}__lte": now, f"{track.date_field}__isnull": False},
        use_case__lifecycle_stage__in=track.stages,
    )


def _due(track: Track, now: dt.datetime, limit: int) -> list[tuple[int, dt.datetime]]:
    rows = due_schedules(track, now).order_by(track.at_field, "id").values_list("pk", track.at_field)[:limit]
    return [(pk, at) for pk, at in rows if at is not None]


def _plan_one(track: Track, pk: int, claimed_at: dt.datetime, now: dt.datetime, done: Planned) -> None:
    plan_row = _schedule(pk)
    due = getattr(plan_row, track.date_field)
    if due is None:
        return
    where = stages_at(due, now)
    # The claim: only the sweep that moves the reminder time on from what it read does the work.
    won = ReviewSchedule.objects.filter(pk=pk, **{track.at_field: claimed_at}).update(
        **{track.at_field: where.next_at}
    )
    if won != 1 or where.current is None:
        return
    done.schedules += 1
    # Only stages that came due since the last claim: earlier ones were handled then, with the
    # recipients of then (a new lead does not get last week's reminder now).
    missed = [_named(stage, track) for stage in where.earlier if stage.at >= claimed_at]
    _skip(plan_row.use_case, due, missed, done)
    _queue(plan_row.use_case, due, _named(where.current, track), done)
