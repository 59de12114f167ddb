"""Days of hourly sweeps on PostgreSQL, the clock moved by one time-machine traveller: every
reminder the rules call for goes out once, at its hour, to its people; none twice; none missing;
a stage missed while the sweep was off is recorded as skipped. The expected deliveries are a
literal table, and an independent oracle (below, not importing the schedule module) agrees."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import zoneinfo
from collections import Counter
from collections.abc import Callable

import pytest
import time_machine
from django.core import mail
from django.db import connection

from register import outbox, reminders, services
from register.choices import ReviewOutcome
from register.models import Delivery, ReviewSchedule, UseCase, User
from tests import factories

pytestmark = [pytest.mark.slow, pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
START = dt.datetime(2026, 11, 1, 0, 30, tzinfo=AMS)
END = START + dt.timedelta(days=400)  # 6 December 2027, 00:30
Moment = dt.datetime
# name -> (first due date, {moment a review is recorded: the next due date it sets})
SCRIPT: dict[str, tuple[dt.date, dict[Moment, dt.date]]] = {
    # Reviewed three days late; the next one the morning it falls due (after the 08:00 reminder).
    "Triage": (dt.date(2026, 11, 30), {dt.datetime(2026, 12, 3, 10, tzinfo=AMS): dt.date(2027, 2, 28),
                                       dt.datetime(2027, 2, 28, 10, tzinfo=AMS): dt.date(2028, 2, 29)}),
    # Due on the day summer time starts; reviewed a week early.
    "Pricing": (dt.date(2027, 3, 28), {dt.datetime(2027, 3, 20, 10, tzinfo=AMS): dt.date(2028, 3, 28)}),
    # Due on the day summer time ends; never reviewed: weekly escalation to the end of the run.
    "Rota": (dt.date(2027, 10, 31), {}),
}  # fmt: skip

LITERAL = {
    ("Triage", "upcoming", 0, "owner", dt.date(2026, 11, 16)),
    ("Triage", "due", 0, "owner", dt.date(2026, 11, 30)),
    ("Triage", "overdue", 0, "owner", dt.date(2026, 12, 1)),
    ("Triage", "overdue", 0, "lead", dt.date(2026, 12, 1)),
    ("Triage", "upcoming", 0, "owner", dt.date(2027, 2, 14)),
    ("Triage", "due", 0, "owner", dt.date(2027, 2, 28)),
    ("Pricing", "upcoming", 0, "owner", dt.date(2027, 3, 14)),
    ("Rota", "upcoming", 0, "owner", dt.date(2027, 10, 17)),
    ("Rota", "due", 0, "owner", dt.date(2027, 10, 31)),
    ("Rota", "overdue", 0, "owner", dt.date(2027, 11, 1)),
    ("Rota", "overdue", 0, "lead", dt.date(2027, 11, 1)),
    *{("Rota", "overdue", n, role, dt.date(2027, 11, 1) + dt.timedelta(weeks=n))
      for n in (1, 2, 3, 4) for role in ("owner", "lead", "committee")},
}  # fmt: skip


def oracle(until: Moment) -> set[tuple[str, str, int, str, dt.date]]:
    """Written from PRODUCT.md alone: upcoming 14 days before (owner), due on the day (owner),
    overdue the day after (owner, lead) and weekly after (also the committee), each at 08:00
    local, until a review is recorded (which plans the next due date)."""
    expected = set()
    for name, (due, reviews) in SCRIPT.items():
        current: dt.date | None = due
        while current is not None:
            stages = [("upcoming", 0, current - dt.timedelta(days=14)), ("due", 0, current)]
            stages += [("overdue", n, current + dt.timedelta(days=1 + 7 * n)) for n in range(60)]
            review = min((m for m in reviews if m.date() >= current - dt.timedelta(days=30)), default=None)
            for stage, n, day in stages:
                at = dt.datetime.combine(day, dt.time(8), tzinfo=AMS)
                if at <= until and (review is None or at < review):
                    roles = ["owner"] + ["lead"] * (stage == "overdue") + ["committee"] * (n >= 1)
                    expected |= {(name, stage, n, role, day) for role in roles}
            current = reviews[review] if review is not None else None
    return expected


def _world(settings: object, names: tuple[str, ...] = tuple(SCRIPT)) -> dict[str, str]:
    settings.KOERS_COMMITTEE_EMAIL = ""  # type: ignore[attr-defined]
    settings.KOERS_SEND_HOUR = 8  # type: ignore[attr-defined]
    owner = factories.UserFactory.create(username="owner", email="owner@example.org")
    lead = factories.UserFactory.create(username="lead", email="lead@example.org")
    factories.committee_member("chair", email="chair@example.org")
    unit = factories.business_unit("Unit A")
    unit.lead = lead
    unit.save()
    for name in names:
        due = SCRIPT[name][0]
        case = factories.use_case(name, unit=unit, owner=owner, lifecycle_stage="production")
        ReviewSchedule.objects.update_or_create(
            use_case=case, defaults={"next_due": due, "next_reminder_at": reminders.first_reminder_at(due)}
        )
    return {"owner@example.org": "owner", "lead@example.org": "lead", "chair@example.org": "committee"}


def _record_reviews(now: Moment, previous: Moment) -> None:
    for name, (_due, reviews) in SCRIPT.items():
        for moment, next_due in reviews.items():
            case = UseCase.objects.filter(name=name).first()
            if case is not None and previous < moment <= now:
                services.review_record(
                    acting_user=User.objects.get(username="chair"),
                    use_case=case,
                    due_date=case.schedule.next_due or moment.date(),
                    outcome=ReviewOutcome.CONTINUE,
                    next_due=next_due,
                )


def _run(
    until: Moment,
    *,
    start: Moment = START,
    off: tuple[Moment, Moment] | None = None,
    sweep: Callable[[], object] = outbox.sweep,
) -> None:
    """Hourly sweeps from `start` to `until`, with the scripted reviews; none while `off`."""
    with time_machine.travel(start, tick=False) as traveller:
        previous = start
        now = start
        while now < until:
            _record_reviews(now, previous)
            if off is None or not (off[0] <= now < off[1]):
                sweep()
            previous, now = now, now + dt.timedelta(hours=1)
            traveller.move_to(now)


def _ledger(roles: dict[str, str]) -> list[tuple[str, str, int, str, dt.date, str]]:
    """(use-case, stage, repeat, role, local day sent, status) for every reminder row."""
    rows = Delivery.objects.filter(template__startswith="review_").select_related("use_case")
    return [
        (row.use_case.name, row.stage, row.repeat, roles[row.recipient], _local(row).date(), row.status)  # type: ignore[union-attr]
        for row in rows
    ]


def _local(row: Delivery) -> dt.datetime:
    return row.sent_at.astimezone(AMS) if row.sent_at else dt.datetime.min.replace(tzinfo=AMS)


def _no_duplicates() -> None:
    sent = Counter(message.extra_headers["X-Koers-Delivery"] for message in mail.outbox)
    assert [key for key, count in sent.items() if count > 1] == []


def test_four_hundred_days_of_hourly_sweeps_send_each_reminder_once(settings: object) -> None:
    roles = _world(settings)
    _run(END)
    assert oracle(END) == LITERAL
    ledger = _ledger(roles)
    assert {(n, s, r, who, day) for n, s, r, who, day, status in ledger if status == "sent"} == LITERAL
    assert len(ledger) == len(LITERAL)  # nothing else written: no skipped, no failed, no twins
    sent_at = {_local(row).time() for row in Delivery.objects.filter(template__startswith="review_")}
    assert sent_at == {dt.time(8, 30)}  # the first hourly sweep after 08:00 local, summer or winter
    assert len(mail.outbox) == len(LITERAL)
    _no_duplicates()


def test_a_week_without_sweeps_skips_what_it_missed_and_sends_what_applies_now(settings: object) -> None:
    roles = _world(settings, names=("Rota",))
    start = dt.datetime(2027, 10, 10, 0, 30, tzinfo=AMS)
    off = (dt.datetime(2027, 11, 7, 12, 30, tzinfo=AMS), dt.datetime(2027, 11, 16, 9, 30, tzinfo=AMS))
    _run(END, start=start, off=off)
    ledger = _ledger(roles)
    skipped = sorted((stage, n, who) for _name, stage, n, who, _day, status in ledger if status == "skipped")
    assert skipped == [("overdue", 1, "committee"), ("overdue", 1, "lead"), ("overdue", 1, "owner")]
    resumed = Delivery.objects.get(stage="overdue", repeat=2, recipient="owner@example.org")
    assert (resumed.status, _local(resumed)) == ("sent", dt.datetime(2027, 11, 16, 9, 30, tzinfo=AMS))
    sent = {(stage, n, who) for _name, stage, n, who, _day, status in ledger if status == "sent"}
    assert ("overdue", 3, "committee") in sent  # and it carries on weekly after the restart
    _no_duplicates()


def _ams(year: int, month: int, day: int) -> Moment:
    return dt.datetime(year, month, day, 0, 30, tzinfo=AMS)


def _lockstep(settings: object, *, start: Moment, until: Moment) -> None:
    """Two sweepers in threads, released together every hour by a barrier."""
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            barrier.wait()
            outbox.sweep()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    def both() -> None:
        threads = [threading.Thread(target=sweeper) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    _world(settings, names=("Rota",))
    _run(until, start=start, sweep=both)
    assert errors == []


def test_two_sweeps_in_lockstep_send_each_reminder_once(settings: object) -> None:
    _lockstep(
        settings,
        start=dt.datetime(2027, 10, 16, 0, 30, tzinfo=AMS),
        until=dt.datetime(2027, 11, 9, 0, 30, tzinfo=AMS),
    )
    sent = Delivery.objects.filter(template__startswith="review_", status="sent").count()
    assert sent == len({row for row in LITERAL if row[0] == "Rota" and row[4] < dt.date(2027, 11, 9)})
    assert len(mail.outbox) == sent
    _no_duplicates()


def test_without_the_claim_the_lockstep_sweeps_are_caught_sending_twice(
    settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sensitivity check: with the claim made to always succeed, both sweepers send the same
    row, and the duplicate check above sees it (so its silence elsewhere means something)."""
    meet = threading.Barrier(2, timeout=5)

    def always(pk: int) -> Delivery:
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()  # both sweepers hold the same row before either sends it
        return Delivery.objects.get(pk=pk)

    monkeypatch.setattr(outbox, "claim", always)
    _lockstep(
        settings,
        start=dt.datetime(2027, 10, 30, 0, 30, tzinfo=AMS),
        until=dt.datetime(2027, 11, 1, 0, 30, tzinfo=AMS),
    )
    with pytest.raises(AssertionError):
        _no_duplicates()
