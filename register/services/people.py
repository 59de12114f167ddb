"""Every write to the register (STYLE.md §3): keyword-only, `acting_user`, atomic, one audit
event in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from register import outbox
from register.audit import audit_log, snapshot_of
from register.choices import Role
from register.models import Action, AuditEvent, Delivery, UseCase, User
from register.roles import STAFF_ROLES
from register.services.use_cases import touch_all


def _user_snapshot(user: User) -> dict[str, object]:
    return {**snapshot_of(user), "roles": sorted(user.groups.values_list("name", flat=True))}


@transaction.atomic
def role_grant(*, acting_user: User | None, user: User, role: Role, justification: str = "") -> None:
    """Give `user` a role; committee and auditor work in the admin, so they get staff status."""
    user.groups.add(Group.objects.get(name=role))
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_log(
        actor=acting_user,
        action="register.user.role_granted",
        subject=user,
        justification=justification or role,
        snapshot=_user_snapshot(user),
    )


@transaction.atomic
def role_revoke(*, acting_user: User | None, user: User, role: Role, justification: str = "") -> None:
    """Take a role away; staff status goes with the last staff role (superusers keep theirs)."""
    user.groups.remove(Group.objects.get(name=role))
    still_staff = user.groups.filter(name__in=STAFF_ROLES).exists()
    if user.is_staff and not still_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    audit_log(
        actor=acting_user,
        action="register.user.role_revoked",
        subject=user,
        justification=justification or role,
        snapshot=_user_snapshot(user),
    )


@transaction.atomic
def user_save(*, acting_user: User | None, user: User, changed_fields: Iterable[str], created: bool) -> User:
    """Store a user edited in the admin (or created by a command) with its audit event."""
    user.save()
    audit_log(
        actor=acting_user,
        action="register.user.created" if created else "register.user.changed",
        subject=user,
        justification=", ".join(sorted(changed_fields)),
        snapshot=_user_snapshot(user),
    )
    return user


@transaction.atomic
def user_password_changed(*, acting_user: User | None, user: User, how: str) -> None:
    """Record a password set by one of Django's password forms (admin, self-service, reset
    link). The caller runs the form's save in the same transaction; the hash never enters the
    trail."""
    audit_log(
        actor=acting_user,
        action="register.user.password_changed",
        subject=user,
        justification=how,
        snapshot=_user_snapshot(user),
    )


# A forgotten password sends at most this many links a day to one person (no mail bombing).
PASSWORD_RESETS_PER_DAY = 5


@transaction.atomic
def password_reset_request(*, user: User) -> Delivery | None:
    """Queue a password-reset e-mail through the outbox (claimed, sent at most once). The row
    holds no secret: the link is made when the message is sent (`register.delivery`), so a
    leaked database or backup holds no usable link. Asked anonymously, so the actor is None."""
    today = timezone.localdate()
    earlier = Delivery.objects.filter(
        subject_type=User._meta.label_lower, subject_id=str(user.pk), stage="password_reset", due_date=today
    ).count()
    if earlier >= PASSWORD_RESETS_PER_DAY:
        return None
    row = outbox.enqueue(
        subject=user,
        use_case=None,
        due_date=today,
        stage="password_reset",
        repeat=earlier,
        recipient=user.email,
        template="password_reset",
        context={"user_id": user.pk},
        language=user.language or settings.LANGUAGE_CODE,
    )
    if row is not None:
        audit_log(actor=None, action="register.user.password_reset_requested", subject=user)
    return row


@transaction.atomic
def record_delete(*, acting_user: User, instance: models.Model, justification: str = "") -> None:
    """A superuser's hard delete: the record as it stood goes into the trail, then it goes."""
    if not acting_user.is_superuser:
        raise PermissionError("Only a superuser deletes records.")
    use_case_id = _use_case_of(instance)
    # The use-case holding the record (not one that is itself being deleted).
    holder = UseCase.objects.filter(pk__in=[] if isinstance(instance, UseCase) else [use_case_id])
    audit_log(
        actor=acting_user,
        action=f"{instance._meta.label_lower}.deleted",
        subject=instance,
        justification=justification,
        use_case_id=use_case_id,  # in the use-case's history, and its export, too
    )
    instance.delete()
    if holder.exists():  # what the use-case's detail showed has changed: updated_since sees it
        touch_all(holder)


def _use_case_of(instance: models.Model) -> int | None:
    """The use-case a record belongs to (itself, directly, or through its decision)."""
    if isinstance(instance, UseCase):
        return int(instance.pk)
    if isinstance(instance, Action):
        return int(instance.decision.use_case_id)
    return getattr(instance, "use_case_id", None)


@transaction.atomic
def user_deactivate(*, acting_user: User | None, user: User) -> User:
    """Refused while the person is accountable for use-cases: reassign those first."""
    owned = list(user.owned_use_cases.exclude(lifecycle_stage="retired").values_list("name", flat=True))
    if owned:
        raise ValidationError(
            _("%(person)s is still accountable for: %(use_cases)s. Reassign these first.")
            % {"person": user.get_username(), "use_cases": ", ".join(sorted(owned))},
            code="still_owner",
        )
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_log(
        actor=acting_user, action="register.user.deactivated", subject=user, snapshot=_user_snapshot(user)
    )
    return user


# A person who left, by name no more: former-<id> (user_pseudonymise; retention finds who is not yet).
PSEUDONYM_PREFIX = "former-"


@transaction.atomic
def user_pseudonymise(*, acting_user: User | None, user: User) -> User:
    """A person who left: their name disappears from the register and from the audit trail;
    what they did stays, under a stable pseudonym."""
    if user.is_active:
        raise ValidationError(_("Deactivate the person before pseudonymising them."), code="still_active")
    pseudonym = f"{PSEUDONYM_PREFIX}{user.pk}"
    names = {user.get_full_name(), user.get_username()} - {""}
    Delivery.scrub(address=user.email, names=names, pseudonym=pseudonym)
    user.username, user.first_name, user.last_name, user.email = pseudonym, "", "", ""
    user.set_unusable_password()
    user.save()
    AuditEvent.objects.pseudonymise(user_id=user.pk, pseudonym=pseudonym)
    _touch_use_cases_showing(user)
    audit_log(
        actor=acting_user, action="register.user.pseudonymised", subject=user, snapshot=_user_snapshot(user)
    )
    return user


def _touch_use_cases_showing(user: User) -> None:
    """The use-cases whose detail shows the person's name now show the pseudonym: their
    updated_at moves, so a copy kept up to date with `updated_since` loses the name too."""
    shown = (
        Q(owner=user)
        | Q(decisions__decided_by=user)
        | Q(decisions__actions__owner=user)
        | Q(reviews__reviewer=user)
        | Q(obligations__done_by=user)
        | Q(assessments__author=user)
        | Q(assessments__second_approver=user)
    )
    ids = set(UseCase.objects.filter(shown).values_list("pk", flat=True))
    touch_all(UseCase.objects.filter(pk__in=ids))
