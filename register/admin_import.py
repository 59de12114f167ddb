"""The committee's import of last year's spreadsheet, in the admin (being built)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern


def import_urls(model_admin: Any) -> list[URLPattern]:
    """URLs the use-case admin adds under /admin/register/usecase/ (import and its dry run)."""
    return []
