"""Who: legal entities, their business units and members, and the vendors the register reuses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register.choices import Party, YesNoUnknown


class LegalEntity(models.Model):
    """A BV or foundation; it holds the facts that decide some legal duties (Art. 27, 49(3))."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_public_body = models.BooleanField(_("public body or governed by public law"), default=False)
    provides_public_service = models.BooleanField(
        _("provides a public service"),
        default=False,
        help_text=_("Education, care, social services, housing or justice, for example under contract."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class BusinessUnit(models.Model):
    legal_entity = models.ForeignKey(
        LegalEntity, verbose_name=_("legal entity"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=200)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_units",
        help_text=_("Receives escalations of overdue reviews."),
    )
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    # Never copied into an audit snapshot.
    AUDIT_EXCLUDE = frozenset({"webhook_secret"})
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=128,
        blank=True,
        help_text=_("Signs each webhook body (HMAC-SHA256, header X-Koers-Signature)."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="business_units", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "name"], name="businessunit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="memberships")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "business_unit"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.business_unit}"


class Vendor(models.Model):
    """A supplier and its product, recorded once and reused (PRODUCT.md, the domain)."""

    name = models.CharField(_("name"), max_length=200)
    product = models.CharField(_("product"), max_length=200, blank=True)
    ai_act_role = models.CharField(
        _("role under the AI Act"), max_length=16, choices=Party.choices, default="provider"
    )
    instructions_url = models.URLField(_("instructions for use"), blank=True)
    logs_location = models.CharField(_("where logs are kept"), max_length=200, blank=True)
    log_retention_days = models.PositiveIntegerField(_("log retention (days)"), null=True, blank=True)
    processor_agreement = models.BooleanField(_("processor agreement signed"), default=False)
    trains_on_our_data = models.CharField(
        _("trains on our data"), max_length=8, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    model_change_notice = models.TextField(_("how it announces model changes"), blank=True)
    incident_contact = models.CharField(_("incident contact"), max_length=200, blank=True)
    ce_marking = models.BooleanField(_("CE marking"), null=True, blank=True)
    eu_database_number = models.CharField(_("EU database registration number"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ("name", "product")
        constraints = [
            models.UniqueConstraint(fields=["name", "product"], name="vendor_unique_product"),
            models.CheckConstraint(
                condition=models.Q(log_retention_days__isnull=True) | models.Q(log_retention_days__gte=1),
                name="vendor_log_retention_positive",
                violation_error_message=_("Logs are kept for at least one day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.product}".strip()
