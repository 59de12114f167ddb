"""For API tests that count a view's queries: the access log's insert (api/access_log.py, one
per token request, after the response) is not the view's, so leave it out:

    with without_access_log(), django_assert_num_queries(3):
        client.get("/api/v1/use-cases/", headers={"Authorization": f"Token {key}"})
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.test import override_settings


@contextmanager
def without_access_log() -> Iterator[None]:
    """Token requests made inside the block are not logged (a stream: one started inside it)."""
    with override_settings(KOERS_API_ACCESS_LOG=False):
        yield
