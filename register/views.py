"""The frame of the register: the start page, health checks and the account pages (the
business units' pages are in register/pages.py)."""

from __future__ import annotations

from typing import Any

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

from register import services
from register.selectors import last_sweep


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Members land on their use-cases; the committee and auditors on the start page."""
    if not request.user.is_staff:
        return HttpResponseRedirect(reverse("my_use_cases"))
    return render(request, "register/home.html")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The system's health for monitoring: the last sweep run (STYLE.md §9). 503 when the
    sweep is late (selectors.last_sweep); a fresh install that has not swept yet is not late."""
    sweep = last_sweep(timezone.now())
    last = sweep.last_clean.isoformat() if sweep.last_clean else None
    if sweep.status == "never":
        return JsonResponse({"status": "ok", "sweep": "never", "last_sweep": None})
    return JsonResponse(
        {"status": sweep.status, "sweep": sweep.status, "last_sweep": last},
        status=503 if sweep.status == "late" else 200,
    )


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers a query. 503 (not 500) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
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
        return HttpResponseRedirect(self.get_success_url())


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's form (the same answer whether or not the address is known), with the e-mail
    queued in the outbox instead of sent during the request."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            services.password_reset_request(user=user)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
