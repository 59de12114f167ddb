"""Writes for meetings beyond recording one (`meeting_record` in register.services.governance):
the secretary corrects a meeting's date, title, attendees or points afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from register.audit import audit_log, snapshot_of
from register.models import Meeting, User


@transaction.atomic
def meeting_update(
    *,
    acting_user: User,
    meeting: Meeting,
    held_on: dt.date,
    title: str,
    attendees: Iterable[User],
    agenda: str = "",
) -> Meeting:
    """Store what changed and audit it with the changed facts named; a save that changes nothing
    writes nothing. (Meetings carry no edit version: the last save wins.)"""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before_attendees = set(locked.attendees.values_list("pk", flat=True))
    wanted = list(attendees)
    facts = {"held_on": held_on, "title": title, "agenda": agenda}
    changed = [name for name, value in facts.items() if getattr(locked, name) != value]
    if {person.pk for person in wanted} != before_attendees:
        changed.append("attendees")
    if not changed:
        return locked
    for name, value in facts.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    locked.attendees.set(wanted)
    audit_log(
        actor=acting_user,
        action="register.meeting.changed",
        subject=locked,
        justification=", ".join(sorted(changed)),
        snapshot={
            **snapshot_of(locked),
            "attendees": sorted(locked.attendees.values_list("username", flat=True)),
        },
    )
    return locked
