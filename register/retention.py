"""How long Koers keeps what (SECURITY.md, "How long it is kept"), and `apply_retention`, which
applies it. The register itself and its audit trail are evidence and are kept; what is only a
log, and the personal data of people who left, are not.

Each rule says what it keeps, finds what has passed its time, and removes it, or with `dry_run`
only counts it. The command runs them all; run it daily (README, Running in production)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Max, QuerySet

from register import selectors, services
from register.models import ApiAccess, AuditEvent, ExplanationRequest, Heartbeat, SweepRun, User
from register.services.people import PSEUDONYM_PREFIX

# Logs kept for a fixed time (the settings name the two that organisations choose).
ADMIN_LOG_DAYS = 365
SWEEP_RUN_DAYS = 90
HEARTBEAT_DAYS = 1


@dataclass(frozen=True)
class Rule:
    table: str
    keeps: str  # what the rule keeps, as SECURITY.md says it
    apply: Callable[[dt.datetime, bool], int]  # (now, dry_run) -> rows removed or changed


def _deleted(rows: QuerySet[Any], dry_run: bool) -> int:
    if dry_run:
        return rows.count()
    with transaction.atomic():
        return rows.delete()[0]


def _api_access(now: dt.datetime, dry_run: bool) -> int:
    cutoff = now - dt.timedelta(days=settings.KOERS_RETENTION_API_ACCESS_DAYS)
    return _deleted(ApiAccess.objects.filter(occurred_at__lt=cutoff), dry_run)


def _admin_log(now: dt.datetime, dry_run: bool) -> int:
    cutoff = now - dt.timedelta(days=ADMIN_LOG_DAYS)
    return _deleted(LogEntry.objects.filter(action_time__lt=cutoff), dry_run)


def _sweep_runs(now: dt.datetime, dry_run: bool) -> int:
    """Old runs, but never the last clean one (/healthz and the dashboard show it)."""
    cutoff = now - dt.timedelta(days=SWEEP_RUN_DAYS)
    last_clean = selectors.last_clean_sweep()  # the run /healthz and the dashboard read
    old = SweepRun.objects.filter(started_at__lt=cutoff)
    if last_clean is not None:
        old = old.exclude(pk=last_clean.pk)
    return _deleted(old, dry_run)


def _heartbeats(now: dt.datetime, dry_run: bool) -> int:
    return _deleted(Heartbeat.objects.filter(created_at__lt=now - dt.timedelta(days=HEARTBEAT_DAYS)), dry_run)


def _sessions(now: dt.datetime, dry_run: bool) -> int:
    return _deleted(Session.objects.filter(expire_date__lt=now), dry_run)


def leavers_due(now: dt.datetime) -> list[User]:
    """People deactivated at least KOERS_RETENTION_LEAVERS_DAYS ago and not yet pseudonymised,
    by the audit trail's record of their deactivation (someone made inactive without that
    record is left for a person to decide)."""
    cutoff = now - dt.timedelta(days=settings.KOERS_RETENTION_LEAVERS_DAYS)
    deactivated = (
        AuditEvent.objects.filter(action="register.user.deactivated", subject_type="register.user")
        .values("subject_id")
        .annotate(last=Max("occurred_at"))
    )
    due = {int(row["subject_id"]) for row in deactivated if row["last"] < cutoff}
    return list(
        User.objects.filter(pk__in=due, is_active=False)
        .exclude(username__startswith=PSEUDONYM_PREFIX)
        .order_by("pk")
    )


def _leavers(now: dt.datetime, dry_run: bool) -> int:
    people = leavers_due(now)
    if not dry_run:
        for person in people:
            services.user_pseudonymise(acting_user=None, user=person)
    return len(people)


def _askers(now: dt.datetime, dry_run: bool) -> int:
    cutoff = now - dt.timedelta(days=settings.KOERS_RETENTION_ASKERS_DAYS)
    answered = ExplanationRequest.objects.filter(
        status=ExplanationRequest.Status.ANSWERED, answered_at__lt=cutoff, contact_removed_at__isnull=True
    ).order_by("pk")
    if dry_run:
        return answered.count()
    done = 0
    for request in answered.iterator():
        services.explanation_request_forget_contact(acting_user=None, request=request)
        done += 1
    return done


def rules() -> list[Rule]:
    api_days = settings.KOERS_RETENTION_API_ACCESS_DAYS
    leaver_days = settings.KOERS_RETENTION_LEAVERS_DAYS
    return [
        Rule("register.apiaccess", f"API requests of the last {api_days} days", _api_access),
        Rule("admin.logentry", f"the admin's own history list of the last {ADMIN_LOG_DAYS} days", _admin_log),
        Rule(
            "register.sweeprun",
            f"sweep runs of the last {SWEEP_RUN_DAYS} days, and the last clean one",
            _sweep_runs,
        ),
        Rule("register.heartbeat", f"worker heartbeats of the last {HEARTBEAT_DAYS} day", _heartbeats),
        Rule("django_session", "sessions that have not expired", _sessions),
        Rule(
            "register.explanationrequest",
            f"who asked a question on the public page, and how to reach them, for "
            f"{settings.KOERS_RETENTION_ASKERS_DAYS} days after the answer; the question and the answer stay",
            _askers,
        ),
        Rule(
            "register.user",
            f"people who left, by name, for {leaver_days} days after their deactivation; then "
            "pseudonymised throughout the audit trail and the outbox",
            _leavers,
        ),
    ]


def apply(now: dt.datetime, *, dry_run: bool = False) -> dict[str, int]:
    return {rule.table: rule.apply(now, dry_run) for rule in rules()}
