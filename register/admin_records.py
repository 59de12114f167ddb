"""The register's other records in the admin: read-only lists with links back to their
use-case, and the few writes the committee makes here (an action done, a vendor completed)
through services. Imported by register.admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from register import incident_alerts, services
from register.admin import KoersModelAdmin, ReadOnlyAdmin
from register.forms import IncidentAdminForm
from register.models import (
    Action,
    ApiAccess,
    BusinessUnit,
    Decision,
    Incident,
    LegalEntity,
    Membership,
    ObligationItem,
    Review,
    RiskAssessment,
    SweepRun,
    UseCase,
    Vendor,
)
from register.selectors import action_past_due_q


def use_case_link(use_case: UseCase | None) -> str:
    if use_case is None:
        return "—"
    url = reverse("admin:register_usecase_change", args=[use_case.pk])
    return format_html('<a href="{}">{}</a>', url, str(use_case))


class OfUseCase(ReadOnlyAdmin):
    """Records that belong to a use-case: scoped like the use-cases, linked back to them."""

    @admin.display(description=_("use-case"), ordering="use_case__reference")
    def use_case_link(self, obj: Any) -> str:
        return use_case_link(obj.use_case)


class PastDueFilter(admin.SimpleListFilter):
    title = _("past due")
    parameter_name = "past_due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Action]) -> QuerySet[Action]:
        if self.value() == "yes":
            return queryset.filter(action_past_due_q(timezone.localdate()))
        return queryset


class ClockOpenFilter(admin.SimpleListFilter):
    """Incidents with a clock not yet marked done (the dashboard's number links here)."""

    title = _("clock open")
    parameter_name = "clock_open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        if self.value() == "yes":
            return incident_alerts.clock_open(queryset)
        return queryset


@admin.register(Decision)
class DecisionAdmin(OfUseCase):
    list_display = ("decided_at", "kind", "use_case_link", "decided_by", "meeting")
    list_filter = ("kind",)
    search_fields = ("use_case__reference", "use_case__name", "justification", "conditions")
    list_select_related = ("use_case", "decided_by", "meeting")
    date_hierarchy = "decided_at"


@admin.register(Action)
class ActionAdmin(OfUseCase):
    """The conditions the committee set, to follow up; "mark done" goes through the service."""

    list_display = ("description", "use_case_link", "owner", "due_date", "done_at")
    list_filter = (PastDueFilter, ("done_at", admin.EmptyFieldListFilter))
    search_fields = ("description", "decision__use_case__reference", "decision__use_case__name")
    list_select_related = ("decision__use_case", "owner")
    ordering = ("done_at", "due_date", "id")
    actions = ["mark_done"]

    @admin.display(description=_("use-case"), ordering="decision__use_case__reference")
    def use_case_link(self, obj: Action) -> str:
        return use_case_link(obj.decision.use_case)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only to run the action below; the change form itself stays read-only.
        return bool(request.user.has_perm("register.decide_usecase")) and obj is None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Action._meta.fields]

    @admin.action(description=_("Mark the selected actions as done"), permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        done = 0
        for action in queryset:
            try:
                services.action_complete(acting_user=request.user, action=action)  # type: ignore[arg-type]
            except ValidationError as error:
                self.message_user(request, f"{action}: {' '.join(error.messages)}", messages.WARNING)
            else:
                done += 1
        self.message_user(
            request, ngettext("%(count)d action done.", "%(count)d actions done.", done) % {"count": done}
        )


@admin.register(Review)
class ReviewAdmin(OfUseCase):
    list_display = ("due_date", "use_case_link", "reviewer", "outcome", "next_due", "recorded_at")
    list_filter = ("outcome",)
    search_fields = ("use_case__reference", "use_case__name", "findings")
    list_select_related = ("use_case", "reviewer")


@admin.register(Incident)
class IncidentAdmin(OfUseCase):
    """Read-only, with its clocks and the rule next to each above the record; a committee member
    marks a clock done with its reference (through the service)."""

    list_display = ("happened_at", "use_case_link", "seriousness", "severity", "status")
    list_filter = (
        ClockOpenFilter,
        "seriousness",
        "status",
        "personal_data_breach",
        "death",
        "widespread_infringement",
    )
    search_fields = ("use_case__reference", "use_case__name", "what_happened")
    list_select_related = ("use_case",)

    def may_mark(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("register.decide_usecase"))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The committee records an incident for a chosen use-case (through the service).
        return self.may_mark(request)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            return IncidentAdminForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        if change or not self.may_mark(request):
            raise PermissionDenied
        facts = dict(form.cleaned_data)
        use_case = facts.pop("use_case")
        incident = services.incident_record(
            acting_user=request.user,  # type: ignore[arg-type]
            use_case=use_case,
            **facts,
        )
        obj.pk = incident.pk
        obj._state.adding = False

    def response_add(
        self, request: HttpRequest, obj: Incident, post_url_continue: str | None = None
    ) -> HttpResponse:
        messages.success(request, gettext("The incident is recorded; its clocks are shown below."))
        return HttpResponseRedirect(reverse("admin:register_incident_change", args=[obj.pk]))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        incident = self.get_object(request, object_id)
        if incident is None:
            raise Http404(gettext("There is no incident with this number."))
        if request.method == "POST":
            if not self.may_mark(request):
                raise PermissionDenied
            try:
                services.incident_clock_done(
                    acting_user=request.user,  # type: ignore[arg-type]
                    incident=incident,
                    clock=request.POST.get("clock", ""),
                    reference=request.POST.get("reference", ""),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, gettext("The clock is marked done; its alerts stop."))
            return HttpResponseRedirect(request.path)
        context = {
            **(extra_context or {}),
            "incident": incident,
            "clocks": incident_alerts.clocks_of(incident),
            "language": translation.get_language(),
            "may_mark": self.may_mark(request),
            "now": timezone.now(),
        }
        return super().change_view(request, object_id, form_url, context)


@admin.register(ObligationItem)
class ObligationItemAdmin(OfUseCase):
    list_display = ("code", "article", "use_case_link", "status", "done_at")
    list_filter = ("status", "code")
    search_fields = ("use_case__reference", "use_case__name", "code")
    list_select_related = ("use_case",)


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(OfUseCase):
    list_display = (
        "created_at",
        "use_case_link",
        "kind",
        "risk_tier",
        "complete",
        "ruleset_version",
        "author",
    )
    list_filter = ("kind", "risk_tier", "complete", "ruleset_version")
    search_fields = ("use_case__reference", "use_case__name", "justification")
    list_select_related = ("use_case", "author")


@admin.register(LegalEntity)
class LegalEntityAdmin(ReadOnlyAdmin):
    list_display = ("name", "is_public_body", "provides_public_service")
    search_fields = ("name",)


@admin.register(BusinessUnit)
class BusinessUnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "legal_entity", "lead")
    # The secret that signs the unit's webhooks is for the receiver only, not for readers.
    exclude = ("webhook_secret",)
    search_fields = ("name",)
    list_select_related = ("legal_entity", "lead")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "business_unit")
    search_fields = ("user__username", "business_unit__name")
    list_select_related = ("user", "business_unit")


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "delivered", "failed", "marked_unknown", "error")
    date_hierarchy = "started_at"


