"""Explicit, read-only serializers (STYLE.md §13): every field listed, never "__all__".

The use-case serializers read what the selectors put on each use-case (`api.selectors` for the
live register, `register.as_of` for the register at an instant) rather than querying
themselves: `next_review_due`, `review_overdue`, and for the detail `obligation_list`,
`decision_list` (each with `action_list`), `review_list` and `incidents_count`. So a page costs
the same number of queries at 5 rows as at 500 (no N+1, STYLE.md anti-pattern 3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from register.choices import AffectedGroup, DeliveryChannel, RiskTier
from register.models import (
    Action,
    AuditEvent,
    BusinessUnit,
    Decision,
    Delivery,
    Incident,
    LegalEntity,
    ObligationItem,
    Review,
    RiskAssessment,
    UseCase,
    User,
    Vendor,
)


class AuditEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = serializers.CharField(source="actor_label", read_only=True)
    snapshot = serializers.JSONField(read_only=True)

    class Meta:
        model = AuditEvent
        fields: tuple[str, ...] = (
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


class OptionalChoiceField(serializers.ChoiceField):
    """A choice that may be unset: null, never an empty string (which is no choice at all)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return value or None


class PersonSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "username", "name")
        read_only_fields = fields

    def get_name(self, user: User) -> str:
        return _person_name(user)


class NamedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)

    class Meta:
        ref_name = "Named"


class VendorRefSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Vendor
        fields = ("id", "name", "product")
        read_only_fields = fields


class LegalEntitySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = LegalEntity
        fields = ("id", "name", "is_public_body", "provides_public_service", "created_at", "updated_at")
        read_only_fields = fields


class BusinessUnitSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    legal_entity = NamedSerializer(read_only=True)
    lead = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = BusinessUnit
        # Not the webhook's URL or secret: where a unit's messages go is not the auditor's to copy.
        fields = ("id", "name", "legal_entity", "lead", "created_at", "updated_at")
        read_only_fields = fields


class VendorSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Vendor
        fields: tuple[str, ...] = (
            "id",
            "name",
            "product",
            "ai_act_role",
            "instructions_url",
            "logs_location",
            "log_retention_days",
            "processor_agreement",
            "trains_on_our_data",
            "model_change_notice",
            "incident_contact",
            "ce_marking",
            "eu_database_number",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ExplanationLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    nl = serializers.CharField(read_only=True)
    en = serializers.CharField(read_only=True)

    class Meta:
        ref_name = "StoredExplanationLine"


class RiskAssessmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A stored classification: the answers, the engine's (or the committee's) result."""

    use_case: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    author = PersonSerializer(read_only=True, allow_null=True)
    second_approver = PersonSerializer(read_only=True, allow_null=True)
    legal_basis = serializers.SerializerMethodField()
    open_questions = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    answers = serializers.JSONField(read_only=True)

    class Meta:
        model = RiskAssessment
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            "kind",
            "risk_tier",
            "complete",
            "open_questions",
            "legal_basis",
            "fria_required",
            "ruleset_version",
            "explanation",
            "answers",
            "author",
            "justification",
            "second_approver",
            "created_at",
        )
        read_only_fields = fields

    def get_legal_basis(self, assessment: RiskAssessment) -> list[str]:
        return [str(code) for code in assessment.result.get("legal_basis", [])]

    def get_open_questions(self, assessment: RiskAssessment) -> list[str]:
        return [str(code) for code in assessment.result.get("open_questions", [])]

    @extend_schema_field(ExplanationLineSerializer(many=True))
    def get_explanation(self, assessment: RiskAssessment) -> list[dict[str, str]]:
        return [{"nl": line["nl"], "en": line["en"]} for line in assessment.result.get("explanation", [])]


class ObligationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    use_case: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    owed_by = serializers.CharField(source="owner", read_only=True)
    done_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ObligationItem
        ref_name = "ObligationItem"
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            "code",
            "article",
            "title_nl",
            "title_en",
            "owed_by",
            "applies_from",
            "status",
            "evidence_url",
            "evidence_note",
            "done_by",
            "done_at",
            "updated_at",
        )
        read_only_fields = fields


class ActionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    decision: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    use_case = serializers.IntegerField(source="decision.use_case_id", read_only=True)
    owner = PersonSerializer(read_only=True)

    class Meta:
        model = Action
        fields: tuple[str, ...] = (
            "id",
            "decision",
            "use_case",
            "description",
            "owner",
            "due_date",
            "done_at",
        )
        read_only_fields = fields


class DecisionActionSerializer(ActionSerializer):
    """An action inside its decision: no need to repeat the decision and use-case."""

    class Meta(ActionSerializer.Meta):
        fields: tuple[str, ...] = ("id", "description", "owner", "due_date", "done_at")
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    use_case: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    meeting: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    decided_by = PersonSerializer(read_only=True)
    actions = DecisionActionSerializer(source="action_list", many=True, read_only=True)

    class Meta:
        model = Decision
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            "kind",
            "scope",
            "conditions",
            "end_date",
            "justification",
            "meeting",
            "decided_by",
            "decided_at",
            "actions",
        )
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    use_case: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    reviewer = PersonSerializer(read_only=True)

    class Meta:
        model = Review
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            "due_date",
            "reviewer",
            "notice_still_right",
            "bias_checked",
            "bias_groups",
            "bias_result",
            "oversight_effective",
            "override_rate",
            "incidents_since",
            "goal_met",
            "outcome",
            "findings",
            "next_due",
            "recorded_at",
        )
        read_only_fields = fields


class IncidentClockSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One legal clock of an incident (register.incident_clocks), with its rule and whether it is done."""

    code = serializers.CharField(read_only=True)
    owed_by = serializers.CharField(read_only=True, help_text="deployer, provider or controller (GDPR).")
    rule_nl = serializers.CharField(read_only=True)
    rule_en = serializers.CharField(read_only=True)
    deadline = serializers.DateTimeField(read_only=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    reference = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        ref_name = "IncidentClock"


class IncidentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    use_case: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    seriousness = OptionalChoiceField(choices=Incident._meta.get_field("seriousness").choices or ())
    clocks = serializers.SerializerMethodField(help_text="The legal clocks that run, each with its rule.")

    @extend_schema_field(IncidentClockSerializer(many=True))
    def get_clocks(self, incident: Incident) -> list[dict[str, Any]]:
        from register.incident_alerts import facts_of  # the one reading of an incident's facts
        from register.incident_clocks import clocks_for

        done = {mark.clock: mark for mark in incident.clocks_done.all()}
        rows = [
            {
                "code": clock.code,
                "owed_by": clock.owner.lower(),
                "rule_nl": clock.rule_nl,
                "rule_en": clock.rule_en,
                "deadline": clock.deadline,
                "done_at": done[clock.code].done_at if clock.code in done else None,
                "reference": done[clock.code].reference if clock.code in done else None,
            }
            for clock in clocks_for(facts_of(incident), zone=settings.TIME_ZONE)
        ]
        return list(IncidentClockSerializer(rows, many=True).data)

    class Meta:
        model = Incident
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            "what_happened",
            "happened_at",
            "aware_at",
            "harm_category",
            "people_affected",
            "severity",
            "seriousness",
            "death",
            "widespread_infringement",
            "personal_data_breach",
            "immediate_measures",
            "status",
            "report_references",
            "clocks",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """One outgoing message as the outbox holds it; its rendered context stays inside."""

    use_case: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    recipient = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            "subject_type",
            "subject_id",
            "template",
            "stage",
            "repeat",
            "due_date",
            "channel",
            "recipient",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "claimed_at",
            "sent_at",
        )
        read_only_fields = fields

    def get_recipient(self, delivery: Delivery) -> str:
        # A webhook's URL can hold the receiver's token in its path or query: the host says where
        # it went (as in the reminders' preview).
        if delivery.channel == DeliveryChannel.WEBHOOK:
            return f"webhook {urlsplit(delivery.recipient).hostname}"
        return delivery.recipient


# --- the use-case ------------------------------------------------------------------------------


