"""The weekly digest (issue 7): a person who opted for it gets their e-mail reminders in one
delivery per week, on Monday at the send hour; each reminder it replaces stays in the ledger as
a `digested` row pointing to it. Webhooks, the committee's shared address, skipped stages and
people who did not opt for it are untouched."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from register import outbox, reminders, services
from register.choices import ReviewOutcome
from register.models import Delivery, ReviewSchedule, SweepRun, UseCase, User
from tests import factories

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 12, 15)  # a Tuesday: due 15th, overdue #0 Wed 16th, overdue #1 Wed 23rd
MONDAY_DUE = dt.date(2026, 12, 21)  # a Monday: due that day, overdue #0 Tue 22nd


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def sweep(text: str) -> SweepRun:
    with time_machine.travel(at(text), tick=False):
        return outbox.sweep()


def schedule(use_case: UseCase, due: dt.date, first_reminder: dt.datetime | None = None) -> None:
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=use_case)
    plan.next_due = due
    plan.next_reminder_at = first_reminder or reminders.first_reminder_at(due)
    plan.save()


@pytest.fixture
def owner(settings: object) -> User:
    """Someone who opted for the digest, reading English; owner of "Chatbot", due 15 December,
    in a unit whose lead did not opt for it."""
    settings.KOERS_COMMITTEE_EMAIL = ""  # type: ignore[attr-defined]
    lead = factories.UserFactory.create(username="lead", email="lead@example.org", language="en")
    unit = factories.business_unit("Unit A")
    unit.lead = lead
    unit.save()
    person = factories.UserFactory.create(
        username="owner", email="Owner@Example.org", language="en", weekly_digest=True
    )
    schedule(factories.use_case("Chatbot", unit=unit, owner=person, lifecycle_stage="production"), DUE)
    factories.committee_member("chair", email="chair@example.org")
    return person


@pytest.fixture
def scoring(owner: User) -> UseCase:
    """A second use-case of the same owner, due on Monday 21 December; its reminders start with
    the due stage (planned after the upcoming one's time: that one is not this schedule's)."""
    unit = factories.business_unit("Unit A")
    use_case = factories.use_case("Scoring", unit=unit, owner=owner, lifecycle_stage="production")
    schedule(use_case, MONDAY_DUE, at("2026-12-21T08:00+01:00"))
    return use_case


def reminder_rows(recipient: str) -> list[tuple[str, str, int, str, str | None]]:
    """(use-case, stage, repeat, status, the digest's Monday) of one recipient's reminders."""
    found = Delivery.objects.filter(template__startswith="review_", recipient__iexact=recipient)
    return sorted(
        (
            row.use_case.name if row.use_case else "",
            row.stage,
            row.repeat,
            row.status,
            row.digest.due_date.isoformat() if row.digest else None,
        )
        for row in found.select_related("use_case", "digest")
    )


def digests() -> list[Delivery]:
    return list(Delivery.objects.filter(template="weekly_digest").order_by("due_date"))


def to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def test_a_digest_readers_reminders_are_digested_into_one_delivery_per_week(
    owner: User, scoring: UseCase
) -> None:
    for moment in ("12-01", "12-07", "12-15", "12-16", "12-21", "12-22", "12-23"):
        reminders.plan(at(f"2026-{moment}T08:00+01:00"))
    assert reminder_rows("owner@example.org") == [
        ("Chatbot", "due", 0, "digested", "2026-12-21"),
        ("Chatbot", "overdue", 0, "digested", "2026-12-21"),
        ("Chatbot", "overdue", 1, "digested", "2026-12-28"),
        ("Chatbot", "upcoming", 0, "digested", "2026-12-07"),
        ("Scoring", "due", 0, "digested", "2026-12-21"),  # a Monday's stage: that Monday's digest
        ("Scoring", "overdue", 0, "digested", "2026-12-28"),
    ]
    assert [
        (
            row.subject_type,
            row.subject_id,
            row.due_date,
            row.stage,
            row.recipient,
            row.channel,
            row.language,
            row.status,
            row.next_attempt_at,
        )
        for row in digests()
    ] == [
        (
            "register.user",
            str(owner.pk),
            monday,
            "digest",
            "Owner@Example.org",
            "email",
            "en",
            "queued",
            at(f"{monday.isoformat()}T08:00+01:00"),
        )
        for monday in (dt.date(2026, 12, 7), dt.date(2026, 12, 21), dt.date(2026, 12, 28))
    ]
    # The lead did not opt for the digest: single reminders, as before.
    assert {status for *_rest, status, _digest in reminder_rows("lead@example.org")} == {"queued"}
    assert mail.outbox == []  # plan only writes rows; nothing went out on its own


def test_the_digest_goes_out_once_on_monday_at_the_send_hour_listing_the_week(
    owner: User, scoring: UseCase
) -> None:
    sweep("2026-12-15T08:00+01:00")
    sweep("2026-12-16T08:00+01:00")
    assert to("Owner@Example.org") == []
    assert len(to("lead@example.org")) == 1  # others still get the single stage at once
    assert sweep("2026-12-21T07:59+01:00").delivered == 0
    assert to("Owner@Example.org") == []

    assert sweep("2026-12-21T08:00+01:00").delivered == 1
    sweep("2026-12-21T09:00+01:00")
    sweep("2026-12-22T08:00+01:00")
    [message] = to("Owner@Example.org")
    digest = Delivery.objects.get(template="weekly_digest", due_date=MONDAY_DUE)
    assert digest.status == "sent"
    assert message.extra_headers["X-Koers-Delivery"] == str(digest.pk)
    assert message.subject == "Weekly digest: 3 review reminders"
    body = str(message.body)
    assert "Your review reminders of the past week, in one e-mail (Dec. 21, 2026):" in body
    chatbot, scoring_path = UseCase.objects.get(name="Chatbot").pk, f"/use-cases/{scoring.pk}/"
    assert "- Chatbot (Unit A): review due on Dec. 15, 2026\n" in body
    assert "- Chatbot (Unit A): review late, it was due on Dec. 15, 2026\n" in body
    assert "- Scoring (Unit A): review due on Dec. 21, 2026\n" in body
    assert f"/use-cases/{chatbot}/" in body
    assert scoring_path in body
    assert "instead of one e-mail per reminder" in body
    assert isinstance(message, mail.EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "review late, it was due on Dec. 15, 2026" in html
    # The digested rows were never sent on their own, and stay in the ledger pointing to it.
    assert set(Delivery.objects.filter(digest=digest).values_list("status", flat=True)) == {"digested"}


def test_a_stage_after_mondays_digest_went_out_goes_into_next_weeks(owner: User, scoring: UseCase) -> None:
    sweep("2026-12-21T08:00+01:00")
    sweep("2026-12-22T08:00+01:00")  # Scoring overdue #0, on the Tuesday after
    assert ("Scoring", "overdue", 0, "digested", "2026-12-28") in reminder_rows("owner@example.org")
    assert [(row.due_date, row.status) for row in digests()] == [
        (MONDAY_DUE, "sent"),
        (dt.date(2026, 12, 28), "queued"),
    ]
    assert len(to("Owner@Example.org")) == 1


def test_a_mondays_stage_planned_after_that_mondays_digest_went_out_waits_for_the_next(
    owner: User, scoring: UseCase
) -> None:
    sweep("2026-12-16T08:00+01:00")  # the Chatbot's stages: into the digest of the 21st
    Delivery.objects.filter(template="weekly_digest").update(status="sent")  # it went out first
    reminders.plan(at("2026-12-21T09:00+01:00"))  # Scoring's due stage, planned an hour late
    assert ("Scoring", "due", 0, "digested", "2026-12-28") in reminder_rows("owner@example.org")


def test_skipped_stages_stay_skipped(owner: User) -> None:
    reminders.plan(at("2026-12-17T10:00+01:00"))  # down since before the upcoming stage
    assert reminder_rows("owner@example.org") == [
        ("Chatbot", "due", 0, "skipped", None),
        ("Chatbot", "overdue", 0, "digested", "2026-12-21"),
        ("Chatbot", "upcoming", 0, "skipped", None),
    ]


def test_the_committee_address_and_webhooks_are_never_digested(owner: User, settings: object) -> None:
    settings.KOERS_COMMITTEE_EMAIL = "AI-Committee@example.org"  # type: ignore[attr-defined]
    factories.UserFactory.create(username="committee", email="ai-committee@example.org", weekly_digest=True)
    use_case = UseCase.objects.get(name="Chatbot")
    use_case.business_unit.webhook_url = "https://hooks.example.org/koers"
    use_case.business_unit.save()
    reminders.plan(at("2026-12-23T08:00+01:00"))
    assert sorted(
        Delivery.objects.filter(stage="overdue", repeat=1).values_list("recipient", "channel", "status")
    ) == [
        ("AI-Committee@example.org", "email", "queued"),
        ("Owner@Example.org", "email", "digested"),
        ("https://hooks.example.org/koers", "webhook", "queued"),
        ("lead@example.org", "email", "queued"),
    ]


def test_a_committee_member_who_opted_for_it_gets_the_committee_stage_in_their_digest(owner: User) -> None:
    User.objects.filter(username="chair").update(weekly_digest=True)
    reminders.plan(at("2026-12-23T08:00+01:00"))
    assert reminder_rows("chair@example.org") == [("Chatbot", "overdue", 1, "digested", "2026-12-28")]


def test_a_review_recorded_before_the_digest_goes_out_is_left_out(owner: User, scoring: UseCase) -> None:
    sweep("2026-12-16T08:00+01:00")
    with time_machine.travel(at("2026-12-18T10:00+01:00"), tick=False):
        services.review_record(
            acting_user=User.objects.get(username="chair"),
            use_case=UseCase.objects.get(name="Chatbot"),
            due_date=DUE,
            outcome=ReviewOutcome.CONTINUE,
            next_due=dt.date(2027, 3, 18),
        )
    sweep("2026-12-21T08:00+01:00")
    [message] = to("Owner@Example.org")
    assert message.subject == "Weekly digest: 1 review reminder"
    assert "Chatbot" not in str(message.body)
    assert "Scoring" in str(message.body)


def test_a_digest_with_nothing_left_to_list_is_not_sent(owner: User) -> None:
    sweep("2026-12-15T08:00+01:00")
    sweep("2026-12-16T08:00+01:00")
    with time_machine.travel(at("2026-12-18T10:00+01:00"), tick=False):
        services.review_record(
            acting_user=User.objects.get(username="chair"),
            use_case=UseCase.objects.get(name="Chatbot"),
            due_date=DUE,
            outcome=ReviewOutcome.CONTINUE,
            next_due=dt.date(2027, 3, 18),
        )
    sweep("2026-12-21T08:00+01:00")
    assert to("Owner@Example.org") == []
    [digest] = digests()
    assert digest.status == "skipped"
    assert "recorded" in digest.last_error
    assert Delivery.objects.filter(digest=digest).count() == 2  # the ledger still shows the stages


def test_someone_who_opted_out_gets_single_reminders_again(owner: User) -> None:
    User.objects.filter(pk=owner.pk).update(weekly_digest=False)
    sweep("2026-12-15T08:00+01:00")
    assert ("Chatbot", "due", 0, "sent", None) in reminder_rows("owner@example.org")
    assert digests() == []


def test_the_dry_run_says_which_reminders_would_be_digested(owner: User) -> None:
    out = io.StringIO()
    call_command("send_reminders", "--dry-run", "--now", "2026-12-16T09:00+01:00", stdout=out)
    assert "digest   " in out.getvalue()
    assert "overdue #0 → Owner@Example.org" in out.getvalue()
    assert "would send 1" in out.getvalue()  # the lead's
    assert Delivery.objects.count() == 0
