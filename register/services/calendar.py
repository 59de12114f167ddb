"""The secret calendar-feed token (issue 7): only its SHA-256 is stored, so a copy of the
database opens no feed; the person sees the token once, when it is made."""

from __future__ import annotations

import secrets

from django.db import transaction

from register.audit import audit_log
from register.calendar_feed import calendar_token_hash
from register.models import User


@transaction.atomic
def calendar_token_rotate(*, acting_user: User | None, user: User) -> str:
    """Give `user` a new feed token and return it; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = calendar_token_hash(token)
    user.save(update_fields=["calendar_token_hash"])
    # The snapshot leaves the hash out (User.AUDIT_EXCLUDE): the trail never holds a secret.
    audit_log(actor=acting_user, action="register.user.calendar_token_rotated", subject=user)
    return token
