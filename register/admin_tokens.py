"""API tokens in the admin (issue 8), replacing DRF's token admin, which shows whole keys and
deletes without an audit event. The committee and superusers (`register.manage_api_tokens`)
list tokens by person (a key shows by its first four characters only), create one for a person,
rotate it and revoke it, each through a service that audits it. A new key is shown once, on the
page that answers the request that made it: it never goes into a message, session or log.
Imported by register.admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.admin import TokenChangeList
from rest_framework.authtoken.models import TokenProxy

from register import services
from register.admin import KoersModelAdmin
from register.models import User

PERMISSION = "register.manage_api_tokens"
TEMPLATES = "admin/authtoken/tokenproxy/"


class TokenCreateForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=User.objects.filter(is_active=True, auth_token__isnull=True).order_by("username"),
        help_text=gettext_lazy(
            "Only active people without a token are listed; a person has one token at most."
        ),
    )


@admin.register(TokenProxy)
class ApiTokenAdmin(KoersModelAdmin):
    """Tokens by person. The proxy's pk is the person's id (DRF), so URLs name the person."""

    list_display = ("user", "key_hint", "created")
    list_select_related = ("user",)
    # By person only: a search by key would let anyone who may list tokens probe for keys.
    search_fields = ("user__username",)
    ordering = ("user__username",)
    actions = None  # DRF's proxy maps ids to people; selections would not match its keys

    @admin.display(description=gettext_lazy("key"))
    def key_hint(self, obj: TokenProxy) -> str:
        # Enough to tell two keys apart in a conversation, not enough to use one.
        return f"{obj.key[:4]}…"

    def get_queryset(self, request: HttpRequest) -> QuerySet[TokenProxy]:
        return super().get_queryset(request).select_related("user")

    def _may_manage(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(PERMISSION))  # superusers hold every permission

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the page is read-only; rotate and revoke are its buttons

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: it is audited, and says what it does

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionDenied  # tokens are made by the services only (add_view, act_view)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[TokenChangeList]:
        return TokenChangeList  # links by the person's id, like DRF's own token admin

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> TokenProxy | None:
        if not object_id.isdigit():
            return None
        return self.get_queryset(request).filter(user_id=int(object_id)).first()

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The events are the person's (their token holds no history of its own).
        query = urlencode(
            {
                "subject_type": "register.user",
                "subject_id": object_id,
                "action__startswith": "register.api_token.",
            }
        )
        return HttpResponseRedirect(f"{reverse('admin:register_auditevent_changelist')}?{query}")

    def get_urls(self) -> list[URLPattern]:
        def view(act: str) -> Any:
            @require_http_methods(["GET", "POST"])
            def page(request: HttpRequest, object_id: str) -> HttpResponse:
                return self.act_view(request, object_id, act)

            return self.admin_site.admin_view(page)

        mine = [
            path(f"<path:object_id>/{act}/", view(act), name=f"authtoken_tokenproxy_{act}")
            for act in ("rotate", "revoke")
        ]
        return mine + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Our own page: Django's change form names the object by str(), which is a token's whole key.
        token = self._token_or_404(request, object_id)
        title = _("API token of %(person)s") % {"person": token.user.get_username()}
        return TemplateResponse(request, f"{TEMPLATES}token.html", self._context(request, title, token=token))

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TokenCreateForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            person: User = form.cleaned_data["user"]
            try:
                key = services.api_token_create(acting_user=request.user, user=person)  # type: ignore[arg-type]
            except ValidationError as error:
                form.add_error("user", error)
            else:
                return self._key_page(request, person, key)
        context = self._context(request, _("Create an API token"), form=form)
        return TemplateResponse(request, f"{TEMPLATES}create.html", context)

    def act_view(self, request: HttpRequest, object_id: str, act: str) -> HttpResponse:
        """Rotate or revoke one person's token: a confirmation page, then the POST does it."""
        token = self._token_or_404(request, object_id)
        person = token.user
        if request.method == "POST":
            return self._rotate(request, person) if act == "rotate" else self._revoke(request, person)
        titles = {
            "rotate": _("Rotate the API token of %(person)s"),
            "revoke": _("Revoke the API token of %(person)s"),
        }
        context = self._context(
            request, titles[act] % {"person": person.get_username()}, act=act, token=token
        )
        return TemplateResponse(request, f"{TEMPLATES}confirm.html", context)

    def _token_or_404(self, request: HttpRequest, object_id: str) -> TokenProxy:
        if not self._may_manage(request):
            raise PermissionDenied
        token = self.get_object(request, object_id)
        if token is None:
            raise Http404(_("That person has no API token."))
        return token

    def _rotate(self, request: HttpRequest, person: User) -> HttpResponse:
        try:
            key = services.api_token_rotate(acting_user=request.user, user=person)  # type: ignore[arg-type]
        except ValidationError as error:  # revoked by someone else in the meantime
            self.message_user(request, " ".join(error.messages), level="error")
            return HttpResponseRedirect(reverse("admin:authtoken_tokenproxy_changelist"))
        return self._key_page(request, person, key)

    def _revoke(self, request: HttpRequest, person: User) -> HttpResponse:
        services.api_token_revoke(acting_user=request.user, user=person)  # type: ignore[arg-type]
        self.message_user(
            request,
            _("The API token of %(person)s is revoked: it no longer works.")
            % {"person": person.get_username()},
        )
        return HttpResponseRedirect(reverse("admin:authtoken_tokenproxy_changelist"))

    def _key_page(self, request: HttpRequest, person: User, key: str) -> HttpResponse:
        """The one time anyone sees the key (the admin sends it with no-store caching)."""
        title = _("The new API key of %(person)s") % {"person": person.get_username()}
        return TemplateResponse(
            request, f"{TEMPLATES}key.html", self._context(request, title, key=key, person=person)
        )

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": None,
            **extra,
        }
