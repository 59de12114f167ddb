"""The committee's decisions in the admin: small forms, each handed to one service (STYLE.md
§15). A form only checks input; the services keep every rule (transitions, four eyes, the
go-live gate) and say why they refuse, which the page shows as a message next to the input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register import services
from register.choices import (
    ClassificationStatus,
    DecisionKind,
    LifecycleStage,
    ReviewOutcome,
    RiskTier,
    WorkflowStatus,
)
from register.models import Meeting, OverrideProposal, Publication, Review, UseCase, User
from register.services.use_cases import ActionSpec


class _PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class DecisionForm(forms.Form):
    """The version the committee saw travels with every decision: a newer edit by the owner
    is said plainly ("someone changed this") instead of being decided on unseen."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, use_case: UseCase, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.use_case = use_case
        self.fields["version"].initial = use_case.version

    def seen_version(self) -> int | None:
        version = self.cleaned_data.get("version")
        return int(version) if version is not None else None

    def run(self, user: User) -> str:
        """Call the service; returns the message to show. Raises what the service raises."""
        raise NotImplementedError


class MeetingChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Meeting) -> str:
        return f"{obj.held_on:%Y-%m-%d} {obj.title}"


class InMeetingForm(DecisionForm):
    """A decision the committee may take in a meeting: it then appears in that meeting's minutes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        around = Meeting.objects.filter(
            held_on__gte=today - dt.timedelta(days=90), held_on__lte=today + dt.timedelta(days=30)
        )
        self.fields["meeting"] = MeetingChoice(
            queryset=around.order_by("-held_on", "-id"),
            label=_("Taken in the meeting"),
            required=False,
            empty_label=_("Not in a meeting"),
        )

    def meeting(self) -> Meeting | None:
        chosen: Meeting | None = self.cleaned_data.get("meeting")
        return chosen


class ApproveForm(InMeetingForm):
    title = _("Approve")
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    end_date = forms.DateField(
        label=_("End date (pilots)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    justification = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    CONDITIONS = 3

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("first_name", "username")
        for n in range(1, self.CONDITIONS + 1):
            self.fields[f"condition_{n}"] = forms.CharField(
                label=_("Condition %(n)d") % {"n": n}, required=False, max_length=500
            )
            self.fields[f"condition_{n}_owner"] = _PersonChoice(
                queryset=people, label=_("who (condition %(n)d)") % {"n": n}, required=False
            )
            self.fields[f"condition_{n}_due"] = forms.DateField(
                label=_("due (condition %(n)d)") % {"n": n},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        if self.use_case.lifecycle_stage != LifecycleStage.PILOT:
            del self.fields["end_date"]

    def conditions(self) -> list[tuple[str, User, dt.date]]:
        return [
            (
                self.cleaned_data[f"condition_{n}"],
                self.cleaned_data[f"condition_{n}_owner"],
                self.cleaned_data[f"condition_{n}_due"],
            )
            for n in range(1, self.CONDITIONS + 1)
            if self.cleaned_data.get(f"condition_{n}")
        ]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        for n in range(1, self.CONDITIONS + 1):
            if data.get(f"condition_{n}"):
                if not data.get(f"condition_{n}_owner"):
                    self.add_error(f"condition_{n}_owner", _("A condition needs someone who sees to it."))
                if not data.get(f"condition_{n}_due"):
                    self.add_error(f"condition_{n}_due", _("A condition needs a date by which it is met."))
        return data

    def run(self, user: User) -> str:
        conditions = self.conditions()
        services.decision_record(
            acting_user=user,
            use_case=self.use_case,
            kind=DecisionKind.APPROVE,
            scope=self.cleaned_data["scope"],
            conditions="\n".join(text for text, _owner, _due in conditions),
            end_date=self.cleaned_data.get("end_date"),
            justification=self.cleaned_data["justification"],
            actions=[ActionSpec(description=t, owner=o, due_date=d) for t, o, d in conditions],
            meeting=self.meeting(),
            version=self.seen_version(),
        )
        return str(_("Approved. The owner has been told."))


class RequestChangesForm(InMeetingForm):
    title = _("Request changes")
    justification = forms.CharField(
        label=_("What should change (the owner reads this)"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def run(self, user: User) -> str:
        services.decision_record(
            acting_user=user,
            use_case=self.use_case,
            kind=DecisionKind.REQUEST_CHANGES,
            justification=self.cleaned_data["justification"],
            meeting=self.meeting(),
            version=self.seen_version(),
        )
        return str(_("Changes requested. The owner has been told."))


class RejectForm(InMeetingForm):
    title = _("Reject")
    justification = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def run(self, user: User) -> str:
        services.decision_record(
            acting_user=user,
            use_case=self.use_case,
            kind=DecisionKind.REJECT,
            justification=self.cleaned_data["justification"],
            meeting=self.meeting(),
            version=self.seen_version(),
        )
        return str(_("Rejected. The owner has been told."))


class ToProductionForm(InMeetingForm):
    title = _("Move the pilot to production")
    justification = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def run(self, user: User) -> str:
        services.decision_record(
            acting_user=user,
            use_case=self.use_case,
            kind=DecisionKind.TO_PRODUCTION,
            justification=self.cleaned_data["justification"],
            meeting=self.meeting(),
            version=self.seen_version(),
        )
        return str(_("Moved to production."))


class ConfirmForm(InMeetingForm):
    title = _("Confirm the classification")
    justification = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def run(self, user: User) -> str:
        services.use_case_confirm_classification(
            acting_user=user,
            use_case=self.use_case,
            justification=self.cleaned_data["justification"],
            meeting=self.meeting(),
            version=self.seen_version(),
        )
        return str(_("Classification confirmed."))


class OverrideForm(InMeetingForm):
    title = _("Classify differently (override)")
    risk_tier = forms.ChoiceField(label=_("Tier"), choices=RiskTier.choices)
    justification = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))
    help = _("A less strict tier than the questionnaire's waits for a second committee member to confirm it.")

    def run(self, user: User) -> str:
        made = services.override_propose(
            acting_user=user,
            use_case=self.use_case,
            risk_tier=self.cleaned_data["risk_tier"],
            justification=self.cleaned_data["justification"],
            version=self.seen_version(),
            meeting=self.meeting(),
        )
        if isinstance(made, OverrideProposal):
            return str(
                _("A less strict tier: it waits for a second committee member (not the owner) to confirm it.")
            )
        return str(_("Classified differently. The engine's result stays visible beside it."))


class _ProposalForm(InMeetingForm):
    """Confirming or declining means the proposal this person saw: its id travels with the form."""

    proposal_id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proposal = (
            self.use_case.override_proposals.filter(outcome="").select_related("proposed_by").first()
        )
        self.fields["proposal_id"].initial = self.proposal.pk if self.proposal else None

    def seen_proposal(self) -> OverrideProposal:
        if self.proposal is None or self.cleaned_data.get("proposal_id") != self.proposal.pk:
            raise ValidationError(
                _("The downgrade on your page is no longer the one waiting; look at the page again."),
                code="other_proposal",
            )
        return self.proposal


class ConfirmDowngradeForm(_ProposalForm):
    title = _("Confirm the downgrade (second committee member)")

    def run(self, user: User) -> str:
        services.override_confirm(
            acting_user=user, proposal=self.seen_proposal(), version=self.seen_version()
        )
        return str(_("Downgrade confirmed: the committee's classification applies."))


class DeclineDowngradeForm(_ProposalForm):
    title = _("Decline the downgrade")
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["meeting"]  # declining takes no decision of record

    def run(self, user: User) -> str:
        services.override_decline(
            acting_user=user,
            proposal=self.seen_proposal(),
            reason=self.cleaned_data["reason"],
            version=self.seen_version(),
        )
        return str(_("Downgrade declined."))


class LiftOverrideForm(DecisionForm):
    title = _("Lift the override")
    justification = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))

    def run(self, user: User) -> str:
        services.use_case_lift_override(
            acting_user=user,
            use_case=self.use_case,
            justification=self.cleaned_data["justification"],
            version=self.seen_version(),
        )
        return str(_("Override lifted: the questionnaire's result applies again."))


class PolicyTierForm(DecisionForm):
    title = _("Policy tier")
    policy_tier = forms.ChoiceField(
        label=_("Tier by the organisation's policy (empty: none)"),
        choices=[("", _("None")), *RiskTier.choices],
        required=False,
    )
    justification = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))

    def run(self, user: User) -> str:
        services.use_case_set_policy_tier(
            acting_user=user,
            use_case=self.use_case,
            policy_tier=self.cleaned_data["policy_tier"],
            justification=self.cleaned_data["justification"],
            version=self.seen_version(),
        )
        return str(_("Policy tier saved."))


class ReviewForm(DecisionForm):
    """A periodic review with its checklist; the next due date follows the cadence."""

    title = _("Record a review")
    due_date = forms.DateField(
        label=_("Review that was due on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        checklist = forms.models.fields_for_model(
            Review,
            fields=[
                "notice_still_right", "bias_checked", "bias_groups", "bias_result", "oversight_effective",
                "override_rate", "incidents_since", "goal_met", "outcome", "findings",
            ],
            widgets={name: forms.Textarea(attrs={"rows": 2}) for name in
                     ("bias_groups", "bias_result", "incidents_since", "findings")},
        )  # fmt: skip
        self.fields.update(checklist)
        schedule = getattr(self.use_case, "schedule", None)
        self.fields["due_date"].initial = (schedule.next_due if schedule else None) or timezone.localdate()

    def run(self, user: User) -> str:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        review = services.review_record(
            acting_user=user,
            use_case=self.use_case,
            due_date=data.pop("due_date"),
            outcome=ReviewOutcome(data.pop("outcome")),
            **data,
        )
        if review.next_due:
            return str(_("Review recorded. The next one is due on %(day)s.") % {"day": review.next_due})
        return str(_("Review recorded. No further review is planned."))


class PublishForm(DecisionForm):
    """Put the use-case on the public transparency page, with the words the public reads."""

    title = _("Publish on the transparency page")
    help = _("Anyone can read this. Name no member of staff: give a role or team address.")
    summary = forms.CharField(
        label=_("What it does and why, in plain words"), widget=forms.Textarea(attrs={"rows": 3})
    )
    where_met = forms.CharField(
        label=_("Where people meet it"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    contact = forms.EmailField(label=_("Public contact (a role or team address)"))
    how_to_reach = forms.CharField(
        label=_("How to reach a person or object"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        publication = Publication.objects.filter(use_case=self.use_case).first()
        self.fields["summary"].initial = publication.summary if publication else self.use_case.purpose
        if publication:
            for name in ("where_met", "contact", "how_to_reach"):
                self.fields[name].initial = getattr(publication, name)

    def run(self, user: User) -> str:
        data = self.cleaned_data
        services.use_case_publish(
            acting_user=user,
            use_case=self.use_case,
            published=True,
            summary=data["summary"],
            where_met=data["where_met"],
            contact=data["contact"],
            how_to_reach=data["how_to_reach"],
            version=self.seen_version(),
        )
        return str(_("Published on the transparency page."))


class WithdrawForm(DecisionForm):
    title = _("Take off the transparency page")

    def run(self, user: User) -> str:
        services.use_case_publish(acting_user=user, use_case=self.use_case, published=False)
        return str(_("Taken off the transparency page."))


def _published(use_case: UseCase) -> bool:
    return Publication.objects.filter(use_case=use_case, published=True).exists()


@dataclass(frozen=True)
class Choice:
    key: str
    form: type[DecisionForm]
    applies: Callable[[UseCase, User, OverrideProposal | None], bool]


# Which decisions the page offers, given the use-case as it stands (the services still check).
CHOICES = (
    Choice("approve", ApproveForm, lambda u, _user, _p: u.status == WorkflowStatus.SUBMITTED),
    Choice("request_changes", RequestChangesForm, lambda u, _user, _p: u.status == WorkflowStatus.SUBMITTED),
    Choice("reject", RejectForm, lambda u, _user, _p: u.status == WorkflowStatus.SUBMITTED),
    Choice(
        "to_production",
        ToProductionForm,
        lambda u, _user, _p: (
            u.status == WorkflowStatus.APPROVED and u.lifecycle_stage == LifecycleStage.PILOT
        ),
    ),
    Choice(
        "confirm",
        ConfirmForm,
        lambda u, _user, _p: u.classification_status == ClassificationStatus.INDICATIVE,
    ),
    # The second pair of eyes: shown to committee members other than the proposer and the owner.
    Choice(
        "confirm_downgrade",
        ConfirmDowngradeForm,
        lambda u, user, p: p is not None and user.pk not in (p.proposed_by_id, u.owner_id),
    ),
    Choice("decline_downgrade", DeclineDowngradeForm, lambda u, _user, p: p is not None),
    Choice("override", OverrideForm, lambda u, _user, p: u.current_assessment_id is not None and p is None),
    Choice(
        "lift",
        LiftOverrideForm,
        lambda u, _user, _p: u.classification_status == ClassificationStatus.OVERRIDDEN,
    ),
    Choice("policy_tier", PolicyTierForm, lambda u, _user, _p: u.current_assessment_id is not None),
    Choice(
        "review",
        ReviewForm,
        lambda u, _user, _p: (
            u.status == WorkflowStatus.APPROVED
            and u.lifecycle_stage not in {LifecycleStage.IDEA, LifecycleStage.RETIRED}
        ),
    ),
    # The public transparency page (issue 9): approved, non-retired use-cases only.
    Choice(
        "publish",
        PublishForm,
        lambda u, _user, _p: (
            u.status == WorkflowStatus.APPROVED and u.lifecycle_stage != LifecycleStage.RETIRED
        ),
    ),
    Choice("withdraw", WithdrawForm, lambda u, _user, _p: _published(u)),
)
BY_KEY = {choice.key: choice for choice in CHOICES}