@admin.register(ApiAccess)
class ApiAccessAdmin(ReadOnlyAdmin):
    """Who asked the API for what with a token, newest first (the committee's view permission)."""

    list_display = ("occurred_at", "user", "method", "path", "status_code", "duration_ms")
    list_filter = (("user", admin.RelatedOnlyFieldListFilter), "status_code", "method")
    search_fields = ("path",)
    list_select_related = ("user",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False  # the log grows with every request; counting it all is slow


@admin.register(Vendor)
class VendorAdmin(KoersModelAdmin):
    """Vendors are recorded once and reused; the committee completes them here (audited)."""

    list_display = (
        "name",
        "product",
        "ai_act_role",
        "processor_agreement",
        "trains_on_our_data",
        "updated_at",
    )
    list_filter = ("ai_act_role", "processor_agreement", "trains_on_our_data", "ce_marking")
    search_fields = ("name", "product")
    exclude = ("created_at", "updated_at")
    actions = ["model_changed"]

    @admin.action(
        description=_("Record a model change (an extra review of each use-case in use)"),
        permissions=["change"],
    )
    def model_changed(self, request: HttpRequest, queryset: QuerySet[Vendor]) -> None:
        total = 0
        for vendor in queryset:
            total += services.vendor_model_changed(
                acting_user=request.user,  # type: ignore[arg-type]
                vendor=vendor,
                note=str(_("recorded in the admin")),
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d use-case gets an extra review.", "%(count)d use-cases get an extra review.", total
            )
            % {"count": total},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: Vendor, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        user = request.user
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            services.vendor_update(acting_user=user, vendor=obj, **changes)  # type: ignore[arg-type]
        else:
            facts = {k: v for k, v in form.cleaned_data.items() if k != "name"}
            created = services.vendor_create(acting_user=user, name=form.cleaned_data["name"], **facts)  # type: ignore[arg-type]
            obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:  # type: ignore[type-arg]
        return None  # no related records are edited here
