"""The business units' pages: my use-cases, the four registration steps, the use-case page.
Thin views (STYLE.md §16): forms check input, services change things, selectors read; anything
outside the user's units is a 404 (use_cases_visible_to)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from register import incident_alerts, services
from register.aiact import classify, load_ruleset, next_questions
from register.aiact.questionnaire import is_asked
from register.choices import WorkflowStatus
from register.forms import (
    ANSWER_VALUES,
    PREFILLED_CODES,
    ControlForm,
    FactsForm,
    IncidentForm,
    QuestionsForm,
    SettingsForm,
    WhatForm,
    apply_errors,
)
from register.models import AuditEvent, ExplanationRequest, ObligationItem, UseCase, User
from register.selectors import (
    classification_standing,
    questionnaire_answers,
    questionnaire_result,
    use_cases_visible_to,
    with_review_state,
)
from register.services.use_cases import _prefilled

EDITABLE = frozenset({WorkflowStatus.DRAFT, WorkflowStatus.CHANGES_REQUESTED, WorkflowStatus.APPROVED})
STEPS = ("what", "questions", "control", "check")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _visible(request: HttpRequest, pk: int) -> UseCase:
    return get_object_or_404(use_cases_visible_to(request.user), pk=pk)


def _may_edit(user: User, use_case: UseCase) -> bool:
    return use_case.status in EDITABLE and (_is_member(user, use_case) or use_case.owner_id == user.pk)


def _editable(request: HttpRequest, pk: int) -> UseCase | HttpResponse:
    """The use-case if this person may edit it now; else a redirect to its page, saying why."""
    use_case = _visible(request, pk)
    if not _may_edit(_user(request), use_case):
        messages.error(request, _("This use-case cannot be edited now: it is with the AI committee."))
        return HttpResponseRedirect(reverse("use_case_detail", args=[pk]))
    return use_case


def _step_url(step: str, use_case: UseCase) -> str:
    return reverse(f"use_case_{step}", args=[use_case.pk])


def _context(use_case: UseCase | None, step: str, **extra: Any) -> dict[str, Any]:
    return {
        "use_case": use_case,
        "step": step,
        "steps": STEPS,
        "language": translation.get_language(),
        **extra,
    }


@require_safe
@login_required
def my_use_cases(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    use_cases: QuerySet[UseCase] = with_review_state(use_cases_visible_to(request.user), today).order_by(
        "-updated_at", "-id"
    )
    return render(request, "register/my_use_cases.html", {"use_cases": use_cases})


@require_http_methods(["GET", "POST"])
@login_required
def use_case_new(request: HttpRequest) -> HttpResponse:
    form = WhatForm(request.POST or None, user=_user(request), creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.facts()
        unit, owner, name, stage = (
            data.pop("business_unit"),
            data.pop("owner"),
            data.pop("name"),
            data.pop("lifecycle_stage"),
        )
        try:
            with transaction.atomic():  # a vendor added here is kept only with its use-case
                if form.new_vendor_name():
                    data["vendor"] = services.vendor_find_or_add(
                        acting_user=_user(request), name=form.new_vendor_name()
                    )
                use_case = services.use_case_create(
                    acting_user=_user(request),
                    business_unit=unit,
                    owner=owner,
                    name=name,
                    lifecycle_stage=stage,
                    **data,
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved as a draft. You can leave and come back at any time."))
            return HttpResponseRedirect(_step_url("questions", use_case))
    return render(request, "register/step_what.html", _context(None, "what", form=form))


def _version(request: HttpRequest) -> int:
    """The version the person saw; anything else than a number counts as "not the latest"."""
    posted = request.POST.get("version", "")
    try:
        return int(posted) if len(posted) <= 9 else 0
    except ValueError:
        return 0


def _save_changes(request: HttpRequest, use_case: UseCase, form: FactsForm) -> bool:
    """Store what changed, with the version the person saw; a newer save in between is said
    plainly and the input is kept. A vendor typed in step 1 is found or added first, in the
    same transaction."""
    changes = form.changed_facts()
    new_vendor = form.new_vendor_name() if isinstance(form, WhatForm) else ""
    if not changes and not new_vendor:
        return True
    try:
        with transaction.atomic():
            if new_vendor:
                vendor = services.vendor_find_or_add(acting_user=_user(request), name=new_vendor)
                changes.pop("vendor", None)
                if vendor.pk != form.initial.get("vendor"):  # typing the current vendor changes nothing
                    changes["vendor"] = vendor
            if changes:
                services.use_case_update(
                    acting_user=_user(request),
                    use_case=use_case,
                    version=_version(request),
                    **changes,
                )
    except services.StaleEdit as stale:
        form.add_error(None, str(stale))
        return False
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
def use_case_what(request: HttpRequest, pk: int) -> HttpResponse:
    use_case = _editable(request, pk)
    if isinstance(use_case, HttpResponse):
        return use_case
    form = WhatForm(request.POST or None, instance=use_case, user=_user(request), creating=False)
    del form.fields["business_unit"]
    if request.method == "POST" and form.is_valid() and _save_changes(request, use_case, form):
        return HttpResponseRedirect(_step_url("questions", use_case))
    return render(request, "register/step_what.html", _context(use_case, "what", form=form))


def _posted_answers(data: Mapping[str, str], answers: Mapping[str, object]) -> dict[str, object]:
    """Valid posted answers to any question that applies given everything known so far: with
    JavaScript, people answer questions that appeared while they were answering."""
    merged = dict(answers)
    for _round in range(3):  # each round can reveal the next level of the tree
        for question in load_ruleset().questions:
            value = data.get(question.code)
            if question.code not in PREFILLED_CODES and value in ANSWER_VALUES and is_asked(question, merged):
                merged[question.code] = ANSWER_VALUES[value]
    return merged


def _questions_context(
    use_case: UseCase, form: QuestionsForm, answers: Mapping[str, object]
) -> dict[str, Any]:
    result = (
        classify(answers, today=timezone.localdate())
        if use_case.assessments.exists() or len(answers) > 3
        else None
    )
    return _context(use_case, "questions", form=form, result=result)


@require_http_methods(["GET", "POST"])
@login_required
def use_case_questions(request: HttpRequest, pk: int) -> HttpResponse:
    use_case = _editable(request, pk)
    if isinstance(use_case, HttpResponse):
        return use_case
    answers = questionnaire_answers(use_case)
    language = translation.get_language()
    if request.method == "POST":
        # Every valid answer is saved, also when some questions are still open: leaving loses nothing.
        given = _posted_answers(request.POST, answers)
        stored = {code: value for code, value in given.items() if code not in PREFILLED_CODES}
        if stored:
            services.use_case_classify(acting_user=_user(request), use_case=use_case, answers=stored)
        still_open = [
            q for q in next_questions(_prefilled(use_case, stored)) if q.code not in PREFILLED_CODES
        ]
        if still_open:
            waiting = ngettext(
                "Saved. %(count)d question still needs an answer; it is below.",
                "Saved. %(count)d questions still need an answer; they are below.",
                len(still_open),
            )
            messages.info(request, waiting % {"count": len(still_open)})
            return HttpResponseRedirect(_step_url("questions", use_case))
        return HttpResponseRedirect(_step_url("control", use_case))
    form = QuestionsForm(answers=answers, language=language)
    return render(request, "register/step_questions.html", _questions_context(use_case, form, answers))


@require_POST
@login_required
def use_case_questions_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the questions that apply and the indicative result for the answers given so far,
    without storing anything (storing happens when the step is saved)."""
    use_case = _editable(request, pk)
    if isinstance(use_case, HttpResponse):
        return use_case
    answers = _posted_answers(request.POST, questionnaire_answers(use_case))
    form = QuestionsForm(answers=answers, language=translation.get_language())
    return render(request, "register/_questions_block.html", _questions_context(use_case, form, answers))


