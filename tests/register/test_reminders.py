"""Review reminders from the sweep: who hears of which stage and when, what happens after
downtime, and that nothing is planned twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from register import outbox, reminders, services
from register.choices import ReviewOutcome
from register.models import Delivery, ReviewSchedule, UseCase, User
from tests import factories

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 12, 15)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


@pytest.fixture
def case(settings: object) -> UseCase:
    """A use-case in production whose review is due on 15 December 2026, with a unit lead."""
    settings.KOERS_COMMITTEE_EMAIL = ""  # type: ignore[attr-defined]
    lead = factories.UserFactory.create(username="lead", email="lead@example.org")
    unit = factories.business_unit("Unit A")
    unit.lead = lead
    unit.save()
    owner = factories.UserFactory.create(username="owner", email="owner@example.org", language="en")
    use_case = factories.use_case("Chatbot", unit=unit, owner=owner, lifecycle_stage="production")
    factories.committee_member("chair", email="chair@example.org")
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=use_case)
    plan.next_due = DUE
    plan.next_reminder_at = reminders.first_reminder_at(DUE)
    plan.save()
    return use_case


def rows() -> list[tuple[str, int, str, str]]:
    return sorted(
        Delivery.objects.filter(template__startswith="review_").values_list(
            "stage", "repeat", "recipient", "status"
        )
    )


def test_nothing_is_planned_before_the_first_stage(case: UseCase) -> None:
    assert reminders.plan(at("2026-12-01T07:59+01:00")).queued == 0
    assert rows() == []


def test_each_stage_reaches_its_people_at_the_send_hour(case: UseCase) -> None:
    reminders.plan(at("2026-12-01T08:00+01:00"))
    reminders.plan(at("2026-12-15T08:00+01:00"))
    reminders.plan(at("2026-12-16T08:00+01:00"))
    reminders.plan(at("2026-12-23T08:00+01:00"))
    assert rows() == [
        ("due", 0, "owner@example.org", "queued"),
        ("overdue", 0, "lead@example.org", "queued"),
        ("overdue", 0, "owner@example.org", "queued"),
        ("overdue", 1, "chair@example.org", "queued"),
        ("overdue", 1, "lead@example.org", "queued"),
        ("overdue", 1, "owner@example.org", "queued"),
        ("upcoming", 0, "owner@example.org", "queued"),
    ]


def test_after_downtime_only_the_stage_that_applies_now_goes_out(case: UseCase) -> None:
    planned = reminders.plan(at("2026-12-17T10:00+01:00"))  # down since before the upcoming stage
    assert rows() == [
        ("due", 0, "owner@example.org", "skipped"),
        ("overdue", 0, "lead@example.org", "queued"),
        ("overdue", 0, "owner@example.org", "queued"),
        ("upcoming", 0, "owner@example.org", "skipped"),
    ]
    assert (planned.queued, planned.skipped) == (2, 2)
    skipped = Delivery.objects.filter(status="skipped").first()
    assert skipped is not None
    assert "only the stage that applies now was sent" in skipped.last_error


def test_planning_twice_at_the_same_moment_plans_once(case: UseCase) -> None:
    first = reminders.plan(at("2026-12-15T09:00+01:00"))
    again = reminders.plan(at("2026-12-15T09:00+01:00"))
    assert (first.queued, again.queued, again.skipped) == (1, 0, 0)
    assert len(rows()) == 2  # due queued, upcoming skipped


def test_an_inactive_owners_reminders_go_to_the_committee(case: UseCase) -> None:
    User.objects.filter(username="owner").update(is_active=False)
    reminders.plan(at("2026-12-15T08:00+01:00"))
    assert ("due", 0, "chair@example.org", "queued") in rows()
    assert not [row for row in rows() if row[2] == "owner@example.org"]


def test_the_committee_address_replaces_its_members_when_set(case: UseCase, settings: object) -> None:
    settings.KOERS_COMMITTEE_EMAIL = "ai-committee@example.org"  # type: ignore[attr-defined]
    reminders.plan(at("2026-12-23T08:00+01:00"))
    recipients = {row[2] for row in rows() if row[:2] == ("overdue", 1)}
    assert recipients == {"owner@example.org", "lead@example.org", "ai-committee@example.org"}


def test_a_unit_webhook_hears_of_every_stage(case: UseCase) -> None:
    case.business_unit.webhook_url = "https://hooks.example.org/koers"
    case.business_unit.save()
    reminders.plan(at("2026-12-15T08:00+01:00"))
    hook = Delivery.objects.get(channel="webhook", stage="due")
    assert (hook.recipient, hook.context["reference"], hook.context["due_date"]) == (
        "https://hooks.example.org/koers",
        case.reference or "",
        "2026-12-15",
    )


def test_a_recorded_review_starts_the_reminders_again_from_the_new_date(case: UseCase) -> None:
    reminders.plan(at("2026-12-16T08:00+01:00"))
    with time_machine.travel(at("2026-12-18T10:00+01:00"), tick=False):
        services.review_record(
            acting_user=User.objects.get(username="chair"),
            use_case=case,
            due_date=DUE,
            outcome=ReviewOutcome.CONTINUE,
            next_due=dt.date(2027, 3, 18),
        )
    plan = ReviewSchedule.objects.get(use_case=case)
    assert plan.next_reminder_at == at("2027-03-04T08:00+01:00")
    assert reminders.plan(at("2026-12-23T08:00+01:00")).queued == 0  # the old date's weekly reminder stops


def test_ideas_and_retired_use_cases_get_no_reminders(case: UseCase) -> None:
    UseCase.objects.filter(pk=case.pk).update(lifecycle_stage="idea")
    assert reminders.plan(at("2026-12-15T08:00+01:00")).queued == 0


def test_the_reminder_email_is_in_the_recipients_language(case: UseCase) -> None:
    reminders.plan(at("2026-12-15T08:00+01:00"))
    row = Delivery.objects.get(stage="due", recipient="owner@example.org")
    assert outbox.deliver_one(row.pk) is True
    assert mail.outbox[0].subject == "Review due today: Chatbot"  # a draft has no reference yet
    assert "is due today, Dec. 15, 2026." in str(mail.outbox[0].body)
    assert f"/use-cases/{case.pk}/" in str(mail.outbox[0].body)


def test_the_sweep_plans_then_delivers_and_records_it(case: UseCase) -> None:
    with time_machine.travel(at("2026-12-15T08:30+01:00"), tick=False):
        run = outbox.sweep()
    assert (run.reminders_queued, run.reminders_skipped, run.delivered) == (1, 1, 1)
    assert len(mail.outbox) == 1


def test_the_command_prints_what_it_would_send_and_changes_nothing_in_a_dry_run(case: UseCase) -> None:
    out = io.StringIO()
    call_command("send_reminders", "--dry-run", "--now", "2026-12-16T09:00+01:00", stdout=out)
    text = out.getvalue()
    assert "send     " in text
    assert "overdue #0 → lead@example.org" in text
    assert "skip     " in text
    assert "Nothing was changed." in text
    assert rows() == []
    out = io.StringIO()
    call_command("send_reminders", "--now", "2026-12-16T09:00+01:00", stdout=out)
    assert "queued   " in out.getvalue()
    assert "queued 2, recorded 2 as skipped" in out.getvalue()
    assert len(rows()) == 4


def test_the_command_refuses_a_bad_moment() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--now must be an ISO date and time"):
        call_command("send_reminders", "--now", "tomorrow")