def _datetime(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """DRF's DateTimeField output (ISO 8601 in the current time zone, UTC as "Z"), without its
    per-value look-ups of the format and the time zone; the test below holds the two equal."""
    if value is None:
        return None
    written = value.astimezone(zone).isoformat()
    return written[:-6] + "Z" if written.endswith("+00:00") else written


def _choice(value: str) -> str | None:
    return value or None


def listed_use_case(use_case: UseCase) -> dict[str, Any]:
    """UseCaseSerializer's fields for one use-case held in memory (an export's rows, the register
    as it stood at an instant). tests/api/test_use_cases_api.py holds this equal to the
    serializer's own representation."""
    row = {name: getattr(use_case, name) for name in _OWN_VALUES}
    row["next_review_due"] = use_case.next_review_due  # type: ignore[attr-defined]
    row["review_overdue"] = use_case.review_overdue  # type: ignore[attr-defined]
    row["legal_basis_codes"] = _legal_basis(use_case)
    row["assessment_complete"] = _assessment_complete(use_case)
    unit = use_case.business_unit
    row["business_unit__name"] = unit.name
    row["business_unit__legal_entity_id"] = unit.legal_entity_id
    row["business_unit__legal_entity__name"] = unit.legal_entity.name
    return _written(row, use_case.owner, use_case.vendor, timezone.get_current_timezone())


def _written(row: Mapping[str, Any], owner: User, vendor: Vendor | None, zone: dt.tzinfo) -> dict[str, Any]:
    """UseCaseSerializer's fields, written straight from LISTED_VALUES (`row`) and the people and
    vendor it points to: DRF's walk field by field costs several times as much over a page of 500
    or an export of 100,000 (BENCHMARKS.md)."""
    next_due = row["next_review_due"]
    return {
        "id": row["id"],
        "reference": row["reference"],
        "name": row["name"],
        "legal_entity": {
            "id": row["business_unit__legal_entity_id"],
            "name": row["business_unit__legal_entity__name"],
        },
        "business_unit": {"id": row["business_unit_id"], "name": row["business_unit__name"]},
        "owner": {"id": owner.pk, "username": owner.username, "name": _person_name(owner)},
        "vendor": None
        if vendor is None
        else {"id": vendor.pk, "name": vendor.name, "product": vendor.product},
        "sector": row["sector"],
        "lifecycle_stage": row["lifecycle_stage"],
        "status": row["status"],
        "classification_status": row["classification_status"],
        "risk_tier": _choice(row["risk_tier"]),
        "policy_tier": _choice(row["policy_tier"]),
        "override_may_be_stale": row["override_may_be_stale"],
        "needs_legal_review": row["assessment_complete"] is False,
        "legal_basis": [str(code) for code in row["legal_basis_codes"] or ()],
        "fria_required": row["fria_required"],
        "human_oversight": _choice(row["human_oversight"]),
        "customer_facing": row["customer_facing"],
        "personal_data": row["personal_data"],
        "special_categories": row["special_categories"],
        "next_review_due": None if next_due is None else next_due.isoformat(),
        "review_overdue": row["review_overdue"],
        "created_at": _datetime(row["created_at"], zone),
        "updated_at": _datetime(row["updated_at"], zone),
    }


def listed_page(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A page of the list (`listed_rows`: LISTED_VALUES, no model instances), written: its owners
    and vendors read by key, a query each, each made once rather than once per row. Not joined: a
    join of seven tables costs PostgreSQL 6-7 ms to plan on every request, more than running it.
    Not `prefetch_related`: Django writes its look-up as a tuple per key, which took longer to
    build than the query took to run (BENCHMARKS.md)."""
    owners = User.objects.only("id", "username", "first_name", "last_name").in_bulk(
        {row["owner_id"] for row in rows}
    )
    vendor_ids = {row["vendor_id"] for row in rows if row["vendor_id"] is not None}
    vendors = Vendor.objects.only("id", "name", "product").in_bulk(vendor_ids) if vendor_ids else {}
    zone = timezone.get_current_timezone()
    return [_written(row, owners[row["owner_id"]], vendors.get(row["vendor_id"]), zone) for row in rows]


def for_listing(use_cases: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """`use_cases` (selectors.use_cases_listed) with only what `listed_use_case` reads, joined: an
    export plans its one query once."""
    return (
        use_cases.select_related(None)
        .select_related("business_unit__legal_entity", "owner", "vendor")
        .only(*LISTED_COLUMNS)
    )


def listed_rows(use_cases: QuerySet[UseCase]) -> QuerySet[UseCase, dict[str, Any]]:
    """`use_cases` (selectors.use_cases_listed) as plain rows of LISTED_VALUES, for `listed_page`."""
    rows: QuerySet[UseCase, dict[str, Any]] = use_cases.select_related(None).values(*LISTED_VALUES)
    return rows


def _person_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _legal_basis(use_case: UseCase) -> list[str]:
    """The legal-basis codes that fired: annotated by the list's query (only that key of the
    stored result is read), else from the current assessment (a use-case rebuilt as of a time)."""
    if hasattr(use_case, "legal_basis_codes"):
        codes = use_case.legal_basis_codes or []
    else:
        assessment = use_case.current_assessment
        codes = assessment.result.get("legal_basis", []) if assessment else []
    return [str(code) for code in codes]


def _assessment_complete(use_case: UseCase) -> bool | None:
    """Whether the current assessment is complete (None: not assessed): annotated by the list's
    query, else read from the assessment (a use-case rebuilt as of a time)."""
    if hasattr(use_case, "assessment_complete"):
        return use_case.assessment_complete  # type: ignore[no-any-return]
    assessment = use_case.current_assessment
    return None if assessment is None else assessment.complete


def _needs_legal_review(use_case: UseCase) -> bool:
    return _assessment_complete(use_case) is False


class UseCaseListSerializer(serializers.ListSerializer):  # type: ignore[type-arg]
    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        return [listed_use_case(use_case) for use_case in rows]


class UseCaseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A use-case in the list (and in the CSV and JSONL exports, which share these fields). A
    page of them is represented by `listed_use_case` (UseCaseListSerializer)."""

    legal_entity = NamedSerializer(source="business_unit.legal_entity", read_only=True)
    business_unit = NamedSerializer(read_only=True)
    owner = PersonSerializer(read_only=True)
    vendor = VendorRefSerializer(read_only=True, allow_null=True)
    risk_tier = OptionalChoiceField(
        choices=RiskTier.choices, help_text="The law's tier; null until assessed."
    )
    policy_tier = OptionalChoiceField(
        choices=RiskTier.choices, help_text="A stricter tier by the organisation's policy, never the law's."
    )
    human_oversight = OptionalChoiceField(choices=UseCase._meta.get_field("human_oversight").choices or ())
    legal_basis = serializers.SerializerMethodField(help_text="The legal-basis codes that fired.")
    needs_legal_review = serializers.SerializerMethodField(
        help_text="The classification is provisional: answers were unknown or a point is disputed."
    )
    next_review_due = serializers.DateField(read_only=True, allow_null=True)
    review_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = UseCase
        fields: tuple[str, ...] = (
            "id",
            "reference",
            "name",
            "legal_entity",
            "business_unit",
            "owner",
            "vendor",
            "sector",
            "lifecycle_stage",
            "status",
            "classification_status",
            "risk_tier",
            "policy_tier",
            "override_may_be_stale",
            "needs_legal_review",
            "legal_basis",
            "fria_required",
            "human_oversight",
            "customer_facing",
            "personal_data",
            "special_categories",
            "next_review_due",
            "review_overdue",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields
        list_serializer_class: type[serializers.ListSerializer] = UseCaseListSerializer  # type: ignore[type-arg]

    def get_legal_basis(self, use_case: UseCase) -> list[str]:
        return _legal_basis(use_case)

    def get_needs_legal_review(self, use_case: UseCase) -> bool:
        return _needs_legal_review(use_case)


# What a listed use-case is written from (`_written`): the serializer's own model fields (a nested
# record by its key), its unit's and legal entity's names, and the list query's annotations
# (selectors.use_cases_listed).
_OWN_FIELDS = tuple(f for f in UseCase._meta.concrete_fields if f.name in UseCaseSerializer.Meta.fields)
_OWN_VALUES = tuple(f.attname for f in _OWN_FIELDS)
_UNIT_NAMES = ("business_unit__name", "business_unit__legal_entity__name")
LISTED_VALUES = (
    *_OWN_VALUES,
    *_UNIT_NAMES,
    "business_unit__legal_entity_id",
    "next_review_due",
    "review_overdue",
    "legal_basis_codes",
    "assessment_complete",
)
# The columns an export loads (joined, into model instances): the serializer's own model fields and
# the names of what it nests (the text fields are not read, converted or sent).
LISTED_COLUMNS = (
    *(f.name for f in _OWN_FIELDS),
    *_UNIT_NAMES,
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "vendor__name",
    "vendor__product",
)


class ClassificationSerializer(RiskAssessmentSerializer):
    """The current classification inside a use-case's detail."""

    assessment = serializers.IntegerField(source="id", read_only=True)

    class Meta(RiskAssessmentSerializer.Meta):
        ref_name = "CurrentClassification"
        fields: tuple[str, ...] = (
            "assessment",
            "kind",
            "risk_tier",
            "complete",
            "open_questions",
            "legal_basis",
            "fria_required",
            "ruleset_version",
            "explanation",
            "author",
            "justification",
            "second_approver",
            "created_at",
        )
        read_only_fields = fields


class ReviewsSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """How many reviews were recorded and the last one (the next is `next_review_due`; each
    review in full at /api/v1/reviews/?use_case=)."""

    count = serializers.IntegerField(read_only=True)
    last = ReviewSerializer(read_only=True, allow_null=True)

    class Meta:
        ref_name = "ReviewsSummary"


class UseCaseDetailSerializer(UseCaseSerializer):
    """One use-case with everything it holds: what the detail shows moves `updated_at`."""

    vendor = VendorSerializer(read_only=True, allow_null=True)  # type: ignore[assignment]
    affected_groups = serializers.SerializerMethodField()
    lawful_basis = OptionalChoiceField(choices=UseCase._meta.get_field("lawful_basis").choices or ())
    dpia_status = OptionalChoiceField(choices=UseCase._meta.get_field("dpia_status").choices or ())
    classification = ClassificationSerializer(source="current_assessment", read_only=True, allow_null=True)
    obligations = ObligationSerializer(source="obligation_list", many=True, read_only=True)
    decisions = DecisionSerializer(source="decision_list", many=True, read_only=True)
    reviews = serializers.SerializerMethodField()
    incidents_count = serializers.IntegerField(read_only=True)

    class Meta(UseCaseSerializer.Meta):
        list_serializer_class: type[serializers.ListSerializer] = serializers.ListSerializer  # type: ignore[type-arg]
        fields: tuple[str, ...] = (
            *UseCaseSerializer.Meta.fields,
            "version",
            "description",
            "purpose",
            "affected_groups",
            "affected_people",
            "lawful_basis",
            "processing_register_ref",
            "dpia_needed",
            "dpia_status",
            "dpia_link",
            "dpo_advice",
            "automated_decisions",
            "overseers",
            "overseers_can_stop",
            "escalation_path",
            "notice",
            "goal",
            "pilot_scope",
            "pilot_end_date",
            "stop_criteria",
            "works_council_position",
            "workers_informed",
            "review_cadence_months",
            "classification",
            "obligations",
            "decisions",
            "reviews",
            "incidents_count",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=AffectedGroup.choices)))
    def get_affected_groups(self, use_case: UseCase) -> list[str]:
        return [group for group in AffectedGroup.values if getattr(use_case, f"affects_{group}")]

    @extend_schema_field(ReviewsSummarySerializer)
    def get_reviews(self, use_case: UseCase) -> dict[str, Any]:
        reviews = use_case.review_list  # type: ignore[attr-defined]
        last = max(reviews, key=lambda r: (r.recorded_at, r.pk), default=None)
        return ReviewsSummarySerializer({"count": len(reviews), "last": last}).data