@require_http_methods(["GET", "POST"])
@login_required
def use_case_control(request: HttpRequest, pk: int) -> HttpResponse:
    use_case = _editable(request, pk)
    if isinstance(use_case, HttpResponse):
        return use_case
    form = ControlForm(request.POST or None, instance=use_case)
    if request.method == "POST" and form.is_valid() and _save_changes(request, use_case, form):
        return HttpResponseRedirect(_step_url("check", use_case))
    return render(request, "register/step_control.html", _context(use_case, "control", form=form))


@require_http_methods(["GET", "POST"])
@login_required
def use_case_check(request: HttpRequest, pk: int) -> HttpResponse:
    use_case = _editable(request, pk)
    if isinstance(use_case, HttpResponse):
        return use_case
    missing: list[str] = []
    if request.method == "POST":
        try:
            services.use_case_submit(acting_user=_user(request), use_case=use_case)
        except ValidationError as error:
            missing = sorted(error.message_dict)
        else:
            messages.success(request, _("Submitted. The AI committee has been told and will decide."))
            return HttpResponseRedirect(reverse("use_case_detail", args=[use_case.pk]))
    labels = {name: getattr(UseCase._meta.get_field(name), "verbose_name", name) for name in missing}
    standing = classification_standing(use_case)
    return render(
        request,
        "register/step_check.html",
        _context(
            use_case,
            "check",
            result=questionnaire_result(use_case, standing),
            standing=standing,
            missing=labels,
        ),
    )


