"""How the committee governs: meetings, decisions and their follow-up actions, reviews and their
schedule, incidents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register.choices import DecisionKind, IncidentSeriousness, IncidentStatus, ReviewOutcome


class Meeting(models.Model):
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="meetings")
    agenda = models.TextField(_("agenda"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ("-held_on", "id")

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class Decision(models.Model):
    """The committee's decision on a use-case, in a meeting or in writing between meetings."""

    use_case = models.ForeignKey("register.UseCase", on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=24, choices=DecisionKind.choices)
    scope = models.TextField(_("scope"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ("decided_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=[DecisionKind.REQUEST_CHANGES, DecisionKind.REJECT])
                | ~Q(justification=""),
                name="decision_refusal_justified",
                violation_error_code="justification_required",
                violation_error_message=_("Say why when you reject a use-case or ask for changes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.decided_at:%Y-%m-%d})"


class Action(models.Model):
    """A follow-up of a decision's condition, with an owner and a due date."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField(_("description"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions")
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ("due_date", "id")

    def __str__(self) -> str:
        return self.description[:60]


class Review(models.Model):
    """A periodic ethics review, with its checklist and outcome."""

    use_case = models.ForeignKey("register.UseCase", on_delete=models.PROTECT, related_name="reviews")
    due_date = models.DateField(_("due date"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notice_still_right = models.BooleanField(_("notice still right"), null=True, blank=True)
    bias_checked = models.BooleanField(_("bias checked"), null=True, blank=True)
    bias_groups = models.TextField(_("for which groups"), blank=True)
    bias_result = models.TextField(_("with what result"), blank=True)
    oversight_effective = models.BooleanField(_("human oversight effective"), null=True, blank=True)
    override_rate = models.CharField(_("override rate"), max_length=100, blank=True)
    incidents_since = models.TextField(_("incidents since the last review"), blank=True)
    goal_met = models.BooleanField(_("goal met"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=ReviewOutcome.choices)
    findings = models.TextField(_("findings"), blank=True)
    next_due = models.DateField(_("next review due"), null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ("due_date", "id")

    def __str__(self) -> str:
        return f"{self.due_date}: {self.get_outcome_display()}"


class ReviewSchedule(models.Model):
    """Scheduling state, apart from the audited use-case (STYLE.md §7): the hourly sweep touches
    this row, so the use-case's updated_at and history stay meaningful."""

    use_case = models.OneToOneField("register.UseCase", on_delete=models.PROTECT, related_name="schedule")
    next_due = models.DateField(_("next review due"), null=True, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    # A pilot's end date, as its reminders were planned for it, and when the next one goes out.
    pilot_end = models.DateField(null=True, blank=True)
    pilot_reminder_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review schedule")
        verbose_name_plural = _("review schedules")
        indexes = [
            # send_reminders: the hourly sweep selects next_reminder_at <= now.
            models.Index(
                fields=["next_reminder_at"],
                name="schedule_reminder_due",
                condition=Q(next_reminder_at__isnull=False),
            ),
            # The hourly sweep also selects pilot_reminder_at <= now (a pilot's end date).
            models.Index(
                fields=["pilot_reminder_at"],
                name="schedule_pilot_reminder_due",
                condition=Q(pilot_reminder_at__isnull=False),
            ),
            # overdue_q(): the changelist, API filter, stats and dashboard filter on next_due.
            models.Index(fields=["next_due"], name="schedule_next_due"),
            # The dashboard joins each use-case to its next review without reading the table.
            models.Index(fields=["use_case"], include=["next_due"], name="schedule_due_of_use_case"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case_id}: {self.next_due}"


class Incident(models.Model):
    use_case = models.ForeignKey("register.UseCase", on_delete=models.PROTECT, related_name="incidents")
    what_happened = models.TextField(_("what happened"))
    happened_at = models.DateTimeField(_("when it happened"))
    aware_at = models.DateTimeField(_("when the organisation became aware"))
    harm_category = models.CharField(_("harm category"), max_length=100, blank=True)
    people_affected = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity (1-5)"), default=1)
    seriousness = models.CharField(
        _("serious incident (Art. 3(49))"), max_length=1, choices=IncidentSeriousness.choices, blank=True
    )
    # Art. 73(3)-(4) shorten the provider's report: 10 days after a death, 2 for a widespread
    # infringement (Art. 3(61)) or a critical-infrastructure disruption (seriousness "b").
    death = models.BooleanField(_("a person died"), default=False)
    widespread_infringement = models.BooleanField(_("widespread infringement (Art. 3(61))"), default=False)
    personal_data_breach = models.BooleanField(_("personal data breached"), default=False)
    immediate_measures = models.TextField(_("immediate measures"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices, default="open")
    report_references = models.TextField(_("report references"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ("-aware_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(aware_at__gte=models.F("happened_at")), name="incident_aware_after"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=5), name="incident_severity_1_5"
            ),
            models.CheckConstraint(
                condition=Q(death=False) | Q(seriousness=IncidentSeriousness.DEATH_OR_HEALTH),
                name="incident_death_is_serious",
                violation_error_code="death_is_serious",
                violation_error_message=_("A death is a serious incident of kind (a): choose that kind."),
            ),
        ]

    def __str__(self) -> str:
        return self.what_happened[:60]


class IncidentClockDone(models.Model):
    """One of an incident's clocks (register.incident_clocks) marked done, with the reference of
    the report or message that met it. The alerts for that clock stop."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="clocks_done")
    clock = models.CharField(_("clock"), max_length=32)
    reference = models.CharField(_("reference"), max_length=500)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("done"), default=timezone.now)

    class Meta:
        verbose_name = _("incident clock done")
        verbose_name_plural = _("incident clocks done")
        ordering = ("done_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["incident", "clock"], name="incident_clock_done_once"),
            models.CheckConstraint(condition=~Q(reference=""), name="incident_clock_done_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.clock}: {self.reference}"
