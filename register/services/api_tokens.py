"""API tokens (issue 8): made, replaced and withdrawn by the committee or a superuser in the admin
(register.admin_tokens). DRF keeps one token per person and checks it on every request, so a
rotated or revoked key stops working at once. The key is returned to the caller to show once;
the audit trail never holds it.

`manage.py drf_create_token <username>` (DRF's own command, part of the contract) also makes
tokens, without an audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from register.audit import audit_log
from register.models import User


def _locked(user: User) -> User:
    # One writer per person at a time: a second click cannot make two tokens or rotate twice.
    return User.objects.select_for_update().get(pk=user.pk)


def _snapshot(user: User, token: Token | None) -> dict[str, Any]:
    """The person's API access after the change: whether a token exists and since when; no key."""
    return {"user": user.pk, "token_created": token.created if token is not None else None}


@transaction.atomic
def api_token_create(*, acting_user: User | None, user: User) -> str:
    """Give `user` an API token and return its key (to be shown once)."""
    user = _locked(user)
    if Token.objects.filter(user=user).exists():
        raise ValidationError(
            _("%(person)s already has an API token; rotate it instead.") % {"person": user.get_username()},
            code="token_exists",
        )
    token = Token.objects.create(user=user)
    audit_log(
        actor=acting_user, action="register.api_token.created", subject=user, snapshot=_snapshot(user, token)
    )
    return str(token.key)


@transaction.atomic
def api_token_rotate(*, acting_user: User | None, user: User) -> str:
    """Replace `user`'s key with a new one and return it; the old key stops working at once."""
    user = _locked(user)
    # The key is the token's primary key, so a new key is a new row.
    if not Token.objects.filter(user=user).delete()[0]:
        raise ValidationError(
            _("%(person)s has no API token to rotate.") % {"person": user.get_username()}, code="no_token"
        )
    token = Token.objects.create(user=user)
    audit_log(
        actor=acting_user, action="register.api_token.rotated", subject=user, snapshot=_snapshot(user, token)
    )
    return str(token.key)


@transaction.atomic
def api_token_revoke(*, acting_user: User | None, user: User) -> bool:
    """Withdraw `user`'s token; it stops working at once. False (and no event) if there was none,
    say because someone else revoked it a moment ago."""
    user = _locked(user)
    if not Token.objects.filter(user=user).delete()[0]:
        return False
    audit_log(
        actor=acting_user, action="register.api_token.revoked", subject=user, snapshot=_snapshot(user, None)
    )
    return True
