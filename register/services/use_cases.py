"""Writes for use-cases: drafts, submission, classification, decisions, reviews, obligations."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from register import schedule, workflow
from register.aiact import answer_problems, classify
from register.aiact.result import Classification, Obligation
from register.audit import audit_log, snapshot_of
from register.choices import (
    ClassificationStatus,
    DecisionKind,
    LifecycleStage,
    ObligationStatus,
    ReviewOutcome,
    RiskTier,
    WorkflowStatus,
)
from register.models import (
    Action,
    BusinessUnit,
    Decision,
    Meeting,
    ObligationItem,
    OverrideProposal,
    ReferenceCounter,
    Review,
    ReviewSchedule,
    RiskAssessment,
    UseCase,
    User,
)
from register.services import notify

# What people may set through the form and the services (states, tiers and the reference are
# moved by services only).
EDITABLE_FIELDS = frozenset(
    f.name
    for f in UseCase._meta.concrete_fields
    if f.editable and f.name not in {"id", "business_unit", "owner"}
)


class StaleEdit(Exception):
    """Someone else saved the use-case after the editor opened it."""

    def __init__(self) -> None:
        super().__init__(
            _("Someone else changed this use-case after you opened it. Reload it and try again.")
        )


def _lock(use_case: UseCase, version: int | None = None) -> UseCase:
    """The use-case, locked for this transaction; with `version`, refuse an edit made on an
    older version than the one stored (StaleEdit)."""
    locked = (
        UseCase.objects.select_for_update().select_related("business_unit__legal_entity").get(pk=use_case.pk)
    )
    if version is not None and locked.version != version:
        raise StaleEdit
    return locked


def _save(use_case: UseCase, fields: Iterable[str]) -> None:
    """Store changed fields; every stored change moves updated_at and the edit version."""
    use_case.updated_at = timezone.now()
    use_case.version += 1
    use_case.save(update_fields=[*fields, "updated_at", "version"])


def touch_all(use_cases: QuerySet[UseCase]) -> None:
    """`_save` for many use-cases whose detail changed without a field of their own (a record they
    hold deleted, a person they show pseudonymised): updated_at and the edit version move."""
    use_cases.update(updated_at=timezone.now(), version=F("version") + 1)


def _audit(actor: User | None, use_case: UseCase, verb: str, justification: str = "", **extra: Any) -> None:
    """A use-case event. Its snapshot also carries the next review's date (kept apart on the
    ReviewSchedule, STYLE.md §7, yet shown with the use-case), so `as_of` can tell it."""
    next_due = ReviewSchedule.objects.filter(use_case=use_case).values_list("next_due", flat=True).first()
    audit_log(
        actor=actor,
        action=f"register.use_case.{verb}",
        subject=use_case,
        use_case_id=use_case.pk,
        justification=justification,
        snapshot={
            **snapshot_of(use_case),
            "next_review_due": next_due.isoformat() if next_due else None,
            **extra,
        },
    )


def _decided(proposal: OverrideProposal, outcome: str, by: User | None, reason: str = "") -> None:
    proposal.outcome, proposal.decided_by, proposal.decided_at = outcome, by, timezone.now()
    proposal.reason = reason
    proposal.save()


def void_open_proposals(use_case: UseCase, acting_user: User | None, why: str) -> None:
    """A waiting downgrade was made against the classification as it stood; when that changes
    (another override, a lift, new answers), it is declined with the reason, never confirmed
    against facts its proposer did not see."""
    for proposal in OverrideProposal.objects.select_for_update().filter(use_case=use_case, outcome=""):
        _decided(proposal, OverrideProposal.Outcome.DECLINED, acting_user or proposal.proposed_by, why)
        _audit(acting_user, use_case, "override_declined", why, proposal=snapshot_of(proposal))


def _check_fields(fields: Mapping[str, Any]) -> None:
    unknown = sorted(set(fields) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _check_owner(owner: User) -> None:
    if not owner.is_active:
        raise ValidationError({"owner": _("The accountable owner must be an active person.")})


# Where a use-case can start: an idea, a pilot, or AI already in production being registered.
INITIAL_STAGES = frozenset({LifecycleStage.IDEA, LifecycleStage.PILOT, LifecycleStage.PRODUCTION})


@transaction.atomic
def use_case_create(
    *,
    acting_user: User | None,
    business_unit: BusinessUnit,
    owner: User,
    name: str,
    lifecycle_stage: str = LifecycleStage.IDEA,
    **fields: Any,
) -> UseCase:
    """Register a draft; it can be saved before it is complete or assessed (`unassessed`)."""
    _check_fields(fields)
    _check_owner(owner)
    if lifecycle_stage not in INITIAL_STAGES:
        raise ValidationError(
            {"lifecycle_stage": _("A use-case starts as an idea, a pilot or in production.")}
        )
    use_case = UseCase(
        business_unit=business_unit, owner=owner, name=name, lifecycle_stage=lifecycle_stage, **fields
    )
    use_case.full_clean()
    use_case.save()
    _plan_pilot(ReviewSchedule.objects.create(use_case=use_case), use_case)
    _audit(acting_user, use_case, "created")
    return use_case


@transaction.atomic
def use_case_update(*, acting_user: User | None, use_case: UseCase, version: int, **changes: Any) -> UseCase:
    """Edit with the version the editor saw. An edit of an approved use-case sends it back to
    `submitted` for a new decision."""
    _check_fields({k: v for k, v in changes.items() if k != "owner"})
    locked = _lock(use_case, version)
    if "owner" in changes:
        _check_owner(changes["owner"])
    for name, value in changes.items():
        setattr(locked, name, value)
    fields = list(changes)
    if locked.status == WorkflowStatus.APPROVED:
        workflow.check_status(locked.status, WorkflowStatus.SUBMITTED)
        locked.status = WorkflowStatus.SUBMITTED
        fields.append("status")
    locked.full_clean()
    _save(locked, fields)
    _plan_pilot(ReviewSchedule.objects.get_or_create(use_case=locked)[0], locked)
    _audit(acting_user, locked, "changed", ", ".join(sorted(changes)))
    if "status" in fields:
        notify.submitted(locked)
    return locked


def _next_reference(year: int) -> str:
    # One row per year, incremented in the database inside the submit transaction: concurrent
    # submits queue on the row lock; an abandoned draft never takes a number.
    ReferenceCounter.objects.get_or_create(year=year)
    ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    return f"AI-{year}-{ReferenceCounter.objects.get(year=year).last:04d}"


@transaction.atomic
def use_case_submit(*, acting_user: User | None, use_case: UseCase) -> UseCase:
    locked = _lock(use_case)
    workflow.check_status(locked.status, WorkflowStatus.SUBMITTED)
    missing = locked.missing_for_submission()
    if missing:
        raise ValidationError({name: _("Needed before the use-case can be submitted.") for name in missing})
    fields = ["status"]
    if locked.reference is None:
        locked.reference = _next_reference(timezone.localdate().year)
        fields.append("reference")
    locked.status = WorkflowStatus.SUBMITTED
    _save(locked, fields)
    _audit(acting_user, locked, "submitted")
    notify.submitted(locked)
    return locked


def _prefilled(use_case: UseCase, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The legal entity's facts and the vendor fill in what the answers leave open."""
    entity = use_case.business_unit.legal_entity
    return {
        "PUBLIC_BODY": entity.is_public_body,
        "PUBLIC_SERVICE": entity.provides_public_service,
        "VENDOR_SUPPLIED": use_case.vendor_id is not None,
        **answers,
    }


