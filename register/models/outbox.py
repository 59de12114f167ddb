"""The outbox (STYLE.md §8): every outgoing message is a row before it is sent, sent at most once."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register.choices import DeliveryChannel, DeliveryStatus


class Delivery(models.Model):
    """One message to one recipient over one channel, for one subject, due date, stage and
    repeat. The unique constraint makes a second writer a no-op, never a second message."""

    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=64)
    use_case = models.ForeignKey(
        "register.UseCase", null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    due_date = models.DateField(_("due date"))
    stage = models.CharField(_("stage"), max_length=32)
    repeat = models.PositiveSmallIntegerField(_("repeat"), default=0)
    recipient = models.CharField(_("recipient"), max_length=500)
    channel = models.CharField(_("channel"), max_length=16, choices=DeliveryChannel.choices)
    language = models.CharField(max_length=8, default="nl")
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices, default="queued")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A reminder that went out in a weekly digest points to the digest's own delivery.
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="digested", editable=False
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "due_date", "stage", "repeat", "recipient", "channel"],
                name="delivery_once",
            ),
        ]
        indexes = [
            # The delivery sweep: queued, or failed and due for a retry, with next_attempt_at <= now.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending",
                condition=Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.FAILED]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient} ({self.status})"

    @classmethod
    def scrub(cls, *, address: str, names: set[str], pseudonym: str) -> None:
        """Pseudonymise a person who left in the outbox too: their address and their name in the
        stored message contexts (PRODUCT.md, retention)."""
        if address:
            cls.objects.filter(recipient=address).update(recipient=pseudonym)
        for row in cls.objects.filter(context__owner__in=list(names)):
            row.context = {**row.context, "owner": pseudonym}
            row.save(update_fields=["context"])


class SweepRun(models.Model):
    """One run of the periodic sweep: /healthz and the dashboard show the last one."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    marked_unknown = models.PositiveIntegerField(default=0)
    reminders_queued = models.PositiveIntegerField(default=0)
    reminders_skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
