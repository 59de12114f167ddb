"""The Celery app. The beat schedule lives here, in code (STYLE.md §10); run exactly one beat."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("koers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# One entry per periodic job, each with a comment saying when and why. The reminder sweep joins
# with the reminders issue; until then beat runs with an empty schedule.
app.conf.beat_schedule = {}
