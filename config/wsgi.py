"""WSGI entry point (gunicorn config.wsgi)."""

from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, the URL table) lives as long as the process: out of
# the cycle collector's way, its full passes take a fifth of the time, and the slowest API pages
# lose most of their delay (BENCHMARKS.md; the technique CPython's gc.freeze() exists for).
gc.freeze()
