"""How the schema documents Koers's one error shape (drf-standardized-errors underneath)."""

from __future__ import annotations

from typing import Any

from drf_standardized_errors.openapi import AutoSchema
from drf_standardized_errors.openapi_serializers import ValidationErrorEnum
from rest_framework import serializers


class ValidationErrorItemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="Machine-readable reason, e.g. invalid, required.")
    detail = serializers.CharField(help_text="What is wrong, in the request's language.")
    attr = serializers.CharField(
        allow_null=True, help_text="The field or query parameter at fault; null for the request."
    )

    class Meta:
        ref_name = "ValidationErrorItem"


class ValidationErrorResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.ChoiceField(choices=ValidationErrorEnum.choices)
    errors = ValidationErrorItemSerializer(many=True)  # type: ignore[assignment]

    class Meta:
        ref_name = "ValidationErrorResponse"


class KoersAutoSchema(AutoSchema):
    """Every read can be a 400 (unknown query parameter, page size, cursor, filter value), and
    the parameter at fault can be any name the client sent, so `attr` is a free string."""

    def _should_add_validation_error_response(self) -> bool:
        return True

    def _get_serializer_for_validation_error_response(self) -> Any:
        return ValidationErrorResponseSerializer


def answers_closed(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the answers object accepts the ruleset's codes and no others."""
    answers = result.get("components", {}).get("schemas", {}).get("Answers")
    if answers is not None:
        answers["additionalProperties"] = False
    return result


def query_values_not_empty(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: an empty query value is refused (RejectUnknownQueryParamsMixin), so
    every string parameter says it needs at least one character."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)
                items = schema.get("items", {})
                if parameter.get("in") == "query" and items.get("type") == "string":
                    items.setdefault("minLength", 1)
    return result
