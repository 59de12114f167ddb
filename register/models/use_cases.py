"""What: the use-case, its stored assessments, its obligation checklist, and the reference counter."""

from __future__ import annotations

import operator
from functools import reduce

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register.choices import (
    AffectedGroup,
    AssessmentKind,
    ClassificationStatus,
    DpiaStatus,
    HumanOversight,
    LawfulBasis,
    LifecycleStage,
    ObligationStatus,
    Party,
    RiskTier,
    Sector,
    WorkflowStatus,
    WorksCouncilPosition,
    YesNoUnknown,
)
from register.models.core import AppendOnlyModel

# Who is affected: one fact per group people can tick (AffectedGroup).
AFFECTED_GROUP_FIELDS = tuple(f"affects_{group}" for group in AffectedGroup.values)
# What a use-case needs before it can be submitted, stated once for the database (constraint
# `usecase_complete_when_submitted`) and for people (`UseCase.missing_for_submission`): each
# requirement, named after the field people are told to fill, is met when any of its fields is.
REQUIRED_AT_SUBMISSION: dict[str, tuple[str, ...]] = {
    "purpose": ("purpose",),
    "affected_people": (*AFFECTED_GROUP_FIELDS, "affected_people"),
    "human_oversight": ("human_oversight",),
    "goal": ("goal",),
}


def _filled(name: str) -> Q:
    return Q((name, True)) if name in AFFECTED_GROUP_FIELDS else ~Q((name, ""))


SUBMISSION_COMPLETE = reduce(
    operator.and_,
    (reduce(operator.or_, map(_filled, fields)) for fields in REQUIRED_AT_SUBMISSION.values()),
)


