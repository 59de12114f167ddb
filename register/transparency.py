"""The public transparency page (issue 9; PRODUCT.md: anonymous, nl and en): the AI pledge, then
each published, approved, non-retired use-case in plain words, a page per use-case and a JSON
feed of the same. One function says what the public sees (`public_entry`), so the page and the
feed cannot drift apart, and it names no member of staff: only the role or team address the
committee gave."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from register import services
from register.choices import ClassificationStatus, HumanOversight, LifecycleStage, RiskTier, WorkflowStatus
from register.client import client_address
from register.forms import apply_errors
from register.models import ExplanationRequest, Publication, TransparencyPledge, UseCase
from register.selectors import use_cases_visible_to


def published_use_cases() -> QuerySet[UseCase]:
    """What the public sees: published by the committee, approved, not retired. An approved
    use-case edited back to the committee drops off until it is approved again."""
    return (
        UseCase.objects.filter(
            publication__published=True, status=WorkflowStatus.APPROVED, reference__isnull=False
        )
        .exclude(lifecycle_stage=LifecycleStage.RETIRED)
        .select_related("publication")
        .annotate(last_review=Max("reviews__recorded_at"))
        .order_by("reference")
    )


def _tier_words() -> dict[str, str]:
    # Plain words (WORDING-nl.md): what the tier means for the person reading, not the article.
    return {
        RiskTier.PROHIBITED: _("A prohibited AI practice: its use has been stopped."),
        RiskTier.HIGH_RISK: _(
            "High risk under the EU AI Act: strict rules apply, such as human oversight and keeping logs."
        ),
        RiskTier.LIMITED: _("Limited risk: you must be told that you are dealing with AI."),
        RiskTier.MINIMAL: _(
            "Minimal risk: no extra duties under the EU AI Act beyond AI literacy and the ban on "
            "prohibited practices. Privacy law and consumer law still apply."
        ),
        RiskTier.OUT_OF_SCOPE: _("Outside the EU AI Act. Privacy law and consumer law still apply."),
    }


def _standing_words(status: str) -> str:
    if status in {ClassificationStatus.CONFIRMED, ClassificationStatus.OVERRIDDEN}:
        return _("Set by our AI committee.")
    return _("Provisional: not yet set by our AI committee.")


def _oversight_words() -> dict[str, str]:
    return {
        HumanOversight.IN_THE_LOOP: _("A person checks every outcome before it has any effect."),
        HumanOversight.ON_THE_LOOP: _("A person watches how it works and can step in."),
        HumanOversight.IN_COMMAND: _("A person decides when and how it is used, and can stop it."),
        HumanOversight.NONE: _("No person checks individual outcomes."),
    }


def _stage_words() -> dict[str, str]:
    return {
        LifecycleStage.IDEA: _("Not in use yet."),
        LifecycleStage.PILOT: _("In a trial (pilot)."),
        LifecycleStage.PRODUCTION: _("In use."),
        LifecycleStage.SUSPENDED: _("Stopped for now."),
    }


def public_entry(use_case: UseCase) -> dict[str, Any]:
    """One use-case as the public sees it, in the active language. Only these keys leave the
    register: no owner, no overseers, no escalation path (they may name people)."""
    publication: Publication = use_case.publication  # selected with it
    tier = use_case.risk_tier
    last_review = getattr(use_case, "last_review", None)
    return {
        "reference": use_case.reference,
        "name": use_case.name,
        "url": reverse("transparency_detail", args=[use_case.reference]),
        "ask_url": reverse("transparency_ask", args=[use_case.reference]),
        "what_and_why": publication.summary,
        "where_met": publication.where_met,
        "notice": use_case.notice,
        "contact": publication.contact,
        "how_to_reach": publication.how_to_reach,
        "stage": _stage_words().get(use_case.lifecycle_stage, ""),
        "human_oversight": use_case.human_oversight,
        "human_oversight_words": _oversight_words().get(use_case.human_oversight, ""),
        "risk_tier": tier or None,
        "risk_tier_words": _tier_words().get(tier, _("Not yet assessed.")),
        "risk_tier_standing": _standing_words(use_case.classification_status) if tier else "",
        "policy_tier_words": (
            _("Our own policy treats it more strictly: %(tier)s.")
            % {"tier": use_case.get_policy_tier_display()}
            if use_case.policy_tier
            else ""
        ),
        "last_review": timezone.localdate(last_review) if last_review else None,
    }


def _pledge() -> str:
    pledge = TransparencyPledge.objects.filter(pk=1).first()
    return pledge.text(translation.get_language() or "nl") if pledge else ""


@require_safe
def transparency_index(request: HttpRequest) -> HttpResponse:
    entries = [public_entry(use_case) for use_case in published_use_cases()]
    return render(request, "register/transparency/index.html", {"pledge": _pledge(), "entries": entries})


@require_safe
def transparency_detail(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = get_object_or_404(published_use_cases(), reference=reference)
    return render(request, "register/transparency/detail.html", {"entry": public_entry(use_case)})


@require_safe
def transparency_feed(request: HttpRequest) -> HttpResponse:
    """The page as JSON, in the language of `?lang=nl|en`, else the request's."""
    language = request.GET.get("lang")
    language = language if language in {"nl", "en"} else translation.get_language() or "nl"
    with translation.override(language):
        entries = [public_entry(use_case) for use_case in published_use_cases()]
        body = {"language": language, "pledge": _pledge(), "use_cases": entries}
    for entry in entries:
        for link in ("url", "ask_url"):  # absolute links in feeds (PRODUCT.md)
            entry[link] = settings.SITE_URL + entry[link]
        entry["last_review"] = entry["last_review"].isoformat() if entry["last_review"] else None
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


