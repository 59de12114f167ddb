"""Render and send one Delivery (e-mail here; webhooks in register/webhooks.py). No scheduling
and no claiming here: `register.outbox` decides what to send and records how it went."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from register.choices import DeliveryChannel
from register.models import Delivery, IncidentClockDone, User
from register.selectors import reminder_still_due_q


class NothingToSend(Exception):
    """The message no longer has a reason to go out (said in the row, never retried)."""


def _password_reset_link(delivery: Delivery) -> dict[str, Any]:
    """The reset link, made now: its token is valid for PASSWORD_RESET_TIMEOUT from sending,
    and the outbox row never holds it. Only to the address the request was for, and only while
    that person can still sign in with a password (Django's own conditions for a reset)."""
    user = User.objects.filter(pk=delivery.context["user_id"], is_active=True).first()
    if user is None or not user.has_usable_password():
        raise NothingToSend("The account is no longer active or has no password to reset.")
    if user.email.casefold() != delivery.recipient.casefold():
        raise NothingToSend("The account's e-mail address changed after the request.")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    return {
        "username": user.get_username(),
        "link": settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token]),
        "valid_days": hours // 24 if hours >= 48 else 0,
        "valid_hours": hours,
    }


def _weekly_digest_items(delivery: Delivery) -> dict[str, Any]:
    """What a weekly digest lists, read when it is sent: the reminders that point to it (each
    use-case, its stage and due date), leaving out reviews recorded since (no longer due or
    late). Not to a person who is no longer active."""
    if not User.objects.filter(pk=delivery.subject_id, is_active=True).exists():
        raise NothingToSend("The person is no longer active.")
    rows = Delivery.objects.filter(reminder_still_due_q(), digest=delivery).order_by(
        "due_date", "use_case_id", "created_at", "id"
    )
    with translation.override(delivery.language):
        items = [
            {
                "label": row.context.get("label", ""),
                "unit": row.context.get("unit", ""),
                "stage": row.stage,
                "due": formats.date_format(row.due_date, "DATE_FORMAT"),
                "path": row.context.get("path", ""),
            }
            for row in rows
        ]
        week = formats.date_format(delivery.due_date, "DATE_FORMAT")
    if not items:
        raise NothingToSend(
            "Every review it would list was recorded (or its use-case retired) before it went out."
        )
    return {"items": items, "week": week}


def _explanation_still_open(delivery: Delivery) -> dict[str, Any]:
    """A reminder of a public request goes out only while it is open and due on that date."""
    from register.models import ExplanationRequest

    request = ExplanationRequest.objects.filter(pk=delivery.subject_id).first()
    if request is None or request.status != ExplanationRequest.Status.OPEN:
        raise NothingToSend("The request was answered before the reminder went out.")
    if request.respond_by != delivery.due_date:
        raise NothingToSend("The date by which the request is answered changed.")
    return {}


# Parts of a message made only when it is sent: secrets that must not rest in the outbox, and
# a weekly digest's list (its reminders are added until it goes out).
MADE_AT_SENDING: dict[str, Callable[[Delivery], dict[str, Any]]] = {
    "password_reset": _password_reset_link,
    "weekly_digest": _weekly_digest_items,
    "explanation_reminder": _explanation_still_open,
}


def render(delivery: Delivery) -> tuple[str, str, str]:
    """Subject, plain text and HTML from one template context, in the recipient's language."""
    context: dict[str, Any] = {**delivery.context, "site_url": settings.SITE_URL}
    if delivery.template in MADE_AT_SENDING:
        context |= MADE_AT_SENDING[delivery.template](delivery)
    with translation.override(delivery.language):
        subject = render_to_string(f"emails/{delivery.template}.subject.txt", context).strip()
        text = render_to_string(f"emails/{delivery.template}.txt", context)
        html = render_to_string(f"emails/{delivery.template}.html", context)
    return " ".join(subject.split()), text, html


class MaybeSent(Exception):
    """The message went out but no answer came (a webhook's receiver may have it): never resent
    (at most once); the outbox records the row as `unknown` for people to look at."""


def _still_due(delivery: Delivery) -> None:
    """A review or pilot reminder goes out only while what it is about still stands: not after
    the review was recorded (its date moved) or the pilot ended or moved; an incident's alert
    only while its clock is not marked done."""
    if delivery.template == "incident_clock":
        done = IncidentClockDone.objects.filter(
            incident_id=delivery.subject_id, clock=delivery.context.get("clock", "")
        )
        if done.exists():
            raise NothingToSend("The clock was marked done before this alert went out.")
        return
    if not delivery.template.startswith("review_") or delivery.use_case_id is None:
        return
    if Delivery.objects.filter(reminder_still_due_q(), pk=delivery.pk).exists():
        return
    if delivery.stage.startswith("pilot_"):
        raise NothingToSend("The pilot's end date changed, or it is no longer a pilot.")
    raise NothingToSend("The review was recorded (or re-planned) before this reminder went out.")


def send(delivery: Delivery) -> None:
    _still_due(delivery)
    if delivery.channel == DeliveryChannel.WEBHOOK:
        from register import webhooks  # it imports NothingToSend from this module

        webhooks.post(delivery)
        return
    subject, text, html = render(delivery)
    # The outbox row's id travels with the message: a receiver (or a test) can tell one message
    # sent twice from two messages that read alike.
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [delivery.recipient],
        headers={"X-Koers-Delivery": str(delivery.pk)},
    )
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)
