"""Thin Celery tasks: they take primary keys or plain values and call into the register."""

from __future__ import annotations

import uuid

from celery import shared_task

from register import outbox
from register.models import Heartbeat


@shared_task(name="register.ping")
def ping(token: str) -> None:
    """Prove a worker took a message off the broker and reached the database (`koers_ping`)."""
    Heartbeat.objects.get_or_create(token=uuid.UUID(token))


@shared_task(name="register.deliver", acks_late=True)
def deliver(delivery_id: int) -> None:
    """Send one outbox row right after commit; the claim makes a second delivery of this message
    a no-op, so late acks cannot double-send."""
    outbox.deliver_one(delivery_id)


@shared_task(name="register.sweep", soft_time_limit=270)
def sweep() -> None:
    """Deliver whatever is still queued or due for a retry, and record the run."""
    outbox.sweep(time_limit=240)