# What the engine says about a duty; a change to any of these is a change to the checklist.
_DUTY_FIELDS = ("article", "title_nl", "title_en", "owner", "applies_from", "status")


def _apply_duty(item: ObligationItem, duty: Obligation) -> bool:
    """Bring an item in line with the engine's duty, keeping its evidence; whether it changed."""
    before = [getattr(item, name) for name in _DUTY_FIELDS]
    if item.status == ObligationStatus.NOT_APPLICABLE:
        item.status = ObligationStatus.OPEN  # the duty is back
    item.article, item.title_nl, item.title_en = duty.article, duty.title.nl, duty.title.en
    item.owner, item.applies_from = duty.owner, duty.applies_from
    return [getattr(item, name) for name in _DUTY_FIELDS] != before


def _sync_obligations(use_case: UseCase, result: Classification, acting_user: User | None) -> None:
    """New duties open; vanished ones not applicable; evidence and progress are kept. Each item
    added or changed is audited with its snapshot: `as_of` rebuilds the checklist from them."""
    existing = {item.code: item for item in use_case.obligations.all()}
    added, updated = [], []
    for duty in result.obligations:
        item = existing.pop(duty.code, None)
        if item is None:
            item = ObligationItem(use_case=use_case, code=duty.code)
            _apply_duty(item, duty)
            added.append(item)
        elif _apply_duty(item, duty):
            updated.append(item)
    gone = [item for item in existing.values() if item.status != ObligationStatus.NOT_APPLICABLE]
    for item in gone:
        item.status = ObligationStatus.NOT_APPLICABLE
    now = timezone.now()
    for item in [*added, *updated, *gone]:
        item.updated_at = now
    ObligationItem.objects.bulk_create(added)  # primary keys come back (PostgreSQL, SQLite 3.35+)
    ObligationItem.objects.bulk_update([*updated, *gone], [*_DUTY_FIELDS, "updated_at"])
    for verb, items in (("added", added), ("updated", updated), ("not_applicable", gone)):
        for item in items:
            audit_log(
                actor=acting_user,
                action=f"register.obligation.{verb}",
                subject=item,
                use_case_id=use_case.pk,
            )


