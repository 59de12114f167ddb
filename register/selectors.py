"""Every non-trivial read (STYLE.md §4). Two rules are stated here and nowhere else:
`use_cases_visible_to` (who sees which use-case) and `overdue_q` (which review is overdue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from register.choices import AssessmentKind, ClassificationStatus, DecisionKind
from register.models import AuditEvent, Decision, RiskAssessment, UseCase, User
from register.workflow import ACTIVE_STAGES


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("occurred_at", "id")


def use_cases_visible_to(user: User | AnonymousUser) -> QuerySet[UseCase]:
    """The committee and auditors (view permission) see every use-case; a member sees those of
    their own business units; anyone else sees none (to them, the others do not exist: 404)."""
    use_cases = UseCase.objects.select_related("business_unit__legal_entity", "owner", "vendor", "schedule")
    if not user.is_authenticated or not user.is_active:
        return use_cases.none()
    if user.has_perm("register.view_usecase"):
        return use_cases
    return use_cases.filter(business_unit__memberships__user=user)


def overdue_q(today: dt.date) -> Q:
    """A use-case in use (pilot or production) whose review was due before `today`, the
    organisation's local date (judged with timezone.localdate(), never now.date())."""
    return Q(lifecycle_stage__in=ACTIVE_STAGES, schedule__next_due__lt=today)


@dataclass(frozen=True)
class Standing:
    """Where the committee left a use-case's classification (WORDING-nl: confirmed, overridden)."""

    status: str
    on: dt.datetime
    tier: str = ""
    questionnaire_tier: str = ""
    by: tuple[str, ...] = ()
    reason: str = ""


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def classification_standing(use_case: UseCase) -> Standing | None:
    """The committee's word on the classification, or None while it is only indicative."""
    if use_case.classification_status == ClassificationStatus.CONFIRMED:
        decision = (
            Decision.objects.filter(use_case=use_case, kind=DecisionKind.CONFIRM_CLASSIFICATION)
            .select_related("decided_by")
            .order_by("-decided_at", "-id")
            .first()
        )
        if decision is None:  # confirmed outside a recorded decision (an import): say so without a date
            return None
        return Standing("confirmed", decision.decided_at, by=(_name(decision.decided_by),))
    if use_case.classification_status == ClassificationStatus.OVERRIDDEN and use_case.current_assessment_id:
        override = RiskAssessment.objects.select_related("author", "second_approver").get(
            pk=use_case.current_assessment_id
        )
        engine = use_case.assessments.filter(kind=AssessmentKind.ENGINE).order_by("-id").first()
        return Standing(
            "overridden",
            override.created_at,
            tier=override.get_risk_tier_display(),
            questionnaire_tier=engine.get_risk_tier_display() if engine else "",
            by=tuple(name for name in (_name(override.author), _name(override.second_approver)) if name),
            reason=override.justification,
        )
    return None
