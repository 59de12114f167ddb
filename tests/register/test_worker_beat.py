"""A real beat fires the sweep, a real worker runs it, and the review reminder lands on disk.

Beat and worker run as subprocesses against the configured broker (Redis in CI; otherwise the
embedded file broker, in a folder of this test's own), the committed PostgreSQL test database and
the file e-mail backend (`EMAIL_URL=filemail:////absolute/dir`). They consume and publish on a
queue of this test's own, so a worker started by another test (koers_ping) never takes their
messages, nor they its."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import os
import signal
import subprocess
import sys
import time
import uuid
import zoneinfo
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection, Exchange, Queue

from register.models import Delivery, ReviewSchedule, SweepRun
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 90.0  # seconds; the sweep normally lands within 10 (worker start-up plus one interval)
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file backend writes after each message


def _database_url() -> str:
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def _settings_module(folder: Path, queue: str) -> str:
    """config.settings with this test's queue (and, for the file broker, its own folders)."""
    broker = folder / "broker"
    lines = [
        "from config.settings import *  # noqa: F403",
        "from config.settings import CELERY_BROKER_URL",
        f"CELERY_TASK_DEFAULT_QUEUE = {queue!r}",
        'if CELERY_BROKER_URL.startswith("filesystem://"):',
        "    CELERY_BROKER_TRANSPORT_OPTIONS = {",
        f"        'data_folder_in': {str(broker / 'queue')!r},",
        f"        'data_folder_out': {str(broker / 'queue')!r},",
        f"        'control_folder': {str(broker / 'control')!r},",
        f"        'processed_folder': {str(broker / 'processed')!r},",
        "        'store_processed': False,",
        "        'polling_interval': 0.1,",
        "    }",
    ]
    for name in ("queue", "control", "processed"):
        (broker / name).mkdir(parents=True, exist_ok=True)
    (folder / "worker_beat_settings.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "worker_beat_settings"


def _messages(mail_dir: Path) -> list[EmailMessage]:
    """Every message the file backend wrote so far (one file per connection, `-` * 79 after
    each message); a file still being written is read again on the next poll."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=policy.default))
    return [m for m in found if isinstance(m, EmailMessage)]


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return f"{message['Subject']}\n{body.get_content() if body is not None else ''}"


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with whatever it started
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (warm shutdown: a running sweep finishes); if that hangs, SIGKILL to the process
    group this test created for it (children included)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _delete_queue(broker: str, name: str) -> None:
    """Take this test's queue off the broker again (Redis keeps a binding set per queue)."""
    if broker.startswith("filesystem://"):
        return  # its folder is in tmp_path
    with contextlib.suppress(Exception), Connection(broker, connect_timeout=5) as conn:
        queue = Queue(name, Exchange(name, type="direct"), routing_key=name)(conn.default_channel)
        queue.declare()  # registers the binding with this channel, so delete() removes it
        queue.delete()


@pytest.fixture
def broker() -> str:
    url = str(settings.CELERY_BROKER_URL)
    if url.startswith("memory://"):
        pytest.skip("a memory:// broker cannot reach another process")
    return url


@pytest.mark.pg_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_beat_fires_the_sweep_and_the_worker_mails_the_due_reminder(broker: str, tmp_path: Path) -> None:
    zone = settings.TIME_ZONE
    today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    owner = factories.UserFactory.create(username="owner", email="owner.beat@example.org", language="en")
    use_case = factories.use_case("Shelf-scanning robot", owner=owner, lifecycle_stage="production")
    plan, _created = ReviewSchedule.objects.get_or_create(use_case=use_case)
    plan.next_due = today
    # Planned 14 days ago, for its upcoming stage, which nobody swept: it is recorded as skipped.
    upcoming_day = today - dt.timedelta(days=14)  # the worker runs with KOERS_SEND_HOUR=0
    plan.next_reminder_at = dt.datetime.combine(upcoming_day, dt.time(0), tzinfo=zoneinfo.ZoneInfo(zone))
    plan.save()

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    queue = f"koers-worker-beat-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": _settings_module(tmp_path, queue),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"filemail:///{mail_dir}",  # four slashes: django-environ drops the first
        "KOERS_SWEEP_INTERVAL": "2",
        "KOERS_SEND_HOUR": "0",  # today's "due" moment has passed, whatever the hour
        "TIME_ZONE": zone,
        "KOERS_COMMITTEE_EMAIL": "",
    }
    processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    passed = False
    try:
        for name, args in [
            ("beat", ["beat", "--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "INFO"]),
            (
                "worker",
                [
                    "worker",
                    "--pool",
                    "solo",
                    "--queues",
                    queue,
                    "--hostname",
                    f"{queue}@%h",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel",
                    "INFO",
                ],
            ),
        ]:
            log = tmp_path / f"{name}.log"
            processes.append((name, _start(args, env, log), log))

        started = time.monotonic()
        mine: list[EmailMessage] = []
        clean_run = False
        while time.monotonic() - started < DEADLINE:
            for name, process, _log in processes:
                assert process.poll() is None, f"celery {name} exited with {process.returncode}"
            mine = [
                m for m in _messages(mail_dir) if owner.email in str(m["To"]) and use_case.name in _text(m)
            ]
            clean_run = SweepRun.objects.filter(
                finished_at__isnull=False, error="", reminders_queued__gte=1
            ).exists()
            if mine and clean_run:
                break
            if Delivery.objects.filter(
                use_case=use_case, status__in=["failed", "gave_up", "unknown"]
            ).exists():
                break  # a failed send waits minutes for its retry: report it now
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        rows = list(Delivery.objects.values_list("stage", "recipient", "status", "last_error"))
        assert mine, f"no reminder e-mail after {elapsed:.0f} s; deliveries: {rows}"
        assert clean_run, (
            f"no sweep finished cleanly after {elapsed:.0f} s: {list(SweepRun.objects.values())}"
        )

        sent = Delivery.objects.exclude(stage="upcoming").get(use_case=use_case, recipient=owner.email)
        # "overdue" only if the day turned while we waited (a run just before midnight).
        day_turned = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date() != today
        assert sent.stage == "due" or day_turned, sent.stage
        assert (sent.status, sent.channel, sent.attempts) == ("sent", "email", 1)
        assert sent.sent_at is not None
        assert mine[0]["X-Koers-Delivery"] == str(sent.pk)
        next_reminder_at = ReviewSchedule.objects.get(use_case=use_case).next_reminder_at
        assert next_reminder_at is not None
        assert next_reminder_at > dt.datetime.now(dt.UTC)  # claimed: moved on to the next stage
        # The stages missed before the test began are recorded, not sent late.
        assert Delivery.objects.get(use_case=use_case, stage="upcoming").status == "skipped"
        print(f"reminder on disk {elapsed:.1f} s after beat and worker were started")
        passed = True
    finally:
        for _name, process, _log in processes:
            _stop(process)
        _delete_queue(broker, queue)
        if not passed:
            for name, process, log in processes:
                print(f"----- celery {name} (exit {process.returncode}) -----")
                print(log.read_text(encoding="utf-8", errors="replace")[-20000:])

    # Beat kept firing every 2 s until the end: the owner still got this reminder only once.
    repeated = [m for m in _messages(mail_dir) if owner.email in str(m["To"])]
    assert len(repeated) == 1, [m["Subject"] for m in repeated]
