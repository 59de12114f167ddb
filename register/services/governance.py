"""Writes for meetings, follow-up actions and incidents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from register import incident_alerts  # the module, not its names: it imports this package back
from register.audit import audit_log, snapshot_of
from register.incident_clocks import aware_in_future
from register.models import Action, Incident, IncidentClockDone, Meeting, UseCase, User
from register.services.use_cases import _lock, _save, review_trigger

AWARE_IN_FUTURE = gettext_lazy("The organisation cannot have become aware of it in the future.")


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
    aware_at = facts.get("aware_at")
    if aware_at is not None and aware_in_future(aware_at, timezone.now()):
        raise ValidationError({"aware_at": AWARE_IN_FUTURE})
    locked = _lock(use_case)  # the use-case first: two reports at once queue, never deadlock
    incident = Incident(use_case=locked, **facts)
    incident.full_clean()
    incident.save()
    _save(locked, [])
    audit_log(actor=acting_user, action="register.incident.recorded", subject=incident, use_case_id=locked.pk)
    if _is_serious(incident):  # a serious incident brings the next review forward
        review_trigger(acting_user=acting_user, use_case=locked, reason="serious incident")
    return incident


def _is_serious(incident: Incident) -> bool:
    """Serious as the clocks read it (Art. 3(49), or a widespread infringement, Art. 3(61))."""
    from register.incident_alerts import facts_of  # the alerts import the services
    from register.incident_clocks import is_serious

    return is_serious(facts_of(incident))


@transaction.atomic
def incident_clock_done(
    *, acting_user: User, incident: Incident, clock: str, reference: str
) -> IncidentClockDone:
    """Mark one of the incident's clocks done with the reference of the report or message that met
    it (a case number, a date and addressee); its daily alerts stop."""
    use_case = _lock(incident.use_case)  # the use-case first, as incident_record does
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    reference = reference.strip()
    if not reference:
        missing = ValidationError(
            _("Give the reference of the report or message."), code="reference_required"
        )
        raise ValidationError({"reference": missing})
    state = {entry.clock.code: entry for entry in incident_alerts.clocks_of(locked)}
    if clock not in state:
        raise ValidationError(_("This clock does not apply to this incident."), code="clock_not_applicable")
    if state[clock].done is not None:
        raise ValidationError(_("This clock is already marked done."), code="already_done")
    done = IncidentClockDone.objects.create(
        incident=locked, clock=clock, reference=reference, done_by=acting_user
    )
    _save(use_case, [])
    audit_log(
        actor=acting_user,
        action="register.incident.clock_done",
        subject=locked,
        use_case_id=use_case.pk,
        justification=reference,
        snapshot={
            **snapshot_of(locked),
            "clocks_done": sorted(locked.clocks_done.values_list("clock", "reference")),
        },
    )
    return done
