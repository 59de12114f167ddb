"""Duties have their own audit events from this release on (added, updated, not applicable); `as_of`
rebuilds a use-case's checklist from them. For the duties already stored, one event records each
as it stands, at the moment it last changed (its `updated_at`): from then on it has stood so, which
is all the trail can truthfully say. A duty whose latest event is that recent already (ticked off
with `register.obligation.done`) needs none."""

from __future__ import annotations

import datetime as dt

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

JUSTIFICATION = "Recorded as it stood when duties came into the audit trail (migration 0007)."


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


class Migration(migrations.Migration):
    dependencies = [("register", "0006_apiaccess")]

    # Going back leaves the events: the audit trail is never shortened.
    operations = [migrations.RunPython(record_duties, migrations.RunPython.noop)]
