"""The committee's import of last year's spreadsheet, in the admin: upload (a dry run by
default) -> the report, every bad row with its reasons and what would be created -> import.

The file is kept in the session between the dry run and the import (compressed, at most
`importing.MAX_BYTES`), so the committee confirms exactly what it checked; it is checked again
when imported, since the register may have changed in between."""

from __future__ import annotations

import base64
import secrets
import zlib
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from register import importing, services
from register.models import UseCase
from register.services.importing import ImportOutcome

SESSION_KEY = "register_import"
TEMPLATES = "admin/register/usecase/"
# Importing creates use-cases: the committee's role holds this permission (register.roles).
PERMISSION = "register.add_usecase"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=gettext_lazy(
            "At most 5 MB and 5,000 rows. The first row names the columns; name, business unit and "
            "owner (username or e-mail address) are required."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),  # the picker offers these
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and show what would be imported, without importing"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if upload.size is not None and upload.size > importing.MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB; split it into smaller files."))
        return upload


def import_urls(model_admin: admin.ModelAdmin[Any]) -> list[URLPattern]:
    """URLs the use-case admin adds under /admin/register/usecase/ (import and its dry run)."""

    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest) -> HttpResponse:
        return use_case_import_view(request, model_admin)

    return [path("import/", model_admin.admin_site.admin_view(view), name="register_usecase_import")]


def use_case_import_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, model_admin)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_valid():
        upload: UploadedFile[bytes] = form.cleaned_data["file"]
        content, filename = upload.read(), PurePath(upload.name or "upload").name[:100]
        try:
            report = importing.check_file(content, filename)
        except importing.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            if form.cleaned_data["dry_run"]:
                token = _keep(request, content, filename)
                return _report(request, model_admin, report, dry_run=True, token=token)
            return _import(request, model_admin, report)
    return TemplateResponse(
        request,
        f"{TEMPLATES}import_form.html",
        _context(request, model_admin, _("Import use-cases"), form=form),
    )


def _confirm(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    """Import the file of the dry run the committee just saw."""
    kept = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if not isinstance(kept, dict) or not secrets.compare_digest(str(kept.get("token")), token):
        model_admin.message_user(
            request,
            _(
                "The file of that dry run is no longer here (imported, or replaced by another upload); upload it again."
            ),
            level="error",
        )
        return HttpResponseRedirect(reverse("admin:register_usecase_import"))
    del request.session[SESSION_KEY]
    content, filename = zlib.decompress(base64.b64decode(kept["content"])), str(kept["filename"])
    try:
        report = importing.check_file(content, filename)
    except importing.ImportFileError as error:  # the file was read once already; kept for safety
        model_admin.message_user(request, str(error), level="error")
        return HttpResponseRedirect(reverse("admin:register_usecase_import"))
    return _import(request, model_admin, report)


# A page answers within a web server's timeout (about 17 ms a use-case): larger files go
# through `manage.py import_use_cases`, which has no such limit.
ADMIN_MAX_NEW = 1000


def _import(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], report: importing.ImportReport
) -> HttpResponse:
    if len(report.new) > ADMIN_MAX_NEW:
        model_admin.message_user(
            request,
            _(
                "More than %(max)d new use-cases at once is too much for a page; nothing was imported. "
                "Split the file, or import it with: python manage.py import_use_cases FILE"
            )
            % {"max": ADMIN_MAX_NEW},
            level="error",
        )
        return HttpResponseRedirect(reverse("admin:register_usecase_import"))
    try:
        outcome = services.use_cases_import(
            acting_user=request.user,  # type: ignore[arg-type]
            rows=report.planned,
            dry_run=False,
            source=report.filename,
        )
    except ValidationError as error:  # the register changed under the import: nothing was stored
        model_admin.message_user(
            request,
            _("Nothing was imported: %(reason)s") % {"reason": "; ".join(error.messages)},
            level="error",
        )
        return HttpResponseRedirect(reverse("admin:register_usecase_import"))
    return _report(request, model_admin, report, outcome=outcome)


def _report(
    request: HttpRequest,
    model_admin: admin.ModelAdmin[Any],
    report: importing.ImportReport,
    *,
    dry_run: bool = False,
    token: str = "",
    outcome: ImportOutcome | None = None,
) -> HttpResponse:
    if outcome is None:
        outcome = services.use_cases_import(acting_user=None, rows=report.planned, dry_run=True)
    title = _("Dry run: %(file)s") if dry_run else _("Imported: %(file)s")
    context = _context(
        request,
        model_admin,
        title % {"file": report.filename},
        report=report,
        outcome=outcome,
        dry_run=dry_run,
        token=token,
    )
    return TemplateResponse(request, f"{TEMPLATES}import_report.html", context)


def _keep(request: HttpRequest, content: bytes, filename: str) -> str:
    """Keep the checked file in the session (one per session; a new upload replaces it)."""
    token = secrets.token_urlsafe(16)
    packed = base64.b64encode(zlib.compress(content)).decode("ascii")
    request.session[SESSION_KEY] = {"token": token, "filename": filename, "content": packed}
    return token


def _context(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], title: str, **extra: Any
) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": UseCase._meta,
        "title": title,
        "subtitle": None,
        "accepted_columns": _accepted_columns(),
        **extra,
    }


def _accepted_columns() -> list[tuple[str, str, bool]]:
    """The columns the upload page lists: label, field name, and whether it is required."""
    return [
        (importing.column_label(column), column, column in importing.REQUIRED) for column in importing.COLUMNS
    ]
