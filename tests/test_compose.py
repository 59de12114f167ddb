"""The deployment files hold the promises operations rely on: one beat, health checks, a named
volume for the database, migrations before the web process, and an image built from the
runtime lock only. Parsed as text and YAML; no Docker and no database needed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _words(value: str | list[str] | None) -> list[str]:
    """A command or entrypoint in either form (string or list), as words."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [word for part in value for word in str(part).split()]


def _runs_beat(service: dict[str, Any]) -> bool:
    words = _words(service.get("entrypoint")) + _words(service.get("command"))
    if "celery" not in words:
        return False
    # `celery beat`, or a worker with an embedded beat (-B / --beat).
    return "beat" in words or "-B" in words or "--beat" in words


def _condition(service: dict[str, Any], dependency: str) -> str | None:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return "service_started" if dependency in depends_on else None
    entry = depends_on.get(dependency)
    return None if entry is None else entry.get("condition", "service_started")


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_it_defines_the_services() -> None:
    services = _services()

    for name in ("postgres", "redis", "migrate", "web", "worker", "beat"):
        assert name in services, name


def test_it_runs_exactly_one_beat() -> None:
    beats = [name for name, service in _services().items() if _runs_beat(service)]

    assert beats == ["beat"]


def test_it_never_scales_the_beat() -> None:
    beat = _services()["beat"]

    assert (beat.get("deploy") or {}).get("replicas", 1) <= 1
    assert beat.get("scale", 1) <= 1


def test_it_keeps_the_postgres_data_in_a_declared_named_volume() -> None:
    compose = _compose()
    mounts = compose["services"]["postgres"]["volumes"]

    assert "pgdata:/var/lib/postgresql/data" in mounts
    assert "pgdata" in (compose.get("volumes") or {})


def test_it_gives_the_long_running_services_a_health_check() -> None:
    services = _services()

    for name in ("web", "worker", "postgres", "redis"):
        healthcheck = services[name].get("healthcheck") or {}
        assert healthcheck.get("test"), name
        assert not healthcheck.get("disable", False), name


def test_it_checks_the_worker_through_the_broker() -> None:
    test = _services()["worker"]["healthcheck"]["test"]

    assert test == ["CMD", "python", "manage.py", "koers_ping", "--timeout", "20"]


def test_it_starts_web_after_a_healthy_postgres() -> None:
    services = _services()
    web = services["web"]

    direct = _condition(web, "postgres") == "service_healthy"
    through_migrate = (
        _condition(web, "migrate") == "service_completed_successfully"
        and _condition(services["migrate"], "postgres") == "service_healthy"
    )
    assert direct or through_migrate


def test_it_starts_web_after_the_migrations_and_a_healthy_redis() -> None:
    web = _services()["web"]

    assert _condition(web, "migrate") == "service_completed_successfully"
    assert _condition(web, "redis") == "service_healthy"


def test_it_requires_the_secret_key_from_the_environment() -> None:
    environment = _compose()["x-koers"]["environment"]

    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_it_builds_the_image_from_the_runtime_lock_only() -> None:
    dockerfile = _dockerfile()

    assert "pip install --no-cache-dir -r requirements/base.txt" in dockerfile
    assert "requirements/dev.txt" not in dockerfile


def test_it_collects_static_files_and_compiles_messages_at_build_time() -> None:
    dockerfile = _dockerfile()

    assert "collectstatic --noinput" in dockerfile
    assert "compilemessages" in dockerfile


def test_it_runs_the_image_as_a_non_root_user() -> None:
    users = re.findall(r"^USER\s+(\S+)", _dockerfile(), flags=re.MULTILINE)

    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_it_keeps_the_build_time_settings_out_of_the_image_environment() -> None:
    env_lines = re.findall(r"^ENV\s.*(?:\\\n.*)*", _dockerfile(), flags=re.MULTILINE)

    for line in env_lines:
        assert "SECRET_KEY" not in line
        assert "DATABASE_URL" not in line
