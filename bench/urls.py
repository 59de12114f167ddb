"""Koers's URLs plus the reference list (bench/reference.py)."""

from __future__ import annotations

from django.urls import path

from bench.reference import use_cases_reference
from config.urls import handler404, handler500
from config.urls import urlpatterns as koers_urlpatterns

urlpatterns = [
    path("bench/reference/use-cases/", use_cases_reference, name="bench-reference"),
    *koers_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
