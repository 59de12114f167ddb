from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from register import views

urlpatterns = [
    path("", include("register.urls")),
    # Django's account pages; the two that set a password are ours, so the change is audited, and
    # the reset e-mail goes through the outbox.
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

# JSON errors under /api/, Django's pages elsewhere (one error shape for the API, STYLE.md §13).
handler404 = "api.errors.page_not_found"
handler500 = "api.errors.server_error"
