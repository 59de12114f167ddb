"""What the bench's processes share: the environment Koers runs in (DEBUG off), database names
and the small helpers every step uses. Imports nothing of Django, so `bench.run` stays a plain
orchestrator and each measuring process sets Django up itself."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_BASE_URL = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/12"
# Only the bench's own databases are ever created, dropped or written.
DB_PREFIX = "koers_bench_"
COMMITTEE = "bench-committee"
AUDITOR = "bench-auditor"


def base_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_BASE_URL).rstrip("/")


def database_url(name: str) -> str:
    if not name.startswith(DB_PREFIX):
        raise ValueError(f"the bench only touches databases named {DB_PREFIX}*; got {name!r}")
    parts = urlsplit(base_url())
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def db_name(size: int, suffix: str = "") -> str:
    return f"{DB_PREFIX}{size}{suffix}"


def koers_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of every Koers process the bench starts: DEBUG off, as deployed, over
    plain HTTP on 127.0.0.1, throttling out of the way, quiet logs, dummy e-mail."""
    env = {key: value for key, value in os.environ.items() if not key.endswith("_FILE")}
    env.update(
        {
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": "bench-only-" + "k" * 50,
            # testserver: the in-process test client's host.
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SITE_URL": "http://127.0.0.1:8000",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": database_url(database),
            "CELERY_BROKER_URL": REDIS_URL,
            "CACHE_URL": REDIS_URL,
            "EMAIL_URL": "dummymail://",
            # Counted in Redis as in production, but never reached.
            "KOERS_API_THROTTLE_USER": "100000000/day",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def setup_django() -> None:
    """For the measuring subprocesses, which `bench.run` starts with `koers_env`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    """A measuring subprocess's answer: one JSON line on stdout, the last thing it prints."""
    print(json.dumps(result, default=str), flush=True)


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95: the value 95 % of the samples do not exceed)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
