"""The business units' forms (STYLE.md §16): thin ModelForms with explicit fields; the views
hand their cleaned data to the services, which keep every rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from register.aiact import UNKNOWN, load_ruleset
from register.aiact.questionnaire import is_asked
from register.choices import LifecycleStage
from register.models import BusinessUnit, UseCase, User, Vendor

WHAT_FIELDS = [
    "name", "purpose", "description", "business_unit", "owner", "sector", "vendor", "customer_facing",
    "affected_people", "affects_employees", "personal_data", "special_categories", "lawful_basis",
    "processing_register_ref", "dpia_needed", "dpia_status", "dpia_link", "dpo_advice", "automated_decisions",
]  # fmt: skip
CONTROL_FIELDS = [
    "human_oversight", "overseers", "overseers_can_stop", "escalation_path", "notice", "goal",
    "pilot_scope", "pilot_end_date", "stop_criteria", "works_council_position", "workers_informed",
]  # fmt: skip
# Filled in from the legal entity and the vendor, never asked in the form.
PREFILLED_CODES = frozenset({"PUBLIC_BODY", "PUBLIC_SERVICE", "VENDOR_SUPPLIED"})


class HttpsURLField(forms.URLField):
    """Django 6's default today: a link typed without a scheme is taken as https."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class WhatForm(forms.ModelForm):  # type: ignore[type-arg]
    """Step 1: what and who."""

    lifecycle_stage = forms.ChoiceField(
        label=_("stage"),
        choices=[
            (s.value, s.label) for s in (LifecycleStage.IDEA, LifecycleStage.PILOT, LifecycleStage.PRODUCTION)
        ],
        initial=LifecycleStage.IDEA,
    )

    class Meta:
        model = UseCase
        fields = WHAT_FIELDS
        field_classes = {"dpia_link": HttpsURLField}
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "affected_people": forms.Textarea(attrs={"rows": 2}),
            "dpo_advice": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: User, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = BusinessUnit.objects.filter(memberships__user=user).order_by("name")
        self.fields["business_unit"].queryset = units  # type: ignore[attr-defined]
        people = User.objects.filter(is_active=True, business_units__in=units).distinct()
        self.fields["owner"].queryset = people.order_by("first_name", "username")  # type: ignore[attr-defined]
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["purpose"].required = True
        if creating:
            self.fields["owner"].initial = user.pk
        else:
            del self.fields["lifecycle_stage"]


class ControlForm(forms.ModelForm):  # type: ignore[type-arg]
    """Step 3: people in control."""

    class Meta:
        model = UseCase
        fields = CONTROL_FIELDS
        widgets = {
            "overseers": forms.Textarea(attrs={"rows": 2}),
            "escalation_path": forms.Textarea(attrs={"rows": 2}),
            "notice": forms.Textarea(attrs={"rows": 2}),
            "goal": forms.Textarea(attrs={"rows": 2}),
            "pilot_scope": forms.Textarea(attrs={"rows": 2}),
            "stop_criteria": forms.Textarea(attrs={"rows": 2}),
            "pilot_end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


ANSWER_CHOICES = [("true", _("Yes")), ("false", _("No")), (UNKNOWN, _("Don't know"))]
ANSWER_VALUES: dict[str, object] = {"true": True, "false": False, UNKNOWN: UNKNOWN}


class QuestionsForm(forms.Form):
    """Step 2: the AI Act questions that apply, given the answers so far (the questionnaire
    tree); each has its help text and a "don't know" answer."""

    def __init__(self, *args: Any, answers: Mapping[str, object], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in load_ruleset().questions:
            if question.code in PREFILLED_CODES or not is_asked(question, answers):
                continue
            current = answers.get(question.code)
            self.fields[question.code] = forms.ChoiceField(
                label=question.text.in_language(language),
                help_text=question.help.in_language(language),
                choices=ANSWER_CHOICES,
                widget=forms.RadioSelect,
                required=True,
                initial=None
                if current is None
                else (UNKNOWN if current == UNKNOWN else str(current).lower()),
            )

    def answers(self) -> dict[str, object]:
        return {code: ANSWER_VALUES[value] for code, value in self.cleaned_data.items()}
