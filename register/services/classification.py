"""The committee's hand on the classification: override and lift, the policy tier, and
re-classification on a new ruleset."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from register.aiact import classify
from register.aiact.result import TIER_ORDER
from register.audit import snapshot_of
from register.choices import AssessmentKind, ClassificationStatus, DecisionKind, RiskTier
from register.models import Decision, Meeting, OverrideProposal, RiskAssessment, UseCase, User
from register.selectors import committee_members
from register.services import notify
from register.services.use_cases import (
    _audit,
    _decided,
    _lock,
    _save,
    apply_tier,
    review_trigger,
    store_engine_result,
    void_open_proposals,
)


def _is_committee(user: User | None) -> bool:
    return user is not None and committee_members().filter(pk=user.pk).exists()


def _latest_engine(use_case: UseCase) -> RiskAssessment | None:
    return use_case.assessments.filter(kind=AssessmentKind.ENGINE).order_by("-created_at", "-id").first()


def _check_second_approver(use_case: UseCase, acting_user: User, second: User | None) -> None:
    if not _is_committee(second) or second in (acting_user, use_case.owner):
        raise ValidationError(
            {"second_approver": _("A downgrade needs a second committee member who is not the owner.")},
            code="second_approver_required",
        )


@transaction.atomic
def use_case_override(
    *,
    acting_user: User,
    use_case: UseCase,
    risk_tier: str,
    justification: str,
    second_approver: User | None = None,
    version: int | None = None,
    meeting: Meeting | None = None,
) -> RiskAssessment:
    """Classify differently from the questionnaire. A downgrade (a less strict tier than the
    engine's) needs a second committee member, never the owner. Stays current until lifted."""
    locked = _lock(use_case, version)
    engine = _latest_engine(locked)
    if engine is None:
        raise ValidationError(
            _("Answer the questionnaire before overriding its result."), code="not_assessed"
        )
    if risk_tier not in RiskTier.values:
        raise ValidationError({"risk_tier": _("Not a risk tier.")})
    if not justification.strip():
        raise ValidationError({"justification": _("An override needs a justification.")})
    if _is_downgrade(engine.risk_tier, risk_tier):
        _check_second_approver(locked, acting_user, second_approver)
    override = RiskAssessment.objects.create(
        use_case=locked,
        kind=AssessmentKind.OVERRIDE,
        answers=engine.answers,
        result={**engine.result, "risk_tier": str(risk_tier), "overrides_assessment": engine.pk},
        risk_tier=risk_tier,
        complete=True,
        fria_required=locked.fria_required,
        ruleset_version=engine.ruleset_version,
        author=acting_user,
        justification=justification,
        second_approver=second_approver,
    )
    decision = Decision.objects.create(
        use_case=locked,
        kind=DecisionKind.OVERRIDE_CLASSIFICATION,
        justification=justification,
        decided_by=acting_user,
        meeting=meeting,
    )
    void_open_proposals(locked, acting_user, _("Superseded: the committee classified it differently."))
    previous_tier = locked.risk_tier
    locked.current_assessment = override
    locked.classification_status, locked.override_may_be_stale = ClassificationStatus.OVERRIDDEN, False
    fields = apply_tier(locked, risk_tier)
    _save(locked, ["current_assessment", "classification_status", "override_may_be_stale", *fields])
    _audit(acting_user, locked, "classification_overridden", justification, engine_tier=engine.risk_tier)
    if risk_tier == RiskTier.PROHIBITED and previous_tier != RiskTier.PROHIBITED:
        notify.prohibited(locked, override)
    notify.decided(locked, decision, DecisionKind.OVERRIDE_CLASSIFICATION.label, "", justification)
    return override


def _is_downgrade(engine_tier: str, tier: str) -> bool:
    return TIER_ORDER.index(tier) > TIER_ORDER.index(engine_tier)


@transaction.atomic
def override_propose(
    *,
    acting_user: User,
    use_case: UseCase,
    risk_tier: str,
    justification: str,
    version: int | None = None,
    meeting: Meeting | None = None,
) -> RiskAssessment | OverrideProposal:
    """Classify differently. A stricter (or equal) tier applies at once; a less strict one waits
    for a second committee member who confirms it in their own session (`override_confirm`)."""
    locked = _lock(use_case, version)
    engine = _latest_engine(locked)
    if engine is None or risk_tier not in RiskTier.values or not _is_downgrade(engine.risk_tier, risk_tier):
        return use_case_override(
            acting_user=acting_user,
            use_case=locked,
            risk_tier=risk_tier,
            justification=justification,
            meeting=meeting,
        )
    if not justification.strip():
        raise ValidationError({"justification": _("An override needs a justification.")})
    proposal = OverrideProposal(
        use_case=locked, risk_tier=risk_tier, justification=justification, proposed_by=acting_user
    )
    proposal.full_clean()
    proposal.save()
    _save(locked, [])
    _audit(acting_user, locked, "override_proposed", justification, proposal=snapshot_of(proposal))
    return proposal


def _open_proposal(proposal: OverrideProposal) -> OverrideProposal:
    locked = OverrideProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.outcome:
        raise ValidationError(_("This downgrade has already been decided."), code="decided")
    return locked


@transaction.atomic
def override_confirm(
    *,
    acting_user: User,
    proposal: OverrideProposal,
    version: int | None = None,
    meeting: Meeting | None = None,
) -> RiskAssessment:
    """The second pair of eyes: a committee member who is neither the proposer nor the owner,
    confirming the proposal they saw (`version`: the use-case as it was on their page)."""
    use_case = _lock(proposal.use_case, version)
    locked = _open_proposal(proposal)
    _check_second_approver(use_case, locked.proposed_by, acting_user)
    if not _is_committee(locked.proposed_by):
        raise ValidationError(
            _("The member who proposed this downgrade is no longer on the committee; propose it again."),
            code="proposer_gone",
        )
    _decided(locked, OverrideProposal.Outcome.CONFIRMED, acting_user)
    assessment = use_case_override(
        acting_user=locked.proposed_by,
        use_case=use_case,
        risk_tier=locked.risk_tier,
        justification=locked.justification,
        second_approver=acting_user,
        meeting=meeting,
    )
    use_case.refresh_from_db()  # the override saved its own copy: the snapshot is of the use-case now
    _audit(acting_user, use_case, "override_confirmed", locked.justification, proposal=snapshot_of(locked))
    return assessment


@transaction.atomic
def override_decline(
    *, acting_user: User, proposal: OverrideProposal, reason: str, version: int | None = None
) -> OverrideProposal:
    """Any committee member (the proposer too, withdrawing it) ends a waiting downgrade, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the downgrade is declined.")})
    use_case = _lock(proposal.use_case, version)
    locked = _open_proposal(proposal)
    _decided(locked, OverrideProposal.Outcome.DECLINED, acting_user, reason)
    _save(use_case, [])
    _audit(acting_user, use_case, "override_declined", reason, proposal=snapshot_of(locked))
    return locked


@transaction.atomic
def use_case_lift_override(
    *, acting_user: User, use_case: UseCase, justification: str, version: int | None = None
) -> None:
    """Go back to the questionnaire's latest result."""
    locked = _lock(use_case, version)
    engine = _latest_engine(locked)
    if locked.classification_status != ClassificationStatus.OVERRIDDEN or engine is None:
        raise ValidationError(_("There is no override to lift."), code="no_override")
    void_open_proposals(locked, acting_user, _("Superseded: the override was lifted."))
    # The questionnaire's answers, judged again on today's ruleset and stored, so the use-case
    # and its current assessment always tell the same story.
    locked.classification_status, locked.override_may_be_stale = ClassificationStatus.INDICATIVE, False
    result = classify(engine.answers, today=timezone.localdate())
    _assessment, fields = store_engine_result(
        locked, answers=engine.answers, result=result, acting_user=acting_user, previous_tier=locked.risk_tier
    )
    _save(locked, [*fields, "override_may_be_stale"])
    _audit(acting_user, locked, "override_lifted", justification)


@transaction.atomic
def use_case_set_policy_tier(
    *,
    acting_user: User | None,
    use_case: UseCase,
    policy_tier: str,
    justification: str,
    version: int | None = None,
) -> UseCase:
    """ "Treat as high-risk by policy": the organisation's stricter tier, never shown as the law's."""
    if policy_tier and policy_tier not in RiskTier.values:
        raise ValidationError({"policy_tier": _("Not a risk tier.")}, code="invalid")
    locked = _lock(use_case, version)
    locked.policy_tier = policy_tier
    _save(locked, ["policy_tier"])
    _audit(acting_user, locked, "policy_tier_set" if policy_tier else "policy_tier_cleared", justification)
    return locked


@dataclass(frozen=True)
class Reclassification:
    use_case: UseCase
    before: tuple[object, ...]
    after: tuple[object, ...]
    tier_before: str
    tier_after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@transaction.atomic
def use_case_reclassify(
    *, acting_user: User | None, use_case: UseCase, dry_run: bool = False
) -> Reclassification | None:
    """Re-run the engine on the current ruleset with the stored answers. Beside an override the
    new result is stored, not made current, and the override is flagged "may be stale"."""
    locked = _lock(use_case)
    engine = _latest_engine(locked)
    if engine is None:
        return None
    result = classify(engine.answers, today=timezone.localdate())
    before = (
        engine.risk_tier,
        engine.fria_required,
        tuple(sorted(o["code"] for o in engine.result["obligations"])),
    )
    after = (result.risk_tier, result.fria_required, tuple(sorted(o.code for o in result.obligations)))
    outcome = Reclassification(locked, before, after, engine.risk_tier, result.risk_tier)
    if dry_run or (not outcome.changed and engine.ruleset_version == result.ruleset_version):
        return outcome
    assessment, fields = store_engine_result(
        locked, answers=engine.answers, result=result, acting_user=acting_user, previous_tier=engine.risk_tier
    )
    _save(locked, fields)
    _audit(
        acting_user,
        locked,
        "reclassified",
        f"{engine.risk_tier} -> {result.risk_tier}",
        assessment=assessment.pk,
    )
    if outcome.tier_before != outcome.tier_after:  # the law now says otherwise: look at it again
        review_trigger(acting_user=acting_user, use_case=locked, reason=f"ruleset {result.ruleset_version}")
    return outcome
