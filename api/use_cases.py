"""/api/v1/use-cases/: the register, now or as it stood at an instant (`as_of`), each use-case's
history, and the stats the admin dashboard shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import UseCaseFilter, UtcIsoDateTimeField
from api.permissions import ScopedReadPermissions
from api.serializers import (
    AuditEventSerializer,
    StatsSerializer,
    UseCaseDetailSerializer,
    UseCaseSerializer,
    listed_page,
    listed_rows,
    listed_use_case,
)
from api.views import COMMON_QUERY_PARAMS, RejectUnknownQueryParamsMixin, ScopedViewSet, _cursor_on
from register import as_of, dashboard, selectors
from register.models import UseCase

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATETIME,
    description=(
        "The register as it stood at this instant (ISO 8601), rebuilt from the audit trail: a use-case "
        "created later is absent, one retired since shows as it was. A later instant than now reads as now."
    ),
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag in If-None-Match still holds.")
CONDITIONAL = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="The ETag of an earlier answer: 304 when nothing shown has changed since.",
    ),
    OpenApiParameter(
        "ETag", str, OpenApiParameter.HEADER, response=[200, 304], description="Changes with anything shown."
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        OpenApiParameter.HEADER,
        response=[200],
        description="When the use-case (or its vendor) last changed; informative, 304 goes by the ETag.",
    ),
]


def as_of_param(request: Request) -> dt.datetime | None:
    """The `as_of` query parameter (the list, the detail, the exports, the evidence packs)."""
    raw = request.query_params.get("as_of")
    if raw is None:
        return None
    field = UtcIsoDateTimeField(required=True)
    try:
        instant = field.clean(raw)
    except DjangoValidationError as error:  # said as a 400 naming the parameter
        raise ValidationError({"as_of": error.messages}) from None
    # The trail holds nothing after now: a later instant reads as now (a forecast it is not).
    return min(instant, timezone.now()) if instant is not None else None


def _etag(data: Any) -> str:
    body = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


@extend_schema_view(
    list=extend_schema(parameters=[AS_OF]),
    retrieve=extend_schema(
        parameters=[AS_OF, *CONDITIONAL], responses={200: UseCaseDetailSerializer, 304: NOT_MODIFIED}
    ),
)
class UseCaseViewSet(ScopedViewSet):
    """The register: the committee and auditors see every use-case, a member their own units'."""

    filterset_class = UseCaseFilter
    pagination_class = _cursor_on("created_at", "id")
    paginated_actions = frozenset({"list", "history"})

    def allowed_query_params(self) -> frozenset[str]:
        allowed = super().allowed_query_params()
        return allowed | {"as_of"} if self.action in {"list", "retrieve"} else allowed

    def get_serializer_class(self) -> type[UseCaseSerializer]:
        return UseCaseDetailSerializer if self.action == "retrieve" else UseCaseSerializer

    def get_queryset(self) -> QuerySet[UseCase]:
        use_cases = selectors.use_cases_listed(self.request.user, timezone.localdate())
        if self.action == "retrieve":
            return selectors.use_cases_in_full(use_cases)
        # A page of the list reads only its columns; the history only who may see the use-case.
        return listed_rows(use_cases) if self.action == "list" else use_cases  # type: ignore[return-value]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instant = as_of_param(request)
        if instant is None:
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
            # Plain rows in, plain dicts out (listed_page: UseCaseSerializer's fields), not model
            # instances and a serializer's data: making them cost more than the query, and DRF's
            # serializers and paginator refer to each other and hold the page, which only the cycle
            # collector would then free; its passes made every few 500-row pages several times
            # slower (BENCHMARKS.md).
            response = self.get_paginated_response(listed_page(cast("list[dict[str, Any]]", page or [])))
            self.paginator.page = []  # type: ignore[union-attr]  # the links are written
            return response
        filterset = UseCaseFilter(request.query_params, queryset=UseCase.objects.none(), request=request)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        visible = selectors.use_cases_visible_to(request.user)
        filters = filterset.form.cleaned_data
        # The cursor walks the same unchanging order as the live list (created_at never changes).
        if not as_of.any_filter(filters):
            # The whole register as it stood: page over those that existed, rebuild only the page.
            page = self.paginate_queryset(
                visible.select_related(None).filter(as_of.existed(instant)).only("pk", "created_at")
            )
            pks = [u.pk for u in page or ()]
            kept = {u.pk: u for u in as_of.use_cases_as_of(UseCase.objects.filter(pk__in=pks), instant)}
        else:
            # Filters ask about the state then: every use-case is rebuilt to be judged (BENCHMARKS.md).
            then = as_of.use_cases_as_of(visible, instant)
            today = timezone.localdate(instant)
            kept = {u.pk: u for u in then if as_of.matches(u, filters, today=today)}
            page = self.paginate_queryset(UseCase.objects.filter(pk__in=kept).only("pk", "created_at"))
        rows: Sequence[UseCase] = [kept[u.pk] for u in page or ()]
        return self.get_paginated_response([listed_use_case(use_case) for use_case in rows])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instant = as_of_param(request)
        if instant is None:
            use_case = self.get_object()
        else:
            visible = selectors.use_cases_visible_to(request.user)
            found = get_object_or_404(visible, pk=self.kwargs["pk"])  # one that is not visible: 404
            then = as_of.use_cases_as_of(visible.filter(pk=found.pk), instant, detail=True)
            if not then:  # it was not there yet
                raise Http404
            use_case = then[0]
        data = UseCaseDetailSerializer(use_case).data
        response = Response(data)
        modified = max([use_case.updated_at, *([use_case.vendor.updated_at] if use_case.vendor else [])])
        response["ETag"] = _etag(data)
        response["Last-Modified"] = http_date(modified.timestamp())
        patch_vary_headers(response, ("Authorization", "Cookie"))
        # Always ask again; and only the ETag answers "not modified": whether a review is overdue
        # changes at local midnight, and names shown change, without `updated_at` moving.
        patch_cache_control(response, private=True, no_cache=True)
        conditional = get_conditional_response(request._request, etag=response["ETag"], response=response)
        return conditional  # type: ignore[return-value]

    @extend_schema(
        responses=AuditEventSerializer(many=True),
        filters=False,
        summary="The audit events of this use-case and of everything it holds, oldest first.",
    )
    @action(detail=True, pagination_class=_cursor_on("occurred_at", "id"))
    def history(self, request: Request, pk: str | None = None) -> Response:
        use_case = self.get_object()  # a use-case the person may not see is a 404
        events = selectors.audit_events().filter(use_case_id=use_case.pk)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)


class StatsView(RejectUnknownQueryParamsMixin, APIView):
    """The register in numbers: the same counts as the admin dashboard, from the same query."""

    permission_classes = [ScopedReadPermissions]

    def allowed_query_params(self) -> frozenset[str]:
        return COMMON_QUERY_PARAMS

    @extend_schema(responses=StatsSerializer)
    def get(self, request: Request) -> Response:
        return Response(StatsSerializer(dashboard.stats(request.user, now=timezone.now())).data)
