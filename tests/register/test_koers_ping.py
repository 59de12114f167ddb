"""`koers_ping` through a real broker and a real Celery worker (Redis, PostgreSQL)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from register.models import Heartbeat
from register.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


def test_it_writes_one_heartbeat_per_token_however_often_delivered(db: None) -> None:
    token = str(uuid.uuid4())
    ping(token)
    ping(token)  # a redelivered message (acks_late) must not fail or double up
    assert Heartbeat.objects.filter(token=token).count() == 1


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def broker() -> str:
    """The Redis broker CI gives the suite (a database number of its own, flushed first)."""
    url = str(settings.CELERY_BROKER_URL)
    if not url.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://... (CI sets it)")
    return url


@pytest.mark.pg_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_answers_when_a_worker_runs(broker: str) -> None:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": broker}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = io.StringIO()
    try:
        call_command("koers_ping", "--timeout", "60", stdout=out)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert out.getvalue().startswith("pong: a worker answered in ")


@pytest.mark.pg_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_fails_clearly_when_no_worker_answers(broker: str) -> None:
    with pytest.raises(CommandError, match=r"No worker answered within 1 s through redis://127\.0\.0\.1"):
        call_command("koers_ping", "--timeout", "1")
