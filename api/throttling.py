"""DRF's throttles with Koers's rates (config/settings.py: KOERS_API_THROTTLE_USER and _ANON).

DRF copies its DEFAULT_THROTTLE_RATES into the throttle classes once, at import; these read the
setting on every request instead, so a changed setting (a test's override) applies at once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

if TYPE_CHECKING:
    # Types only: DRF imports this module while rest_framework.views is still loading.
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class FailOpen(SimpleRateThrottle):
    """The counts live in the shared cache (Redis). Throttling guards against overload, not
    intruders: if the cache does not answer, the request is let through and the outage logged,
    rather than the whole API answering 500."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.exception("API throttling skipped: the cache did not answer.")
            return True


class UserThrottle(FailOpen, UserRateThrottle):
    """Scope "user": per signed-in person, by token or session."""

    def get_rate(self) -> str:
        return str(settings.KOERS_API_THROTTLE_USER)


class AnonThrottle(FailOpen, AnonRateThrottle):
    """Scope "anon": per address, for the views that admit anonymous callers at all (DRF throttles
    after the permission check, so an anonymous call to a view that needs sign-in is a 401)."""

    def get_rate(self) -> str:
        return str(settings.KOERS_API_THROTTLE_ANON)
