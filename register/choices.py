"""Choices shared across the register (STYLE.md module layout)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    BROWSER = "", _("As my browser asks")
    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")


class Role(models.TextChoices):
    COMMITTEE = "committee", _("AI committee")
    AUDITOR = "auditor", _("Auditor")
    MEMBER = "member", _("Member")


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class LifecycleStage(models.TextChoices):
    IDEA = "idea", _("Idea")
    PILOT = "pilot", _("Pilot")
    PRODUCTION = "production", _("Production")
    SUSPENDED = "suspended", _("Suspended")
    RETIRED = "retired", _("Retired")


class ClassificationStatus(models.TextChoices):
    UNASSESSED = "unassessed", _("Not yet assessed")
    INDICATIVE = "indicative", _("Indicative")
    CONFIRMED = "confirmed", _("Confirmed")
    OVERRIDDEN = "overridden", _("Overridden")


class RiskTier(models.TextChoices):
    PROHIBITED = "prohibited", _("Prohibited")
    HIGH_RISK = "high_risk", _("High risk")
    LIMITED = "limited", _("Limited risk")
    MINIMAL = "minimal", _("Minimal risk")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the AI Act")


class HumanOversight(models.TextChoices):
    IN_THE_LOOP = "human_in_the_loop", _("Human in the loop")
    ON_THE_LOOP = "human_on_the_loop", _("Human on the loop")
    IN_COMMAND = "human_in_command", _("Human in command")
    NONE = "none", _("No human oversight")


class Sector(models.TextChoices):
    RETAIL = "retail", _("Retail")
    HOSPITALITY = "hospitality", _("Hospitality")
    HEALTHCARE = "healthcare", _("Healthcare")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class AffectedGroup(models.TextChoices):
    """The people a use-case can affect, as ticked in the form; each is a fact of its own on the
    use-case (`affects_<group>`), so the works-council questions and filters can use it."""

    CUSTOMERS = "customers", _("Customers")
    EMPLOYEES = "employees", _("Employees")
    PATIENTS = "patients", _("Patients or clients in care")
    PUBLIC = "public", _("The public")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Don't know")


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent (GDPR Art. 6(1)(a))")
    CONTRACT = "contract", _("Contract (GDPR Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (GDPR Art. 6(1)(c))")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (GDPR Art. 6(1)(d))")
    PUBLIC_TASK = "public_task", _("Public task (GDPR Art. 6(1)(e))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (GDPR Art. 6(1)(f))")


class DpiaStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class WorksCouncilPosition(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    PENDING = "pending", _("Consent requested, pending")
    CONSENTED = "consented", _("Consented")
    REFUSED = "refused", _("Refused")


class AssessmentKind(models.TextChoices):
    ENGINE = "engine", _("Questionnaire (engine)")
    OVERRIDE = "override", _("Committee override")


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Party(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    DEPLOYER = "deployer", _("Deployer")


class DecisionKind(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Reject")
    CONFIRM_CLASSIFICATION = "confirm_classification", _("Confirm classification")
    OVERRIDE_CLASSIFICATION = "override_classification", _("Override classification")
    TO_PRODUCTION = "to_production", _("Move pilot to production")


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    CONTINUE_WITH_CONDITIONS = "continue_with_conditions", _("Continue with conditions")
    SUSPEND = "suspend", _("Suspend")
    RETIRE = "retire", _("Retire")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")


class IncidentSeriousness(models.TextChoices):
    NOT_SERIOUS = "", _("Not serious")
    DEATH_OR_HEALTH = "a", _("Death or serious harm to health (Art. 3(49)(a))")
    CRITICAL_INFRASTRUCTURE = "b", _("Serious disruption of critical infrastructure (Art. 3(49)(b))")
    FUNDAMENTAL_RIGHTS = "c", _("Infringement of fundamental rights obligations (Art. 3(49)(c))")
    PROPERTY_OR_ENVIRONMENT = "d", _("Serious harm to property or the environment (Art. 3(49)(d))")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    UNKNOWN = "unknown", _("Unknown: interrupted while sending")
    SKIPPED = "skipped", _("Skipped")
    GAVE_UP = "gave_up", _("Gave up after retries")
    DIGESTED = "digested", _("Sent in a weekly digest")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class ApiAuthentication(models.TextChoices):
    """How an API request proved who sent it (the access log records only token requests)."""

    TOKEN = "token", _("Token")
