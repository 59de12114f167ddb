from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from register import selectors
from register.choices import (
    ClassificationStatus,
    DeliveryChannel,
    DeliveryStatus,
    HumanOversight,
    LifecycleStage,
    RiskTier,
    WorkflowStatus,
)
from register.models import AuditEvent, UseCase


class UtcIsoDateTimeField(IsoDateTimeField):  # type: ignore[misc]
    """ISO 8601, in UTC. An instant that is valid ISO 8601 but falls outside what Python holds in
    UTC (year 1 at +14:00 is still year 0 in UTC) is read as the first or last instant there is:
    nothing in the register is that old or that new, so the answer is the same."""

    def clean(self, value: Any) -> dt.datetime | None:
        cleaned: dt.datetime | None = super().clean(value)
        if cleaned is None:
            return None
        try:
            # In UTC: PostgreSQL refuses offsets Python accepts (+21:37 is valid ISO 8601).
            return cleaned.astimezone(dt.UTC)
        except OverflowError:
            edge = dt.datetime.min if cleaned.year == dt.MINYEAR else dt.datetime.max
            return edge.replace(tzinfo=dt.UTC)


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):  # type: ignore[misc]
    field_class = UtcIsoDateTimeField


# An id as the database holds it (a bigint): larger numbers are a 400, never an overflow.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IntegerFilter(django_filters.NumberFilter):  # type: ignore[misc]
    """A record's id: a whole number from 1 (1.5 is a 400, not silently 1)."""

    field_class = IdField


class StrictBooleanField(forms.NullBooleanField):
    """true or false (also 1/0, yes/no, on/off, in any case); anything else is a 400, not
    silently "no filter"."""

    VALUES = {
        **dict.fromkeys(("true", "t", "1", "yes", "y", "on"), True),
        **dict.fromkeys(("false", "f", "0", "no", "n", "off"), False),
    }
    widget = forms.TextInput  # NullBooleanSelect would read an unknown word as "no filter"

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if str(value).lower() not in self.VALUES:
            raise forms.ValidationError(_("Must be true or false."), code="invalid")
        return self.VALUES[str(value).lower()]

    def validate(self, value: Any) -> None:
        pass


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):  # type: ignore[misc]
    field_class = StrictBooleanField


class AuditEventFilter(django_filters.FilterSet):  # type: ignore[misc]
    action = django_filters.CharFilter(help_text="Exact dotted action code, e.g. register.user.changed.")
    subject_type = django_filters.CharFilter(help_text="Model label, e.g. register.user.")
    use_case = IntegerFilter(field_name="use_case_id", help_text="Use-case id.")
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields: list[str] = []


def _choices(choices: Any) -> Any:
    return [(value, label) for value, label in choices if value]


class UseCaseFilter(django_filters.FilterSet):  # type: ignore[misc]
    """The list's filters (PRODUCT.md, contract). A value that is not one of the choices is a 400
    naming the parameter. `as_of` is read by the view (the register at an instant)."""

    risk_tier = django_filters.MultipleChoiceFilter(
        choices=_choices(RiskTier.choices), help_text="The law's tier; repeat the parameter for several."
    )
    classification_status = django_filters.MultipleChoiceFilter(choices=ClassificationStatus.choices)
    business_unit = IntegerFilter(field_name="business_unit_id", help_text="Business unit id.")
    legal_entity = IntegerFilter(field_name="business_unit__legal_entity_id", help_text="Legal entity id.")
    lifecycle_stage = django_filters.MultipleChoiceFilter(choices=LifecycleStage.choices)
    status = django_filters.MultipleChoiceFilter(choices=WorkflowStatus.choices)
    review_overdue = StrictBooleanFilter(
        method="filter_review_overdue",
        help_text="In use (pilot or production) with its review due before today (the organisation's date).",
    )
    review_due_before = django_filters.DateFilter(
        field_name="schedule__next_due", lookup_expr="lt", help_text="Next review due before this date."
    )
    fria_required = StrictBooleanFilter()
    human_oversight = django_filters.MultipleChoiceFilter(choices=_choices(HumanOversight.choices))
    customer_facing = StrictBooleanFilter()
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this instant."
    )

    class Meta:
        model = UseCase
        fields: list[str] = []

    def filter_review_overdue(
        self, queryset: QuerySet[UseCase], name: str, value: bool | None
    ) -> QuerySet[UseCase]:
        if value is None:
            return queryset
        rule = selectors.overdue_q(timezone.localdate())
        return queryset.filter(rule) if value else queryset.exclude(rule)


class UseCaseScopedFilter(django_filters.FilterSet):  # type: ignore[misc]
    """The records a use-case holds, by use-case."""

    use_case = IntegerFilter(field_name="use_case_id", help_text="Use-case id.")


class ActionFilter(django_filters.FilterSet):  # type: ignore[misc]
    use_case = IntegerFilter(field_name="decision__use_case_id", help_text="Use-case id.")
    decision = IntegerFilter(field_name="decision_id", help_text="Decision id.")


class DeliveryFilter(UseCaseScopedFilter):
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices)
    channel = django_filters.MultipleChoiceFilter(choices=DeliveryChannel.choices)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
