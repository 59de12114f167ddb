"""Faults against real processes (issue 11), marked `fault`: their own serial step in `.ci/run`
(`-m fault -p no:xdist`), never in the main suite. Each uses private service instances, so the
shared ones are never stopped: a throwaway PostgreSQL cluster (`pg_createcluster` on a free
port), and Koers served by real gunicorn with `SECURE_SSL_REDIRECT` off.

The database restarted under the running app: requests get a clean 503 within the connect
timeout, then 200 within 5 seconds after it is back, with no app restart."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parent.parent
CONNECT_TIMEOUT = 2  # DATABASE_CONNECT_TIMEOUT for the app under test


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


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
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


@dataclass(frozen=True)
class App:
    url: str
    token: str

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
def app(cluster: Cluster) -> Iterator[App]:
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
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "CACHE_URL": "redis://127.0.0.1:6379/15",
        "EMAIL_URL": "consolemail://",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    _run(sys.executable, "manage.py", "migrate", "--verbosity", "0", env=env)
    token = _run(
        sys.executable, "manage.py", "shell", "--no-imports", "-c",
        "from register.models import User; from rest_framework.authtoken.models import Token;"
        "u = User.objects.create_superuser('root', 'root@example.org', 'x' * 20);"
        "print(Token.objects.create(user=u).key)",
        env=env,
    ).split()[-1]  # fmt: skip
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    served = App(f"http://127.0.0.1:{port}", token)
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
