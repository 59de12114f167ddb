"""Faults against real processes (issue 11), marked `fault`: their own serial step in `.ci/run`
(`-m fault -p no:xdist`), never in the main suite. Each uses private service instances, so the
shared ones are never stopped: a throwaway PostgreSQL cluster (`pg_createcluster` on a free
port), and Koers served by real gunicorn with `SECURE_SSL_REDIRECT` off.

- The database restarted under the running app: requests get a clean 503 within the connect
  timeout, then 200 within 5 seconds after it is back, with no app restart.
- The broker down (a private redis-server): pages and the API keep working, saves succeed, their
  deliveries stay queued, and go out when it is back (the sweep)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parent.parent
CONNECT_TIMEOUT = 2  # DATABASE_CONNECT_TIMEOUT for the app under test


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 302 is the answer to judge, not a page to follow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(*command: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int

    def stop(self) -> None:
        _run("pg_ctlcluster", self.version, self.name, "stop", "-m", "fast")

    def start(self) -> None:
        _run("pg_ctlcluster", self.version, self.name, "start")


# A token for the API, and a use-case approved and on the public page (the services, as in use).
SETUP = """
from rest_framework.authtoken.models import Token
from register import services
from register.choices import DecisionKind
from register.models import UseCase, User
from tests import factories
root = User.objects.create_superuser("root", "root@example.org", "x" * 20)
chair = factories.committee_member("chair")
owner = factories.UserFactory.create(username="owner", email="owner@example.org")
case = factories.use_case("Chatbot", owner=owner, lifecycle_stage="production", notice="U chat met een programma.",
                          overseers="Jan", escalation_path="Bel de klantenservice")
services.use_case_submit(acting_user=owner, use_case=case)
services.decision_record(acting_user=chair, use_case=case, kind=DecisionKind.APPROVE)
services.use_case_publish(acting_user=chair, use_case=case, published=True, summary="Beantwoordt vragen.",
                          where_met="In de chat.", contact="ai@example.org", how_to_reach="Vraag om een mens.")
print(Token.objects.create(user=root).key, UseCase.objects.get(pk=case.pk).reference)
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    version = max(os.listdir("/etc/postgresql"), key=lambda v: [int(part) for part in v.split(".")])
    # Clusters an earlier run left behind when it was killed.
    for line in subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=False
    ).stdout.splitlines():
        old_version, old_name, *_ = line.split()
        if old_name.startswith("koers_fault_"):
            subprocess.run(
                ["pg_dropcluster", "--stop", old_version, old_name], capture_output=True, check=False
            )
    made = Cluster(version, f"koers_fault_{os.getpid()}", _free_port())
    _run(
        "pg_createcluster", version, made.name, "-p", str(made.port), "--start",
        "--", "--auth-host=trust", "--auth-local=trust",
    )  # fmt: skip
    try:
        _run("createdb", "-h", "127.0.0.1", "-p", str(made.port), "-U", "postgres", "koers")
        yield made
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, made.name], capture_output=True, check=False)


