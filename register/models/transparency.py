"""What the public sees (issue 9): a use-case's publication and the organisation's AI pledge.
Kept apart from the use-case: the public wording is the committee's, set when it publishes, and
publishing moves neither the use-case's edit version nor its place in the review workflow."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    """A use-case on the public transparency page: the committee's opt-in and the plain words
    the public reads. Shown only while published, approved and not retired (the selector)."""

    use_case = models.OneToOneField(
        "register.UseCase",
        verbose_name=_("use-case"),
        on_delete=models.PROTECT,
        related_name="publication",
    )
    published = models.BooleanField(_("published"), default=False)
    summary = models.TextField(
        _("what it does and why"), help_text=_("In plain words, for customers and staff.")
    )
    where_met = models.TextField(_("where people meet it"), blank=True)
    contact = models.EmailField(
        _("public contact"),
        help_text=_("A role or team address (e.g. klantenservice@…), never a person's own."),
    )
    how_to_reach = models.TextField(
        _("how to reach a person or object"),
        blank=True,
        help_text=_("What people do to talk to a person, or to object to the outcome."),
    )
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ("use_case__reference", "id")
        indexes = [
            # The public page and its feed: the published ones only.
            models.Index(fields=["use_case"], name="publication_shown", condition=Q(published=True)),
        ]

    def __str__(self) -> str:
        return str(self.use_case)


class TransparencyPledge(models.Model):
    """The organisation's AI pledge at the top of the public page, in Dutch and English. One
    row (pk 1), edited through `services.pledge_update`."""

    text_nl = models.TextField(_("pledge (Dutch)"), blank=True)
    text_en = models.TextField(_("pledge (English)"), blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("AI pledge")
        verbose_name_plural = _("AI pledge")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="transparencypledge_singleton")]

    def __str__(self) -> str:
        return str(_("AI pledge"))

    def text(self, language: str) -> str:
        """The pledge in `language`, else in the other one (better than nothing)."""
        own = self.text_en if language == "en" else self.text_nl
        return own or self.text_nl or self.text_en


class ExplanationRequest(models.Model):
    """Someone asks, on the public page, for an explanation of an AI-supported outcome or to talk
    to a person (issue 9; Art. 86 may give a right to it). No account: how to reach them is
    what they typed. The committee and the owner see it and set by when it is answered."""

    class Kind(models.TextChoices):
        EXPLANATION = "explanation", _("An explanation of an outcome")
        PERSON = "person", _("To talk to a person")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    use_case = models.ForeignKey(
        "register.UseCase",
        verbose_name=_("use-case"),
        on_delete=models.PROTECT,
        related_name="explanation_requests",
    )
    kind = models.CharField(_("asks for"), max_length=16, choices=Kind.choices, default=Kind.EXPLANATION)
    question = models.TextField(_("what the person asks"), max_length=4000)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    respond_by = models.DateField(_("answer by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_note = models.TextField(_("how it was answered"), blank=True)
    # Set by retention (apply_retention): the asker's name and contact details are gone.
    contact_removed_at = models.DateTimeField(
        _("contact details removed"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("explanation request")
        verbose_name_plural = _("explanation requests")
        ordering = ("-received_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone="") | Q(contact_removed_at__isnull=False),
                name="explanationrequest_reachable",
                violation_error_message=_("Give an e-mail address or a telephone number."),
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(answered_at__isnull=False),
                name="explanationrequest_answered_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_case} · {self.received_at:%Y-%m-%d}"
