"""Review reminders from the sweep: who hears of which stage and when, what happens after
downtime, and that nothing is planned twice."""

from __future__ import annotations

import datetime as dt
import io
import time

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


@pytest.mark.parametrize("stage", ["idea", "retired", "suspended"])
def test_ideas_retired_and_suspended_use_cases_get_no_reminders(case: UseCase, stage: str) -> None:
    UseCase.objects.filter(pk=case.pk).update(lifecycle_stage=stage)
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
    with time_machine.travel(at("2026-12-16T09:05+01:00"), tick=False):
        call_command("send_reminders", "--now", "2026-12-16T09:00+01:00", stdout=out)
    assert "queued   " in out.getvalue()
    assert "queued 2, recorded 2 as skipped" in out.getvalue()
    assert len(rows()) == 4


def test_the_command_refuses_a_bad_moment() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--now must be an ISO date and time"):
        call_command("send_reminders", "--now", "tomorrow")


# -- extra reviews ---------------------------------------------------------------------------

NOW = at("2026-11-27T10:00+01:00")  # the review is planned for 15 December; an extra one: by 11 December


@time_machine.travel(NOW, tick=False)
def test_a_serious_incident_brings_the_review_forward(case: UseCase) -> None:
    from register.models import AuditEvent

    minor = {"what_happened": "Typo", "happened_at": NOW, "aware_at": NOW}
    services.incident_record(acting_user=case.owner, use_case=case, **minor)
    assert ReviewSchedule.objects.get(use_case=case).next_due == DUE  # not serious: nothing changes
    services.incident_record(acting_user=case.owner, use_case=case, seriousness="c", **minor)
    plan = ReviewSchedule.objects.get(use_case=case)
    assert plan.next_due == dt.date(2026, 12, 11)
    assert plan.next_reminder_at == reminders.first_reminder_at(dt.date(2026, 12, 11))
    assert (
        AuditEvent.objects.get(action="register.use_case.review_triggered").justification
        == "serious incident"
    )


@time_machine.travel(NOW, tick=False)
def test_a_vendors_model_change_brings_its_use_cases_reviews_forward(case: UseCase) -> None:
    from register.models import Vendor

    vendor = Vendor.objects.create(name="ChatDesk")
    UseCase.objects.filter(pk=case.pk).update(vendor=vendor)
    idea = factories.use_case("Idea", vendor=vendor)
    chair = User.objects.get(username="chair")
    assert services.vendor_model_changed(acting_user=chair, vendor=vendor, note="GPT-5 inside") == 1
    assert ReviewSchedule.objects.get(use_case=case).next_due == dt.date(2026, 12, 11)
    assert not ReviewSchedule.objects.filter(use_case=idea, next_due__isnull=False).exists()


@time_machine.travel(NOW, tick=False)
def test_an_extra_review_never_pushes_an_earlier_one_back(case: UseCase) -> None:
    ReviewSchedule.objects.filter(use_case=case).update(next_due=dt.date(2026, 12, 1))
    services.review_trigger(acting_user=None, use_case=case, reason="serious incident")
    assert ReviewSchedule.objects.get(use_case=case).next_due == dt.date(2026, 12, 1)
    assert UseCase.objects.get(pk=case.pk).version == 1  # nothing shown changed


def test_an_extra_review_moves_the_use_case_and_is_in_its_snapshot(case: UseCase) -> None:
    from register.models import AuditEvent

    with time_machine.travel(NOW, tick=False):
        services.review_trigger(acting_user=None, use_case=case, reason="vendor model change")
    moved = UseCase.objects.get(pk=case.pk)
    # The detail shows the next review: its date moving moves updated_at (PRODUCT.md).
    assert (moved.version, moved.updated_at) == (2, NOW)
    event = AuditEvent.objects.get(action="register.use_case.review_triggered")
    assert (event.snapshot["next_review_due"], event.snapshot["version"]) == ("2026-12-11", 2)


