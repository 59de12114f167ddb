"""Every non-trivial read (STYLE.md §4). The rules are stated here and nowhere else:
`use_cases_visible_to` (who sees which use-case), `overdue_q` (which review is overdue) and what
follows from it (`due_between_q`, `due_soon_q`), `action_past_due_q`, and `last_sweep` (is the
reminder sweep late: /healthz and the dashboard)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from register.aiact import classify
from register.aiact.result import Classification
from register.aiact.wording import DISCLAIMER
from register.choices import AssessmentKind, ClassificationStatus, DecisionKind, Role
from register.models import (
    Action,
    AuditEvent,
    BusinessUnit,
    Decision,
    Incident,
    LegalEntity,
    ObligationItem,
    Review,
    RiskAssessment,
    SweepRun,
    UseCase,
    User,
    Vendor,
)
from register.workflow import ACTIVE_STAGES

_Held = TypeVar("_Held", bound=Model)


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
    organisation's local date (judged with timezone.localdate(), never now.date()). The date
    first: in the dashboard's counts PostgreSQL tests the conditions in this order, and a date
    comparison rules most rows out for less than the stage's text comparisons (BENCHMARKS.md)."""
    return Q(schedule__next_due__lt=today) & Q(lifecycle_stage__in=ACTIVE_STAGES)


def is_overdue(lifecycle_stage: str, next_due: dt.date | None, today: dt.date) -> bool:
    """`overdue_q` for one record held in memory (the register as it stood at an instant, rebuilt
    from the audit trail): the same rule, read in Python. A test holds the two together."""
    return lifecycle_stage in ACTIVE_STAGES and next_due is not None and next_due < today


def _overdue_flag(today: dt.date) -> Case:
    return Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())


def with_overdue_flag(use_cases: QuerySet[UseCase], today: dt.date) -> QuerySet[UseCase]:
    """Each use-case with `review_overdue` (by `overdue_q`)."""
    return use_cases.annotate(review_overdue=_overdue_flag(today))


def with_review_state(use_cases: QuerySet[UseCase], today: dt.date) -> QuerySet[UseCase]:
    """Each use-case with `review_overdue` (by `overdue_q`) and its number of `open_actions`: a
    subquery per row shown, not a join and GROUP BY over the whole register (BENCHMARKS.md)."""
    open_actions = (
        Action.objects.filter(decision__use_case=OuterRef("pk"), done_at__isnull=True)
        .order_by()
        .values("decision__use_case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return with_overdue_flag(use_cases, today).annotate(open_actions=Coalesce(Subquery(open_actions), 0))


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
    overdue rule read at `end`, so "in use" and "due" are stated only in `overdue_q`, and no
    earlier than `start` (said directly, not as "not overdue at start": the dashboard evaluates
    this twelve times per use-case, BENCHMARKS.md)."""
    return Q(schedule__next_due__gte=start) & overdue_q(end)


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


def last_clean_sweep() -> SweepRun | None:
    """The clean run that finished last (runs that crashed count for nothing)."""
    return SweepRun.objects.filter(finished_at__isnull=False, error="").order_by("-finished_at").first()


def last_sweep(now: dt.datetime) -> SweepState:
    """Runs that crashed count for nothing: without a clean run, the clock runs from the first
    try; a fresh install that has not swept yet is not late."""
    clean = last_clean_sweep()
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


# --- the API's reads (STYLE.md §13): each page in a fixed number of queries ------------------------


def use_cases_listed(user: User | AnonymousUser, today: dt.date) -> QuerySet[UseCase]:
    """The use-cases `user` may see, with what the list shows: the next review and whether it is
    overdue on `today` (the organisation's local date), and of the current assessment only what
    the list shows (its legal basis and whether it is complete): not its stored answers and
    result, which would be read and decoded for every row (BENCHMARKS.md)."""
    return use_cases_visible_to(user).annotate(
        next_review_due=F("schedule__next_due"),
        review_overdue=_overdue_flag(today),
        legal_basis_codes=KeyTransform("legal_basis", "current_assessment__result"),
        assessment_complete=F("current_assessment__complete"),
    )


def use_cases_in_full(use_cases: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """What a use-case's detail holds, fetched with it: obligations, decisions and their actions,
    reviews, and the number of incidents."""
    incidents = (
        Incident.objects.filter(use_case=OuterRef("pk")).order_by().values("use_case").annotate(n=Count("pk"))
    )
    return (
        use_cases.select_related("current_assessment__author", "current_assessment__second_approver")
        .prefetch_related(
            Prefetch(
                "obligations", ObligationItem.objects.select_related("done_by"), to_attr="obligation_list"
            ),
            Prefetch(
                "decisions",
                Decision.objects.select_related("decided_by").prefetch_related(
                    Prefetch("actions", Action.objects.select_related("owner"), to_attr="action_list")
                ),
                to_attr="decision_list",
            ),
            Prefetch("reviews", Review.objects.select_related("reviewer"), to_attr="review_list"),
        )
        .annotate(incidents_count=Coalesce(Subquery(incidents.values("n")), 0))
    )


def _reads_every(model: str, user: User | AnonymousUser) -> bool:
    """Whether `user` reads every record of `model` (the committee, auditors). Django's has_perm is
    False for anonymous and inactive people, superusers included."""
    return user.has_perm(f"register.view_{model}")


def held_by_visible(
    model: type[_Held], user: User | AnonymousUser, path: str = "use_case"
) -> QuerySet[_Held]:
    """The records of `model` that belong to a use-case `user` may see (through `path`)."""
    records = model._default_manager.all()
    if _reads_every("usecase", user):
        return records
    return records.filter(**{f"{path}__in": use_cases_visible_to(user).values("pk")})


def business_units_visible_to(user: User | AnonymousUser) -> QuerySet[BusinessUnit]:
    units = BusinessUnit.objects.select_related("legal_entity", "lead")
    if _reads_every("businessunit", user):
        return units
    if not user.is_authenticated or not user.is_active:
        return units.none()
    return units.filter(memberships__user=user)


def legal_entities_visible_to(user: User | AnonymousUser) -> QuerySet[LegalEntity]:
    if _reads_every("legalentity", user):
        return LegalEntity.objects.all()
    return LegalEntity.objects.filter(pk__in=business_units_visible_to(user).values("legal_entity_id"))


def vendors_visible_to(user: User | AnonymousUser) -> QuerySet[Vendor]:
    """Every vendor for those who see the register; a member, the vendors of their units' use-cases."""
    if _reads_every("vendor", user):
        return Vendor.objects.all()
    return Vendor.objects.filter(pk__in=use_cases_visible_to(user).values("vendor_id"))
