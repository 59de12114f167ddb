"""Koers's settings as deployed (DEBUG off), plus the reference view's URL.

Two deviations, both so the numbers measure the register and not the bench's own set-up:
- the API access log is off (every token request would add an INSERT to the measured database);
- static files use Django's plain storage: the manifest storage needs `collectstatic`, which the
  bench does not run; looking a name up in the manifest is a dict lookup either way.
"""

from __future__ import annotations

import warnings

from config.settings import *  # noqa: F403
from config.settings import STORAGES

ROOT_URLCONF = "bench.urls"
KOERS_API_ACCESS_LOG = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise warns once per process that `collectstatic` has not filled STATIC_ROOT; the bench
# serves no static files.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
