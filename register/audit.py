"""The one helper services call to write the audit trail (STYLE.md §6)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from register.models import AuditEvent, User


def snapshot_of(instance: models.Model) -> dict[str, Any]:
    """The record as stored: every concrete field by column name, minus secrets."""
    excluded: frozenset[str] = getattr(type(instance), "AUDIT_EXCLUDE", frozenset())
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in excluded
    }


def audit_log(
    *,
    actor: User | None,
    action: str,
    subject: models.Model,
    justification: str = "",
    use_case_id: int | None = None,
    snapshot: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one event in the caller's transaction, so the change and its record stand or fall
    together. `actor` is None only for the system itself (a task, a migration)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_log() must run inside the service's transaction.atomic block.")
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "system",
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        use_case_id=use_case_id,
        justification=justification,
        snapshot=snapshot if snapshot is not None else snapshot_of(subject),
    )
