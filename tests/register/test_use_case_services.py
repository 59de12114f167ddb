"""The use-case services: what they store, what they refuse, and the audit event each writes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from register import services
from register.choices import DecisionKind, ReviewOutcome
from register.models import AuditEvent, ObligationItem, ReferenceCounter, RiskAssessment, UseCase, User
from register.services.use_cases import ActionSpec
from register.workflow import InvalidTransition
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOV_27 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
DEPLOYER = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True}


def _actions(use_case: UseCase) -> list[str]:
    return list(AuditEvent.objects.filter(use_case_id=use_case.pk).values_list("action", flat=True))


def test_it_registers_a_draft_before_it_is_complete_or_assessed() -> None:
    draft = factories.use_case(complete=False)
    assert (draft.status, draft.classification_status, draft.risk_tier, draft.reference) == (
        "draft",
        "unassessed",
        "",
        None,
    )
    assert _actions(draft) == ["register.use_case.created"]
    assert draft.schedule.next_due is None


def test_it_refuses_an_inactive_owner_and_fields_it_does_not_edit() -> None:
    leaver = UserFactory.create(username="leaver", is_active=False)
    with pytest.raises(ValidationError) as refused:
        services.use_case_create(
            acting_user=None,
            business_unit=factories.business_unit(),
            owner=leaver,
            name="x",
            status="approved",
        )
    assert set(refused.value.message_dict) == {"status"}
    with pytest.raises(ValidationError) as refused:
        services.use_case_create(
            acting_user=None, business_unit=factories.business_unit(), owner=leaver, name="x"
        )
    assert set(refused.value.message_dict) == {"owner"}


def test_it_refuses_an_edit_made_on_an_old_version() -> None:
    draft = factories.use_case()
    services.use_case_update(acting_user=draft.owner, use_case=draft, version=1, name="Chatbot v2")
    with pytest.raises(services.StaleEdit):
        services.use_case_update(acting_user=draft.owner, use_case=draft, version=1, name="Lost update")
    assert UseCase.objects.get(pk=draft.pk).name == "Chatbot v2"


@time_machine.travel(NOV_27, tick=False)
def test_it_numbers_submissions_per_year_without_gaps_from_abandoned_drafts() -> None:
    first, abandoned, second = (
        factories.use_case("One"),
        factories.use_case("Never sent"),
        factories.use_case("Two"),
    )
    assert services.use_case_submit(acting_user=first.owner, use_case=first).reference == "AI-2026-0001"
    assert services.use_case_submit(acting_user=second.owner, use_case=second).reference == "AI-2026-0002"
    assert UseCase.objects.get(pk=abandoned.pk).reference is None
    ReferenceCounter.objects.filter(year=2026).update(last=9999)
    third = factories.use_case("Three")
    assert services.use_case_submit(acting_user=third.owner, use_case=third).reference == "AI-2026-10000"


def test_it_names_what_is_missing_before_a_submission() -> None:
    draft = factories.use_case(complete=False, lifecycle_stage="pilot", purpose="Try it in two stores")
    with pytest.raises(ValidationError) as refused:
        services.use_case_submit(acting_user=draft.owner, use_case=draft)
    assert sorted(refused.value.message_dict) == [
        "affected_people",
        "goal",
        "human_oversight",
        "pilot_end_date",
        "pilot_scope",
        "stop_criteria",
    ]
    assert UseCase.objects.get(pk=draft.pk).status == "draft"


def test_it_enforces_the_submission_fields_in_the_database_too() -> None:
    submitted = factories.use_case()
    services.use_case_submit(acting_user=submitted.owner, use_case=submitted)
    with pytest.raises(IntegrityError), transaction.atomic():
        UseCase.objects.filter(pk=submitted.pk).update(purpose="")


def test_it_sends_an_edited_approved_use_case_back_for_a_decision(committee_member: User) -> None:
    case = factories.use_case()
    services.use_case_submit(acting_user=case.owner, use_case=case)
    services.decision_record(acting_user=committee_member, use_case=case, kind=DecisionKind.APPROVE)
    case.refresh_from_db()
    edited = services.use_case_update(
        acting_user=case.owner, use_case=case, version=case.version, goal="More"
    )
    assert edited.status == "submitted"


@time_machine.travel(NOV_27, tick=False)
def test_it_classifies_with_the_legal_entitys_facts_and_builds_the_checklist() -> None:
    care = factories.legal_entity("Zorg Stichting", provides_public_service=True)
    case = factories.use_case("ED triage", unit=factories.business_unit("Spoedeisende hulp", care))
    assessment = services.use_case_classify(
        acting_user=case.owner, use_case=case, answers={**DEPLOYER, "ANNEX_III_5D": True}
    )
    case.refresh_from_db()
    assert (case.risk_tier, case.classification_status, case.fria_required) == (
        "high_risk",
        "indicative",
        True,
    )
    assert case.current_assessment == assessment
    assert assessment.answers["PUBLIC_SERVICE"] is True
    assert assessment.answers["VENDOR_SUPPLIED"] is False
    assert sorted(case.obligations.values_list("code", "status")) == [
        ("ART26", "open"),
        ("ART4", "open"),
        ("FRIA_ART27", "open"),
    ]
    assert case.schedule.next_due == dt.date(2027, 2, 27)  # high risk: every 3 months
    assert _actions(case)[-1] == "register.use_case.classified"


@time_machine.travel(NOV_27, tick=False)
def test_it_keeps_evidence_when_a_reclassification_changes_the_duties(committee_member: User) -> None:
    case = factories.use_case()
    services.use_case_classify(
        acting_user=case.owner, use_case=case, answers={**DEPLOYER, "ANNEX_III_4A": True}
    )
    art26 = case.obligations.get(code="ART26")
    services.obligation_mark_done(
        acting_user=committee_member,
        item=art26,
        evidence_note="Instructions read; oversight by HR",
    )
    services.use_case_classify(acting_user=case.owner, use_case=case, answers={**DEPLOYER, "ART50_1": True})
    assert sorted(case.obligations.values_list("code", "status", "evidence_note")) == [
        ("ART26", "not_applicable", "Instructions read; oversight by HR"),
        ("ART4", "open", ""),
        ("CHECK_VENDOR_DISCLOSURE", "open", ""),
    ]
    assert RiskAssessment.objects.filter(use_case=case).count() == 2
    # Each item added or changed is audited with its snapshot; ART4 did not change the second time.
    audited = AuditEvent.objects.filter(use_case_id=case.pk, subject_type="register.obligationitem")
    assert sorted(audited.values_list("action", "snapshot__code", "snapshot__status")) == [
        ("register.obligation.added", "ART26", "open"),
        ("register.obligation.added", "ART4", "open"),
        ("register.obligation.added", "CHECK_VENDOR_DISCLOSURE", "open"),
        ("register.obligation.done", "ART26", "done"),
        ("register.obligation.not_applicable", "ART26", "not_applicable"),
    ]
    assert set(audited.values_list("actor__username", flat=True)) == {case.owner.username, "secretary"}


def test_it_suspends_a_prohibited_use_case_at_once() -> None:
    case = factories.use_case("Staff mood camera", lifecycle_stage="production")
    services.use_case_classify(acting_user=case.owner, use_case=case, answers={**DEPLOYER, "ART5_1_F": True})
    case.refresh_from_db()
    assert (case.risk_tier, case.lifecycle_stage, case.schedule.next_due) == ("prohibited", "suspended", None)


def test_it_refuses_answers_it_cannot_use_and_stores_nothing() -> None:
    case = factories.use_case()
    with pytest.raises(ValidationError) as refused:
        services.use_case_classify(acting_user=case.owner, use_case=case, answers={"RISK": True})
    assert refused.value.message_dict == {"RISK": ["unknown_code"]}
    assert not RiskAssessment.objects.filter(use_case=case).exists()


def test_it_records_a_decision_with_conditions_as_actions(committee_member: User) -> None:
    case = factories.use_case()
    services.use_case_submit(acting_user=case.owner, use_case=case)
    decision = services.decision_record(
        acting_user=committee_member,
        use_case=case,
        kind=DecisionKind.APPROVE,
        scope="Two stores",
        conditions="Show the AI notice in the chat window",
        end_date=dt.date(2027, 3, 1),
        actions=[ActionSpec("Add the AI notice", case.owner, dt.date(2026, 12, 15))],
    )
    case.refresh_from_db()
    assert case.status == "approved"
    assert list(decision.actions.values_list("description", "owner", "due_date")) == [
        ("Add the AI notice", case.owner.pk, dt.date(2026, 12, 15))
    ]
    event = AuditEvent.objects.filter(use_case_id=case.pk).last()
    assert event is not None
    assert (event.action, event.justification) == (
        "register.use_case.approved",
        "Show the AI notice in the chat window",
    )
    assert event.snapshot["decision"]["scope"] == "Two stores"


def test_it_refuses_a_decision_the_workflow_does_not_allow(committee_member: User) -> None:
    draft = factories.use_case()
    with pytest.raises(InvalidTransition):
        services.decision_record(acting_user=committee_member, use_case=draft, kind=DecisionKind.APPROVE)
    services.use_case_submit(acting_user=draft.owner, use_case=draft)
    with pytest.raises(ValidationError) as refused:  # a refusal says why
        services.decision_record(acting_user=committee_member, use_case=draft, kind=DecisionKind.REJECT)
    assert [e.code for e in refused.value.error_dict["__all__"]] == ["justification_required"]
    with pytest.raises(InvalidTransition):  # production needs an approval first
        services.decision_record(
            acting_user=committee_member, use_case=draft, kind=DecisionKind.TO_PRODUCTION
        )


def test_it_moves_an_approved_pilot_to_production_by_decision(committee_member: User) -> None:
    pilot = factories.use_case(
        lifecycle_stage="pilot",
        pilot_scope="Two stores",
        pilot_end_date=dt.date(2027, 1, 31),
        stop_criteria="Complaints",
    )
    services.use_case_submit(acting_user=pilot.owner, use_case=pilot)
    services.decision_record(acting_user=committee_member, use_case=pilot, kind=DecisionKind.APPROVE)
    services.decision_record(acting_user=committee_member, use_case=pilot, kind=DecisionKind.TO_PRODUCTION)
    assert UseCase.objects.get(pk=pilot.pk).lifecycle_stage == "production"
    assert _actions(pilot)[-1] == "register.use_case.moved_to_production"


@pytest.mark.parametrize(
    ("council", "informed", "refused_because"),
    [
        (
            "not_applicable",
            True,
            "het standpunt van de ondernemingsraad (WOR art. 27) is nog niet vastgelegd",
        ),
        ("pending", True, "het standpunt van de ondernemingsraad (WOR art. 27) is nog niet vastgelegd"),
        ("refused", True, "de ondernemingsraad heeft niet ingestemd (WOR art. 27)"),
        ("consented", False, "de werknemers zijn nog niet geïnformeerd (art. 26 lid 7)"),
    ],
)
def test_it_keeps_an_employee_pilot_out_of_production_until_council_and_workers_are_heard(
    committee_member: User, council: str, informed: bool, refused_because: str
) -> None:
    from django.utils import translation

    pilot = factories.use_case(
        lifecycle_stage="pilot",
        pilot_scope="Two wards",
        pilot_end_date=dt.date(2027, 1, 31),
        stop_criteria="Complaints",
        affects_employees=True,
        works_council_position=council,
        workers_informed=informed,
    )
    services.use_case_submit(acting_user=pilot.owner, use_case=pilot)
    services.decision_record(acting_user=committee_member, use_case=pilot, kind=DecisionKind.APPROVE)
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        services.decision_record(
            acting_user=committee_member, use_case=pilot, kind=DecisionKind.TO_PRODUCTION
        )
    assert refused_because in " ".join(refused.value.messages)
    assert UseCase.objects.get(pk=pilot.pk).lifecycle_stage == "pilot"
    UseCase.objects.filter(pk=pilot.pk).update(works_council_position="consented", workers_informed=True)
    services.decision_record(acting_user=committee_member, use_case=pilot, kind=DecisionKind.TO_PRODUCTION)
    assert UseCase.objects.get(pk=pilot.pk).lifecycle_stage == "production"


@time_machine.travel(NOV_27, tick=False)
def test_it_sets_the_next_review_from_the_cadence_or_ends_it(committee_member: User) -> None:
    case = factories.use_case(lifecycle_stage="production")
    services.use_case_classify(acting_user=case.owner, use_case=case, answers={**DEPLOYER, "ART50_1": True})
    review = services.review_record(
        acting_user=committee_member,
        use_case=case,
        due_date=dt.date(2026, 11, 20),
        outcome=ReviewOutcome.CONTINUE,
        bias_checked=True,
        findings="Notice fine",
    )
    assert review.next_due == dt.date(2027, 5, 27)  # limited risk: every 6 months
    assert UseCase.objects.get(pk=case.pk).schedule.next_due == dt.date(2027, 5, 27)
    services.review_record(
        acting_user=committee_member,
        use_case=case,
        due_date=dt.date(2027, 5, 27),
        outcome=ReviewOutcome.RETIRE,
    )
    case.refresh_from_db()
    assert (case.lifecycle_stage, case.schedule.next_due) == ("retired", None)


def test_it_asks_for_evidence_and_can_require_four_eyes(committee_member: User, settings: object) -> None:
    case = factories.use_case()
    services.use_case_classify(acting_user=case.owner, use_case=case, answers=DEPLOYER)
    item = ObligationItem.objects.get(use_case=case, code="ART4")
    with pytest.raises(ValidationError) as refused:
        services.obligation_mark_done(acting_user=case.owner, item=item)
    assert refused.value.code == "evidence_required"
    settings.KOERS_OBLIGATION_FOUR_EYES = True  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as refused:
        services.obligation_mark_done(
            acting_user=case.owner, item=item, evidence_url="https://intranet.example/ai-training"
        )
    assert refused.value.code == "four_eyes"
    done = services.obligation_mark_done(
        acting_user=committee_member,
        item=item,
        evidence_url="https://intranet.example/ai-training",
    )
    assert (done.status, done.done_by) == ("done", committee_member)


@pytest.fixture
def committee_member(db: None) -> User:
    return factories.committee_member("secretary")


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_it_hands_out_each_reference_once_under_concurrent_submits() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.utils import timezone

    drafts = [factories.use_case(f"Case {i}") for i in range(8)]

    def submit(case: UseCase) -> str:
        try:
            return str(services.use_case_submit(acting_user=case.owner, use_case=case).reference)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        references = list(pool.map(submit, drafts))
    year = timezone.localdate().year
    assert sorted(references) == [f"AI-{year}-{n:04d}" for n in range(1, 9)]


def test_it_moves_stages_only_through_the_workflow() -> None:
    case = factories.use_case()
    with pytest.raises(ValidationError) as refused:
        services.use_case_update(
            acting_user=case.owner, use_case=case, version=case.version, lifecycle_stage="production"
        )
    assert list(refused.value.message_dict) == ["lifecycle_stage"]
    with pytest.raises(ValidationError):
        factories.use_case("Starts retired", lifecycle_stage="retired")


@time_machine.travel(NOV_27, tick=False)
def test_it_brings_the_next_review_forward_when_the_tier_gets_stricter() -> None:
    case = factories.use_case(lifecycle_stage="production")
    services.use_case_classify(acting_user=case.owner, use_case=case, answers=DEPLOYER)
    assert UseCase.objects.get(pk=case.pk).schedule.next_due == dt.date(2027, 11, 27)  # minimal: 12 months
    services.use_case_classify(
        acting_user=case.owner, use_case=case, answers={**DEPLOYER, "ANNEX_III_4B": True}
    )
    assert UseCase.objects.get(pk=case.pk).schedule.next_due == dt.date(2027, 2, 27)  # high risk: 3 months


def test_it_lets_a_rejected_use_case_be_reworked(committee_member: User) -> None:
    case = factories.use_case()
    services.use_case_submit(acting_user=case.owner, use_case=case)
    services.decision_record(
        acting_user=committee_member, use_case=case, kind=DecisionKind.REJECT, justification="Not needed"
    )
    assert services.use_case_reopen(acting_user=case.owner, use_case=case).status == "draft"
    assert services.use_case_submit(acting_user=case.owner, use_case=case).status == "submitted"


def test_it_names_people_by_id_when_ownership_moves() -> None:
    case = factories.use_case()
    successor = UserFactory.create(username="successor")
    services.use_case_reassign_owner(acting_user=None, use_case=case, owner=successor)
    event = AuditEvent.objects.get(action="register.use_case.owner_reassigned")
    assert event.justification == f"user #{case.owner.pk} -> user #{successor.pk}"


def test_it_refuses_a_decision_on_a_version_the_committee_did_not_see(committee_member: User) -> None:
    case = factories.use_case()
    submitted = services.use_case_submit(acting_user=case.owner, use_case=case)
    seen = submitted.version
    services.use_case_update(
        acting_user=case.owner, use_case=case, version=seen, goal="Changed after the look"
    )
    with pytest.raises(services.StaleEdit):
        services.decision_record(
            acting_user=committee_member, use_case=case, kind=DecisionKind.APPROVE, version=seen
        )
    assert UseCase.objects.get(pk=case.pk).status == "submitted"


# The organisation's day, not UTC's: at 23:30 UTC on New Year's Eve it is already 2027 in Amsterdam.
@time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False)
def test_it_numbers_and_schedules_by_the_local_day() -> None:
    case = factories.use_case(lifecycle_stage="production")
    assert services.use_case_submit(acting_user=case.owner, use_case=case).reference == "AI-2027-0001"
    services.use_case_classify(
        acting_user=case.owner, use_case=case, answers={**DEPLOYER, "ANNEX_III_4A": True}
    )
    assert UseCase.objects.get(pk=case.pk).schedule.next_due == dt.date(2027, 4, 1)


def test_it_prefills_a_supplier_and_a_public_body() -> None:
    from register.models import Vendor

    council = factories.legal_entity("Gemeente Koers", is_public_body=True)
    vendor = Vendor.objects.create(name="ChatDesk", product="FAQ Bot")
    case = factories.use_case("Loket-chatbot", unit=factories.business_unit("Loket", council), vendor=vendor)
    assessment = services.use_case_classify(acting_user=case.owner, use_case=case, answers=DEPLOYER)
    assert (assessment.answers["PUBLIC_BODY"], assessment.answers["VENDOR_SUPPLIED"]) == (True, True)
    explicit = services.use_case_classify(
        acting_user=case.owner, use_case=case, answers={**DEPLOYER, "VENDOR_SUPPLIED": False}
    )
    assert explicit.answers["VENDOR_SUPPLIED"] is False  # an explicit answer wins over the prefill


def test_it_writes_exactly_one_audit_event_per_service(committee_member: User) -> None:
    case = factories.use_case(lifecycle_stage="production")

    def events() -> int:  # the use-case's own events; its checklist's items have theirs
        return AuditEvent.objects.filter(use_case_id=case.pk, subject_type="register.usecase").count()

    steps = [
        lambda: services.use_case_update(acting_user=case.owner, use_case=case, version=1, goal="Clearer"),
        lambda: services.use_case_classify(acting_user=case.owner, use_case=case, answers=DEPLOYER),
        lambda: services.use_case_submit(acting_user=case.owner, use_case=case),
        lambda: services.use_case_confirm_classification(acting_user=committee_member, use_case=case),
        lambda: services.decision_record(
            acting_user=committee_member, use_case=case, kind=DecisionKind.APPROVE
        ),
        lambda: services.review_record(
            acting_user=committee_member,
            use_case=case,
            due_date=dt.date(2026, 11, 1),
            outcome=ReviewOutcome.CONTINUE,
        ),
        lambda: services.use_case_reassign_owner(acting_user=None, use_case=case, owner=committee_member),
    ]
    for step in steps:
        before = events()
        step()
        assert events() == before + 1
    # Classifying also audited each checklist item it added (as_of rebuilds the checklist from them).
    assert list(
        AuditEvent.objects.filter(use_case_id=case.pk)
        .exclude(subject_type="register.usecase")
        .values_list("action", "snapshot__code")
    ) == [("register.obligation.added", "ART4")]


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"reference": None}, "usecase_reference_when_submitted"),
        ({"lifecycle_stage": "pilot", "pilot_end_date": None}, "usecase_pilot_scoped_when_submitted"),
        ({"classification_status": "indicative", "risk_tier": ""}, "usecase_tier_when_assessed"),
        ({"review_cadence_months": 0}, "usecase_cadence_positive"),
    ],
)
def test_it_keeps_the_submission_rules_in_the_database(change: dict[str, object], constraint: str) -> None:
    case = factories.use_case()
    services.use_case_submit(acting_user=case.owner, use_case=case)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        UseCase.objects.filter(pk=case.pk).update(**change)


def test_it_never_changes_or_removes_a_stored_assessment() -> None:
    case = factories.use_case()
    assessment = services.use_case_classify(acting_user=case.owner, use_case=case, answers=DEPLOYER)
    assessment.risk_tier = "high_risk"
    with pytest.raises(TypeError, match="never updated"):
        assessment.save()
    with pytest.raises(TypeError, match="never deleted"):
        assessment.delete()
    assert RiskAssessment.objects.get(pk=assessment.pk).risk_tier == "minimal"
