"""The frame of the register: the start page, health checks and the account pages (the
business units' pages are in register/pages.py)."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu.exceptions import OperationalError as KombuOperationalError

from register import services
from register.client import client_address
from register.selectors import last_sweep


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Members land on their use-cases; the committee and auditors on the start page."""
    if not request.user.is_staff:
        return HttpResponseRedirect(reverse("my_use_cases"))
    return render(request, "register/home.html")


# Seconds /healthz waits for the broker: a probe must answer well within its own timeout.
BROKER_CHECK_SECONDS = 2


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The system's health for monitoring (STYLE.md §9): the database answers, the broker takes a
    connection, and the sweep has run (selectors.last_sweep; a fresh install that has not swept
    yet is not late). 503 when any of the three is not so, each named; /readyz (the database only)
    is what decides whether the web process takes requests."""
    database = _database_answers()
    broker = _broker_answers()
    sweep = last_sweep(timezone.now()) if database else None
    healthy = database and broker and sweep is not None and sweep.status != "late"
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": "ok" if database else "unreachable",
            "broker": "ok" if broker else "unreachable",
            "sweep": sweep.status if sweep is not None else "unknown",
            "last_sweep": sweep.last_clean.isoformat() if sweep is not None and sweep.last_clean else None,
        },
        status=200 if healthy else 503,
    )


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _broker_answers() -> bool:
    """Whether the Celery broker takes a connection: one try, each socket operation bounded by
    BROKER_CHECK_SECONDS (Redis's and AMQP's own defaults would wait for the operating system)."""
    from config.celery import app

    bounded = {"socket_connect_timeout": BROKER_CHECK_SECONDS, "socket_timeout": BROKER_CHECK_SECONDS}
    try:
        with app.connection_for_write(
            connect_timeout=BROKER_CHECK_SECONDS, transport_options=bounded
        ) as broker:
            broker.ensure_connection(max_retries=0)
    except (KombuOperationalError, OSError):
        return False
    return True


def sign_in_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a sign-in refused after too many wrong passwords (settings, AXES_*):
    429, saying for how long, on the login page's layout."""
    seconds = settings.AXES_COOLOFF_TIME.total_seconds()
    response = render(
        request, "registration/locked_out.html", {"minutes": max(1, round(seconds / 60))}, status=429
    )
    response["Retry-After"] = str(int(seconds))
    return response


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers a query. 503 (not 500) when it does not."""
    if not _database_answers():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, with the change recorded in the audit trail."""

    @transaction.atomic
    def form_valid(self, form: Any) -> HttpResponse:
        user = form.save()
        services.user_password_changed(acting_user=user, user=user, how="self-service")
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset page, with the new password recorded in the audit trail."""

    @transaction.atomic
    def form_valid(self, form: Any) -> HttpResponse:
        user = form.save()
        services.user_password_changed(acting_user=user, user=user, how="reset link")
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        # A new password ends a sign-in pause at this address (the locked-out page says so).
        AxesProxyHandler.reset_attempts(ip_address=client_address(self.request), username=user.get_username())
        return HttpResponseRedirect(self.get_success_url())


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's form (the same answer whether or not the address is known), with the e-mail
    queued in the outbox instead of sent during the request."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            services.password_reset_request(user=user)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
