"""Every non-trivial read (STYLE.md §4). `use_cases_visible_to` and `overdue_q` join with the
domain core."""

from __future__ import annotations

from django.db.models import QuerySet

from register.models import AuditEvent


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("occurred_at", "id")
