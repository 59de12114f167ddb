"""JSON errors for URLs under /api/ that DRF never sees (no route matched, a crash outside a
view), in the same shape as drf-standardized-errors gives every DRF error."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from rest_framework.exceptions import NotFound


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        body = {
            "type": "client_error",
            "errors": [{"code": "not_found", "detail": str(NotFound.default_detail), "attr": None}],
        }
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        body = {
            "type": "server_error",
            "errors": [{"code": "error", "detail": gettext("Server Error (500)"), "attr": None}],
        }
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