def _cadence(use_case: UseCase) -> int | None:
    """The months until the next review of this use-case (the one place services ask)."""
    return schedule.cadence_months(
        use_case.risk_tier,
        override=use_case.review_cadence_months,
        policy=settings.KOERS_REVIEW_CADENCE_MONTHS,
    )


def _reschedule(use_case: UseCase, today: dt.date) -> None:
    """After a (possibly new) tier: the next review comes no later than the tier's cadence from
    today; an earlier date already planned stays; a prohibited use-case is not scheduled."""
    months = _cadence(use_case)
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=use_case)
    if months is None:
        plan.next_due = None
    else:
        latest = schedule.next_due(today, months)
        plan.next_due = min(plan.next_due, latest) if plan.next_due else latest
    _save_plan(plan)


def _extra_review_by(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.KOERS_EXTRA_REVIEW_DAYS)


@transaction.atomic
def review_trigger(*, acting_user: User | None, use_case: UseCase, reason: str) -> ReviewSchedule | None:
    """An extra review (PRODUCT.md, reviews): a serious incident, a vendor's model change, a missed
    goal or a new ruleset that changes the tier brings the next review forward to within
    KOERS_EXTRA_REVIEW_DAYS, unless one is due sooner already. Only for use-cases in use."""
    locked = _lock(use_case)
    if locked.lifecycle_stage not in workflow.ACTIVE_STAGES:
        return None
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=locked)
    by = _extra_review_by(timezone.localdate())
    if plan.next_due is None or plan.next_due > by:
        plan.next_due = by
        _save_plan(plan)
        _save(locked, [])  # the detail shows the next review: its date moving is a change
    _audit(acting_user, locked, "review_triggered", reason, next_due=plan.next_due)
    return plan


def _plan_from_decision(use_case: UseCase) -> None:
    """On approval (and on going to production) the next review follows the cadence from the
    decision's day (PRODUCT.md, reviews), whatever an earlier classification had planned."""
    months = _cadence(use_case)
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=use_case)
    plan.next_due = schedule.next_due(timezone.localdate(), months) if months else None
    _save_plan(plan)
    _plan_pilot(plan, use_case)


def _plan_pilot(plan: ReviewSchedule, use_case: UseCase) -> None:
    """A pilot's reminders: before its end date, and weekly once it runs past it without a
    decision (to production, or stopped). Planned again when the end date moves."""
    from register.reminders import first_reminder_at  # the planner imports these services

    end = use_case.pilot_end_date if use_case.lifecycle_stage == LifecycleStage.PILOT else None
    if end == plan.pilot_end:
        return
    plan.pilot_end, plan.pilot_reminder_at = end, first_reminder_at(end)
    plan.save(update_fields=["pilot_end", "pilot_reminder_at"])


