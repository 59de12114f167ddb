"""The committee's admin (STYLE.md §15): read-only, or saving through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import TokenProxy

from register import services
from register.choices import Role
from register.models import AuditEvent, Delivery, User

# Nobody deletes in bulk; a superuser deletes one record at a time, on its own page.
admin.site.disable_action("delete_selected")
# Groups are code (register.roles), re-synced on every migrate: editing them here would not last.
admin.site.unregister(Group)
# DRF's token admin shows whole keys and deletes without an audit event; register.admin_tokens
# registers ours (`manage.py drf_create_token <username>` still works too).
admin.site.unregister(TokenProxy)
admin.site.site_header = _("Koers administration")
admin.site.site_title = _("Koers")
admin.site.index_title = _("AI committee")


class KoersModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """One audit trail (STYLE.md §6): Django's LogEntry is not written; services write
    AuditEvents, and an object's history page shows those."""

    # Django 6's default today: a URL typed without a scheme is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Secrets a changelist filter in the URL (`?key__startswith=a`) could otherwise reveal one
    # character at a time: Django allows any lookup on a model's own fields.
    SECRET_FIELDS = frozenset({"password", "key", "webhook_secret", "calendar_token_hash"})

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if self.SECRET_FIELDS.intersection(lookup.split(LOOKUP_SEP)):
            return False  # Django answers 400 (DisallowedModelAdminLookup)
        return bool(super().lookup_allowed(lookup, value, request))

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> None:  # type: ignore[override]
        return None

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> None:  # type: ignore[override]
        return None

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:  # type: ignore[override]
        return None

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        query = urlencode({"subject_type": self.opts.label_lower, "subject_id": object_id})
        return HttpResponseRedirect(f"{reverse('admin:register_auditevent_changelist')}?{query}")

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        services.record_delete(acting_user=request.user, instance=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(KoersModelAdmin):
    """Shows records; never saves them (writes happen in services, called from actions and
    small views)."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        raise PermissionDenied

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "action", "actor_label", "subject_type", "subject_id", "use_case_id")
    list_filter = ("action", "subject_type")
    search_fields = ("action", "actor_label", "subject_id", "justification")
    date_hierarchy = "occurred_at"
    list_select_related = ("actor",)
    show_full_result_count = False  # the trail grows without bound; counting it all is slow


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbox, for the committee: what went out, what is waiting, and what may not have
    (`unknown`: interrupted while sending, never resent; `gave_up`: failed after retries)."""

    list_display = (
        "created_at",
        "template",
        "recipient",
        "stage",
        "status",
        "attempts",
        "sent_at",
        "use_case",
    )
    list_filter = ("status", "channel", "template")
    search_fields = ("recipient", "subject_id")
    list_select_related = ("use_case",)
    date_hierarchy = "created_at"


def _role_action(role: Role, *, grant: bool) -> Any:
    def action(modeladmin: UserAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
        service = services.role_grant if grant else services.role_revoke
        for user in queryset:
            service(acting_user=request.user, user=user, role=role)  # type: ignore[arg-type]
        count = len(queryset)
        done = ngettext("Done for %(count)d person.", "Done for %(count)d people.", count)
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)

    verb = _("Grant role: %(role)s") if grant else _("Revoke role: %(role)s")
    action.__name__ = f"{'grant' if grant else 'revoke'}_{role.value}"
    return admin.action(description=verb % {"role": role.label}, permissions=["change"])(action)


@admin.register(User)
class UserAdmin(KoersModelAdmin, DjangoUserAdmin):  # type: ignore[type-arg]
    """People and their roles. Roles change only through the role actions (which audit)."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active", "roles")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    readonly_fields = ("groups", "user_permissions", "is_staff", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language", "weekly_digest")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    actions = [_role_action(role, grant=grant) for role in Role for grant in (True, False)]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))

    @method_decorator(transaction.atomic)
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # Atomic, so the new hash and its audit event (written in log_change) stand together.
        return super().user_change_password(request, id, form_url)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> None:  # type: ignore[override]
        # Django's password view (named auth_user_password_change whatever the user model)
        # calls this right after its form saved the new password.
        match = request.resolver_match
        if match is not None and match.url_name == "auth_user_password_change":
            services.user_password_changed(acting_user=request.user, user=obj, how="admin")  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        services.user_save(
            acting_user=request.user,  # type: ignore[arg-type]
            user=obj,
            changed_fields=[name for name in form.changed_data if name not in {"password1", "password2"}],
            created=not change,
        )


# The rest of the committee's admin, registered on import.
from register import (  # noqa: E402, F401
    admin_meetings,
    admin_records,
    admin_tokens,
    admin_transparency,
    admin_use_cases,
)
