"""Render and send one Delivery (e-mail now; webhooks join with the reminders). No scheduling
and no claiming here: `register.outbox` decides what to send and records how it went."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from register.models import Delivery


def render(delivery: Delivery) -> tuple[str, str, str]:
    """Subject, plain text and HTML from one template context, in the recipient's language."""
    context: dict[str, Any] = {**delivery.context, "site_url": settings.SITE_URL}
    with translation.override(delivery.language):
        subject = render_to_string(f"emails/{delivery.template}.subject.txt", context).strip()
        text = render_to_string(f"emails/{delivery.template}.txt", context)
        html = render_to_string(f"emails/{delivery.template}.html", context)
    return " ".join(subject.split()), text, html


def send(delivery: Delivery) -> None:
    subject, text, html = render(delivery)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [delivery.recipient])
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)