def _save_plan(plan: ReviewSchedule) -> None:
    """A schedule whose due date moved starts its reminders again from the new date's first stage."""
    from register.reminders import first_reminder_at  # the planner imports these services

    before = ReviewSchedule.objects.filter(pk=plan.pk).values_list("next_due", flat=True).first()
    if before != plan.next_due or plan.next_reminder_at is None:
        plan.next_reminder_at = first_reminder_at(plan.next_due)
    plan.updated_at = timezone.now()
    plan.save(update_fields=["next_due", "next_reminder_at", "updated_at"])


def apply_tier(use_case: UseCase, tier: str) -> list[str]:
    """What a tier does to a use-case, whoever set it (engine or committee): a prohibited one is
    suspended at once (PRODUCT.md, reviews); the next review follows the tier's cadence."""
    use_case.risk_tier = tier
    fields = ["risk_tier"]
    if tier == RiskTier.PROHIBITED and use_case.lifecycle_stage not in {
        LifecycleStage.SUSPENDED,
        LifecycleStage.RETIRED,
    }:
        workflow.check_stage(use_case.lifecycle_stage, LifecycleStage.SUSPENDED)
        use_case.lifecycle_stage = LifecycleStage.SUSPENDED
        fields.append("lifecycle_stage")
    _reschedule(use_case, timezone.localdate())
    return fields


def _make_current(
    use_case: UseCase, assessment: RiskAssessment, result: Classification, acting_user: User | None
) -> list[str]:
    use_case.current_assessment = assessment
    use_case.fria_required = result.fria_required
    use_case.classification_status = ClassificationStatus.INDICATIVE
    _sync_obligations(use_case, result, acting_user)
    return [
        "current_assessment",
        "fria_required",
        "classification_status",
        *apply_tier(use_case, result.risk_tier),
    ]


def store_engine_result(
    use_case: UseCase,
    *,
    answers: Mapping[str, Any],
    result: Classification,
    acting_user: User | None,
    previous_tier: str,
) -> tuple[RiskAssessment, list[str]]:
    """Store an engine assessment on a locked use-case (classify and reclassify). Beside a
    committee override it is not made current; the override is flagged as possibly stale. A
    newly prohibited result is escalated at once."""
    assessment = RiskAssessment.objects.create(
        use_case=use_case,
        answers=dict(answers),
        result=dataclasses.asdict(result),
        risk_tier=result.risk_tier,
        complete=result.complete,
        fria_required=result.fria_required,
        ruleset_version=result.ruleset_version,
        author=acting_user,
    )
    if use_case.classification_status == ClassificationStatus.OVERRIDDEN:
        use_case.override_may_be_stale = True
        fields = ["override_may_be_stale"]
    else:
        fields = _make_current(use_case, assessment, result, acting_user)
    if result.risk_tier == "prohibited" and previous_tier != "prohibited":
        notify.prohibited(use_case, assessment)
    return assessment, fields


@transaction.atomic
def use_case_classify(
    *, acting_user: User | None, use_case: UseCase, answers: Mapping[str, Any]
) -> RiskAssessment:
    """Store an engine assessment. Beside a committee override it is stored but not made current,
    and the override is flagged as possibly stale."""
    problems = answer_problems(answers)
    if problems:
        raise ValidationError({p.code: p.problem for p in problems})
    locked = _lock(use_case)
    full = _prefilled(locked, answers)
    today = timezone.localdate()
    result = classify(full, today=today)
    assessment, fields = store_engine_result(
        locked, answers=full, result=result, acting_user=acting_user, previous_tier=locked.risk_tier
    )
    void_open_proposals(locked, acting_user, _("Superseded: the questionnaire's answers changed."))
    _save(locked, fields)
    _audit(acting_user, locked, "classified", result.risk_tier, assessment=assessment.pk)
    return assessment