class Broker:
    """A private redis-server on a free port: the app's Celery broker, stopped and started at will."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("redis-server did not listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the fault tests")
    made = Broker()
    made.start()
    try:
        yield made
    finally:
        made.stop()


@dataclass(frozen=True)
class App:
    url: str
    token: str
    env: dict[str, str]
    reference: str  # a published use-case's, for the public question form

    def manage(self, code: str) -> str:
        """`manage.py shell -c CODE` against the app's database; its stdout."""
        return _run(sys.executable, "manage.py", "shell", "--no-imports", "-c", code, env=self.env)

    def page(self, path: str, data: dict[str, str] | None = None, cookies: str = "") -> tuple[int, str, str]:
        """A page as a browser gets it (no token); with `data`, a form post. Status, body, cookies."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Cookie": cookies, "Referer": self.url + path} if cookies else {}
        request = urllib.request.Request(self.url + path, data=body, headers=headers)  # noqa: S310
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=30) as response:
                status, text, set_cookie = (
                    response.status,
                    response.read().decode(),
                    response.headers.get_all("Set-Cookie") or [],
                )
        except urllib.error.HTTPError as error:
            status, text, set_cookie = (
                error.code,
                error.read().decode(),
                error.headers.get_all("Set-Cookie") or [],
            )
        return status, text, "; ".join(c.split(";", 1)[0] for c in set_cookie) or cookies

    def get(self, path: str) -> tuple[int, dict[str, object], float]:
        """Status, JSON body and seconds taken; an error status is an answer too."""
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Token {self.token}"})  # noqa: S310
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server)
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        return status, json.loads(body or b"{}"), time.monotonic() - started


@pytest.fixture(scope="module")
def app(cluster: Cluster, broker: Broker) -> Iterator[App]:
    port = _free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "CELERY_", "CACHE_", "DJANGO_"))
        },
        "DEBUG": "0",
        "SECRET_KEY": "fault-tests-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster.port}/koers",
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "CELERY_BROKER_URL": broker.url,
        "CACHE_URL": "redis://127.0.0.1:6379/15",
        "EMAIL_URL": "dummymail://",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        # The shared cache's counts outlive a run: no limit of the public form in the way.
        "KOERS_TRANSPARENCY_ASKS_PER_HOUR": "1000",
    }
    _run(sys.executable, "manage.py", "migrate", "--verbosity", "0", env=env)
    # Pages need the manifest of static files, as deployed (staticfiles/, ignored by git).
    _run(sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0", env=env)
    token, reference = _run(
        sys.executable, "manage.py", "shell", "--no-imports", "-c", SETUP, env=env
    ).split()[-2:]  # fmt: skip
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    served = App(f"http://127.0.0.1:{port}", token, env, reference)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if served.get("/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not come up")
        yield served
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        print(log.read()[-5000:])  # shown by pytest when a test failed
        log.close()


def test_a_database_restart_is_a_clean_503_then_200_without_restarting_the_app(
    cluster: Cluster, app: App
) -> None:
    # Warm: both workers hold a database connection (CONN_MAX_AGE), which the restart breaks.
    for _ in range(6):
        assert app.get("/api/v1/use-cases/")[0] == 200
    cluster.stop()
    try:
        for _ in range(4):  # both workers, each with its broken connection
            status, body, seconds = app.get("/api/v1/use-cases/")
            assert status == 503, body
            assert body["errors"][0]["code"] == "database_unavailable"  # type: ignore[index]
            assert seconds < CONNECT_TIMEOUT + 3
        assert app.get("/readyz")[0] == 503
    finally:
        cluster.start()
    back = time.monotonic()
    while (status := app.get("/api/v1/use-cases/")[0]) != 200 and time.monotonic() - back < 10:
        time.sleep(0.1)
    assert status == 200
    assert time.monotonic() - back < 5
    assert all(app.get("/api/v1/use-cases/")[0] == 200 for _ in range(6))  # every worker again


def test_with_the_broker_down_pages_and_saves_work_and_deliveries_wait_then_go(
    broker: Broker, app: App
) -> None:
    ask = f"/transparency/{app.reference}/ask/"
    broker.stop()
    try:
        assert app.get("/api/v1/use-cases/")[0] == 200
        status, html, cookies = app.page(ask)
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None
        started = time.monotonic()
        question = {
            "csrfmiddlewaretoken": token[1],
            "kind": "explanation",
            "question": "Waarom?",
            "email": "k@example.net",
        }
        status, _html, _ = app.page(ask, question, cookies)
        assert status == 302  # saved, and on to the "sent" page
        assert time.monotonic() - started < 10
        health = app.get("/healthz")
        assert (health[0], health[1]["broker"]) == (503, "unreachable")
        waiting = app.manage(COUNT_ASKED)
        assert json.loads(waiting.split("\n")[-2]) == {"queued": 3}  # the owner, the committee, the asker
    finally:
        broker.start()
    # Back: the sweep (beat's hourly task; here by hand) sends what the after-commit task could not.
    _run(sys.executable, "manage.py", "send_reminders", env=app.env)
    assert json.loads(app.manage(COUNT_ASKED).split("\n")[-2]) == {"sent": 3}


# The outbox rows of the public question, by status.
COUNT_ASKED = """
import json
from django.db.models import Count
from register.models import Delivery
rows = Delivery.objects.filter(subject_type="register.explanationrequest").values("status").annotate(n=Count("id"))
print(json.dumps({row["status"]: row["n"] for row in rows}))
"""
