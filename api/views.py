"""Read-only viewsets backed by selectors (STYLE.md §13)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.routers import APIRootView
from rest_framework.viewsets import ReadOnlyModelViewSet

from api.filters import AuditEventFilter
from api.pagination import StrictCursorPagination
from api.permissions import ViewModelPermissions
from api.serializers import AuditEventSerializer
from register import selectors
from register.models import AuditEvent

# Accepted on every endpoint: the browsable API's renderer switch.
COMMON_QUERY_PARAMS = frozenset({"format"})


class RejectUnknownQueryParamsMixin:
    """Unknown query parameters are refused with 400, naming each: a typo in a filter must not
    silently return everything. Runs after authentication and permissions."""

    def allowed_query_params(self) -> frozenset[str]:
        return COMMON_QUERY_PARAMS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        unknown = sorted(set(request.query_params) - self.allowed_query_params())
        if unknown:
            raise ValidationError({name: [_("Unknown query parameter.")] for name in unknown})


class KoersAPIRootView(RejectUnknownQueryParamsMixin, APIRootView):
    """The browsable index of /api/v1/."""


class KoersSchemaView(RejectUnknownQueryParamsMixin, SpectacularAPIView):
    def allowed_query_params(self) -> frozenset[str]:
        return COMMON_QUERY_PARAMS | {"lang"}


class KoersReadOnlyViewSet(RejectUnknownQueryParamsMixin, ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The base of every API resource: view permission required, unknown parameters refused."""

    permission_classes = [ViewModelPermissions]

    def allowed_query_params(self) -> frozenset[str]:
        allowed = set(COMMON_QUERY_PARAMS)
        if self.action == "list":
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                allowed |= set(filterset_class.base_filters)
            if isinstance(self.paginator, StrictCursorPagination):
                allowed |= set(self.paginator.query_params)
        return frozenset(allowed)


class AuditEventViewSet(KoersReadOnlyViewSet):
    """The audit trail: every change to the register, oldest first."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = type(
        "AuditEventPagination", (StrictCursorPagination,), {"ordering": ("occurred_at", "id")}
    )

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return selectors.audit_events()
