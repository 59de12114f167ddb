"""The register as it stood at an instant, rebuilt from the audit trail's snapshots (PRODUCT.md:
`as_of`; STYLE.md §6: the history views, `/history/` and `as_of` all read the one trail).

Each use-case is its latest use-case event at or before the instant, its snapshot turned back into
an unsaved `UseCase` carrying what the API's serializers read (`next_review_due`, `review_overdue`,
and for the detail `obligation_list`, `decision_list`, `review_list`, `incidents_count`). Every
read is one query over all the use-cases asked for, so the cost does not grow with the page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields import DateField, Field
from django.utils import timezone

from register import selectors
from register.models import (
    Action,
    AuditEvent,
    BusinessUnit,
    Decision,
    Incident,
    ObligationItem,
    Review,
    RiskAssessment,
    UseCase,
    User,
    Vendor,
)

_Record = TypeVar("_Record", bound=Model)

USE_CASE = "register.usecase"
OBLIGATION = "register.obligationitem"
# Services that move a use-case's updated_at and version (`_save(use_case, [])`) while auditing
# only the record they change: the use-case's snapshot before them is one version behind.
MOVES_USE_CASE = frozenset(
    {
        "register.obligation.done",
        "register.action.completed",
        "register.incident.recorded",
        "register.incident.clock_done",
    }
)


def use_cases_as_of(
    use_cases: QuerySet[UseCase], instant: dt.datetime, *, detail: bool = False
) -> list[UseCase]:
    """The use-cases of `use_cases` that existed at `instant` (they had a use-case event by then),
    each as it stood, ordered like the live list (created_at, id). A use-case retired since shows
    as it was; one created later is absent; one a superuser deleted is not in `use_cases`."""
    latest = _latest_use_case_events(use_cases, instant)
    cases = [_rebuild(UseCase, event.snapshot) for event in latest]
    _catch_up(cases, latest, instant)
    _attach_relations(cases, detail=detail)
    today = timezone.localdate(instant)
    for case, event in zip(cases, latest, strict=True):
        _set_review_state(case, event.snapshot, today)
    if detail:
        _attach_detail(cases, instant)
    return sorted(cases, key=lambda case: (case.created_at, case.pk))


def existed(instant: dt.datetime) -> Exists:
    """A use-case that existed at `instant`: it had an event of its own by then (the condition
    under which `use_cases_as_of` rebuilds it), for a query to filter and page on."""
    return Exists(_own_events_by(instant))


def _own_events_by(instant: dt.datetime) -> QuerySet[AuditEvent]:
    """The outer use-case's own events at or before `instant`."""
    return AuditEvent.objects.filter(
        use_case_id=OuterRef("pk"), subject_type=USE_CASE, occurred_at__lte=instant
    )


def _latest_use_case_events(use_cases: QuerySet[UseCase], instant: dt.datetime) -> list[AuditEvent]:
    """Each use-case's latest own event at or before `instant`, in one query: a correlated
    subquery that walks the (use_case_id, occurred_at, id) index once per use-case, on
    PostgreSQL and SQLite alike (no DISTINCT ON)."""
    latest = _own_events_by(instant).order_by("-occurred_at", "-id").values("pk")[:1]
    # Only the ids of what the caller passed: its annotations and prefetches are not wanted here.
    picked = UseCase.objects.filter(pk__in=use_cases.order_by().values("pk")).annotate(event=Subquery(latest))
    return list(AuditEvent.objects.filter(pk__in=picked.values("event")).order_by())


def _fields(model: type[Model]) -> dict[str, Field[Any, Any]]:
    return {field.attname: field for field in model._meta.concrete_fields}


def _rebuild(model: type[_Record], snapshot: Mapping[str, Any]) -> _Record:
    """An unsaved record from a snapshot, each stored field converted back from its JSON form;
    notes the event carries beside the record (`review`, `assessment`, ...) are not fields. A field
    added since the snapshot was written takes its default."""
    values = {
        name: field.to_python(snapshot[name]) for name, field in _fields(model).items() if name in snapshot
    }
    return model(**values)


