"""Migrations that change what is stored keep every fact, also when rolled back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]


def _migrate(target: tuple[str, str]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor


def test_rolling_back_the_affected_groups_writes_them_out_in_words() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("register")[0]
    apps = (
        _migrate(("register", "0003_affected_groups"))
        .loader.project_state(("register", "0003_affected_groups"))
        .apps
    )
    User = apps.get_model("register", "User")
    entity = apps.get_model("register", "LegalEntity").objects.create(name="Zorg BV")
    unit = apps.get_model("register", "BusinessUnit").objects.create(legal_entity=entity, name="Wards")
    owner = User.objects.create(username="ward-manager")
    UseCase = apps.get_model("register", "UseCase")
    facts = {"business_unit": unit, "owner": owner, "status": "submitted", "purpose": "Triage",
             "human_oversight": "human_in_the_loop", "goal": "Shorter waits"}  # fmt: skip
    ticked = UseCase.objects.create(name="Triage", reference="AI-2026-0001", affects_patients=True,
                                    affects_public=True, **facts)  # fmt: skip
    described = UseCase.objects.create(
        name="Rota", reference="AI-2026-0002", affected_people="Nurses", **facts
    )
    try:
        apps = (
            _migrate(("register", "0002_domain_core"))
            .loader.project_state(("register", "0002_domain_core"))
            .apps
        )
        old = apps.get_model("register", "UseCase").objects
        assert old.get(pk=ticked.pk).affected_people == "patients or clients in care, the public"
        assert old.get(pk=described.pk).affected_people == "Nurses"
    finally:
        _migrate(latest)


def test_reminders_start_for_schedules_planned_before_they_existed() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("register")[0]
    apps = (
        _migrate(("register", "0004_committee_admin"))
        .loader.project_state(("register", "0004_committee_admin"))
        .apps
    )
    User = apps.get_model("register", "User")
    entity = apps.get_model("register", "LegalEntity").objects.create(name="Zorg BV")
    unit = apps.get_model("register", "BusinessUnit").objects.create(legal_entity=entity, name="Wards")
    owner = User.objects.create(username="ward-manager")
    UseCase = apps.get_model("register", "UseCase")
    pilot = UseCase.objects.create(name="Triage", business_unit=unit, owner=owner, lifecycle_stage="pilot",
                                   pilot_end_date=dt.date(2027, 3, 1))  # fmt: skip
    apps.get_model("register", "ReviewSchedule").objects.create(use_case=pilot, next_due=dt.date(2027, 1, 15))
    try:
        apps = _migrate(latest).loader.project_state(latest).apps
        plan = apps.get_model("register", "ReviewSchedule").objects.get(use_case_id=pilot.pk)
        # 14 days before, at 08:00 in Amsterdam (winter time: 07:00 UTC).
        assert plan.next_reminder_at == dt.datetime(2027, 1, 1, 7, 0, tzinfo=dt.UTC)
        assert (plan.pilot_end, plan.pilot_reminder_at) == (
            dt.date(2027, 3, 1),
            dt.datetime(2027, 2, 15, 7, 0, tzinfo=dt.UTC),
        )
    finally:
        _migrate(latest)


def test_duties_and_next_reviews_stored_before_their_events_existed_are_recorded_as_they_stand() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("register")[0]
    before = ("register", "0006_apiaccess")
    apps = _migrate(before).loader.project_state(before).apps
    entity = apps.get_model("register", "LegalEntity").objects.create(name="Retail BV")
    unit = apps.get_model("register", "BusinessUnit").objects.create(legal_entity=entity, name="Shop")
    owner = apps.get_model("register", "User").objects.create(username="shop-lead")
    case = apps.get_model("register", "UseCase").objects.create(
        name="Chatbot", business_unit=unit, owner=owner
    )
    apps.get_model("register", "ReviewSchedule").objects.create(use_case=case, next_due=dt.date(2027, 1, 15))
    Item = apps.get_model("register", "ObligationItem")
    changed = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    fresh = Item.objects.create(use_case=case, code="ART4", article="Art. 4", title_nl="a", title_en="a",
                                owner="deployer", updated_at=changed)  # fmt: skip
    done = Item.objects.create(use_case=case, code="ART50_1", article="Art. 50(1)", title_nl="b", title_en="b",
                               owner="deployer", status="done", done_by=owner, done_at=changed,
                               evidence_note="Banner", updated_at=changed)  # fmt: skip
    apps.get_model("register", "AuditEvent").objects.create(
        occurred_at=changed, action="register.obligation.done", subject_type="register.obligationitem",
        subject_id=str(done.pk), use_case_id=case.pk, snapshot={"id": done.pk, "status": "done"},
    )  # fmt: skip
    try:
        apps = _migrate(latest).loader.project_state(latest).apps
        events = apps.get_model("register", "AuditEvent").objects.filter(
            subject_type="register.obligationitem"
        )
        recorded = events.get(action="register.obligation.recorded")
        assert (recorded.subject_id, recorded.occurred_at, recorded.use_case_id) == (
            str(fresh.pk),
            changed,
            case.pk,
        )
        assert (recorded.snapshot["code"], recorded.snapshot["status"]) == ("ART4", "open")
        assert events.count() == 2  # the duty ticked off already had its event
        (baseline,) = apps.get_model("register", "AuditEvent").objects.filter(
            action="register.use_case.recorded"
        )
        assert (baseline.subject_id, baseline.snapshot["name"]) == (str(case.pk), "Chatbot")
        assert baseline.snapshot["next_review_due"] == "2027-01-15"
    finally:
        _migrate(latest)