# -- "Ask for an explanation or a person": no account, so a limit per address keeps it usable.


class ExplanationRequestForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ExplanationRequest
        fields = ("kind", "question", "name", "email", "phone")
        widgets = {"kind": forms.RadioSelect, "question": forms.Textarea(attrs={"rows": 5})}
        labels = {
            "kind": gettext_lazy("What would you like?"),
            "question": gettext_lazy("Your question"),
            "name": gettext_lazy("Your name (optional)"),
            "email": gettext_lazy("Your e-mail address"),
            "phone": gettext_lazy("Or your telephone number"),
        }
        help_texts = {
            "question": gettext_lazy("For example: what was decided, when, and what you would like to know."),
            "email": gettext_lazy(
                "We use it only to answer you. Give an e-mail address, a telephone number, or both."
            ),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> dict[str, object]:
        data: dict[str, object] = super().clean() or self.cleaned_data
        if not data.get("email") and not data.get("phone"):
            self.add_error("email", _("Give an e-mail address or a telephone number, so we can answer you."))
        return data


def _over_limit(request: HttpRequest) -> bool:
    """Count this address's requests in the last hour (the cache, shared by all workers)."""
    key = f"koers:transparency-ask:{client_address(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > settings.KOERS_TRANSPARENCY_ASKS_PER_HOUR
    except ValueError:  # expired between add and incr: this is the first one again
        cache.set(key, 1, timeout=3600)
        return False


@require_http_methods(["GET", "POST"])
def transparency_ask(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = get_object_or_404(published_use_cases(), reference=reference)
    form = ExplanationRequestForm(request.POST or None)
    context = {"entry": public_entry(use_case), "form": form}
    if request.method == "POST":
        if _over_limit(request):
            return render(request, "register/transparency/ask.html", {**context, "limited": True}, status=429)
        if form.is_valid():
            try:
                services.explanation_request_create(
                    acting_user=None, use_case=use_case, language=translation.get_language() or "nl",
                    **form.cleaned_data,
                )  # fmt: skip
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return HttpResponseRedirect(reverse("transparency_ask_sent", args=[reference]))
    return render(request, "register/transparency/ask.html", context)


@require_safe
def transparency_ask_sent(request: HttpRequest, reference: str) -> HttpResponse:
    use_case = get_object_or_404(published_use_cases(), reference=reference)
    return render(request, "register/transparency/ask_sent.html", {"entry": public_entry(use_case)})


# -- For the owner and their unit (login required): by when a public question is answered.


def _answers_for(user: Any, use_case: UseCase) -> bool:
    """The owner, their unit's members and the committee answer a use-case's public questions."""
    return bool(
        use_case.owner_id == user.pk
        or use_case.business_unit.memberships.filter(user=user).exists()
        or user.has_perm("register.decide_usecase")
    )


@require_POST
@login_required
def explanation_request_deadline(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    use_case = get_object_or_404(use_cases_visible_to(request.user), pk=pk)
    asked = get_object_or_404(ExplanationRequest, pk=request_pk, use_case=use_case)
    if not _answers_for(request.user, use_case):
        raise PermissionDenied  # e.g. an auditor: sees everything, writes nothing
    field = forms.DateField()
    try:
        services.explanation_request_set_deadline(
            acting_user=request.user,  # type: ignore[arg-type]
            request=asked,
            respond_by=field.clean(request.POST.get("respond_by", "")),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved. A reminder goes out two days before that date."))
    return HttpResponseRedirect(reverse("use_case_detail", args=[pk]) + f"#request-{asked.pk}")
