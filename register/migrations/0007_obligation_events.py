"""Duties have their own audit events from this release on (added, updated, not applicable); `as_of`
rebuilds a use-case's checklist from them. For the duties already stored, one event records each
as it stands, at the moment it last changed (its `updated_at`): from then on it has stood so, which
is all the trail can truthfully say. A duty whose latest event is that recent already (ticked off
with `register.obligation.done`) needs none. Likewise each use-case gets one event now with its
next review date, which use-case snapshots carry from this release on."""

from __future__ import annotations

import datetime as dt

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

JUSTIFICATION = "Recorded as it stood when duties came into the audit trail (migration 0007)."
NEXT_REVIEW_JUSTIFICATION = (
    "Recorded with its next review date when snapshots began to hold it (migration 0007)."
)


def _snapshot(item: object, fields: list[str]) -> dict[str, object]:
    return {name: getattr(item, name) for name in fields}


def record_duties(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ObligationItem = apps.get_model("register", "ObligationItem")
    AuditEvent = apps.get_model("register", "AuditEvent")
    fields = [field.attname for field in ObligationItem._meta.concrete_fields]
    latest: dict[str, dt.datetime] = {}
    for subject_id, occurred_at in AuditEvent.objects.filter(
        subject_type="register.obligationitem"
    ).values_list("subject_id", "occurred_at"):
        latest[subject_id] = max(occurred_at, latest.get(subject_id, occurred_at))
    events = [
        AuditEvent(
            occurred_at=item.updated_at,
            actor=None,
            actor_label="system",
            action="register.obligation.recorded",
            subject_type="register.obligationitem",
            subject_id=str(item.pk),
            use_case_id=item.use_case_id,
            justification=JUSTIFICATION,
            snapshot=_snapshot(item, fields),
        )
        for item in ObligationItem.objects.order_by("pk").iterator(chunk_size=2000)
        if str(item.pk) not in latest or latest[str(item.pk)] < item.updated_at
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)


def record_next_reviews(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Use-case snapshots carry the next review date from this release on; each use-case gets one
    event now, as it stands, so the register as of any later instant knows its next review."""
    UseCase = apps.get_model("register", "UseCase")
    ReviewSchedule = apps.get_model("register", "ReviewSchedule")
    AuditEvent = apps.get_model("register", "AuditEvent")
    fields = [field.attname for field in UseCase._meta.concrete_fields]
    next_due = dict(ReviewSchedule.objects.values_list("use_case_id", "next_due"))
    now = timezone.now()
    events = [
        AuditEvent(
            occurred_at=now,
            actor=None,
            actor_label="system",
            action="register.use_case.recorded",
            subject_type="register.usecase",
            subject_id=str(case.pk),
            use_case_id=case.pk,
            justification=NEXT_REVIEW_JUSTIFICATION,
            snapshot={**_snapshot(case, fields), "next_review_due": next_due.get(case.pk)},
        )
        for case in UseCase.objects.order_by("pk").iterator(chunk_size=2000)
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("register", "0006_apiaccess")]

    # Going back leaves the events: the audit trail is never shortened.
    operations = [
        migrations.RunPython(record_duties, migrations.RunPython.noop),
        migrations.RunPython(record_next_reviews, migrations.RunPython.noop),
    ]
