"""Writes for the public transparency page: publishing a use-case and the AI pledge."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from register import outbox, schedule
from register.audit import audit_log
from register.choices import LifecycleStage, WorkflowStatus
from register.models import (
    AuditEvent,
    Delivery,
    ExplanationRequest,
    Publication,
    TransparencyPledge,
    UseCase,
    User,
)
from register.services.notify import committee_recipients
from register.services.use_cases import _lock

# The reminder of an open request goes this many days before its answer is due.
EXPLANATION_REMINDER_DAYS = 2


def _check_publishable(use_case: UseCase) -> None:
    if use_case.status != WorkflowStatus.APPROVED:
        raise ValidationError(
            _("Only a use-case the AI committee approved can be published."), code="not_approved"
        )
    if use_case.lifecycle_stage == LifecycleStage.RETIRED:
        raise ValidationError(_("A retired use-case is not published."), code="retired")


def _check_contact(contact: str) -> None:
    # The public page carries no staff personal data: a role or team address, never a person's.
    if not contact:
        raise ValidationError({"contact": _("Give a role or team address people can write to.")})
    if User.objects.filter(email__iexact=contact).exists():
        raise ValidationError(
            {"contact": _("This is a person's own address. Use a role or team address instead.")}
        )


@transaction.atomic
def use_case_publish(
    *,
    acting_user: User,
    use_case: UseCase,
    published: bool,
    summary: str = "",
    where_met: str = "",
    contact: str = "",
    how_to_reach: str = "",
    version: int | None = None,
) -> Publication:
    """Put an approved, non-retired use-case on the public page with the committee's plain
    words, or take it off (`published=False` keeps the words for next time). With `version`,
    the committee publishes what it saw: a newer edit raises StaleEdit."""
    locked = _lock(use_case, version)
    publication = Publication.objects.select_for_update().filter(use_case=locked).first()
    if published:
        _check_publishable(locked)
        _check_contact(contact.strip())
        if not summary.strip():
            raise ValidationError({"summary": _("Say in plain words what it does and why.")})
    elif publication is None:
        raise ValidationError(_("This use-case is not published."), code="not_published")
    publication = publication or Publication(use_case=locked)
    now = timezone.now()
    if published:
        publication.summary, publication.where_met = summary.strip(), where_met.strip()
        publication.contact, publication.how_to_reach = contact.strip(), how_to_reach.strip()
        publication.published_at = publication.published_at or now
    publication.published, publication.updated_at = published, now
    publication.full_clean()
    publication.save()
    audit_log(
        actor=acting_user,
        action=f"register.publication.{'published' if published else 'withdrawn'}",
        subject=publication,
        use_case_id=locked.pk,
    )
    return publication


@transaction.atomic
def pledge_update(*, acting_user: User, text_nl: str, text_en: str) -> TransparencyPledge:
    pledge, _created = TransparencyPledge.objects.select_for_update().get_or_create(pk=1)
    pledge.text_nl, pledge.text_en, pledge.updated_at = text_nl.strip(), text_en.strip(), timezone.now()
    pledge.save()
    audit_log(actor=acting_user, action="register.pledge.changed", subject=pledge)
    return pledge


def _internal(use_case: UseCase) -> list[tuple[str, str]]:
    """The owner and the committee: who answers a request."""
    owner = use_case.owner
    mine = [(owner.email, owner.language or settings.LANGUAGE_CODE)] if owner.email else []
    return [*mine, *committee_recipients()]


def _request_context(request: ExplanationRequest, language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            "reference": request.use_case.reference or "",
            "name": request.use_case.name,
            "kind": str(request.get_kind_display()),
            "respond_by": request.respond_by.isoformat() if request.respond_by else "",
            # The use-case page, which the owner (not staff) and the committee can both open.
            "path": reverse("use_case_detail", args=[request.use_case_id]) + f"#request-{request.pk}",
        }


@transaction.atomic
def explanation_request_create(
    *,
    acting_user: User | None,
    use_case: UseCase,
    kind: str,
    question: str,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str = "nl",
) -> ExplanationRequest:
    """A request from the public page (no account: `acting_user` is None). The owner and the
    committee hear of it; the requester gets a confirmation if they gave an e-mail address."""
    if not Publication.objects.filter(use_case=use_case, published=True).exists():
        raise ValidationError(_("This use-case is not on the transparency page."), code="not_published")
    request = ExplanationRequest(
        use_case=use_case, kind=kind, question=question.strip(), name=name.strip(), email=email.strip(),
        phone=phone.strip(),
    )  # fmt: skip
    request.full_clean()
    request.save()
    audit_log(
        actor=acting_user,
        action="register.explanation_request.received",
        subject=request,
        use_case_id=use_case.pk,
    )
    for address, lang in _internal(use_case):
        outbox.enqueue(
            subject=request, use_case=use_case, due_date=timezone.localdate(), stage="explanation_received",
            recipient=address, language=lang, template="explanation_received",
            context=_request_context(request, lang),
        )  # fmt: skip
    if request.email:
        # The requester's own copy names no member of staff: only the use-case and what happens next.
        with translation.override(language):
            context = {"reference": use_case.reference or "", "name": use_case.name}
        outbox.enqueue(
            subject=request, use_case=use_case, due_date=timezone.localdate(), stage="explanation_confirmation",
            recipient=request.email, language=language, template="explanation_confirmation", context=context,
        )  # fmt: skip
    return request


def check_deadline(request: ExplanationRequest, respond_by: dt.date) -> None:
    """The rule for a deadline, also asked by the admin's form before it saves."""
    if request.status != ExplanationRequest.Status.OPEN:
        raise ValidationError(_("This request has been answered already."), code="answered")
    if respond_by < timezone.localdate():
        raise ValidationError({"respond_by": _("The date by which it is answered cannot be in the past.")})