# --- stats --------------------------------------------------------------------------------------


class CountSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(read_only=True, help_text="Stable machine key, e.g. high_risk.")
    label = serializers.CharField(read_only=True, help_text="In the request's language.")  # type: ignore[assignment]
    count = serializers.IntegerField(read_only=True)

    class Meta:
        ref_name = "Count"


class UnitCountSerializer(CountSerializer):
    id = serializers.IntegerField(read_only=True)

    class Meta:
        ref_name = "UnitCount"


class StatsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    today = serializers.DateField(
        read_only=True, help_text="The organisation's local date the counts are for."
    )
    total = serializers.IntegerField(read_only=True)
    by_risk_tier = CountSerializer(many=True, read_only=True)
    by_business_unit = UnitCountSerializer(many=True, read_only=True)
    by_lifecycle_stage = CountSerializer(many=True, read_only=True)
    by_classification_status = CountSerializer(many=True, read_only=True)
    review_overdue = serializers.IntegerField(read_only=True)
    review_due_soon = serializers.IntegerField(read_only=True)
    submitted = serializers.IntegerField(read_only=True)
    prohibited_not_retired = serializers.IntegerField(read_only=True)
    actions_past_due = serializers.IntegerField(read_only=True)

    class Meta:
        ref_name = "Stats"
