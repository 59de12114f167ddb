"""The public transparency page in the admin: the AI pledge (one record, saved through a
service) and the list of publications (read-only; publishing is a decision on the use-case's
page, register/admin_decisions.py). Imported by register.admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import DateInput, ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from register import services
from register.admin import KoersModelAdmin, ReadOnlyAdmin
from register.forms import apply_errors
from register.models import ExplanationRequest, Publication, TransparencyPledge
from register.selectors import use_cases_visible_to
from register.services.transparency import check_deadline


@admin.register(TransparencyPledge)
class TransparencyPledgeAdmin(KoersModelAdmin):
    """The organisation's AI pledge at the top of /transparency/, in Dutch and English."""

    fields = ("text_nl", "text_en")
    list_display = ("__str__", "updated_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # One pledge: once it exists, it is edited, not added again.
        return super().has_add_permission(request) and not TransparencyPledge.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(
        self, request: HttpRequest, obj: TransparencyPledge, form: ModelForm[Any], change: bool
    ) -> None:
        saved = services.pledge_update(
            acting_user=request.user,  # type: ignore[arg-type]
            text_nl=form.cleaned_data["text_nl"],
            text_en=form.cleaned_data["text_en"],
        )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        return None


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    """What is on the public page; publish or withdraw on the use-case's own page."""

    list_display = ("use_case_link", "published", "contact", "published_at", "updated_at")
    list_filter = ("published",)
    search_fields = ("use_case__reference", "use_case__name", "contact")
    list_select_related = ("use_case",)

    @admin.display(description=_("use-case"), ordering="use_case__reference")
    def use_case_link(self, obj: Publication) -> str:
        url = reverse("admin:register_usecase_change", args=[obj.use_case_id])
        return format_html('<a href="{}">{}</a>', url, obj.use_case)


class ExplanationRequestForm(ModelForm):  # type: ignore[type-arg]
    """Only the committee's two inputs: by when, and how it was answered."""

    class Meta:
        model = ExplanationRequest
        fields = ("respond_by", "answer_note")
        widgets = {"respond_by": DateInput(attrs={"type": "date"})}

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        try:
            if "respond_by" in self.changed_data and data.get("respond_by"):
                check_deadline(self.instance, data["respond_by"])
            if "answer_note" in self.changed_data and self.instance.status != ExplanationRequest.Status.OPEN:
                raise ValidationError(gettext("This request has been answered already."))
        except ValidationError as error:
            apply_errors(self, error)
        return data


@admin.register(ExplanationRequest)
class ExplanationRequestAdmin(KoersModelAdmin):
    """Questions from the public page: set by when each is answered (a reminder follows through
    the outbox) and record how it was answered; both through services."""

    form = ExplanationRequestForm
    list_display = ("received_at", "use_case", "kind", "status", "respond_by")
    list_filter = ("status", "kind")
    search_fields = ("use_case__reference", "use_case__name", "question")
    list_select_related = ("use_case",)
    readonly_fields = (
        "use_case",
        "kind",
        "question",
        "name",
        "email",
        "phone",
        "received_at",
        "status",
        "answered_at",
    )
    fields = (*readonly_fields, "respond_by", "answer_note")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExplanationRequest]:
        return super().get_queryset(request).filter(use_case__in=use_cases_visible_to(request.user))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # they come from the public page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(
        self, request: HttpRequest, obj: ExplanationRequest, form: ModelForm[Any], change: bool
    ) -> None:
        user = request.user
        if "respond_by" in form.changed_data and form.cleaned_data["respond_by"]:
            services.explanation_request_set_deadline(
                acting_user=user,  # type: ignore[arg-type]
                request=obj,
                respond_by=form.cleaned_data["respond_by"],
            )
        if "answer_note" in form.changed_data and form.cleaned_data["answer_note"]:
            services.explanation_request_answer(
                acting_user=user,  # type: ignore[arg-type]
                request=obj,
                note=form.cleaned_data["answer_note"],
            )

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        return None
