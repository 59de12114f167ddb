from __future__ import annotations

from rest_framework import serializers

from register.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = serializers.CharField(source="actor_label", read_only=True)
    snapshot = serializers.JSONField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "occurred_at",
            "actor",
            "action",
            "subject_type",
            "subject_id",
            "use_case_id",
            "justification",
            "snapshot",
        )
        read_only_fields = fields
