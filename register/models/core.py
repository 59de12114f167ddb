"""The register's models. Models derive only from their own row (STYLE.md §2); writes that span
models, write audit or send messages live in `register.services`."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register.choices import Language


class User(AbstractUser):
    """Django's user plus a language preference; custom from the first migration."""

    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Language.choices,
        default=Language.BROWSER,
        blank=True,
        help_text=_("The language of screens and e-mails; empty follows the browser."),
    )
    weekly_digest = models.BooleanField(
        _("weekly digest"),
        default=False,
        help_text=_("One e-mail a week listing what is due and late, instead of one per reminder."),
    )
    # The secret calendar feed: only a hash of its token is kept (the person can rotate it).
    calendar_token_hash = models.CharField(max_length=64, blank=True, editable=False)

    # Never copied into an audit snapshot.
    AUDIT_EXCLUDE = frozenset({"password", "calendar_token_hash"})

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        # The reminder planner finds a recipient's account by address, case-insensitively
        # (reminders.digest_reader): without it, a scan of every user per reminder.
        indexes = [models.Index(Upper("email"), name="user_email_upper")]


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("Audit events are never updated.")

    def delete(self) -> NoReturn:
        raise TypeError("Audit events are never deleted.")

    def forget(self, *, subject_type: str, subject_id: str, fields: tuple[str, ...]) -> None:
        """The other sanctioned rewrite (retention): personal fields of a record that keeps no
        more of them are emptied in the snapshots of its own events."""
        for event in self.filter(subject_type=subject_type, subject_id=subject_id):
            snapshot = {**event.snapshot, **{k: "" for k in fields if k in event.snapshot}}
            models.QuerySet.update(self.filter(pk=event.pk), snapshot=snapshot)

    def pseudonymise(self, *, user_id: int, pseudonym: str) -> None:
        """A sanctioned rewrite (PRODUCT.md, retention; `forget` is the other): a person who left is replaced by a
        pseudonym as actor and in the snapshots of their own user record."""
        personal = {"username": pseudonym, "first_name": "", "last_name": "", "email": ""}
        models.QuerySet.update(self.filter(actor_id=user_id), actor_label=pseudonym)
        for event in self.filter(subject_type="register.user", subject_id=str(user_id)):
            snapshot = {**event.snapshot, **{k: v for k, v in personal.items() if k in event.snapshot}}
            models.QuerySet.update(self.filter(pk=event.pk), snapshot=snapshot)


class AppendOnlyModel(models.Model):
    """Rows that are written once and never changed or removed: the audit trail and stored
    assessments. (Queryset-level update/delete are refused by AuditEventQuerySet; assessments are
    only ever created by services.)"""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(
                f"{str(self._meta.verbose_name_plural).capitalize()} are never updated (append-only)."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            f"{str(self._meta.verbose_name_plural).capitalize()} are never deleted (append-only)."
        )


class AuditEvent(AppendOnlyModel):
    """One entry in the one audit trail (STYLE.md §6): who did what to which record, when, why,
    and the record as it stood after. Written by services through `register.audit.audit_log`."""

    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    # PROTECT: a person who acted stays in the trail; people who left are pseudonymised, not deleted.
    actor = models.ForeignKey(
        "register.User",
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100)
    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    # A plain number, not a foreign key: the trail outlives a use-case a superuser deleted.
    use_case_id = models.BigIntegerField(_("use-case"), null=True, blank=True)
    justification = models.TextField(_("why"), blank=True)
    snapshot = models.JSONField(_("record after the change"), encoder=DjangoJSONEncoder, default=dict)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("occurred_at", "id")
        indexes = [
            # The history of one use-case in time order: /api/v1/use-cases/{id}/history/, as_of.
            models.Index(fields=["use_case_id", "occurred_at", "id"], name="auditevent_use_case_time"),
            # The history of any one record: the admin's history pages.
            models.Index(
                fields=["subject_type", "subject_id", "occurred_at"], name="auditevent_subject_time"
            ),
            # The whole trail in time order: /api/v1/audit-events/ (cursor on occurred_at, id).
            models.Index(fields=["occurred_at", "id"], name="auditevent_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__regex=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"),
                name="auditevent_action_dotted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}#{self.subject_id}"


class Heartbeat(models.Model):
    """Written by the `ping` task so `koers_ping` can see a worker took a message off the broker."""

    token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return str(self.token)
