"""Strict readers for the environment (STYLE.md §12, after healthchecks' `envbool`).

Every reader rejects a malformed value with `ImproperlyConfigured` naming the variable, and
reads `<NAME>_FILE` as well, so secrets can come from mounted files (Docker, Kubernetes).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    """The value of NAME, else the contents of the file NAME_FILE points at, else default."""
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path!r} ({exc.strerror}).") from exc
    return default


def env_required(name: str, *, why: str) -> str:
    value = env_str(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} is required {why}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}; got {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def _parse_url(name: str, url: str, parser: Any) -> dict[str, Any]:
    # django-environ raises KeyError/ValueError on unknown schemes; name the variable instead.
    if "://" not in url:
        raise ImproperlyConfigured(f"{name} is not a URL (expected scheme://...); got {url!r}.")
    try:
        config: dict[str, Any] = parser(url)
    except (KeyError, ValueError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"{name} is not a supported URL ({exc}); got {url!r}.") from None
    return config


def database_url(name: str, url: str) -> dict[str, Any]:
    config = _parse_url(name, url, environ.Env.db_url_config)
    if config.get("ENGINE") not in set(environ.Env.DB_SCHEMES.values()):
        raise ImproperlyConfigured(f"{name} has an unsupported database scheme; got {url!r}.")
    return config


def cache_url(name: str, url: str) -> dict[str, Any]:
    return _parse_url(name, url, environ.Env.cache_url_config)


def email_url(name: str, url: str) -> dict[str, Any]:
    return _parse_url(name, url, environ.Env.email_url_config)


def broker_url(name: str, url: str) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"redis", "rediss", "amqp", "amqps", "pyamqp", "filesystem", "memory"}:
        raise ImproperlyConfigured(f"{name} must be a redis://, amqp:// or filesystem:// URL; got {url!r}.")
    return url


def env_months(name: str, default: dict[str, int], *, keys: frozenset[str]) -> dict[str, int]:
    """`key=months` pairs, comma-separated (e.g. "high_risk=3,limited=6"), over the defaults."""
    value = env_str(name)
    if value is None:
        return dict(default)
    merged = dict(default)
    for part in (part.strip() for part in value.split(",") if part.strip()):
        key, _sep, months = part.partition("=")
        key = key.strip()
        if key not in keys or not months.strip().isdigit() or int(months) < 1:
            raise ImproperlyConfigured(
                f"{name} takes key=months pairs with keys {', '.join(sorted(keys))} and months of 1 or more; "
                f"got {part!r}."
            )
        merged[key] = int(months)
    return merged


# DRF reads a rate's period by its first letter; these are the spellings it documents.
_RATE = re.compile(r"^([1-9][0-9]*)/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """A request rate for DRF's throttles: a count per period, like "2000/hour" or "10/min"."""
    value = (env_str(name, default) or default).strip()
    if not _RATE.match(value):
        raise ImproperlyConfigured(
            f"{name} must be a number of requests per second, minute, hour or day, like 2000/hour; "
            f"got {value!r}."
        )
    return value