@transaction.atomic
def use_case_confirm_classification(
    *,
    acting_user: User,
    use_case: UseCase,
    meeting: Meeting | None = None,
    justification: str = "",
    version: int | None = None,
) -> Decision:
    locked = _lock(use_case, version)
    if locked.current_assessment_id is None:
        raise ValidationError(_("There is no classification to confirm yet."), code="not_assessed")
    if locked.classification_status == ClassificationStatus.OVERRIDDEN:
        raise ValidationError(
            _("This classification is already the committee's own override; lift it first."),
            code="overridden",
        )
    decision = Decision.objects.create(
        use_case=locked,
        kind=DecisionKind.CONFIRM_CLASSIFICATION,
        meeting=meeting,
        justification=justification,
        decided_by=acting_user,
    )
    locked.classification_status = ClassificationStatus.CONFIRMED
    _save(locked, ["classification_status"])
    _audit(acting_user, locked, "classification_confirmed", justification, decision=snapshot_of(decision))
    notify.decided(locked, decision, DecisionKind.CONFIRM_CLASSIFICATION.label, "", justification)
    return decision


_DECISION_STATUS = {
    DecisionKind.APPROVE: WorkflowStatus.APPROVED,
    DecisionKind.REQUEST_CHANGES: WorkflowStatus.CHANGES_REQUESTED,
    DecisionKind.REJECT: WorkflowStatus.REJECTED,
}
_DECISION_VERB = {
    DecisionKind.APPROVE: "approved",
    DecisionKind.REQUEST_CHANGES: "changes_requested",
    DecisionKind.REJECT: "rejected",
    DecisionKind.TO_PRODUCTION: "moved_to_production",
}


@dataclasses.dataclass(frozen=True)
class ActionSpec:
    description: str
    owner: User
    due_date: dt.date


def _check_go_live(use_case: UseCase) -> None:
    blockers = workflow.go_live_blockers(
        affects_employees=use_case.affects_employees,
        works_council_position=use_case.works_council_position,
        workers_informed=use_case.workers_informed,
    )
    if blockers:
        raise ValidationError(
            _("It cannot go live yet: %(reasons)s.") % {"reasons": "; ".join(blockers)}, code="go_live_gate"
        )


@transaction.atomic
def decision_record(
    *,
    acting_user: User,
    use_case: UseCase,
    kind: DecisionKind,
    scope: str = "",
    conditions: str = "",
    end_date: dt.date | None = None,
    justification: str = "",
    meeting: Meeting | None = None,
    actions: Iterable[ActionSpec] = (),
    version: int | None = None,
) -> Decision:
    """Approve (with scope, conditions and an end date where it fits), request changes, reject,
    or move a pilot to production (a decision of its own). Conditions become actions. With
    `version`, the committee decides on what it saw: a newer edit raises StaleEdit."""
    locked = _lock(use_case, version)
    if kind == DecisionKind.TO_PRODUCTION:
        if locked.status != WorkflowStatus.APPROVED:
            raise workflow.InvalidTransition("lifecycle stage", locked.status, LifecycleStage.PRODUCTION)
        workflow.check_stage(locked.lifecycle_stage, LifecycleStage.PRODUCTION)
        _check_go_live(locked)
        locked.lifecycle_stage, fields = LifecycleStage.PRODUCTION, ["lifecycle_stage"]
    elif kind in _DECISION_STATUS:
        workflow.check_status(locked.status, _DECISION_STATUS[kind])
        if kind == DecisionKind.APPROVE and locked.lifecycle_stage == LifecycleStage.PRODUCTION:
            _check_go_live(locked)  # approving what already runs is letting it go live
        locked.status, fields = _DECISION_STATUS[kind], ["status"]
    else:
        raise ValueError(f"{kind} has a service of its own")
    decision = Decision(
        use_case=locked,
        kind=kind,
        scope=scope,
        conditions=conditions,
        end_date=end_date,
        justification=justification,
        meeting=meeting,
        decided_by=acting_user,
    )
    decision.full_clean()
    decision.save()
    made = [Action.objects.create(decision=decision, **dataclasses.asdict(a)) for a in actions]
    _save(locked, fields)
    if kind in {DecisionKind.APPROVE, DecisionKind.TO_PRODUCTION}:
        _plan_from_decision(locked)
    notify.decided(locked, decision, DecisionKind(kind).label, conditions, justification)
    _audit(
        acting_user,
        locked,
        _DECISION_VERB[kind],
        justification or conditions,
        decision=snapshot_of(decision),
        actions=[snapshot_of(a) for a in made],
    )
    return decision