class UseCase(models.Model):
    """One AI system used for one purpose by one business unit (PRODUCT.md)."""

    reference = models.CharField(
        _("reference"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices, default=Sector.OTHER)
    business_unit = models.ForeignKey(
        "register.BusinessUnit",
        verbose_name=_("business unit"),
        on_delete=models.PROTECT,
        related_name="use_cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accountable owner"),
        on_delete=models.PROTECT,
        related_name="owned_use_cases",
    )
    vendor = models.ForeignKey(
        "register.Vendor",
        verbose_name=_("vendor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="use_cases",
    )
    # The three states; nobody saves them directly: register.workflow and the services move them.
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=WorkflowStatus.choices,
        default=WorkflowStatus.DRAFT,
        editable=False,
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=16,
        choices=LifecycleStage.choices,
        default=LifecycleStage.IDEA,
        editable=False,
    )
    classification_status = models.CharField(
        _("classification status"),
        max_length=16,
        choices=ClassificationStatus.choices,
        default=ClassificationStatus.UNASSESSED,
        editable=False,
    )
    risk_tier = models.CharField(
        _("risk tier"), max_length=16, choices=RiskTier.choices, blank=True, editable=False
    )
    policy_tier = models.CharField(
        _("policy tier"),
        max_length=16,
        choices=RiskTier.choices,
        blank=True,
        editable=False,
        help_text=_("A stricter tier set by the organisation's policy; never shown as the law's."),
    )
    fria_required = models.BooleanField(_("FRIA required"), default=False, editable=False)
    current_assessment = models.ForeignKey(
        "register.RiskAssessment",
        verbose_name=_("current assessment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    override_may_be_stale = models.BooleanField(_("override may be stale"), default=False, editable=False)
    # The facts the committee cares about.
    customer_facing = models.BooleanField(_("customer-facing"), default=False)
    affects_customers = models.BooleanField(_("affects customers"), default=False)
    affects_employees = models.BooleanField(_("affects employees"), default=False)
    affects_patients = models.BooleanField(_("affects patients or clients in care"), default=False)
    affects_public = models.BooleanField(_("affects the public"), default=False)
    affected_people = models.TextField(
        _("affected people"), blank=True, help_text=_("Others affected, or more detail on who.")
    )
    personal_data = models.BooleanField(_("processes personal data"), default=False)
    special_categories = models.BooleanField(
        _("special categories of personal data (e.g. health)"), default=False
    )
    lawful_basis = models.CharField(_("lawful basis"), max_length=24, choices=LawfulBasis.choices, blank=True)
    processing_register_ref = models.CharField(_("processing register reference"), max_length=100, blank=True)
    dpia_needed = models.CharField(
        _("DPIA needed"), max_length=8, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    dpia_status = models.CharField(_("DPIA status"), max_length=16, choices=DpiaStatus.choices, blank=True)
    dpia_link = models.URLField(_("DPIA link"), blank=True)
    dpo_advice = models.TextField(_("DPO advice"), blank=True)
    automated_decisions = models.BooleanField(_("automated decisions (GDPR Art. 22)"), default=False)
    human_oversight = models.CharField(
        _("human oversight"), max_length=20, choices=HumanOversight.choices, blank=True
    )
    overseers = models.TextField(_("named overseers"), blank=True)
    overseers_can_stop = models.BooleanField(_("overseers can stop it"), null=True, blank=True)
    escalation_path = models.TextField(_("escalation path to a person"), blank=True)
    notice = models.TextField(_("notice people see"), blank=True)
    goal = models.TextField(_("measurable goal"), blank=True)
    pilot_scope = models.TextField(_("pilot scope"), blank=True)
    pilot_end_date = models.DateField(_("pilot end date"), null=True, blank=True)
    stop_criteria = models.TextField(_("stop criteria"), blank=True)
    works_council_position = models.CharField(
        _("works council position (WOR art. 27)"),
        max_length=16,
        choices=WorksCouncilPosition.choices,
        default=WorksCouncilPosition.NOT_APPLICABLE,
    )
    workers_informed = models.BooleanField(_("workers informed (Art. 26(7))"), default=False)
    review_cadence_months = models.PositiveSmallIntegerField(
        _("review every (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the cadence of the risk tier."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("use-case")
        verbose_name_plural = _("use-cases")
        ordering = ("created_at", "id")
        permissions = [("decide_usecase", _("Can decide on use-cases (the AI committee)"))]
        indexes = [
            # The API's cursor and updated_since filter.
            models.Index(fields=["created_at", "id"], name="usecase_created"),
            models.Index(fields=["updated_at"], name="usecase_updated"),
            # The dashboard's one scan reads only these (an index-only scan on PostgreSQL: a tenth
            # of the table's pages at 100,000 use-cases, BENCHMARKS.md).
            models.Index(
                fields=["id"],
                include=["business_unit", "risk_tier", "lifecycle_stage", "classification_status", "status"],
                name="usecase_counts",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=WorkflowStatus.DRAFT) | SUBMISSION_COMPLETE,
                name="usecase_complete_when_submitted",
                violation_error_message=_(
                    "A use-case with the committee needs its purpose, who is affected (a group ticked "
                    "or others described), the human oversight and the measurable goal."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status=WorkflowStatus.DRAFT) | Q(reference__isnull=False),
                name="usecase_reference_when_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(lifecycle_stage=LifecycleStage.PILOT)
                | Q(status=WorkflowStatus.DRAFT)
                | (Q(pilot_end_date__isnull=False) & ~Q(pilot_scope="") & ~Q(stop_criteria="")),
                name="usecase_pilot_scoped_when_submitted",
            ),
            models.CheckConstraint(
                condition=Q(classification_status=ClassificationStatus.UNASSESSED) | ~Q(risk_tier=""),
                name="usecase_tier_when_assessed",
            ),
            models.CheckConstraint(
                condition=Q(review_cadence_months__isnull=True) | Q(review_cadence_months__gte=1),
                name="usecase_cadence_positive",
                violation_error_message=_("Reviews are at least one month apart."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}" if self.reference else self.name

    def affected_group_labels(self) -> list[str]:
        """The ticked groups, in the person's language."""
        return [str(label) for group, label in AffectedGroup.choices if getattr(self, f"affects_{group}")]

    def missing_for_submission(self) -> list[str]:
        """The submission fields still empty (the constraint's rule, said to people)."""
        missing = [
            name
            for name, fields in REQUIRED_AT_SUBMISSION.items()
            if not any(getattr(self, field) for field in fields)
        ]
        if self.lifecycle_stage == LifecycleStage.PILOT:
            missing += [n for n in ("pilot_scope", "pilot_end_date", "stop_criteria") if not getattr(self, n)]
        return missing


class RiskAssessment(AppendOnlyModel):
    """One stored classification: the answers, the engine's result and its ruleset. Append-only;
    the use-case points at its current one."""

    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(
        _("kind"), max_length=16, choices=AssessmentKind.choices, default=AssessmentKind.ENGINE
    )
    answers = models.JSONField(_("answers"), default=dict)
    result = models.JSONField(_("result"), encoder=DjangoJSONEncoder, default=dict)
    risk_tier = models.CharField(_("risk tier"), max_length=16, choices=RiskTier.choices)
    complete = models.BooleanField(_("complete"), default=True)
    fria_required = models.BooleanField(_("FRIA required"), default=False)
    ruleset_version = models.CharField(_("ruleset version"), max_length=16)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.TextField(_("justification"), blank=True)
    second_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ("created_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=AssessmentKind.ENGINE) | ~Q(justification=""),
                name="riskassessment_override_justified",
                violation_error_message=_("An override needs a justification."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_case_id}: {self.risk_tier} ({self.kind}, {self.ruleset_version})"


class OverrideProposal(models.Model):
    """A downgrade one committee member proposes and a second one (never the owner) confirms
    in their own session: four eyes, each recorded (services.override_propose/confirm/decline)."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="override_proposals")
    risk_tier = models.CharField(_("proposed tier"), max_length=16, choices=RiskTier.choices)
    justification = models.TextField(_("justification"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        verbose_name = _("override proposal")
        verbose_name_plural = _("override proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["use_case"],
                condition=Q(outcome=""),
                name="overrideproposal_one_open_per_use_case",
                violation_error_message=_("A downgrade is already waiting for a second committee member."),
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="overrideproposal_decided_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_case} → {self.get_risk_tier_display()}"


class ObligationItem(models.Model):
    """One duty on a use-case's checklist; re-classification updates it without losing evidence."""

    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="obligations")
    code = models.CharField(_("code"), max_length=40)
    article = models.CharField(_("article"), max_length=40)
    title_nl = models.TextField(_("title (Dutch)"))
    title_en = models.TextField(_("title (English)"))
    owner = models.CharField(_("owed by"), max_length=16, choices=Party.choices)
    applies_from = models.DateField(_("applies from"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ObligationStatus.choices, default="open")
    evidence_url = models.URLField(_("evidence link"), blank=True)
    evidence_note = models.TextField(_("evidence note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ("use_case", "id")
        constraints = [
            models.UniqueConstraint(fields=["use_case", "code"], name="obligationitem_unique_code"),
            models.CheckConstraint(
                condition=~Q(status=ObligationStatus.DONE)
                | (Q(done_by__isnull=False) & Q(done_at__isnull=False)),
                name="obligationitem_done_has_who_and_when",
                violation_error_message=_("A duty that is done says who confirmed it and when."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"


class ReferenceCounter(models.Model):
    """The last reference number handed out per year (AI-2026-0042), taken in the submit service."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
