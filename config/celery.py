"""The Celery app. The beat schedule lives here, in code (STYLE.md §10); run exactly one beat."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("koers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# One entry per periodic job, each with a comment saying when and why. Exactly one beat runs.
app.conf.beat_schedule = {
    # Every 5 minutes: deliver outbox rows the after-commit task missed (broker down, worker
    # restarted) and retry failed ones whose backoff has passed; each run leaves a SweepRun row.
    "deliver-outbox": {"task": "register.sweep", "schedule": 300.0},
}