def _set_review_state(case: UseCase, snapshot: Mapping[str, Any], today: dt.date) -> None:
    """The next review as the snapshot recorded it (the schedule lives apart, STYLE.md §7; events
    written before snapshots carried it read as none), and whether it was late on the
    organisation's date at the instant: `overdue_q`'s rule, in Python."""
    next_due = DateField().to_python(snapshot.get("next_review_due"))
    case.next_review_due = next_due  # type: ignore[attr-defined]
    case.review_overdue = selectors.is_overdue(case.lifecycle_stage, next_due, today)  # type: ignore[attr-defined]


def _catch_up(cases: list[UseCase], latest: list[AuditEvent], instant: dt.datetime) -> None:
    """Count the MOVES_USE_CASE events after each snapshot (and by `instant`) into its version and
    updated_at. Their own time stands for the updated_at stored in the same transaction."""
    after = {event.use_case_id: (event.occurred_at, event.pk) for event in latest}
    moves = AuditEvent.objects.filter(
        use_case_id__in=list(after), action__in=MOVES_USE_CASE, occurred_at__lte=instant
    ).values_list("use_case_id", "occurred_at", "pk")
    later: dict[int, list[dt.datetime]] = defaultdict(list)
    for use_case_id, occurred_at, pk in moves:
        if use_case_id is not None and (occurred_at, pk) > after[use_case_id]:
            later[use_case_id].append(occurred_at)
    for case in cases:
        if later[case.pk]:
            case.version += len(later[case.pk])
            case.updated_at = max(case.updated_at, *later[case.pk])


def _attach_relations(cases: list[UseCase], *, detail: bool) -> None:
    """The related records as they are now (units, people and vendors have their own history),
    fetched in bulk; the current assessment is the one the snapshot names (append-only)."""
    units = BusinessUnit.objects.select_related("legal_entity").in_bulk({c.business_unit_id for c in cases})
    owners = _people({c.owner_id for c in cases})
    vendors = Vendor.objects.in_bulk({c.vendor_id for c in cases if c.vendor_id is not None})
    assessments = RiskAssessment.objects.all()
    if detail:
        assessments = assessments.select_related("author", "second_approver")
    chosen = assessments.in_bulk({c.current_assessment_id for c in cases if c.current_assessment_id})
    for case in cases:
        case.business_unit = units[case.business_unit_id]
        case.owner = owners[case.owner_id]
        # A vendor a superuser deleted since (no use-case names it now) shows as none.
        case.vendor = vendors.get(case.vendor_id) if case.vendor_id is not None else None
        case.current_assessment = (
            chosen.get(case.current_assessment_id) if case.current_assessment_id else None
        )


def _people(ids: Iterable[int | None]) -> dict[int, User]:
    """People by id; one a superuser deleted since stands as "user #id" (the trail keeps ids)."""
    wanted = {pk for pk in ids if pk is not None}
    found = User.objects.in_bulk(wanted)
    return {pk: found.get(pk) or User(pk=pk, username=f"user #{pk}") for pk in wanted}


def _attach_detail(cases: list[UseCase], instant: dt.datetime) -> None:
    """What the detail holds, as it stood: the checklist from its items' snapshots; decisions,
    their actions, reviews and incidents from their rows, as far as they existed by then."""
    ids = [case.pk for case in cases]
    obligations = _obligations_as_of(ids, instant)
    decisions = _grouped(
        Decision.objects.filter(use_case_id__in=ids, decided_at__lte=instant)
        .select_related("decided_by")
        .prefetch_related(Prefetch("actions", Action.objects.select_related("owner"), to_attr="action_list"))
    )
    for decision in (d for held in decisions.values() for d in held):
        for action in decision.action_list:
            if action.done_at is not None and action.done_at > instant:
                action.done_at = None  # done only after the instant: still open then
    reviews = _grouped(
        Review.objects.filter(use_case_id__in=ids, recorded_at__lte=instant).select_related("reviewer")
    )
    incidents = dict(
        Incident.objects.filter(use_case_id__in=ids, created_at__lte=instant)
        .order_by()
        .values("use_case_id")
        .annotate(n=Count("pk"))
        .values_list("use_case_id", "n")
    )
    for case in cases:
        case.obligation_list = obligations.get(case.pk, [])  # type: ignore[attr-defined]
        case.decision_list = decisions.get(case.pk, [])  # type: ignore[attr-defined]
        case.review_list = reviews.get(case.pk, [])  # type: ignore[attr-defined]
        case.incidents_count = incidents.get(case.pk, 0)  # type: ignore[attr-defined]


