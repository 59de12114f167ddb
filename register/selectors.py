"""Every non-trivial read (STYLE.md §4). Two rules are stated here and nowhere else:
`use_cases_visible_to` (who sees which use-case) and `overdue_q` (which review is overdue)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from register.models import AuditEvent, UseCase, User
from register.workflow import ACTIVE_STAGES


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


def overdue_q(today: dt.date) -> Q:
    """A use-case in use (pilot or production) whose review was due before `today`, the
    organisation's local date (judged with timezone.localdate(), never now.date())."""
    return Q(lifecycle_stage__in=ACTIVE_STAGES, schedule__next_due__lt=today)
