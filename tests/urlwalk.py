"""Every URL pattern the project serves, as one string per pattern (the permission matrix)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def _walk(patterns: Sequence[Any], prefix: str) -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def served_patterns() -> list[str]:
    return list(_walk(get_resolver().url_patterns, "/"))
