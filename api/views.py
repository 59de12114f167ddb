"""Read-only viewsets backed by selectors (STYLE.md §13)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.routers import APIRootView
from rest_framework.viewsets import ReadOnlyModelViewSet

from api.filters import ActionFilter, AuditEventFilter, DeliveryFilter, UseCaseScopedFilter
from api.pagination import StrictCursorPagination
from api.permissions import ScopedReadPermissions, ViewModelPermissions
from api.serializers import (
    ActionSerializer,
    AuditEventSerializer,
    BusinessUnitSerializer,
    DecisionSerializer,
    DeliverySerializer,
    IncidentSerializer,
    LegalEntitySerializer,
    ObligationSerializer,
    ReviewSerializer,
    RiskAssessmentSerializer,
    VendorSerializer,
)
from register import selectors
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
    Vendor,
)

# Accepted on every endpoint: the browsable API's renderer switch.
COMMON_QUERY_PARAMS = frozenset({"format"})


class RejectUnknownQueryParamsMixin:
    """Unknown query parameters are refused with 400, naming each: a typo in a filter must not
    silently return everything. Runs after authentication and permissions."""

    def allowed_query_params(self) -> frozenset[str]:
        return COMMON_QUERY_PARAMS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):  # type: ignore[attr-defined]
            return  # not offered here: DRF's 405 says so, whatever the parameters
        unknown = sorted(set(request.query_params) - self.allowed_query_params())
        if unknown:
            raise ValidationError({name: [_("Unknown query parameter.")] for name in unknown})
        # `?risk_tier=` would otherwise mean "no filter" without saying so.
        empty = sorted(name for name, values in request.query_params.lists() if "" in values)
        if empty:
            raise ValidationError(
                {name: [_("Give this parameter a value, or leave it out.")] for name in empty}
            )


class KoersAPIRootView(RejectUnknownQueryParamsMixin, APIRootView):
    """The browsable index of /api/v1/."""


class KoersSchemaView(RejectUnknownQueryParamsMixin, SpectacularAPIView):
    def allowed_query_params(self) -> frozenset[str]:
        return COMMON_QUERY_PARAMS | {"lang"}


class KoersReadOnlyViewSet(RejectUnknownQueryParamsMixin, ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The base of every API resource: view permission required, unknown parameters refused."""

    permission_classes = [ViewModelPermissions]
    paginated_actions = frozenset({"list"})

    def allowed_query_params(self) -> frozenset[str]:
        allowed = set(COMMON_QUERY_PARAMS)
        if self.action == "list":
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                allowed |= set(filterset_class.base_filters)
        if self.action in self.paginated_actions and isinstance(self.paginator, StrictCursorPagination):
            allowed |= set(self.paginator.query_params)
        return frozenset(allowed)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and self.request.query_params.keys().isdisjoint(
            filterset_class.base_filters
        ):
            # No filter asked for: the filter set would only build and check an empty form, a
            # fixed cost of every plain page (BENCHMARKS.md). Its parameters are its filters' names.
            return queryset
        return super().filter_queryset(queryset)


class AuditEventViewSet(KoersReadOnlyViewSet):
    """The audit trail: every change to the register, oldest first."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = type(
        "AuditEventPagination", (StrictCursorPagination,), {"ordering": ("occurred_at", "id")}
    )

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return selectors.audit_events()


def _cursor_on(*ordering: str) -> type[StrictCursorPagination]:
    """Cursor pagination on an unchanging order of this resource's own fields."""
    return type("Pagination", (StrictCursorPagination,), {"ordering": ordering})


class ScopedViewSet(KoersReadOnlyViewSet):
    """A resource read through the visibility rule (ScopedReadPermissions)."""

    permission_classes = [ScopedReadPermissions]


class AssessmentViewSet(ScopedViewSet):
    """Stored classifications (append-only): the answers, the result and its ruleset."""

    serializer_class = RiskAssessmentSerializer
    filterset_class = UseCaseScopedFilter
    pagination_class = _cursor_on("created_at", "id")

    def get_queryset(self) -> QuerySet[RiskAssessment]:
        return selectors.held_by_visible(RiskAssessment, self.request.user).select_related(
            "author", "second_approver"
        )


class DecisionViewSet(ScopedViewSet):
    """The committee's decisions, each with the follow-up actions of its conditions."""

    serializer_class = DecisionSerializer
    filterset_class = UseCaseScopedFilter
    pagination_class = _cursor_on("decided_at", "id")

    def get_queryset(self) -> QuerySet[Decision]:
        actions = Prefetch("actions", Action.objects.select_related("owner"), to_attr="action_list")
        return (
            selectors.held_by_visible(Decision, self.request.user)
            .select_related("decided_by")
            .prefetch_related(actions)
        )


class ActionViewSet(ScopedViewSet):
    """Follow-up actions of decisions' conditions, with an owner and a due date."""

    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    pagination_class = _cursor_on("id")

    def get_queryset(self) -> QuerySet[Action]:
        return selectors.held_by_visible(Action, self.request.user, "decision__use_case").select_related(
            "owner", "decision"
        )


class ReviewViewSet(ScopedViewSet):
    """Recorded ethics reviews with their checklist and outcome."""

    serializer_class = ReviewSerializer
    filterset_class = UseCaseScopedFilter
    pagination_class = _cursor_on("recorded_at", "id")

    def get_queryset(self) -> QuerySet[Review]:
        return selectors.held_by_visible(Review, self.request.user).select_related("reviewer")


class ObligationViewSet(ScopedViewSet):
    """Each use-case's checklist of duties, with status and evidence."""

    serializer_class = ObligationSerializer
    filterset_class = UseCaseScopedFilter
    pagination_class = _cursor_on("id")

    def get_queryset(self) -> QuerySet[ObligationItem]:
        return selectors.held_by_visible(ObligationItem, self.request.user).select_related("done_by")


class IncidentViewSet(ScopedViewSet):
    serializer_class = IncidentSerializer
    filterset_class = UseCaseScopedFilter
    pagination_class = _cursor_on("created_at", "id")

    def get_queryset(self) -> QuerySet[Incident]:
        return selectors.held_by_visible(Incident, self.request.user).prefetch_related("clocks_done")


class LegalEntityViewSet(ScopedViewSet):
    serializer_class = LegalEntitySerializer

    def get_queryset(self) -> QuerySet[LegalEntity]:
        return selectors.legal_entities_visible_to(self.request.user)


class BusinessUnitViewSet(ScopedViewSet):
    serializer_class = BusinessUnitSerializer

    def get_queryset(self) -> QuerySet[BusinessUnit]:
        return selectors.business_units_visible_to(self.request.user)


class VendorViewSet(ScopedViewSet):
    serializer_class = VendorSerializer

    def get_queryset(self) -> QuerySet[Vendor]:
        return selectors.vendors_visible_to(self.request.user)


class DeliveryViewSet(KoersReadOnlyViewSet):
    """The outbox: every message Koers sent or meant to send (the committee and auditors only)."""

    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter

    def get_queryset(self) -> QuerySet[Delivery]:
        return Delivery.objects.all()
