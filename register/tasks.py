"""Thin Celery tasks: they take primary keys or plain values and call into the register."""

from __future__ import annotations

import uuid

from celery import shared_task

from register.models import Heartbeat


@shared_task(name="register.ping")
def ping(token: str) -> None:
    """Prove a worker took a message off the broker and reached the database (`koers_ping`)."""
    Heartbeat.objects.get_or_create(token=uuid.UUID(token))
