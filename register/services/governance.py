"""Writes for meetings, follow-up actions and incidents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from register.audit import audit_log, snapshot_of
from register.models import Action, Incident, Meeting, UseCase, User
from register.services.use_cases import _lock, _save, review_trigger


@transaction.atomic
def meeting_record(
    *, acting_user: User, held_on: dt.date, title: str, attendees: Iterable[User] = (), agenda: str = ""
) -> Meeting:
    meeting = Meeting(held_on=held_on, title=title, agenda=agenda)
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(list(attendees))
    audit_log(
        actor=acting_user,
        action="register.meeting.recorded",
        subject=meeting,
        snapshot={
            **snapshot_of(meeting),
            "attendees": sorted(meeting.attendees.values_list("username", flat=True)),
        },
    )
    return meeting


@transaction.atomic
def action_complete(*, acting_user: User, action: Action, note: str = "") -> Action:
    locked = Action.objects.select_for_update().select_related("decision__use_case").get(pk=action.pk)
    if locked.done_at is not None:
        raise ValidationError(_("This action is already done."), code="already_done")
    locked.done_at = timezone.now()
    locked.save(update_fields=["done_at"])
    use_case = _lock(locked.decision.use_case)
    _save(use_case, [])
    audit_log(
        actor=acting_user,
        action="register.action.completed",
        subject=locked,
        use_case_id=use_case.pk,
        justification=note,
    )
    return locked


@transaction.atomic
def incident_record(*, acting_user: User, use_case: UseCase, **facts: Any) -> Incident:
    """Record what happened and when the organisation became aware (the clocks count from then)."""
    locked = _lock(use_case)  # the use-case first: two reports at once queue, never deadlock
    incident = Incident(use_case=locked, **facts)
    incident.full_clean()
    incident.save()
    _save(locked, [])
    audit_log(actor=acting_user, action="register.incident.recorded", subject=incident, use_case_id=locked.pk)
    if incident.seriousness:  # a serious incident (Art. 3(49)) brings the next review forward
        review_trigger(acting_user=acting_user, use_case=locked, reason="serious incident")
    return incident
