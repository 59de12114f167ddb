"""The committee's meetings in the admin (imported by register.admin). The secretary records a
meeting through the service; Koers builds its agenda from the register as it stands
(register.agenda), shown on the meeting's page, printable and as CSV; once the meeting is held,
its page lists the decisions taken in it and their actions, printable too."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from register import services
from register.admin import KoersModelAdmin
from register.agenda import Agenda, AgendaItem, agenda, minutes, previous_meeting_day
from register.models import Meeting, User
from register.services.meetings import meeting_update


@dataclass(frozen=True)
class Section:
    """One point of the agenda as people read it: its title, what its date means, its items."""

    key: str
    title: str | Promise
    date_label: str | Promise
    items: list[AgendaItem]


# The agenda's points in the order the committee takes them: (Agenda field, title, date means).
SECTIONS = (
    ("submissions", gettext_lazy("Submissions waiting for a decision"), gettext_lazy("Waiting since")),
    ("overdue_reviews", gettext_lazy("Reviews overdue"), gettext_lazy("Review was due")),
    ("upcoming_reviews", gettext_lazy("Reviews due in the next 30 days"), gettext_lazy("Review due")),
    ("serious_incidents", gettext_lazy("Open serious incidents"), gettext_lazy("Known since")),
    (
        "incidents",
        gettext_lazy("Incidents since the previous meeting or with a clock open, and their clocks"),
        gettext_lazy("Known since"),
    ),
    ("overdue_actions", gettext_lazy("Actions past their due date"), gettext_lazy("Action was due")),
    ("stale_overrides", gettext_lazy("Overrides that may be stale"), gettext_lazy("Overridden on")),
)

# ?delimiter= of the CSV download: a comma by default; semicolons for spreadsheets set up for
# Dutch, where the comma is the decimal sign.
DELIMITERS = {"comma": ",", "semicolon": ";"}


def sections(of: Agenda) -> list[Section]:
    return [Section(key, title, date_label, getattr(of, key)) for key, title, date_label in SECTIONS]


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _person_and_username(user: User) -> str:
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def _tier(item: AgendaItem) -> str:
    case = item.use_case
    return str(case.get_risk_tier_display() if case.risk_tier else case.get_classification_status_display())


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: what people typed stays text.
    return f"'{value}" if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


def _csv_rows(of: Agenda) -> list[list[str]]:
    rows = [
        [
            _("Agenda point"),
            _("Reference"),
            _("Use-case"),
            _("Business unit"),
            _("Risk"),
            _("Date"),
            _("What the date means"),
            _("Who"),
            _("Details"),
        ]
    ]
    for section in sections(of):
        for item in section.items:
            case = item.use_case
            rows.append(
                [
                    str(section.title),
                    case.reference or "",
                    _cell(case.name),
                    _cell(case.business_unit.name),
                    _tier(item),
                    item.date.isoformat() if item.date else "",
                    str(section.date_label),
                    _cell(_person(item.person)),
                    _cell(" ".join(item.detail.split())),
                ]
            )
    return rows


class MeetingForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Meeting
        fields = ("held_on", "title", "attendees", "agenda")
        labels = {"attendees": gettext_lazy("Attendees"), "agenda": gettext_lazy("Other points")}
        # Plain checkboxes: readable by name, usable without a mouse or script.
        widgets = {"attendees": forms.CheckboxSelectMultiple}
        help_texts = {
            "agenda": gettext_lazy(
                "Points of your own. Koers adds the register's points (submissions, reviews, serious "
                "incidents, actions, stale overrides) as they stand on the day."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Active people, and whoever attended already (someone who left stays on the record).
        # (A view-only page has no such field: it shows the stored attendees as text.)
        attendees = self.fields.get("attendees")
        if attendees is not None:
            present = Q(meetings=self.instance) if self.instance.pk else Q(pk__in=[])
            attendees.queryset = (  # type: ignore[attr-defined]
                User.objects.filter(Q(is_active=True) | present)
                .distinct()
                .order_by("first_name", "last_name", "username")
            )
            attendees.label_from_instance = _person_and_username  # type: ignore[attr-defined]


@admin.register(Meeting)
class MeetingAdmin(KoersModelAdmin):
    form = MeetingForm
    list_display = ("held_on", "title", "decision_count")
    search_fields = ("title",)
    date_hierarchy = "held_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Meeting]:
        meetings: QuerySet[Meeting] = super().get_queryset(request)
        return meetings.annotate(decisions_taken=Count("decisions"))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None or self.has_change_permission(request, obj):
            return ("held_on", "title", "attendees", "agenda")
        return ("held_on", "title", "attendee_names", "agenda")  # viewing only: names, not ids

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("attendee_names",)

    @admin.display(description=gettext_lazy("Attendees"))
    def attendee_names(self, obj: Meeting) -> str:
        return ", ".join(_person_and_username(person) for person in obj.attendees.order_by("username"))

    @admin.display(description=gettext_lazy("decisions"), ordering="decisions_taken")
    def decision_count(self, obj: Meeting) -> int:
        return obj.decisions_taken  # type: ignore[attr-defined, no-any-return]

    # The committee records meetings (add/change_meeting in register/roles.py); the auditor only
    # views; only a superuser deletes (no role may).

    def save_model(self, request: HttpRequest, obj: Meeting, form: forms.ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        facts = {name: form.cleaned_data[name] for name in ("held_on", "title", "attendees", "agenda")}
        acting_user: User = request.user  # type: ignore[assignment]
        if change:
            meeting = meeting_update(acting_user=acting_user, meeting=obj, **facts)
        else:
            meeting = services.meeting_record(acting_user=acting_user, **facts)
        # The admin carries on with its own object (the message, the redirect): point it at the row.
        obj.pk, obj.created_at = meeting.pk, meeting.created_at
        obj._state.adding, obj._state.db = False, meeting._state.db

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service stored and audited the attendees; the form must not set them again."""

    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Any) -> Any:
            return self.admin_site.admin_view(require_GET(view))

        return [
            path("<path:object_id>/agenda/", wrap(self.agenda_view), name="register_meeting_agenda"),
            path(
                "<path:object_id>/agenda.csv", wrap(self.agenda_csv_view), name="register_meeting_agenda_csv"
            ),
            path("<path:object_id>/minutes/", wrap(self.minutes_view), name="register_meeting_minutes"),
            *super().get_urls(),
        ]

    def _meeting(self, request: HttpRequest, object_id: str) -> Meeting:
        meeting: Meeting | None = self.get_object(request, unquote(object_id))  # malformed id: None
        if meeting is None:
            raise Http404
        if not self.has_view_permission(request, meeting):
            raise PermissionDenied
        return meeting

    def _context(self, request: HttpRequest, meeting: Meeting, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "meeting": meeting,
            "attendees": meeting.attendees.order_by("username"),
            "title": title,
            "today": timezone.localdate(),
        }

    def agenda_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        meeting = self._meeting(request, object_id)
        context = self._context(request, meeting, _("Agenda: %(title)s") % {"title": meeting.title})
        context["sections"] = sections(agenda(context["today"], since=previous_meeting_day(meeting)))
        return TemplateResponse(request, "admin/register/meeting/agenda.html", context)

    def agenda_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        meeting = self._meeting(request, object_id)
        delimiter = DELIMITERS.get(request.GET.get("delimiter", "comma"))
        if delimiter is None or set(request.GET) - {"delimiter"}:
            return HttpResponseBadRequest(
                _("The delimiter is comma or semicolon."), content_type="text/plain"
            )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="agenda-{meeting.held_on:%Y-%m-%d}.csv"'
        response.write("\ufeff")  # the BOM: spreadsheets then read the file as UTF-8
        csv.writer(response, delimiter=delimiter).writerows(
            _csv_rows(agenda(timezone.localdate(), since=previous_meeting_day(meeting)))
        )
        return response

    def minutes_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        meeting = self._meeting(request, object_id)
        title = _("Decisions and actions: %(title)s") % {"title": meeting.title}
        context = self._context(request, meeting, title)
        context["minutes"] = minutes(meeting)
        return TemplateResponse(request, "admin/register/meeting/minutes.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Before the meeting, its page shows the agenda as of today; from its day on, the
        decisions taken in it and their actions (on the day itself, both)."""
        meeting = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if meeting is not None and request.method == "GET":
            today = timezone.localdate()
            context["today"] = today
            if meeting.held_on >= today:
                context["sections"] = sections(agenda(today, since=previous_meeting_day(meeting)))
            if meeting.held_on <= today:
                context["minutes"] = minutes(meeting)
        return super().change_view(request, object_id, form_url, context)
