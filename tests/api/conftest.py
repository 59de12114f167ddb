"""Fixtures for the API tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(own_cache: None) -> None:
    """DRF counts each person's requests in the default cache: no test inherits another's counts
    (tests/conftest.py own_cache: a key prefix of its own, not a flush of a shared cache)."""
