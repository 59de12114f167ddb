"""The outbox (STYLE.md §8-9): services add rows in their transaction; after commit a task makes
delivery fast; a periodic sweep delivers whatever is still due. Claim before sending, at most once:
a row left in `sending` by a crash becomes `unknown`, shown to the committee, never resent."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import models, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from register import delivery as transport
from register.choices import DeliveryChannel, DeliveryStatus
from register.models import Delivery, SweepRun, UseCase

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
# A claim older than this without an outcome means the worker died mid-send.
SENDING_TIMEOUT = dt.timedelta(minutes=15)


def backoff(attempts: int) -> dt.timedelta:
    """5, 10, 20, 40 ... minutes between tries, at most 6 hours."""
    return min(dt.timedelta(minutes=5 * 2 ** (attempts - 1)), dt.timedelta(hours=6))


def enqueue(
    *,
    subject: models.Model,
    use_case: UseCase | None,
    due_date: dt.date,
    stage: str,
    recipient: str,
    template: str,
    context: dict[str, Any],
    language: str = "nl",
    repeat: int = 0,
    channel: str = DeliveryChannel.EMAIL,
) -> Delivery | None:
    """Add a row in the caller's transaction; the same message twice is a no-op (None)."""
    if not recipient:
        return None
    row, created = Delivery.objects.get_or_create(
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        due_date=due_date,
        stage=stage,
        repeat=repeat,
        recipient=recipient,
        channel=channel,
        defaults={
            "use_case": use_case,
            "template": template,
            "context": context,
            "language": language or "nl",
        },
    )
    if not created:
        return None
    from register.tasks import deliver  # the tasks module imports this one

    # Only a speed-up: if the broker is down, the sweep delivers the row later (robust=True).
    transaction.on_commit(lambda: deliver.delay(row.pk), robust=True)
    return row


CLOCK_GRACE = dt.timedelta(minutes=5)


def claim(pk: int) -> Delivery | None:
    """Take a row for sending: the row, marked `sending` by this worker and only this one, or None
    when it is not (or no longer) due. The row is locked by its key and only then tested: with the
    test in the WHERE clause, PostgreSQL may walk the whole pending index (`delivery_pending`) for
    the one row, which made every claim slower as 10,000 reminders came due at once
    (BENCHMARKS.md, sweep)."""
    now = timezone.now()
    # A retry waits for its backoff; a queued row for its time (a weekly digest for its Monday),
    # with a few minutes' grace so a row stamped by a web server whose clock runs ahead of this
    # worker's is not held back until the next sweep.
    pending = Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now + CLOCK_GRACE) | Q(
        status=DeliveryStatus.FAILED, next_attempt_at__lte=now
    )
    # Durable: the claim is committed before anything is sent, never inside a caller's transaction
    # that could roll it back after the send.
    with transaction.atomic(durable=True):
        row = (
            Delivery.objects.select_for_update()
            .annotate(claimable=ExpressionWrapper(pending, output_field=BooleanField()))
            .filter(pk=pk)
            .first()
        )
        if row is None or not row.claimable:
            return None
        # Compare and set on the attempts, which every claim moves on (and no index holds): 1 row
        # updated means this claim, and only this one, took it, also where the lock above is not
        # taken (SQLite).
        won = Delivery.objects.filter(pk=pk, attempts=row.attempts).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if won != 1:
            return None
    row.status, row.claimed_at, row.attempts = DeliveryStatus.SENDING, now, row.attempts + 1
    return row


