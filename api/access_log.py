"""The API access log (issue 8): one `ApiAccess` row for every API request that authenticated
with a token, whatever it answered (200, 404, 429...). Requests by session or anonymous are not
logged. The row is written after the response was sent, so the log never delays or breaks it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from time import monotonic

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from rest_framework.authtoken.models import Token

from register.choices import ApiAuthentication
from register.models import ApiAccess
from register.models.access import METHOD_MAX_LENGTH, PATH_MAX_LENGTH

logger = logging.getLogger(__name__)


class ApiAccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = monotonic()
        response = self.get_response(request)
        # DRF sets `auth` on the Django request too; only TokenAuthentication puts a Token there.
        token = getattr(request, "auth", None)
        if isinstance(token, Token) and settings.KOERS_API_ACCESS_LOG:
            entry = ApiAccess(
                user_id=token.user_id,
                method=request.method[:METHOD_MAX_LENGTH] if request.method else "",
                path=request.get_full_path()[:PATH_MAX_LENGTH],
                status_code=response.status_code,
                duration_ms=0,
                authenticated_by=ApiAuthentication.TOKEN,
            )
            # The server closes the response once it has sent the body (a stream: after its last
            # chunk), before request_finished lets the database connection go. Django's own
            # handlers hook in the same way; the list is not in the type stubs.
            response._resource_closers.append(partial(_record, entry, started))  # type: ignore[attr-defined]
        return response


def _record(entry: ApiAccess, started: float) -> None:
    """Store the row; a failure is logged and swallowed (the response has gone already)."""
    entry.duration_ms = max(0, round((monotonic() - started) * 1000))
    try:
        entry.save(force_insert=True)
    except Exception:
        logger.exception(
            "Could not record API access %s %s by user %s.", entry.method, entry.path, entry.user_id
        )
