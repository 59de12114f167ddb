"""Who hears about what: outbox rows the use-case services add in their own transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils import timezone, translation

from register import outbox
from register.models import UseCase, User
from register.selectors import committee_members


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def committee_recipients() -> list[tuple[str, str]]:
    """The committee's shared address if configured, else each active member's own."""
    if settings.KOERS_COMMITTEE_EMAIL:
        return [(settings.KOERS_COMMITTEE_EMAIL, settings.LANGUAGE_CODE)]
    members = committee_members().exclude(email="")
    return [(member.email, _language(member)) for member in members.order_by("pk")]


def _context(use_case: UseCase, language: str, **extra: object) -> dict[str, str]:
    """Plain strings for the row, labels already in the recipient's language."""
    with translation.override(language):
        return {
            "reference": use_case.reference or "",
            "name": use_case.name,
            "unit": use_case.business_unit.name,
            "owner": use_case.owner.get_full_name() or use_case.owner.get_username(),
            "risk_tier": str(use_case.get_risk_tier_display()) if use_case.risk_tier else "",
            "path": f"/admin/register/usecase/{use_case.pk}/change/",
            **{key: str(value) for key, value in extra.items()},
        }


def _send(
    recipients: Iterable[tuple[str, str]],
    *,
    repeat: int = 0,
    subject: models.Model,
    use_case: UseCase,
    stage: str,
    template: str,
    **extra: object,
) -> None:
    for address, language in recipients:
        outbox.enqueue(
            subject=subject,
            use_case=use_case,
            due_date=timezone.localdate(),
            stage=stage,
            recipient=address,
            language=language,
            template=template,
            context=_context(use_case, language, **extra),
            repeat=repeat,
        )


def submitted(use_case: UseCase) -> None:
    # Each submission is its own message, also a second one on the same day: the edit version
    # tells them apart in the outbox's uniqueness key.
    _send(
        committee_recipients(),
        repeat=use_case.version,
        subject=use_case,
        use_case=use_case,
        stage="submitted",
        template="use_case_submitted",
    )


def decided(
    use_case: UseCase, decision: models.Model, label: object, conditions: str, justification: str
) -> None:
    owner = use_case.owner
    _send(
        [(owner.email, _language(owner))],
        subject=decision,
        use_case=use_case,
        stage="decision",
        template="decision_made",
        decision=label,
        conditions=conditions,
        justification=justification,
    )


def prohibited(use_case: UseCase, assessment: models.Model) -> None:
    """Escalate at once to the owner, the unit's lead and the committee (PRODUCT.md)."""
    people = [use_case.owner, use_case.business_unit.lead]
    recipients = [(p.email, _language(p)) for p in people if p is not None and p.email]
    _send(
        [*recipients, *committee_recipients()],
        subject=assessment,
        use_case=use_case,
        stage="prohibited",
        template="prohibited_escalation",
    )
