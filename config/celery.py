"""The Celery app. The beat schedule lives here, in code (STYLE.md §10); run exactly one beat."""

from __future__ import annotations

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("koers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# One entry per periodic job, each with a comment saying when and why. Exactly one beat runs.
# Set once Celery reads its configuration, not at import: importing this module (config/__init__.py
# does) must not read Django's settings, which may still be loading (bench/settings.py).
@app.on_after_configure.connect
def _beat_schedule(sender: Celery, **kwargs: object) -> None:
    sender.conf.beat_schedule = {
        # Hourly (KOERS_SWEEP_INTERVAL): plan the review reminders that have come due, deliver outbox
        # rows the after-commit task missed (broker down, worker restarted) and retry failed ones
        # whose backoff has passed. One task that loops within a time limit; each run leaves a SweepRun.
        "sweep": {"task": "register.sweep", "schedule": float(settings.KOERS_SWEEP_INTERVAL)},
    }
