"""Every non-trivial read (STYLE.md §4). The rules are stated here and nowhere else:
`use_cases_visible_to` (who sees which use-case), `overdue_q` (which review is overdue) and what
follows from it (`due_between_q`, `due_soon_q`), `action_past_due_q`, and `last_sweep` (is the
reminder sweep late: /healthz and the dashboard)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from register.aiact import classify
from register.aiact.result import Classification
from register.aiact.wording import DISCLAIMER
from register.choices import AssessmentKind, ClassificationStatus, DecisionKind, Role
from register.models import AuditEvent, Decision, RiskAssessment, SweepRun, UseCase, User
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


def committee_members() -> QuerySet[User]:
    """The active members of the AI committee (the one statement of who that is)."""
    return User.objects.filter(groups__name=Role.COMMITTEE, is_active=True)


def overdue_q(today: dt.date) -> Q:
    """A use-case in use (pilot or production) whose review was due before `today`, the
    organisation's local date (judged with timezone.localdate(), never now.date())."""
    return Q(lifecycle_stage__in=ACTIVE_STAGES, schedule__next_due__lt=today)


def with_review_state(use_cases: QuerySet[UseCase], today: dt.date) -> QuerySet[UseCase]:
    """Each use-case with `review_overdue` (by `overdue_q`) and its number of `open_actions`."""
    return use_cases.annotate(
        review_overdue=Case(
            When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        open_actions=Count("decisions__actions", filter=Q(decisions__actions__done_at__isnull=True)),
    )


def questionnaire_answers(use_case: UseCase) -> dict[str, object]:
    """The latest questionnaire answers, with the facts Koers fills in itself."""
    from register.services.use_cases import _prefilled  # the one statement of the prefilled codes

    latest = use_case.assessments.filter(kind=AssessmentKind.ENGINE).order_by("-id").first()
    return _prefilled(use_case, latest.answers if latest else {})


def questionnaire_result(use_case: UseCase, standing: Standing | None = None) -> Classification | None:
    """The questionnaire's result in full (explanation in both languages), from the stored
    answers on today's ruleset. Once the committee has spoken (`standing`), it no longer says
    "not yet confirmed"."""
    if not use_case.assessments.exists():
        return None
    result = classify(questionnaire_answers(use_case), today=timezone.localdate())
    if standing is not None:
        kept = tuple(
            line for line in result.explanation if (line.nl, line.en) != (DISCLAIMER.nl, DISCLAIMER.en)
        )
        result = replace(result, explanation=kept)
    return result


# "Due soon": within this many days from today.
DUE_SOON_DAYS = 30


def due_between_q(start: dt.date, end: dt.date) -> Q:
    """Use-cases in use whose review falls due on or after `start` and before `end`: the
    overdue rule read at two dates, so "in use" and "due" are stated only in `overdue_q`."""
    return overdue_q(end) & ~overdue_q(start)


def due_soon_q(today: dt.date) -> Q:
    """Due within DUE_SOON_DAYS and not overdue: from today up to and including today + 30."""
    return due_between_q(today, today + dt.timedelta(days=DUE_SOON_DAYS + 1))


def action_past_due_q(today: dt.date) -> Q:
    """A follow-up action not done whose due date has passed (the organisation's local date)."""
    return Q(done_at__isnull=True, due_date__lt=today)


def reminder_still_due_q() -> Q:
    """A reminder row (review or pilot) whose subject still stands: the use-case's review is still
    planned for the row's date and it is in use, or its pilot still ends on that date. What
    becomes untrue before sending (a review recorded, a pilot moved) is not sent."""
    review = ~Q(stage__startswith="pilot_") & Q(
        use_case__schedule__next_due=F("due_date"), use_case__lifecycle_stage__in=ACTIVE_STAGES
    )
    pilot = Q(stage__startswith="pilot_", use_case__schedule__pilot_end=F("due_date"))
    return review | pilot


# The periodic sweep runs every 5 minutes; two hours without a finished run means it is stuck.
SWEEP_LATE_AFTER = dt.timedelta(hours=2)


@dataclass(frozen=True)
class SweepState:
    status: str  # "never" (a fresh install), "ok" or "late"
    last_clean: dt.datetime | None


def last_sweep(now: dt.datetime) -> SweepState:
    """Runs that crashed count for nothing: without a clean run, the clock runs from the first
    try; a fresh install that has not swept yet is not late."""
    clean = SweepRun.objects.filter(finished_at__isnull=False, error="").order_by("-finished_at").first()
    first = SweepRun.objects.order_by("started_at").first()
    if first is None:
        return SweepState("never", None)
    last_clean = clean.finished_at if clean is not None else None
    since = last_clean or first.started_at
    return SweepState("late" if now - since > SWEEP_LATE_AFTER else "ok", last_clean)


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
