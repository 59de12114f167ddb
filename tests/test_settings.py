"""The settings contract (README, Configuration): each test starts Django in a subprocess with
a controlled environment, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"  # 56 characters

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "koers.example",
    "SITE_URL": "https://koers.example",
    "DATABASE_URL": "postgres://koers@127.0.0.1:5432/koers",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp://mail.koers.example:587",
}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    # Variables a developer's shell may carry must not leak into the case under test.
    # (DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests in this process, refused by check --deploy.)
    for name in (
        "TIME_ZONE",
        "LOG_LEVEL",
        "KOERS_SEND_HOUR",
        "SECURE_SSL_REDIRECT",
        "CONN_MAX_AGE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        base.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_passes_the_deployment_checklist_with_production_settings() -> None:
    result = _run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SITE_URL",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "EMAIL_URL",
    ],
)
def test_it_refuses_to_start_without_a_required_variable(missing: str) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = _run(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECRET_KEY", "too-short"),
        ("SITE_URL", "koers.example"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mongodb://127.0.0.1/koers"),
        ("DATABASE_URL", "postgres://koers@127.0.0.1:notaport/koers"),
        ("CELERY_BROKER_URL", "kafka://127.0.0.1:9092"),
        ("CACHE_URL", "bogus://127.0.0.1"),
        ("EMAIL_URL", "pigeon://roof"),
        ("EMAIL_URL", "filemail:///var/mail"),  # django-environ reads a relative folder: refused
        ("KOERS_SWEEP_INTERVAL", "0"),
        ("KOERS_REVIEW_CADENCE_MONTHS", "high_risk=0"),
        ("KOERS_REVIEW_CADENCE_MONTHS", "scary=3"),
        ("KOERS_REMINDER_UPCOMING_DAYS", "soon"),
        ("TIME_ZONE", "Europe/Atlantis"),
        ("KOERS_SEND_HOUR", "25"),
        ("KOERS_SEND_HOUR", "eight"),
        ("SECURE_SSL_REDIRECT", "sometimes"),
        ("LOG_LEVEL", "LOUD"),
        ("CONN_MAX_AGE", "-1"),
    ],
)
def test_it_refuses_to_start_with_a_malformed_variable(name: str, value: str) -> None:
    result = _run({**PRODUCTION, name: value}, "check")
    assert result.returncode != 0
    assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_it_reads_secrets_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text(GOOD_KEY + "\n")
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = _run({**env, "SECRET_KEY_FILE": str(secret)}, "check")
    assert result.returncode == 0, result.stderr


def test_it_uses_the_embedded_stack_with_debug_on_and_nothing_else_set() -> None:
    probe = (
        "from django.conf import settings as s;"
        "d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'].endswith('var/koers.sqlite3'), d['OPTIONS']['transaction_mode']);"
        "print(s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in']"
        " == s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_out']);"
        "print(s.EMAIL_BACKEND, s.CACHES['default']['BACKEND'], s.SITE_URL, s.TIME_ZONE);"
        "print(s.SECURE_SSL_REDIRECT, s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = _run({"DEBUG": "1"}, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == [
        "django.db.backends.sqlite3 True IMMEDIATE",
        "filesystem://localhost/ True",
        "django.core.mail.backends.console.EmailBackend django.core.cache.backends.locmem.LocMemCache "
        "http://127.0.0.1:8000 Europe/Amsterdam",
        "False django.contrib.staticfiles.storage.StaticFilesStorage",
    ]
    assert (ROOT / "var" / "broker" / "queue").is_dir()


def test_it_turns_on_https_and_the_manifest_with_debug_off() -> None:
    probe = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS);"
        "print(s.STORAGES['staticfiles']['BACKEND']);"
        "print(s.CSRF_TRUSTED_ORIGINS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    result = _run(env, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "True True True 31536000",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "['https://koers.example'] ('HTTP_X_FORWARDED_PROTO', 'https')",
    ]


def test_it_lets_benchmarks_turn_the_https_redirect_off() -> None:
    probe = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)"
    result = _run({**PRODUCTION, "SECURE_SSL_REDIRECT": "0"}, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_it_names_an_unreachable_database_without_a_traceback() -> None:
    # Port 1 on loopback refuses at once: the same path as a database that is down.
    result = _run({**PRODUCTION, "DATABASE_URL": "postgres://koers@127.0.0.1:1/koers"}, "migrate")
    assert result.returncode == 1
    assert result.stderr.startswith("Koers cannot reach the database (DATABASE_URL):")
    assert "Traceback" not in result.stderr


def test_it_starts_with_debug_off_when_nothing_is_set() -> None:
    result = _run({}, "check")  # no DEBUG at all: production rules, so the first secret is missing
    assert result.returncode == 1
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_it_opens_the_embedded_sqlite_database_in_wal_mode() -> None:
    probe = (
        "from django.db import connection;"
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode');"
        "print(cursor.fetchone()[0])"
    )
    result = _run({"DEBUG": "1"}, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"


def test_it_keeps_connections_and_logs_to_stdout_at_the_chosen_level() -> None:
    probe = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']);"
        "print(s.LOGGING['handlers']['stdout']['stream'], s.LOGGING['root']['level'])"
    )
    result = _run({**PRODUCTION, "LOG_LEVEL": "warning"}, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["60 True", "ext://sys.stdout WARNING"]


def test_a_production_response_carries_the_security_headers() -> None:
    # The API root (no static files: the manifest needs collectstatic); the cookies' flags are
    # the settings above (test_it_turns_on_https_and_the_manifest_with_debug_off).
    probe = (
        "from django.test import Client;"
        "c = Client(HTTP_HOST='koers.example');"
        "r = c.get('/api/v1/', secure=True);"
        "print(r.status_code);"
        "[print(h, '=', r.headers.get(h)) for h in ('Strict-Transport-Security', 'X-Frame-Options',"
        " 'Referrer-Policy', 'Cross-Origin-Opener-Policy', 'X-Content-Type-Options')];"
        "print('csp =', r.headers['Content-Security-Policy']);"
        "print('plain http =', c.get('/api/v1/').status_code)"
    )
    result = _run(PRODUCTION, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.strip().split("\n") if " django.request: " not in line]  # the log
    assert lines[:6] == [
        "401",
        "Strict-Transport-Security = max-age=31536000; includeSubDomains; preload",
        "X-Frame-Options = DENY",
        "Referrer-Policy = same-origin",
        "Cross-Origin-Opener-Policy = same-origin",
        "X-Content-Type-Options = nosniff",
    ]
    policy = dict(part.strip().split(" ", 1) for part in lines[6].removeprefix("csp = ").split(";"))
    assert (policy["script-src"], policy["style-src"], policy["frame-ancestors"]) == (
        "'self'",
        "'self'",
        "'none'",
    )
    assert "unsafe" not in lines[6]
    assert lines[7:] == ["plain http = 301"]