_OUTCOME_STAGE = {
    ReviewOutcome.SUSPEND: LifecycleStage.SUSPENDED,
    ReviewOutcome.RETIRE: LifecycleStage.RETIRED,
}


@transaction.atomic
def review_record(
    *,
    acting_user: User,
    use_case: UseCase,
    due_date: dt.date,
    outcome: ReviewOutcome,
    next_due: dt.date | None = None,
    **checklist: Any,
) -> Review:
    """Record a review of a use-case that is or was in use (not an idea, not retired); the next
    due date follows the tier's cadence unless given."""
    locked = _lock(use_case)
    if locked.lifecycle_stage in {LifecycleStage.IDEA, LifecycleStage.RETIRED}:
        raise ValidationError(
            _("Only a use-case that is or was in use (pilot, production or suspended) is reviewed."),
            code="not_in_use",
        )
    today = timezone.localdate()
    fields: list[str] = []
    if outcome in _OUTCOME_STAGE:
        workflow.check_stage(locked.lifecycle_stage, _OUTCOME_STAGE[outcome])
        locked.lifecycle_stage = _OUTCOME_STAGE[outcome]
        fields.append("lifecycle_stage")
        next_due = None
    elif next_due is None:
        months = _cadence(locked)
        next_due = schedule.next_due(today, months) if months else None
        if checklist.get("goal_met") is False and next_due is not None:
            next_due = min(next_due, _extra_review_by(today))  # a missed goal is looked at again soon
    review = Review(
        use_case=locked,
        due_date=due_date,
        reviewer=acting_user,
        outcome=outcome,
        next_due=next_due,
        **checklist,
    )
    review.full_clean()
    review.save()
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=locked)
    plan.next_due = next_due
    _save_plan(plan)
    _save(locked, fields)
    _audit(acting_user, locked, "reviewed", review.findings, review=snapshot_of(review))
    return review


@transaction.atomic
def obligation_mark_done(
    *, acting_user: User, item: ObligationItem, evidence_url: str = "", evidence_note: str = ""
) -> ObligationItem:
    """Tick a duty off with its evidence. With four-eyes on (KOERS_OBLIGATION_FOUR_EYES), the
    use-case's owner cannot tick off their own duties."""
    use_case = _lock(item.use_case)  # always the use-case first, then what belongs to it: no deadlock
    locked = ObligationItem.objects.select_for_update().get(pk=item.pk)
    if getattr(settings, "KOERS_OBLIGATION_FOUR_EYES", False) and use_case.owner_id == acting_user.pk:
        raise ValidationError(
            _("Someone other than the owner must confirm this duty is done."), code="four_eyes"
        )
    if not (evidence_url or evidence_note):
        raise ValidationError(_("Add a link or a note as evidence."), code="evidence_required")
    now = timezone.now()
    locked.status, locked.done_by, locked.done_at, locked.updated_at = (
        ObligationStatus.DONE,
        acting_user,
        now,
        now,
    )
    locked.evidence_url, locked.evidence_note = evidence_url, evidence_note
    locked.full_clean()
    locked.save()
    _save(use_case, [])
    audit_log(
        actor=acting_user,
        action="register.obligation.done",
        subject=locked,
        use_case_id=use_case.pk,
        justification=evidence_note or evidence_url,
    )
    return locked


@transaction.atomic
def use_case_reassign_owner(*, acting_user: User | None, use_case: UseCase, owner: User) -> UseCase:
    _check_owner(owner)
    locked = _lock(use_case)
    previous = locked.owner_id
    locked.owner = owner
    _save(locked, ["owner"])
    # Ids, not names: a pseudonymised person must not reappear in a justification.
    _audit(acting_user, locked, "owner_reassigned", f"user #{previous} -> user #{owner.pk}")
    return locked


@transaction.atomic
def use_case_reopen(*, acting_user: User | None, use_case: UseCase) -> UseCase:
    """A rejected use-case can be reworked as a new draft (and submitted again later)."""
    locked = _lock(use_case)
    workflow.check_status(locked.status, WorkflowStatus.DRAFT)
    locked.status = WorkflowStatus.DRAFT
    _save(locked, ["status"])
    _audit(acting_user, locked, "reopened")
    return locked