def _grouped(records: QuerySet[Any]) -> dict[int, list[Any]]:
    """Records by use-case, in their model's own order (the live detail's)."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for record in records:
        grouped[record.use_case_id].append(record)
    return grouped


def _obligations_as_of(ids: list[int], instant: dt.datetime) -> dict[int, list[ObligationItem]]:
    """Each checklist item as its latest event by `instant` left it; an item with no event by then
    did not exist yet, one whose latest event is a superuser's deletion no longer did."""
    deleted = f"{OBLIGATION}.deleted"  # record_delete's event names no use-case: its snapshot does
    events = AuditEvent.objects.filter(
        Q(use_case_id__in=ids) | Q(action=deleted, snapshot__use_case_id__in=ids),
        subject_type=OBLIGATION,
        occurred_at__lte=instant,
    ).order_by("occurred_at", "id")
    latest = {event.subject_id: event for event in events}  # later events overwrite earlier ones
    items = [_rebuild(ObligationItem, e.snapshot) for e in latest.values() if e.action != deleted]
    done_by = _people(item.done_by_id for item in items)
    grouped: dict[int, list[ObligationItem]] = defaultdict(list)
    for item in sorted(items, key=lambda item: item.pk):  # the model's order within a use-case
        item.done_by = done_by[item.done_by_id] if item.done_by_id is not None else None
        grouped[item.use_case_id].append(item)
    return grouped


# --- the list's filters, on a use-case as it stood ----------------------------------------------

_Test = Callable[[UseCase, Any, dt.date], bool]


def _next_due(case: UseCase) -> dt.date | None:
    return case.next_review_due  # type: ignore[attr-defined,no-any-return]


# Each filter of api.filters.UseCaseFilter, meaning what its SQL means (read that first).
_FILTERS: dict[str, _Test] = {
    "risk_tier": lambda case, chosen, today: case.risk_tier in chosen,
    "classification_status": lambda case, chosen, today: case.classification_status in chosen,
    "lifecycle_stage": lambda case, chosen, today: case.lifecycle_stage in chosen,
    "status": lambda case, chosen, today: case.status in chosen,
    "human_oversight": lambda case, chosen, today: case.human_oversight in chosen,
    "business_unit": lambda case, unit, today: case.business_unit_id == unit,
    "legal_entity": lambda case, entity, today: case.business_unit.legal_entity_id == entity,
    "review_overdue": lambda case, wanted, today: (
        selectors.is_overdue(case.lifecycle_stage, _next_due(case), today) == wanted
    ),
    # `schedule__next_due__lt`: a use-case without a next review never matches (NULL < date).
    "review_due_before": lambda case, day, today: _next_due(case) is not None and _next_due(case) < day,
    "fria_required": lambda case, wanted, today: case.fria_required == wanted,
    "customer_facing": lambda case, wanted, today: case.customer_facing == wanted,
    "updated_since": lambda case, moment, today: case.updated_at >= moment,
}
# django-filter's "no value given": the filter is skipped (False is a value).
_UNSET: tuple[Any, ...] = (None, "", [], ())


def any_filter(filters: Mapping[str, Any]) -> bool:
    """Whether the list's filters (the filterset's cleaned data) ask for anything."""
    return any(value not in _UNSET for value in filters.values())


def matches(use_case: UseCase, filters: Mapping[str, Any], *, today: dt.date) -> bool:
    """Whether a use-case as it stood passes the list's filters (the filterset's cleaned data);
    `today` is the organisation's date at the instant. A filter with no meaning here is refused
    rather than ignored: an auditor must not get an unfiltered answer to a filtered question."""
    for name, value in filters.items():
        if value in _UNSET:
            continue
        if name not in _FILTERS:
            raise ValueError(f"The filter {name!r} has no meaning as of an instant yet.")
        if not _FILTERS[name](use_case, value, today):
            return False
    return True
