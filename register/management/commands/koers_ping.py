"""`python manage.py koers_ping`: send a task through the configured broker and wait until a
worker has written its heartbeat row. Exit 0 when it did, 1 with the reason when not."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.exceptions import OperationalError

from register.models import Heartbeat
from register.tasks import ping


def _redacted(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


class Command(BaseCommand):
    help = "Check that a Celery worker answers through the configured broker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (30)")

    def handle(self, *args: Any, timeout: float, **options: Any) -> None:
        broker = _redacted(settings.CELERY_BROKER_URL)
        token = uuid.uuid4()
        started = time.monotonic()
        try:
            ping.apply_async(args=(str(token),), retry=False)
        except OperationalError as exc:
            raise CommandError(f"Cannot reach the broker at {broker}: {exc}") from exc
        while time.monotonic() - started < timeout:
            if Heartbeat.objects.filter(token=token).exists():
                elapsed = time.monotonic() - started
                Heartbeat.objects.filter(token=token).delete()  # operational, not register data
                self.stdout.write(self.style.SUCCESS(f"pong: a worker answered in {elapsed:.2f} s"))
                return
            time.sleep(0.2)
        raise CommandError(f"No worker answered within {timeout:g} s through {broker}. Is one running?")