def deliver_one(pk: int) -> bool | None:
    """Send a claimed row. True: sent; False: failed (retried later); None: not ours to send,
    or nothing to send any more (skipped, with the reason in the row).
    Outcomes are written only over our own claim: a row the sweep already marked `unknown`
    (this send took too long) stays unknown and is never sent again."""
    row = claim(pk)
    if row is None:
        return None
    ours = Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING)
    try:
        transport.send(row)
    except transport.NothingToSend as reason:  # nothing went out, and nothing ever should
        ours.update(status=DeliveryStatus.SKIPPED, last_error=str(reason))
        return None
    except transport.MaybeSent as maybe:  # it may have arrived: evidence, never a second send
        ours.update(status=DeliveryStatus.UNKNOWN, last_error=str(maybe))
        return False
    except SoftTimeLimitExceeded:  # cut off mid-send: it may or may not have gone out
        ours.update(status=DeliveryStatus.UNKNOWN, last_error="Interrupted while sending; not resent.")
        raise
    except Exception as exc:  # a failure the transport reported: nothing went out, retry later
        log.warning("delivery %s failed (attempt %s): %s", pk, row.attempts, exc)
        ours.update(
            status=DeliveryStatus.GAVE_UP if row.attempts >= MAX_ATTEMPTS else DeliveryStatus.FAILED,
            next_attempt_at=timezone.now() + backoff(row.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return False
    except BaseException:  # a time limit or a shutdown mid-send: it may or may not have gone out
        ours.update(status=DeliveryStatus.UNKNOWN, last_error="Interrupted while sending; not resent.")
        raise
    ours.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return True


def mark_interrupted(now: dt.datetime) -> int:
    """Rows a crashed worker left in `sending` become `unknown`: evidence, not a resend."""
    return Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    ).update(
        status=DeliveryStatus.UNKNOWN, last_error="Interrupted while sending; not resent (at most once)."
    )


def sweep(*, time_limit: float = 240.0, now: dt.datetime | None = None) -> SweepRun:
    """Deliver what is due, one row at a time, until done or out of time; record the run, also
    when it crashes (the error is kept, and /healthz judges only runs that finished cleanly). A
    row that fails waits for its backoff, so it is not tried twice in one run."""
    run = SweepRun.objects.create()
    started = time.monotonic()
    try:
        run.marked_unknown = mark_interrupted(timezone.now())
        from register import incident_alerts, reminders  # the planners queue through this module

        # Planning may take half the run (10,000 due at once); delivering has the rest.
        planned = reminders.plan(now or timezone.now(), until=started + time_limit / 2)
        alerts = incident_alerts.plan(now or timezone.now())
        run.reminders_queued = planned.queued + alerts.queued
        run.reminders_skipped = planned.skipped + alerts.skipped
        # for send_reminders to print
        run.planned_lines = planned.lines + alerts.lines  # type: ignore[attr-defined]
        _deliver_due(run, started, time_limit)
    except BaseException as exc:
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        run.finished_at = timezone.now()
        run.save()
    return run


def _deliver_due(run: SweepRun, started: float, time_limit: float) -> None:
    """The due rows in (next_attempt_at, id) order, each batch from where the last one ended: a
    key, not a NOT IN list that grows with every row tried (10,000 due in one run took minutes,
    BENCHMARKS.md). A row that failed and came due again within the run is not tried twice. A
    row committed late with a time the walk has passed waits for its after-commit task or the next
    sweep (nothing is lost; the claim still guards every send)."""
    tried: set[int] = set()
    pending = Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.FAILED)
    after: tuple[dt.datetime, int] | None = None
    while time.monotonic() - started < time_limit:
        batch = Delivery.objects.filter(pending, next_attempt_at__lte=timezone.now())
        if after is not None:
            batch = batch.filter(
                Q(next_attempt_at__gt=after[0]) | Q(next_attempt_at=after[0], pk__gt=after[1])
            )
        rows = list(batch.order_by("next_attempt_at", "id").values_list("next_attempt_at", "pk")[:50])
        if not rows:
            return
        after = rows[-1]
        for pk in (pk for _at, pk in rows if pk not in tried):
            tried.add(pk)
            outcome = deliver_one(pk)
            run.delivered += outcome is True
            run.failed += outcome is False
