"""The API access log (issue 8): which token holder asked the API for what, and how it ended."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register.choices import ApiAuthentication

# Longer paths (a long filter query) are cut to this many characters.
PATH_MAX_LENGTH = 1000
METHOD_MAX_LENGTH = 16


class ApiAccess(models.Model):
    """One API request that authenticated with a token, written by `api.access_log` after the
    response was sent. Not part of the audit trail: it records reading, not changes. It holds
    neither the token's key nor the caller's address."""

    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    # PROTECT: whoever read the register stays in its log (people who left are pseudonymised).
    user = models.ForeignKey(
        "register.User", verbose_name=_("who"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("method"), max_length=METHOD_MAX_LENGTH)
    path = models.CharField(_("path"), max_length=PATH_MAX_LENGTH, help_text=_("With its query string."))
    status_code = models.PositiveSmallIntegerField(_("status code"))
    duration_ms = models.PositiveIntegerField(
        _("duration (ms)"), help_text=_("From the request's arrival until its response was sent.")
    )
    authenticated_by = models.CharField(
        _("authenticated by"), max_length=16, choices=ApiAuthentication.choices
    )

    class Meta:
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        ordering = ("-occurred_at", "-id")
        indexes = [
            # The admin's list, newest first (read backwards), and its date hierarchy.
            models.Index(fields=["occurred_at", "id"], name="apiaccess_time"),
        ]
        # Not a model permission but the right to hand out API keys (register.admin_tokens):
        # roles never hold delete permissions (register.roles), and revoking deletes a token.
        permissions = [("manage_api_tokens", _("Can create, rotate and revoke API tokens"))]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.status_code})"
