from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from register.models import AuditEvent


class UtcIsoDateTimeField(IsoDateTimeField):  # type: ignore[misc]
    """ISO 8601, refused with a 400 when it does not fit in UTC (year 1 at +14:00 would be
    year 0, which Python cannot represent: a 500 otherwise)."""

    def clean(self, value: Any) -> dt.datetime | None:
        cleaned: dt.datetime | None = super().clean(value)
        if cleaned is None:
            return None
        try:
            # In UTC: PostgreSQL refuses offsets Python accepts (+21:37 is valid ISO 8601).
            return cleaned.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(_("This date and time is out of range."), code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):  # type: ignore[misc]
    field_class = UtcIsoDateTimeField


class IntegerFilter(django_filters.NumberFilter):  # type: ignore[misc]
    """A whole number: 1.5 is a 400, not silently 1."""

    field_class = forms.IntegerField


class AuditEventFilter(django_filters.FilterSet):  # type: ignore[misc]
    action = django_filters.CharFilter(help_text="Exact dotted action code, e.g. register.user.changed.")
    subject_type = django_filters.CharFilter(help_text="Model label, e.g. register.user.")
    use_case = IntegerFilter(field_name="use_case_id", help_text="Use-case id.")
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields: list[str] = []