def _reminder_at(respond_by: dt.date) -> dt.datetime:
    day = respond_by - dt.timedelta(days=EXPLANATION_REMINDER_DAYS)
    return max(timezone.now(), schedule.send_at(day, hour=settings.KOERS_SEND_HOUR, zone=settings.TIME_ZONE))


@transaction.atomic
def explanation_request_set_deadline(
    *, acting_user: User, request: ExplanationRequest, respond_by: dt.date
) -> ExplanationRequest:
    """By when the request is answered. A reminder to the owner and the committee waits in the
    outbox until a few days before; a later change of date or an answer makes it moot (it is then
    skipped when its time comes, register.delivery)."""
    locked = (
        ExplanationRequest.objects.select_for_update().select_related("use_case__owner").get(pk=request.pk)
    )
    check_deadline(locked, respond_by)
    locked.respond_by = respond_by
    locked.save(update_fields=["respond_by"])
    audit_log(
        actor=acting_user,
        action="register.explanation_request.deadline_set",
        subject=locked,
        use_case_id=locked.use_case_id,
    )
    for address, lang in _internal(locked.use_case):
        row = outbox.enqueue(
            subject=locked, use_case=locked.use_case, due_date=respond_by, stage="explanation_due",
            recipient=address, language=lang, template="explanation_reminder",
            context=_request_context(locked, lang),
        )  # fmt: skip
        if row is not None:
            Delivery.objects.filter(pk=row.pk).update(next_attempt_at=_reminder_at(respond_by))
    return locked


@transaction.atomic
def explanation_request_answer(
    *, acting_user: User, request: ExplanationRequest, note: str
) -> ExplanationRequest:
    """Record that (and how) the person got their answer; pending reminders are then skipped."""
    locked = ExplanationRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != ExplanationRequest.Status.OPEN:
        raise ValidationError(_("This request has been answered already."), code="answered")
    if not note.strip():
        raise ValidationError({"answer_note": _("Say briefly how the person was answered.")})
    locked.status, locked.answered_at, locked.answer_note = (
        ExplanationRequest.Status.ANSWERED, timezone.now(), note.strip(),
    )  # fmt: skip
    locked.save(update_fields=["status", "answered_at", "answer_note"])
    audit_log(
        actor=acting_user,
        action="register.explanation_request.answered",
        subject=locked,
        use_case_id=locked.use_case_id,
    )
    return locked


ASKER_FIELDS = ("name", "email", "phone")


@transaction.atomic
def explanation_request_forget_contact(
    *, acting_user: User | None, request: ExplanationRequest
) -> ExplanationRequest:
    """Retention (SECURITY.md): an answered request keeps its question and how it was answered,
    not who asked or how to reach them; gone from the request, the snapshots of its own audit
    events and the outbox rows addressed to them."""
    locked = ExplanationRequest.objects.select_for_update().get(pk=request.pk)
    if locked.contact_removed_at is not None:
        return locked
    if locked.status != ExplanationRequest.Status.ANSWERED:
        raise ValidationError(_("This request has not been answered yet."), code="open")
    address = locked.email
    locked.name, locked.email, locked.phone = "", "", ""
    locked.contact_removed_at = timezone.now()
    locked.save(update_fields=[*ASKER_FIELDS, "contact_removed_at"])
    subject = f"{locked._meta.label_lower}"
    AuditEvent.objects.forget(subject_type=subject, subject_id=str(locked.pk), fields=ASKER_FIELDS)
    if address:
        # An error kept from a refused send may quote the address too.
        Delivery.objects.filter(subject_type=subject, subject_id=str(locked.pk), recipient=address).update(
            recipient=f"removed-request-{locked.pk}", last_error=""
        )
    audit_log(
        actor=acting_user,
        action="register.explanation_request.contact_removed",
        subject=locked,
        use_case_id=locked.use_case_id,
    )
    return locked