@time_machine.travel(NOW, tick=False)
def test_a_missed_goal_brings_the_next_review_forward(case: UseCase) -> None:
    chair = User.objects.get(username="chair")
    met = services.review_record(
        acting_user=chair, use_case=case, due_date=DUE, outcome=ReviewOutcome.CONTINUE, goal_met=True
    )
    missed = services.review_record(
        acting_user=chair, use_case=case, due_date=DUE, outcome=ReviewOutcome.CONTINUE, goal_met=False
    )
    assert met.next_due is not None
    assert met.next_due > dt.date(2027, 1, 1)  # the cadence
    assert missed.next_due == dt.date(2026, 12, 11)


# -- pilots ------------------------------------------------------------------------------------


@pytest.fixture
def pilot(case: UseCase) -> UseCase:
    """A pilot of the same unit that ends on 15 January 2027."""
    return factories.use_case(
        "Pricing pilot",
        unit=case.business_unit,
        owner=case.owner,
        lifecycle_stage="pilot",
        pilot_scope="Two hotels",
        pilot_end_date=dt.date(2027, 1, 15),
        stop_criteria="Complaints",
    )


def pilot_rows() -> list[tuple[str, int, str, str]]:
    return sorted(
        Delivery.objects.filter(stage__startswith="pilot_").values_list(
            "stage", "repeat", "recipient", "status"
        )
    )


def test_a_pilot_is_reminded_of_its_end_and_escalated_when_it_runs_past_it(pilot: UseCase) -> None:
    for moment in (
        "2027-01-01T08:00+01:00",
        "2027-01-15T08:00+01:00",
        "2027-01-16T08:00+01:00",
        "2027-01-23T08:00+01:00",
    ):
        reminders.plan(at(moment))
    assert pilot_rows() == [
        ("pilot_due", 0, "owner@example.org", "queued"),
        ("pilot_overdue", 0, "lead@example.org", "queued"),
        ("pilot_overdue", 0, "owner@example.org", "queued"),
        ("pilot_overdue", 1, "chair@example.org", "queued"),
        ("pilot_overdue", 1, "lead@example.org", "queued"),
        ("pilot_overdue", 1, "owner@example.org", "queued"),
        ("pilot_upcoming", 0, "owner@example.org", "queued"),
    ]
    row = Delivery.objects.get(stage="pilot_overdue", repeat=1, recipient="chair@example.org")
    assert outbox.deliver_one(row.pk) is True
    assert mail.outbox[-1].subject.startswith("Pilot loopt langer dan de einddatum")


def test_a_pilot_moved_to_production_or_given_a_new_end_date_stops_the_old_reminders(pilot: UseCase) -> None:
    reminders.plan(at("2027-01-01T08:00+01:00"))
    services.use_case_update(
        acting_user=pilot.owner, use_case=pilot, version=pilot.version, pilot_end_date=dt.date(2027, 3, 1)
    )
    reminders.plan(at("2027-01-16T08:00+01:00"))
    old_end = Delivery.objects.filter(stage__startswith="pilot_", due_date=dt.date(2027, 1, 15))
    assert list(old_end.values_list("stage", flat=True)) == ["pilot_upcoming"]  # nothing after the move
    reminders.plan(at("2027-02-15T08:00+01:00"))
    assert ("pilot_upcoming", 0, "owner@example.org", "queued") in pilot_rows()
    assert Delivery.objects.filter(stage="pilot_upcoming", due_date=dt.date(2027, 3, 1)).exists()
    UseCase.objects.filter(pk=pilot.pk).update(lifecycle_stage="production")
    reminders.plan(at("2027-03-02T08:00+01:00"))
    assert not Delivery.objects.filter(
        stage__in=["pilot_due", "pilot_overdue"], due_date=dt.date(2027, 3, 1)
    ).exists()


def test_a_reminder_still_queued_when_the_review_is_recorded_is_not_sent(case: UseCase) -> None:
    reminders.plan(at("2026-12-16T08:00+01:00"))
    with time_machine.travel(at("2026-12-16T08:10+01:00"), tick=False):
        services.review_record(
            acting_user=User.objects.get(username="chair"),
            use_case=case,
            due_date=DUE,
            outcome=ReviewOutcome.CONTINUE,
        )
    row = Delivery.objects.get(stage="overdue", recipient="owner@example.org")
    assert outbox.deliver_one(row.pk) is None
    row.refresh_from_db()
    assert (row.status, row.last_error) == (
        "skipped",
        "The review was recorded (or re-planned) before this reminder went out.",
    )
    assert mail.outbox == []


