"""Exports to outside standards (issue 9, register/standards.py): the Dutch algorithm register's
publication standard and the EU database's deployer registration, for the use-cases the list
shows (its filters and visibility), in one JSON document with each record's problems."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.exports import FormatOfTheURL
from api.filters import UseCaseFilter
from api.permissions import ScopedReadPermissions
from api.views import RejectUnknownQueryParamsMixin
from register import selectors, standards
from register.models import UseCase

PROBLEM_CODES = ("required", "type", "max_length", "permitted_values", "partial", "indicative")


class StandardProblemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    field = serializers.CharField(help_text="The standard's field name.")
    code = serializers.ChoiceField(
        choices=PROBLEM_CODES,
        help_text="required: no value for a required field; type, max_length, permitted_values: the "
        "value does not fit (it is exported whole, never cut); partial: the value leaves out what "
        "the standard asks (the message says what); indicative: the tier is not confirmed yet.",
    )
    message = serializers.CharField(help_text="What is wrong, in the request's language.")


class StandardRecordSerializer(serializers.Serializer):  # type: ignore[type-arg]
    use_case = serializers.IntegerField(help_text="Use-case id.")
    reference = serializers.CharField(allow_null=True, help_text="Null for a draft.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(allow_null=True),
        help_text="Every field of the standard, by name; null without a value.",
    )
    problems = StandardProblemSerializer(many=True)


class StandardExportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    standard = serializers.ChoiceField(choices=list(standards.STANDARDS))
    version = serializers.CharField()
    records = StandardRecordSerializer(many=True)
    no_source_yet = serializers.ListField(
        child=serializers.CharField(),
        help_text="The fields the register has no source for yet (always null).",
    )


STANDARD = OpenApiParameter(
    "standard",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(standards.STANDARDS),
    description="`algoritmeregister` (publication standard 1.0) or `eu-database` (Annex VIII Section C).",
)


class StandardExport(RejectUnknownQueryParamsMixin, GenericAPIView):  # type: ignore[type-arg]
    permission_classes = [ScopedReadPermissions]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FormatOfTheURL
    filterset_class = UseCaseFilter
    serializer_class = StandardExportSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[UseCase]:
        # The list's rows (its filters read the review state): two queries, however many.
        listed = selectors.use_cases_listed(self.request.user, timezone.localdate())
        return standards.with_checklist(listed).order_by("created_at", "id")

    def allowed_query_params(self) -> frozenset[str]:
        return frozenset(UseCaseFilter.base_filters)

    @extend_schema(
        operation_id="export_standard",
        summary="The use-cases in an outside standard's fields, with each record's problems.",
        description="Same filters and visibility as the list, in its order. Each field is mapped to the "
        "register or listed in `no_source_yet`; values are checked against the standard (type, "
        "required, permitted values, maximum length) and what does not fit is reported in `problems`, "
        "never cut. The tier is the law's (never the stricter policy tier).",
        filters=True,
        parameters=[STANDARD],
        responses=StandardExportSerializer,
    )
    def get(self, request: Request, standard: str) -> Response:
        found = standards.STANDARDS.get(standard)
        if found is None:
            raise NotFound
        use_cases = self.filter_queryset(self.get_queryset())
        return Response(standards.export(found, use_cases))
