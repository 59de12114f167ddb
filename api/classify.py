"""POST /api/v1/classify/ and GET /api/v1/questionnaire/: the engine over HTTP, stateless."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.views import COMMON_QUERY_PARAMS, RejectUnknownQueryParamsMixin
from register.aiact import answer_problems, classify, load_ruleset
from register.aiact.result import Classification

ANSWER_SCHEMA = {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["unknown"]}]}
PROBLEM_MESSAGES = {
    "unknown_code": _("Unknown question code."),
    "invalid_value": _('Must be true, false or "unknown".'),
    "carve_out_without_point": _("A carve-out can only be true when its point (%(point)s) is true."),
}


@extend_schema_field(ANSWER_SCHEMA)
class AnswerField(serializers.Field):  # type: ignore[type-arg]
    """true, false or "unknown" (documentation only: the answers object validates as a whole)."""


def _answers_serializer() -> type[serializers.Serializer]:  # type: ignore[type-arg]
    codes = load_ruleset().codes
    fields = {
        code: AnswerField(required=False, help_text=load_ruleset().question(code).text.en) for code in codes
    }

    class Meta:
        ref_name = "Answers"

    def to_internal_value(self: Any, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ValidationError(_("Must be an object of question codes and answers."))
        problems = answer_problems(data)
        if problems:
            raise ValidationError(
                {
                    p.code: [
                        ErrorDetail(
                            str(PROBLEM_MESSAGES[p.problem] % {"point": p.code.removesuffix("_EXC")}),
                            code=p.problem,
                        )
                    ]
                    for p in problems
                }
            )
        return dict(data)

    return type(
        "AnswersSerializer",
        (serializers.Serializer,),
        {**fields, "Meta": Meta, "to_internal_value": to_internal_value},
    )


AnswersSerializer = _answers_serializer()


class ClassifyRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    answers = AnswersSerializer(help_text="Question codes (see /api/v1/questionnaire/); absent means false.")

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            extra = sorted(set(data) - {"answers"})
            if extra:
                raise ValidationError({name: [_("Unknown field.")] for name in extra})
        return super().to_internal_value(data)


class TextSerializer(serializers.Serializer):  # type: ignore[type-arg]
    nl = serializers.CharField()
    en = serializers.CharField()


class ObligationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    article = serializers.CharField()
    title = TextSerializer()
    owner = serializers.ChoiceField(choices=["provider", "deployer"])
    applies_from = serializers.DateField(allow_null=True)
    applies_today = serializers.BooleanField()


class TransparencySerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    article = serializers.CharField()
    owner = serializers.ChoiceField(choices=["provider", "deployer"])
    title = TextSerializer()


class ExplanationLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    nl = serializers.CharField()
    en = serializers.CharField()
    codes = serializers.ListField(child=serializers.CharField())


class ClassificationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    risk_tier = serializers.ChoiceField(
        choices=["prohibited", "high_risk", "limited", "minimal", "out_of_scope"]
    )
    complete = serializers.BooleanField()
    open_questions = serializers.ListField(child=serializers.CharField())
    legal_basis = serializers.ListField(child=serializers.CharField())
    obligations = ObligationSerializer(many=True)
    fria_required = serializers.BooleanField()
    transparency = TransparencySerializer(many=True)
    gpai = serializers.ChoiceField(choices=["none", "based", "model_provider", "systemic"])
    ruleset_version = serializers.CharField()
    explanation = ExplanationLineSerializer(many=True)


class ClassifyView(RejectUnknownQueryParamsMixin, APIView):
    """Classify answers under the EU AI Act. Stateless: nothing is stored. The result is
    indicative until the AI committee confirms it."""

    @extend_schema(request=ClassifyRequestSerializer, responses={200: ClassificationSerializer})
    def post(self, request: Request) -> Response:
        serializer = ClassifyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result: Classification = classify(serializer.validated_data["answers"], today=timezone.localdate())
        return Response(ClassificationSerializer(result).data)


class QuestionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    step = serializers.CharField()
    text = serializers.CharField()
    help = serializers.CharField()
    ask_when = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Ask when every group has a code answered true (or "unknown"); empty: always.',
    )


class QuestionnaireSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ruleset_version = serializers.CharField()
    language = serializers.ChoiceField(choices=["nl", "en"])
    questions = QuestionSerializer(many=True)


class QuestionnaireView(RejectUnknownQueryParamsMixin, APIView):
    """The questions, their conditions and help texts, in Dutch or English."""

    def allowed_query_params(self) -> frozenset[str]:
        return COMMON_QUERY_PARAMS | {"lang"}

    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=["nl", "en"], description="else Accept-Language")],
        responses={200: QuestionnaireSerializer},
    )
    def get(self, request: Request) -> Response:
        language = request.query_params.get("lang") or translation.get_language_from_request(request._request)
        if language not in {"nl", "en"}:
            raise ValidationError({"lang": [_('Must be "nl" or "en".')]})
        ruleset = load_ruleset()
        questions = [
            {
                "code": q.code,
                "step": q.step,
                "text": q.text.in_language(language),
                "help": q.help.in_language(language),
                "ask_when": [list(group) for group in q.ask_when],
            }
            for q in ruleset.questions
        ]
        body = {"ruleset_version": ruleset.version, "language": language, "questions": questions}
        return Response(QuestionnaireSerializer(body).data)
