"""The business units' forms (STYLE.md §16): thin ModelForms with explicit fields; the views
hand their cleaned data to the services, which keep every rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register.aiact import UNKNOWN, load_ruleset
from register.aiact.questionnaire import is_asked
from register.choices import AffectedGroup, LifecycleStage
from register.models import BusinessUnit, Incident, UseCase, User, Vendor
from register.models.use_cases import AFFECTED_GROUP_FIELDS

WHAT_FIELDS = [
    "name", "purpose", "description", "business_unit", "owner", "sector", "vendor", "customer_facing",
    "affected_people", "personal_data", "special_categories", "lawful_basis",
    "processing_register_ref", "dpia_needed", "dpia_status", "dpia_link", "dpo_advice", "automated_decisions",
]  # fmt: skip
# Step 1 as people read it: what, whose, which stage, from whom, who meets it, which data.
STEP1_ORDER = [
    "name", "purpose", "description", "business_unit", "owner", "sector", "lifecycle_stage", "vendor",
    "new_vendor", "customer_facing", "affected_groups", "affected_people",
]  # fmt: skip
CONTROL_FIELDS = [
    "human_oversight", "overseers", "overseers_can_stop", "escalation_path", "notice", "goal",
    "pilot_scope", "pilot_end_date", "stop_criteria", "works_council_position", "workers_informed",
]  # fmt: skip
# Filled in from the legal entity and the vendor, never asked in the form.
PREFILLED_CODES = frozenset({"PUBLIC_BODY", "PUBLIC_SERVICE", "VENDOR_SUPPLIED"})


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal on the form: next to the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


class HttpsURLField(forms.URLField):
    """Django 6's default today: a link typed without a scheme is taken as https."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class FactsForm(forms.ModelForm):  # type: ignore[type-arg]
    """A step's form whose cleaned data the services take as use-case facts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def facts(self) -> dict[str, Any]:
        """Every fact on the form, as the services take it."""
        return dict(self.cleaned_data)

    # A form field that stands for several facts (the affected groups' checkboxes).
    expands: dict[str, tuple[str, ...]] = {}

    def changed_facts(self) -> dict[str, Any]:
        """Only the facts this person changed (stored with the version they saw)."""
        changed = set(self.changed_data)
        for field, facts in self.expands.items():
            if field in changed:
                changed.update(facts)
        return {name: value for name, value in self.facts().items() if name in changed}


class WhatForm(FactsForm):
    """Step 1: what and who. The affected groups are ticked in one group of checkboxes and
    stored as one fact each (`affects_customers`, ...); a vendor is picked or added."""

    expands = {"affected_groups": AFFECTED_GROUP_FIELDS}

    lifecycle_stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[
            (s.value, s.label) for s in (LifecycleStage.IDEA, LifecycleStage.PILOT, LifecycleStage.PRODUCTION)
        ],
        initial=LifecycleStage.IDEA,
    )
    affected_groups = forms.MultipleChoiceField(
        label=_("Who is affected?"),
        choices=AffectedGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick every group that meets this AI or is judged by it."),
    )
    new_vendor = forms.CharField(
        label=_("Or add a vendor that is not in the list"),
        max_length=200,
        required=False,
        help_text=_("The vendor's name, and its product if it has several; the committee adds the details."),
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
        self.fields["affected_people"].label = _("Others affected, or more detail")
        self.fields["affected_people"].help_text = ""
        self.order_fields(STEP1_ORDER)
        self.fields["owner"].label_from_instance = lambda person: person.get_full_name() or person.username  # type: ignore[attr-defined]
        if creating:
            self.fields["owner"].initial = user.pk
        else:
            del self.fields["lifecycle_stage"]
            self.initial["affected_groups"] = [
                group for group in AffectedGroup.values if getattr(self.instance, f"affects_{group}")
            ]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        if data.get("vendor") and data.get("new_vendor", "").strip():
            self.add_error(
                "new_vendor", _("Pick a vendor from the list or add a new one, not both; clear one of them.")
            )
        return data

    def facts(self) -> dict[str, Any]:
        facts = dict(self.cleaned_data)
        groups = set(facts.pop("affected_groups", []))
        facts.pop("new_vendor", None)
        return facts | {f"affects_{group}": group in groups for group in AffectedGroup.values}

    def new_vendor_name(self) -> str:
        return str(self.cleaned_data.get("new_vendor", "")).strip()


class ControlForm(FactsForm):
    """Step 3: people in control. The works council and workers' information are asked only
    when employees are affected."""

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.affects_employees:
            del self.fields["works_council_position"]
            del self.fields["workers_informed"]
        if self.instance.lifecycle_stage != LifecycleStage.PILOT:
            for name in ("pilot_scope", "pilot_end_date", "stop_criteria"):
                del self.fields[name]


ANSWER_CHOICES = [("true", _("Yes")), ("false", _("No")), (UNKNOWN, _("Don't know"))]
ANSWER_VALUES: dict[str, object] = {"true": True, "false": False, UNKNOWN: UNKNOWN}


class QuestionsForm(forms.Form):
    """Step 2: the AI Act questions that apply, given the answers so far (the questionnaire
    tree); each has its help text and a "don't know" answer."""

    def __init__(self, *args: Any, answers: Mapping[str, object], language: str, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
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

        self.language = language

    def groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """The questions under their step's heading (key, heading, fields), in the ruleset's
        order: about fifty questions read easier in named parts."""
        ruleset = load_ruleset()
        grouped: dict[str, list[forms.BoundField]] = {}
        for code in self.fields:
            grouped.setdefault(ruleset.question(code).step, []).append(self[code])
        return [
            (step, ruleset.steps[step].in_language(self.language), fields) for step, fields in grouped.items()
        ]

    def answers(self) -> dict[str, object]:
        return {code: ANSWER_VALUES[value] for code, value in self.cleaned_data.items()}


class SettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    """A person's own settings: the language of screens and e-mails, and the weekly digest."""

    class Meta:
        model = User
        fields = ["language", "weekly_digest"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class IncidentForm(forms.ModelForm):  # type: ignore[type-arg]
    """What a member reports; the service records it (and the clocks count from `aware_at`).
    Times are typed in the organisation's local time."""

    happened_at = forms.DateTimeField(
        label=_("When it happened"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    aware_at = forms.DateTimeField(
        label=_("When the organisation became aware of it"),
        help_text=_("The legal clocks count from this moment."),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_aware_at(self) -> dt.datetime:
        from register.incident_clocks import aware_in_future
        from register.services.governance import AWARE_IN_FUTURE

        aware_at: dt.datetime = self.cleaned_data["aware_at"]
        if aware_in_future(aware_at, timezone.now()):
            raise forms.ValidationError(AWARE_IN_FUTURE)
        return aware_at

    class Meta:
        model = Incident
        fields = [
            "what_happened",
            "happened_at",
            "aware_at",
            "seriousness",
            "death",
            "widespread_infringement",
            "personal_data_breach",
            "harm_category",
            "people_affected",
            "severity",
            "immediate_measures",
        ]


class IncidentAdminForm(IncidentForm):
    """What the committee records in the admin: the same facts, for a use-case it chooses."""

    use_case = forms.ModelChoiceField(
        label=_("use-case"), queryset=UseCase.objects.select_related("business_unit").order_by("reference")
    )

    class Meta(IncidentForm.Meta):
        fields = ["use_case", *IncidentForm.Meta.fields]