def test_the_command_looks_ahead_only_in_a_dry_run() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="only with --dry-run"):
        call_command("send_reminders", "--now", "2099-01-01T08:00+01:00")
    with pytest.raises(CommandError, match="--now must be an ISO date and time"):
        call_command("send_reminders", "--dry-run", "--now", "9999-12-31T23:00+00:00")


@time_machine.travel(NOW, tick=False)
def test_approval_plans_the_next_review_from_the_decisions_day(case: UseCase) -> None:
    from register.choices import DecisionKind

    services.use_case_classify(
        acting_user=case.owner,
        use_case=case,
        answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True},
    )
    services.use_case_submit(acting_user=case.owner, use_case=case)
    services.decision_record(
        acting_user=User.objects.get(username="chair"), use_case=case, kind=DecisionKind.APPROVE
    )
    plan = ReviewSchedule.objects.get(use_case=case)
    assert plan.next_due == dt.date(2027, 5, 27)  # limited risk: six months from 27 November
    assert plan.next_reminder_at == reminders.first_reminder_at(dt.date(2027, 5, 27))


@time_machine.travel(NOW, tick=False)
def test_the_cadence_per_tier_comes_from_the_settings(case: UseCase, settings: object) -> None:
    from register.choices import DecisionKind

    settings.KOERS_REVIEW_CADENCE_MONTHS = {"high_risk": 3, "limited": 2, "minimal": 12, "out_of_scope": 12}  # type: ignore[attr-defined]
    chatbot = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True}
    services.use_case_classify(acting_user=case.owner, use_case=case, answers=chatbot)
    services.use_case_submit(acting_user=case.owner, use_case=case)
    services.decision_record(
        acting_user=User.objects.get(username="chair"), use_case=case, kind=DecisionKind.APPROVE
    )
    assert ReviewSchedule.objects.get(use_case=case).next_due == dt.date(2027, 1, 27)


def test_one_broken_schedule_waits_an_hour_and_the_others_go_on(
    case: UseCase, pilot: UseCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = reminders._queue

    def broken(use_case: UseCase, *args: object) -> None:
        if use_case.pk == case.pk:
            raise RuntimeError("boom")
        real(use_case, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(reminders, "_queue", broken)
    moment = at("2027-01-01T08:00+01:00")
    reminders.plan(moment)
    assert ReviewSchedule.objects.get(use_case=case).next_reminder_at == moment + dt.timedelta(hours=1)
    assert ("pilot_upcoming", 0, "owner@example.org", "queued") in pilot_rows()


def test_the_sweeps_time_limit_is_not_swallowed(case: UseCase, monkeypatch: pytest.MonkeyPatch) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    def out_of_time(*args: object) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(reminders, "_queue", out_of_time)
    with pytest.raises(SoftTimeLimitExceeded):
        reminders.plan(at("2026-12-15T08:00+01:00"))


def test_a_sweep_plans_every_schedule_that_is_due_not_only_one_batch(case: UseCase) -> None:
    """Ten thousand due at once (an import, a new cadence) are planned in batches within one run."""
    others = [
        factories.use_case(
            f"Tool {n}", unit=case.business_unit, owner=case.owner, lifecycle_stage="production"
        )
        for n in range(4)
    ]
    ReviewSchedule.objects.filter(use_case__in=others).update(
        next_due=DUE, next_reminder_at=reminders.first_reminder_at(DUE)
    )
    planned = reminders.plan(at("2026-12-01T09:00+01:00"), limit=2)
    assert planned.schedules == 5
    assert Delivery.objects.filter(stage="upcoming").count() == 5


def test_planning_stops_when_its_time_is_up_and_the_rest_waits(case: UseCase) -> None:
    planned = reminders.plan(at("2026-12-01T09:00+01:00"), until=time.monotonic() - 1)
    assert planned.schedules == 0
    assert reminders.plan(at("2026-12-01T09:00+01:00")).schedules == 1
