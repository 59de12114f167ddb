from __future__ import annotations

from typing import Any

from django import template

from register.choices import RiskTier

register = template.Library()


@register.filter
def in_language(value: Any, language: str) -> str:
    """The Dutch or English half of an engine text (a Text or an explanation line)."""
    return str(value.nl if language == "nl" else value.en)


@register.filter
def tier_label(value: str) -> str:
    return str(RiskTier(value).label) if value else ""
