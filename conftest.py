"""The root conftest: only loads the marker rules, so they apply before any test is collected."""

from __future__ import annotations

pytest_plugins = ["tests.markers"]
