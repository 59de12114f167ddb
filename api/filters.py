from __future__ import annotations

import django_filters

from register.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):  # type: ignore[misc]
    action = django_filters.CharFilter(help_text="Exact dotted action code, e.g. register.user.changed.")
    subject_type = django_filters.CharFilter(help_text="Model label, e.g. register.user.")
    use_case = django_filters.NumberFilter(field_name="use_case_id", help_text="Use-case id.")
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields: list[str] = []
