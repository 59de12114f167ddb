"""Override, lift, policy tier, re-classification; and the people services around ownership."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from register import services
from register.choices import Role
from register.models import AuditEvent, Delivery, RiskAssessment, UseCase, User
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HIRING = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4A": True}


@pytest.fixture
def hiring() -> UseCase:
    case = factories.use_case("CV ranking")
    services.use_case_classify(acting_user=case.owner, use_case=case, answers=HIRING)
    return UseCase.objects.get(pk=case.pk)


def test_it_lets_the_committee_tighten_a_classification_alone(hiring: UseCase) -> None:
    chair = factories.committee_member("chair")
    services.use_case_override(
        acting_user=chair,
        use_case=hiring,
        risk_tier="prohibited",
        justification="Scores personality",
    )
    hiring.refresh_from_db()
    assert (hiring.risk_tier, hiring.classification_status) == ("prohibited", "overridden")
    assert hiring.current_assessment is not None
    assert (hiring.current_assessment.kind, hiring.current_assessment.justification) == (
        "override",
        "Scores personality",
    )


def test_it_needs_a_second_member_who_is_not_the_owner_to_downgrade(hiring: UseCase) -> None:
    chair, second = factories.committee_member("chair"), factories.committee_member("second")
    services.role_grant(acting_user=None, user=hiring.owner, role=Role.COMMITTEE)
    for approver in (None, chair, hiring.owner, UserFactory.create(username="no-role")):
        with pytest.raises(ValidationError) as refused:
            services.use_case_override(
                acting_user=chair,
                use_case=hiring,
                risk_tier="minimal",
                justification="Only sorts CVs by date",
                second_approver=approver,
            )
        assert list(refused.value.message_dict) == ["second_approver"]
    services.use_case_override(
        acting_user=chair,
        use_case=hiring,
        risk_tier="minimal",
        justification="Only sorts CVs by date",
        second_approver=second,
    )
    assert UseCase.objects.get(pk=hiring.pk).risk_tier == "minimal"


def test_it_refuses_an_override_without_a_reason(hiring: UseCase) -> None:
    with pytest.raises(ValidationError) as refused:
        services.use_case_override(
            acting_user=factories.committee_member("chair"),
            use_case=hiring,
            risk_tier="high_risk",
            justification=" ",
        )
    assert list(refused.value.message_dict) == ["justification"]


def test_it_keeps_an_override_current_and_flags_it_when_answers_change(hiring: UseCase) -> None:
    chair = factories.committee_member("chair")
    services.use_case_override(
        acting_user=chair,
        use_case=hiring,
        risk_tier="prohibited",
        justification="Scores personality",
    )
    services.use_case_classify(acting_user=hiring.owner, use_case=hiring, answers={**HIRING, "ART50_1": True})
    hiring.refresh_from_db()
    assert (hiring.risk_tier, hiring.classification_status, hiring.override_may_be_stale) == (
        "prohibited",
        "overridden",
        True,
    )
    services.use_case_lift_override(acting_user=chair, use_case=hiring, justification="Vendor fixed it")
    hiring.refresh_from_db()
    assert (hiring.risk_tier, hiring.classification_status, hiring.override_may_be_stale) == (
        "high_risk",
        "indicative",
        False,
    )


def test_it_sets_a_stricter_policy_tier_beside_the_legal_one(hiring: UseCase) -> None:
    services.use_case_set_policy_tier(
        acting_user=factories.committee_member("chair"),
        use_case=hiring,
        policy_tier="prohibited",
        justification="Board policy",
    )
    hiring.refresh_from_db()
    assert (hiring.risk_tier, hiring.policy_tier) == ("high_risk", "prohibited")
    with pytest.raises(ValidationError):
        services.use_case_set_policy_tier(
            acting_user=None, use_case=hiring, policy_tier="scary", justification=""
        )


def _older_ruleset_assessment(case: UseCase) -> None:
    """An assessment as an earlier ruleset stored it: the same answers, a milder result."""
    RiskAssessment.objects.create(
        use_case=case,
        answers=HIRING | {"PUBLIC_BODY": False, "PUBLIC_SERVICE": False, "VENDOR_SUPPLIED": False},
        result={"obligations": [{"code": "ART4"}]},
        risk_tier="minimal",
        ruleset_version="2025.9",
    )


def test_it_reports_and_stores_what_a_new_ruleset_changes(hiring: UseCase) -> None:
    _older_ruleset_assessment(hiring)
    dry, wet = io.StringIO(), io.StringIO()
    call_command("reclassify", "--dry-run", stdout=dry, stderr=io.StringIO())
    assert dry.getvalue().splitlines() == [
        "CV ranking: minimal -> high_risk; duties or FRIA changed",
        "1 of 1 use-cases would change.",
    ]
    assert RiskAssessment.objects.filter(use_case=hiring).count() == 2
    call_command("reclassify", stdout=wet, stderr=io.StringIO())
    assert wet.getvalue().splitlines()[-1] == "1 of 1 use-cases changed."
    latest = RiskAssessment.objects.filter(use_case=hiring).latest("id")
    assert (latest.ruleset_version, latest.risk_tier) == ("2026.1", "high_risk")
    assert AuditEvent.objects.filter(action="register.use_case.reclassified").count() == 1


def test_it_refuses_to_deactivate_an_owner_until_reassigned(hiring: UseCase) -> None:
    owner, successor = hiring.owner, UserFactory.create(username="successor")
    with pytest.raises(ValidationError) as refused:
        services.user_deactivate(acting_user=None, user=owner)
    assert refused.value.code == "still_owner"
    services.use_case_reassign_owner(acting_user=None, use_case=hiring, owner=successor)
    services.user_deactivate(acting_user=None, user=owner)
    assert User.objects.get(pk=owner.pk).is_active is False
    with pytest.raises(ValidationError):
        services.use_case_reassign_owner(acting_user=None, use_case=hiring, owner=owner)  # inactive


def test_it_pseudonymises_a_leaver_in_the_audit_trail_too() -> None:
    leaver = UserFactory.create(
        username="j.jansen", first_name="Jan", last_name="Jansen", email="jan@koers.example"
    )
    case = factories.use_case(owner=leaver)
    services.use_case_reassign_owner(
        acting_user=None, use_case=case, owner=UserFactory.create(username="next")
    )
    services.user_deactivate(acting_user=None, user=leaver)
    services.user_pseudonymise(acting_user=None, user=leaver)
    former = f"former-{leaver.pk}"
    assert set(AuditEvent.objects.filter(actor_id=leaver.pk).values_list("actor_label", flat=True)) == {
        former
    }
    texts = " ".join(str(e.snapshot) for e in AuditEvent.objects.filter(subject_type="register.user"))
    assert "Jansen" not in texts
    assert "jan@koers.example" not in texts
    assert User.objects.get(pk=leaver.pk).username == former


def test_it_escalates_when_a_new_ruleset_finds_a_prohibited_practice(hiring: UseCase) -> None:
    RiskAssessment.objects.create(
        use_case=hiring,
        answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART5_1_F": True, "VENDOR_SUPPLIED": False},
        result={"obligations": [{"code": "ART4"}]},
        risk_tier="minimal",
        ruleset_version="2025.9",
    )
    hiring.owner.email = "owner@koers.example"
    hiring.owner.save()
    services.use_case_reclassify(acting_user=None, use_case=hiring)
    hiring.refresh_from_db()
    assert (hiring.risk_tier, hiring.lifecycle_stage) == ("prohibited", "suspended")
    assert list(Delivery.objects.filter(stage="prohibited").values_list("recipient", flat=True)) == [
        "owner@koers.example"
    ]


def test_it_suspends_and_escalates_what_the_committee_finds_prohibited(hiring: UseCase) -> None:
    hiring.owner.email = "owner@koers.example"
    hiring.owner.save()
    services.use_case_override(
        acting_user=factories.committee_member("chair"),
        use_case=hiring,
        risk_tier="prohibited",
        justification="Scores personality",
    )
    hiring.refresh_from_db()
    assert (hiring.lifecycle_stage, hiring.schedule.next_due) == ("suspended", None)
    assert sorted(Delivery.objects.filter(stage="prohibited").values_list("recipient", flat=True)) == [
        "chair@example.org",  # the committee
        "owner@koers.example",
    ]
    assert Delivery.objects.filter(stage="decision", recipient="owner@koers.example").count() == 1


def test_it_refuses_to_confirm_over_an_override(hiring: UseCase) -> None:
    chair = factories.committee_member("chair")
    services.use_case_override(
        acting_user=chair, use_case=hiring, risk_tier="prohibited", justification="Policy"
    )
    with pytest.raises(ValidationError) as refused:
        services.use_case_confirm_classification(acting_user=chair, use_case=hiring)
    assert refused.value.code == "overridden"


def test_it_lifts_an_override_to_a_consistent_current_assessment(hiring: UseCase) -> None:
    chair = factories.committee_member("chair")
    _older_ruleset_assessment(hiring)  # the latest engine assessment is from an older ruleset
    services.use_case_override(
        acting_user=chair, use_case=hiring, risk_tier="prohibited", justification="Policy"
    )
    services.use_case_lift_override(acting_user=chair, use_case=hiring, justification="Resolved")
    hiring.refresh_from_db()
    assert hiring.current_assessment is not None
    assert (
        hiring.risk_tier,
        hiring.current_assessment.risk_tier,
        hiring.current_assessment.ruleset_version,
    ) == (
        "high_risk",
        "high_risk",
        "2026.1",
    )


def test_a_new_ruleset_that_changes_the_tier_brings_the_review_forward(hiring: UseCase) -> None:
    import datetime as dt

    from django.utils import timezone

    from register.models import ReviewSchedule

    UseCase.objects.filter(pk=hiring.pk).update(lifecycle_stage="production")
    ReviewSchedule.objects.filter(use_case=hiring).update(
        next_due=timezone.localdate() + dt.timedelta(days=80)
    )
    _older_ruleset_assessment(hiring)
    services.use_case_reclassify(acting_user=None, use_case=hiring)
    plan = ReviewSchedule.objects.get(use_case=hiring)
    assert plan.next_due == timezone.localdate() + dt.timedelta(days=14)
    event = AuditEvent.objects.get(action="register.use_case.review_triggered")
    assert event.justification == "ruleset 2026.1"
