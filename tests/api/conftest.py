"""Fixtures for the API tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    # DRF counts each person's requests in the default cache (the embedded local-memory cache in
    # tests, which lives as long as the process): no test inherits another's counts.
    cache.clear()
