"""The register in the committee's admin: the use-case list with its filters, the review
queue, and the use-case page with the whole record and the decisions taken on it (through
services, register/admin_decisions.py). Imported by register.admin."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from register import services, standards
from register.admin import ReadOnlyAdmin
from register.admin_decisions import BY_KEY, CHOICES, DecisionForm
from register.admin_import import import_urls
from register.agenda import waiting_since
from register.choices import LifecycleStage, WorkflowStatus, WorksCouncilPosition
from register.forms import apply_errors
from register.history import readable
from register.models import AuditEvent, UseCase
from register.selectors import (
    DUE_SOON_DAYS,
    classification_standing,
    due_between_q,
    due_soon_q,
    overdue_q,
    questionnaire_result,
    use_cases_visible_to,
    with_overdue_flag,
)
from register.workflow import InvalidTransition


class ReviewFilter(admin.SimpleListFilter):
    title = _("next review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("Overdue")),
            ("due30", _("Due within %(days)d days") % {"days": DUE_SOON_DAYS}),
            ("none", _("None planned")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(overdue_q(today))
        if self.value() == "due30":
            return queryset.filter(due_soon_q(today))
        if self.value() == "none":
            return queryset.filter(Q(schedule__isnull=True) | Q(schedule__next_due__isnull=True))
        return queryset


class ReviewMonthFilter(admin.SimpleListFilter):
    """Reviews due in a given month (the dashboard's chart links here)."""

    title = _("review due in")
    parameter_name = "review_due_month"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        today = timezone.localdate().replace(day=1)
        months = []
        for n in range(12):
            month = (today.month - 1 + n) % 12 + 1
            year = today.year + (today.month - 1 + n) // 12
            months.append((f"{year}-{month:02d}", dt.date(year, month, 1).strftime("%Y-%m")))
        return months

    def queryset(self, request: HttpRequest, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
        value = self.value() or ""
        try:
            year, month = (int(part) for part in value.split("-"))
            start = dt.date(year, month, 1)
            end = start + relativedelta(months=1)
        except (ValueError, OverflowError):  # not a month: the filter is ignored, as Django does
            return queryset
        return queryset.filter(due_between_q(start, end))


class YesFilter(admin.SimpleListFilter):
    """A filter with one choice, "yes"; subclasses say what it means."""

    condition: Q

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
        return queryset.filter(self.condition) if self.value() == "yes" else queryset


class LegalReviewFilter(YesFilter):
    title = _("needs legal review")
    parameter_name = "legal_review"
    # A "don't know" answer leaves the current assessment incomplete (DIGEST: open questions).
    condition = Q(current_assessment__complete=False)


class StaleOverrideFilter(YesFilter):
    title = _("override may be stale")
    parameter_name = "stale_override"
    condition = Q(override_may_be_stale=True)


class OwnerInactiveFilter(YesFilter):
    title = _("owner inactive")
    parameter_name = "owner_inactive"
    condition = Q(owner__is_active=False)


class WorksCouncilFilter(YesFilter):
    title = _("works council pending")
    parameter_name = "works_council"
    condition = Q(affects_employees=True) & Q(
        works_council_position__in=(WorksCouncilPosition.PENDING, WorksCouncilPosition.NOT_APPLICABLE)
    )

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
        return queryset.filter(self.condition) if self.value() == "pending" else queryset


class RetiredFilter(admin.SimpleListFilter):
    title = _("retired")
    parameter_name = "retired"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Not retired")), ("yes", _("Retired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
        if self.value() == "no":
            return queryset.exclude(lifecycle_stage=LifecycleStage.RETIRED)
        if self.value() == "yes":
            return queryset.filter(lifecycle_stage=LifecycleStage.RETIRED)
        return queryset


def _standard_download(key: str, use_cases: QuerySet[UseCase]) -> HttpResponse:
    """The selected use-cases in the standard, as the API answers it (a JSON file)."""
    payload = standards.export(
        standards.STANDARDS[key], standards.with_checklist(use_cases).order_by("created_at", "id")
    )
    body = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"koers-{key}-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(UseCase)
class UseCaseAdmin(ReadOnlyAdmin):
    """The register, read-only; decisions are the forms on each use-case's page."""

    list_display = (
        "reference",
        "name",
        "business_unit",
        "owner_name",
        "lifecycle_stage",
        "status",
        "tier",
        "policy_tier",
        "fria_required",
        "human_oversight",
        "next_review",
    )
    list_display_links = ("reference", "name")
    list_filter = (
        "status",
        "lifecycle_stage",
        "risk_tier",
        "classification_status",
        "policy_tier",
        "fria_required",
        "human_oversight",
        "business_unit",
        ReviewFilter,
        ReviewMonthFilter,
        LegalReviewFilter,
        StaleOverrideFilter,
        OwnerInactiveFilter,
        WorksCouncilFilter,
        RetiredFilter,
    )
    search_fields = (
        "reference",
        "name",
        "owner__username",
        "owner__first_name",
        "owner__last_name",
        "owner__email",
        "vendor__name",
        "vendor__product",
    )
    list_select_related = ("business_unit", "owner", "schedule")
    list_per_page = 50
    change_form_template = "admin/register/usecase/change_form.html"
    # Downloads only: they change nothing, so seeing the register is enough (committee, auditors).
    actions = ["export_algoritmeregister", "export_eu_database"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[UseCase]:
        # The list shows whether a review is overdue, not the open actions (my use-cases page does).
        return with_overdue_flag(use_cases_visible_to(request.user), timezone.localdate())

    @admin.display(description=_("accountable owner"), ordering="owner__last_name")
    def owner_name(self, obj: UseCase) -> str:
        return obj.owner.get_full_name() or obj.owner.get_username()

    @admin.display(description=_("risk tier"), ordering="risk_tier")
    def tier(self, obj: UseCase) -> str:
        if not obj.risk_tier:
            return format_html('<span class="koers-tier">{}</span>', gettext("Not yet assessed"))
        return format_html(
            '<span class="koers-tier koers-tier-{}">{}</span> <small>{}</small>',
            obj.risk_tier,
            obj.get_risk_tier_display(),
            obj.get_classification_status_display(),
        )

    @admin.display(description=_("next review"), ordering="schedule__next_due")
    def next_review(self, obj: UseCase) -> str:
        schedule = getattr(obj, "schedule", None)
        if schedule is None or schedule.next_due is None:
            return "—"
        day = format_html("{}", schedule.next_due.strftime("%Y-%m-%d"))
        if getattr(obj, "review_overdue", False):
            return format_html('{} <strong class="koers-overdue">{}</strong>', day, gettext("overdue"))
        return day

    # -- actions: exports to outside standards (register/standards.py) --

    @admin.action(description=_("Export for the algorithm register"), permissions=["view"])
    def export_algoritmeregister(self, request: HttpRequest, queryset: QuerySet[UseCase]) -> HttpResponse:
        return _standard_download("algoritmeregister", queryset)

    @admin.action(description=_("Export for the EU database"), permissions=["view"])
    def export_eu_database(self, request: HttpRequest, queryset: QuerySet[UseCase]) -> HttpResponse:
        return _standard_download("eu-database", queryset)

    # -- URLs: the import, the review queue, and the use-case page (with decisions) --

    def get_urls(self) -> list[Any]:
        own = [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="register_usecase_queue"),
        ]
        return [*import_urls(self), *own, *super().get_urls()]

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        """Submitted use-cases, the one waiting longest first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        waiting = list(self.get_queryset(request).filter(status=WorkflowStatus.SUBMITTED))
        since = waiting_since(case.pk for case in waiting)
        for case in waiting:  # a use-case the trail says nothing of (imported) counts from its last change
            case.waiting_since = since.get(case.pk, case.updated_at)  # type: ignore[attr-defined]
        waiting.sort(key=lambda case: (case.waiting_since, case.pk))  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Review queue"),
            "opts": self.opts,
            "use_cases": waiting,
        }
        return TemplateResponse(request, "admin/register/usecase/queue.html", context)

    def may_decide(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("register.decide_usecase"))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        use_case = self.get_object(request, object_id)
        if use_case is None:
            raise Http404(gettext("There is no use-case with this number."))
        posted = request.POST.get("decision", "") if request.method == "POST" else ""
        forms: dict[str, DecisionForm] = {}
        if posted:
            if not self.may_decide(request):
                raise PermissionDenied
            # Whether the decision fits the use-case now is the service's to say (with its reason).
            choice = BY_KEY.get(posted)
            if choice is None:
                messages.error(request, gettext("Unknown decision."))
                return HttpResponseRedirect(request.path)
            form = choice.form(request.POST, use_case=use_case, prefix=choice.key)
            if form.is_valid():
                try:
                    done = form.run(request.user)  # type: ignore[arg-type]
                except services.StaleEdit as stale:
                    form.add_error(None, str(stale))
                except InvalidTransition as refused:
                    form.add_error(None, str(refused))
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    messages.success(request, done)
                    return HttpResponseRedirect(request.path)
            forms[choice.key] = form
            messages.error(request, gettext("Not saved: see the message at the decision below."))
            # Show the page again with what was typed; Django's own form is read-only here.
            request.method = "GET"
        context = {**(extra_context or {}), **self._record(request, use_case, forms)}
        return super().change_view(request, object_id, form_url, context)

    def _record(
        self, request: HttpRequest, use_case: UseCase, bound: dict[str, DecisionForm]
    ) -> dict[str, Any]:
        standing = classification_standing(use_case)
        events = list(
            AuditEvent.objects.filter(use_case_id=use_case.pk)
            .select_related("actor")
            .order_by("occurred_at", "id")
        )
        decisions = use_case.decisions.select_related("decided_by", "meeting").prefetch_related(
            "actions__owner"
        )
        proposal = use_case.override_proposals.filter(outcome="").select_related("proposed_by").first()
        forms = []
        if self.may_decide(request):
            for choice in CHOICES:
                if choice.key in bound:
                    forms.append((choice.key, bound[choice.key]))
                elif choice.applies(use_case, request.user, proposal):  # type: ignore[arg-type]
                    forms.append((choice.key, choice.form(use_case=use_case, prefix=choice.key)))
        return {
            "use_case": use_case,
            "language": translation.get_language(),
            "standing": standing,
            "result": questionnaire_result(use_case, standing),
            "obligations": use_case.obligations.order_by("id"),
            "decisions": decisions.order_by("-decided_at", "-id"),
            "reviews": use_case.reviews.select_related("reviewer").order_by("-due_date", "-id"),
            "incidents": use_case.incidents.order_by("-id"),
            "deliveries": use_case.deliveries.order_by("-created_at", "-id")[:50],
            "history": list(reversed(readable(events))),
            "decision_forms": forms,
            "proposal": proposal,
        }