@require_safe
@login_required
def use_case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    use_case = _visible(request, pk)
    standing = classification_standing(use_case)
    context = {
        "use_case": use_case,
        "language": translation.get_language(),
        "standing": standing,
        "result": questionnaire_result(use_case, standing),
        "may_edit": _may_edit(_user(request), use_case),
        "obligations": use_case.obligations.exclude(status="not_applicable").order_by("id"),
        "decisions": use_case.decisions.prefetch_related("actions__owner").select_related("decided_by"),
        "reviews": use_case.reviews.order_by("-due_date"),
        "incidents": [
            (incident, incident_alerts.clocks_of(incident))
            for incident in use_case.incidents.prefetch_related("clocks_done").order_by("-aware_at", "-id")
        ],
        "may_report": _is_member(_user(request), use_case),
        "now": timezone.now(),
        # Questions from the public transparency page, for the owner to answer (issue 9).
        # The requester's name and address: for the owner, who answers, and the committee only.
        "sees_requesters": use_case.owner_id == request.user.pk
        or request.user.has_perm("register.decide_usecase"),
        "explanation_requests": ExplanationRequest.objects.filter(use_case=use_case).order_by(
            "-received_at", "-id"
        ),
        "events": AuditEvent.objects.filter(use_case_id=use_case.pk).order_by("-occurred_at", "-id")[:50],
    }
    return render(request, "register/use_case_detail.html", context)


def _is_member(user: User, use_case: UseCase) -> bool:
    return use_case.business_unit.memberships.filter(user=user).exists()


@require_http_methods(["GET", "POST"])
@login_required
def incident_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A member of the use-case's unit records an incident; anyone else gets a 404."""
    use_case = _visible(request, pk)
    if not _is_member(_user(request), use_case):
        raise Http404
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_record(
                acting_user=_user(request), use_case=use_case, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The incident is recorded; its clocks are shown below."))
            return HttpResponseRedirect(reverse("use_case_detail", args=[pk]) + f"#incident-{incident.pk}")
    return render(request, "register/incident_new.html", {"use_case": use_case, "form": form})


@require_POST
@login_required
def obligation_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    use_case = _visible(request, pk)
    item = get_object_or_404(ObligationItem, pk=item_pk, use_case=use_case)
    try:
        services.obligation_mark_done(
            acting_user=_user(request),
            item=item,
            evidence_url=request.POST.get("evidence_url", "").strip(),
            evidence_note=request.POST.get("evidence_note", "").strip(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as done."))
    return HttpResponseRedirect(reverse("use_case_detail", args=[use_case.pk]) + f"#duty-{item.pk}")


@require_http_methods(["GET", "POST"])
@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """A person's own settings; the change is audited like any other change to a person."""
    me = _user(request)
    form = SettingsForm(request.POST if request.method == "POST" else None, instance=me)
    if request.method == "POST" and form.is_valid():
        if form.changed_data:
            services.user_save(
                acting_user=me, user=form.save(commit=False), changed_fields=form.changed_data, created=False
            )
        messages.success(request, _("Your settings are saved."))
        return HttpResponseRedirect(reverse("account_settings"))
    return render(request, "register/account_settings.html", {"form": form})
