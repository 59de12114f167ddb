"""JSON errors for URLs under /api/ that DRF never sees (no route matched, a crash outside a
view), in the same shape as drf-standardized-errors gives every DRF error; and a clean 503, page or
JSON, when the database cannot be reached."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_lazy
from django.views import defaults
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework.exceptions import APIException, NotFound

# SQLSTATEs of a server going away: its connection lost (class 08) or it shutting down
# (57P01-57P03). Other "operational" errors (a timeout, a limit, a full disk) are faults to fix,
# not a moment to wait: they stay 500s.
_GONE = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc: BaseException | None) -> bool:
    """Whether `exc` says the database could not be reached, rather than that something failed in it."""
    if isinstance(exc, InterfaceError):  # the connection is closed or unusable
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__  # the driver's own error, which Django wraps
    if type(cause).__module__.startswith("sqlite3"):  # the embedded database: only "busy" is a wait
        return "database is locked" in str(cause)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:  # no answer from a server at all: refused, timed out, not there
        return True
    return str(sqlstate).startswith(_GONE)


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


# Seconds a client is asked to wait when the database cannot be reached (a restart, a failover).
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500, or a 503 when what failed was reaching the database: nothing is wrong with
    the request, and asking again shortly will work (Django reconnects on the next request)."""
    if database_unreachable(sys.exc_info()[1]):
        return _database_unavailable(request)
    if _is_api(request):
        body = {
            "type": "server_error",
            "errors": [{"code": "error", "detail": gettext("Server Error (500)"), "attr": None}],
        }
        return JsonResponse(body, status=500)
    return defaults.server_error(request)


class DatabaseUnavailable(APIException):
    status_code = 503
    default_code = "database_unavailable"
    default_detail = gettext_lazy(
        "Koers cannot reach its database just now. Nothing was changed; try again in a moment."
    )


class KoersExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler, which answers every exception in an API view itself:
    an unreachable database is the same clean 503 there as everywhere else."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if database_unreachable(exc):
            unavailable = DatabaseUnavailable()
            unavailable.wait = RETRY_AFTER_SECONDS  # type: ignore[attr-defined]  # read by get_headers
            return unavailable
        return super().convert_known_exceptions(exc)


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    detail = str(DatabaseUnavailable.default_detail)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # The connection may have gone at the commit, after the change was made.
        detail = gettext(
            "Koers lost its database while saving: your change may or may not be stored. "
            "Check before you send it again."
        )
    if _is_api(request):
        body = {
            "type": "server_error",
            "errors": [{"code": "database_unavailable", "detail": detail, "attr": None}],
        }
        response: HttpResponse = JsonResponse(body, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
