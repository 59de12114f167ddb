"""What the committee's meetings read (STYLE.md §4): the agenda Koers builds from the register as
it stands on a day, and a meeting's minutes (the decisions taken in it and their actions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from register import incident_alerts
from register.choices import ClassificationStatus, IncidentSeriousness, IncidentStatus, WorkflowStatus
from register.models import Action, AuditEvent, Decision, Incident, Meeting, UseCase, User
from register.selectors import action_past_due_q, due_soon_q, overdue_q

# "Upcoming" reviews: due today or within this many days after it.


@dataclass(frozen=True)
class AgendaItem:
    """One point: the use-case it concerns, the date that put it on the agenda (waiting since,
    review due, became aware, action due, overridden on: a local date), who holds it (the owner,
    or the action's owner), the record's own words, and the incident or action itself if any."""

    use_case: UseCase
    date: dt.date | None
    person: User
    detail: str = ""
    subject: Incident | Action | None = None


@dataclass(frozen=True)
class Agenda:
    today: dt.date
    submissions: list[AgendaItem]
    overdue_reviews: list[AgendaItem]
    upcoming_reviews: list[AgendaItem]
    serious_incidents: list[AgendaItem]
    incidents: list[AgendaItem]
    overdue_actions: list[AgendaItem]
    stale_overrides: list[AgendaItem]


def _use_cases() -> QuerySet[UseCase]:
    return UseCase.objects.select_related("business_unit", "owner", "schedule")


def waiting_since(use_case_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each use-case last went to the committee: the first event of its latest unbroken run
    of `submitted` snapshots in the audit trail (a first submission, or an edit of an approved
    use-case). The model keeps no submission time, and updated_at moves with every duty ticked."""
    events = (
        AuditEvent.objects.filter(subject_type="register.usecase", use_case_id__in=list(use_case_ids))
        .order_by("occurred_at", "id")
        .values_list("use_case_id", "occurred_at", "snapshot__status")
    )
    since: dict[int, dt.datetime] = {}
    for use_case_id, occurred_at, status in events:
        if use_case_id is None:
            continue
        if status != WorkflowStatus.SUBMITTED:
            since.pop(use_case_id, None)
        else:
            since.setdefault(use_case_id, occurred_at)
    return since


def _submissions() -> list[AgendaItem]:
    waiting = list(_use_cases().filter(status=WorkflowStatus.SUBMITTED))
    since = waiting_since(case.pk for case in waiting)
    # Oldest first; a use-case the trail says nothing about (imported) counts from its last change.
    waiting.sort(key=lambda case: (since.get(case.pk, case.updated_at), case.pk))
    return [
        AgendaItem(case, timezone.localdate(since.get(case.pk, case.updated_at)), case.owner)
        for case in waiting
    ]


def _reviews(use_cases: QuerySet[UseCase]) -> list[AgendaItem]:
    ordered = use_cases.order_by("schedule__next_due", "id")
    return [AgendaItem(case, case.schedule.next_due, case.owner) for case in ordered]


def _serious_incidents() -> list[AgendaItem]:
    """Serious in the sense of Art. 3(49) and not closed (open, being investigated or reported)."""
    incidents = (
        Incident.objects.exclude(seriousness=IncidentSeriousness.NOT_SERIOUS)
        .exclude(status=IncidentStatus.CLOSED)
        .select_related("use_case__business_unit", "use_case__owner")
        .order_by("aware_at", "id")
    )
    return [
        AgendaItem(i.use_case, timezone.localdate(i.aware_at), i.use_case.owner, i.what_happened, i)
        for i in incidents
    ]


def previous_meeting_day(meeting: Meeting) -> dt.date | None:
    """The day of the meeting before `meeting` (the incidents since then come on its agenda)."""
    earlier = Meeting.objects.filter(held_on__lt=meeting.held_on).order_by("-held_on", "-id")
    return earlier.values_list("held_on", flat=True).first()


def clocks_state(incident: Incident) -> str:
    """Each clock's rule and where it stands: done with its reference, or open with its deadline."""
    language = translation.get_language() or "en"
    lines = []
    for state in incident_alerts.clocks_of(incident):
        if state.done is not None:
            where = _("done: %(reference)s") % {"reference": state.done.reference}
        else:
            deadline = formats.date_format(timezone.localtime(state.clock.deadline), "DATETIME_FORMAT")
            where = _("open, deadline %(deadline)s") % {"deadline": deadline}
        lines.append(f"{state.clock.rule(language)} — {where}")
    return "\n".join(lines)


def _incidents(since: dt.date | None) -> list[AgendaItem]:
    """Incidents recorded since the previous meeting's day (local), and any with a clock open."""
    wanted = Q(pk__in=incident_alerts.clock_open(Incident.objects.all()).values("pk"))
    if since is not None:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time()))
        wanted |= Q(created_at__gte=start)
    incidents = (
        Incident.objects.filter(wanted)
        .select_related("use_case__business_unit", "use_case__owner")
        .prefetch_related("clocks_done")
        .order_by("aware_at", "id")
    )
    items = []
    for i in incidents:
        clocks = clocks_state(i)
        detail = f"{i.what_happened}\n{clocks}" if clocks else i.what_happened
        items.append(AgendaItem(i.use_case, timezone.localdate(i.aware_at), i.use_case.owner, detail, i))
    return items


def _overdue_actions(today: dt.date) -> list[AgendaItem]:
    actions = (
        Action.objects.filter(action_past_due_q(today))
        .select_related("owner", "decision__use_case__business_unit", "decision__use_case__owner")
        .order_by("due_date", "id")
    )
    return [AgendaItem(a.decision.use_case, a.due_date, a.owner, a.description, a) for a in actions]


def _stale_overrides() -> list[AgendaItem]:
    """Overrides beside which a newer questionnaire result was stored (README: "may be stale")."""
    overridden = (
        _use_cases()
        .filter(override_may_be_stale=True, classification_status=ClassificationStatus.OVERRIDDEN)
        .select_related("current_assessment")
        .order_by("reference", "id")
    )
    items = []
    for case in overridden:
        override = case.current_assessment
        on = timezone.localdate(override.created_at) if override else None
        items.append(AgendaItem(case, on, case.owner, override.justification if override else ""))
    return items


def agenda(today: dt.date, *, since: dt.date | None = None) -> Agenda:
    """The register as it stands: `today` is the organisation's local date
    (timezone.localdate()). Overdue is `overdue_q` and nothing else; upcoming is `due_soon_q`.
    `since`: the previous meeting's day; incidents recorded from then on are on it too."""
    return Agenda(
        today=today,
        submissions=_submissions(),
        overdue_reviews=_reviews(_use_cases().filter(overdue_q(today))),
        upcoming_reviews=_reviews(_use_cases().filter(due_soon_q(today))),
        serious_incidents=_serious_incidents(),
        incidents=_incidents(since),
        overdue_actions=_overdue_actions(today),
        stale_overrides=_stale_overrides(),
    )


@dataclass(frozen=True)
class Minutes:
    """What a meeting decided and the actions that follow from it."""

    decisions: list[Decision]
    actions: list[Action]


def minutes(meeting: Meeting) -> Minutes:
    decisions = meeting.decisions.select_related("use_case__business_unit", "decided_by").order_by(
        "decided_at", "id"
    )
    actions = (
        Action.objects.filter(decision__meeting=meeting)
        .select_related("owner", "decision__use_case")
        .order_by("due_date", "id")
    )
    return Minutes(decisions=list(decisions), actions=list(actions))
