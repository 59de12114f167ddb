"""The committee in the admin: every admin read-only or saving through services, the use-case
list and its filters, the review queue, and each decision on the use-case page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from register import services
from register.choices import ReviewOutcome, Role
from register.models import Action, AuditEvent, UseCase, User
from tests import factories
from tests.conftest import _client_for

pytestmark = pytest.mark.django_db

# One hour after midnight UTC (02:00 in Amsterdam): "today" is the organisation's 27 November.
NIGHT = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)
DEPLOYER = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True}
HIRING = {**DEPLOYER, "ANNEX_III_4A": True, "ART6_3_PROFILING": True}
CHANGE = "/admin/register/usecase/{}/change/"


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _submitted(name: str = "CV ranking", answers: dict[str, Any] | None = None, **fields: Any) -> UseCase:
    case = factories.use_case(name, **fields)
    services.use_case_classify(acting_user=case.owner, use_case=case, answers=answers or HIRING)
    services.use_case_submit(acting_user=case.owner, use_case=case)
    return UseCase.objects.get(pk=case.pk)


def _decide(client: Client, case: UseCase, key: str, **data: Any) -> Any:
    case.refresh_from_db()
    posted = {"decision": key, f"{key}-version": str(case.version)}
    posted |= {f"{key}-{name}": value for name, value in data.items()}
    return client.post(CHANGE.format(case.pk), posted, HTTP_ACCEPT_LANGUAGE="en")


# -- every admin ---------------------------------------------------------------------------


def test_every_registered_admin_is_read_only_or_saves_through_a_service(committee: Client) -> None:
    from django.contrib.admin import ModelAdmin

    factory = RequestFactory()
    people = {"committee": _user("committee"), "superuser": factories.UserFactory.create(is_superuser=True)}
    for model, model_admin in admin.site._registry.items():
        for who, person in people.items():
            request = factory.get("/admin/")
            request.user = person
            assert "delete_selected" not in model_admin.get_actions(request), model
            if who != "superuser":
                assert not model_admin.has_delete_permission(request), model
            writes = model_admin.has_add_permission(request) or model_admin.has_change_permission(
                request, None
            )
            if writes:
                # Whatever saves here goes through a service (which audits), never Django's save.
                assert type(model_admin).save_model is not ModelAdmin.save_model, model
            assert type(model_admin).delete_model is not ModelAdmin.delete_model, model
            for inline in model_admin.get_inline_instances(request):
                assert not inline.has_add_permission(request, None), (model, inline)
                assert not inline.has_change_permission(request, None), (model, inline)


def test_the_admin_writes_no_log_entries(committee: Client) -> None:
    case = _submitted()
    _decide(committee, case, "approve", scope="Two stores")
    from django.contrib.admin.models import LogEntry

    assert UseCase.objects.get(pk=case.pk).status == "approved"
    assert LogEntry.objects.count() == 0


# -- the list ------------------------------------------------------------------------------


def _many(count: int) -> None:
    unit = factories.business_unit("Unit A")
    owner = User.objects.filter(username="owner-many").first() or factories.UserFactory.create(
        username="owner-many"
    )
    UseCase.objects.bulk_create(
        [UseCase(name=f"Use-case {n}", business_unit=unit, owner=owner, purpose="x") for n in range(count)]
    )


def test_the_list_query_count_does_not_grow_with_the_register(committee: Client) -> None:
    counts = []
    for more in (10, 490):  # 10 use-cases, then 500
        _many(more)
        with CaptureQueriesContext(connection) as queries:
            response = committee.get("/admin/register/usecase/")
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == min(UseCase.objects.count(), 50)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # The page's count and rows are read without grouping the whole register (the join of every
    # use-case's actions and its GROUP BY took 1.9 s at 100,000, BENCHMARKS.md).
    grouped = [
        q["sql"]
        for q in queries.captured_queries
        if "register_usecase" in q["sql"] and "GROUP BY" in q["sql"]
    ]
    assert grouped == []


@time_machine.travel(NIGHT, tick=False)
def test_each_filter_finds_what_it_says(committee: Client) -> None:
    today = dt.date(2026, 11, 27)
    overdue = factories.use_case("Overdue", lifecycle_stage="production")
    due_soon = factories.use_case("Due soon", lifecycle_stage="production")
    later = factories.use_case("Later", lifecycle_stage="production")
    for case, due in (
        (overdue, today - dt.timedelta(1)),
        (due_soon, today),
        (later, today + dt.timedelta(31)),
    ):
        from register.models import ReviewSchedule

        ReviewSchedule.objects.update_or_create(use_case=case, defaults={"next_due": due})
    unsure = factories.use_case("Unsure")
    services.use_case_classify(
        acting_user=unsure.owner, use_case=unsure, answers={**DEPLOYER, "ANNEX_III_4B": "unknown"}
    )
    factories.use_case("Rota", affects_employees=True, works_council_position="pending")
    leaver = factories.use_case("Leaver")
    User.objects.filter(pk=leaver.owner_id).update(is_active=False)
    retired = factories.use_case("Old")
    UseCase.objects.filter(pk=retired.pk).update(lifecycle_stage="retired")
    stale = factories.use_case("Stale")
    UseCase.objects.filter(pk=stale.pk).update(override_may_be_stale=True)

    def names(query: str) -> set[str]:
        response = committee.get(f"/admin/register/usecase/?{query}")
        assert response.status_code == 200
        return {case.name for case in response.context["cl"].queryset}

    assert names("review=overdue") == {"Overdue"}
    assert names("review=due30") == {"Due soon"}
    assert names("review_due_month=2026-12") == {"Later"}
    assert names("legal_review=yes") == {"Unsure"}
    assert names("works_council=pending") == {"Rota"}
    assert names("owner_inactive=yes") == {"Leaver"}
    assert names("retired=yes") == {"Old"}
    assert "Old" not in names("retired=no")
    assert names("stale_override=yes") == {"Stale"}
    html = committee.get("/admin/register/usecase/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="koers-overdue">overdue</strong>' in html


def test_it_searches_reference_name_owner_and_vendor(committee: Client) -> None:
    from register.models import Vendor

    owner = factories.UserFactory.create(username="jdoe", first_name="Joke", last_name="Smit")
    vendor = Vendor.objects.create(name="TalentRank", product="CV Screen")
    factories.use_case("CV ranking", owner=owner, vendor=vendor)
    factories.use_case("Chatbot")
    for term in ("Smit", "talentrank", "ranking"):
        response = committee.get(f"/admin/register/usecase/?q={term}")
        assert [c.name for c in response.context["cl"].queryset] == ["CV ranking"], term


def test_the_queue_puts_the_longest_waiting_first(committee: Client) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False):
        first = _submitted("First")
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False):
        _submitted("Second")
    factories.use_case("Still a draft")
    response = committee.get("/admin/register/usecase/queue/", HTTP_ACCEPT_LANGUAGE="en")
    assert [c.name for c in response.context["use_cases"]] == ["First", "Second"]
    assert f'href="/admin/register/usecase/{first.pk}/change/"' in response.content.decode()


# -- decisions -----------------------------------------------------------------------------


def test_it_approves_with_a_condition_that_becomes_an_action(committee: Client) -> None:
    case = _submitted()
    owner = case.owner
    response = _decide(
        committee,
        case,
        "approve",
        scope="Two stores",
        condition_1="Bias test on last year's hires",
        condition_1_owner=str(owner.pk),
        condition_1_due="2027-01-31",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "approved"
    action = Action.objects.get()
    assert (action.description, action.owner, action.due_date) == (
        "Bias test on last year's hires",
        owner,
        dt.date(2027, 1, 31),
    )
    page = committee.get(CHANGE.format(case.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bias test on last year&#x27;s hires" in page
    assert "Status: Submitted → Approved" in page


def test_a_condition_without_owner_or_date_keeps_the_input_and_says_what_is_missing(
    committee: Client,
) -> None:
    case = _submitted()
    response = _decide(committee, case, "approve", condition_1="Bias test")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A condition needs someone who sees to it." in html
    assert "A condition needs a date by which it is met." in html
    assert 'value="Bias test"' in html
    assert UseCase.objects.get(pk=case.pk).status == "submitted"


def test_it_requests_changes_and_rejects_with_the_words_the_owner_reads(committee: Client) -> None:
    changes, rejected = _submitted("One"), _submitted("Two")
    _decide(committee, changes, "request_changes", justification="Say how customers reach a person")
    _decide(committee, rejected, "reject", justification="Scores personality")
    assert UseCase.objects.get(pk=changes.pk).status == "changes_requested"
    assert UseCase.objects.get(pk=rejected.pk).status == "rejected"
    empty = _decide(committee, _submitted("Three"), "reject", justification="")
    assert "This field is required." in empty.content.decode()


def test_an_illegal_transition_is_a_message_not_an_error_page(committee: Client) -> None:
    case = _submitted()
    _decide(committee, case, "approve")
    again = _decide(committee, case, "reject", justification="Too late")
    assert again.status_code == 200
    assert "A use-case cannot go from Approved to Rejected." in again.content.decode()


def test_the_go_live_gate_is_said_on_the_page(committee: Client) -> None:
    case = _submitted(
        "Rota",
        answers=DEPLOYER,
        lifecycle_stage="pilot",
        pilot_scope="Two wards",
        pilot_end_date=dt.date(2027, 1, 31),
        stop_criteria="Complaints",
        affects_employees=True,
        works_council_position="pending",
    )
    _decide(committee, case, "approve")
    response = _decide(committee, case, "to_production")
    assert response.status_code == 200
    assert (
        "It cannot go live yet: the works council&#x27;s position (WOR art. 27)" in response.content.decode()
    )
    assert UseCase.objects.get(pk=case.pk).lifecycle_stage == "pilot"


def test_a_downgrade_waits_for_a_second_member_who_is_not_the_owner(committee: Client) -> None:
    case = _submitted()
    proposed = _decide(committee, case, "override", risk_tier="minimal", justification="Only sorts by date")
    assert proposed.status_code == 302
    case.refresh_from_db()
    assert (case.risk_tier, case.classification_status) == ("high_risk", "indicative")  # not yet
    own_page = committee.get(CHANGE.format(case.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "It waits for a second committee member who is not the owner." in own_page
    assert 'value="confirm_downgrade"' not in own_page  # the proposer cannot be the second pair of eyes
    # The owner, even on the committee, cannot confirm it either.
    services.role_grant(acting_user=None, user=case.owner, role=Role.COMMITTEE)
    owner = _client_for(case.owner)
    assert 'value="confirm_downgrade"' not in owner.get(CHANGE.format(case.pk)).content.decode()
    proposal_id = str(case.override_proposals.get().pk)
    refused = _decide(owner, case, "confirm_downgrade", proposal_id=proposal_id)
    assert "A downgrade needs a second committee member who is not the owner." in refused.content.decode()

    second = factories.committee_member("second", first_name="Piet", last_name="de Vries")
    other = _client_for(second)
    assert 'value="confirm_downgrade"' in other.get(CHANGE.format(case.pk)).content.decode()
    assert _decide(other, case, "confirm_downgrade", proposal_id=proposal_id).status_code == 302
    case.refresh_from_db()
    assert (case.risk_tier, case.classification_status) == ("minimal", "overridden")
    override = case.current_assessment
    assert override is not None
    assert override.author == User.objects.get(username="committee")
    assert override.second_approver == second
    page = committee.get(CHANGE.format(case.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "Classified differently by the AI committee: Minimal risk (questionnaire result: High risk)" in page
    )
    assert "What the questionnaire gave" in page
    _decide(committee, case, "lift", justification="New facts")
    assert UseCase.objects.get(pk=case.pk).classification_status == "indicative"


def test_a_waiting_downgrade_can_be_declined_with_a_reason(committee: Client) -> None:
    case = _submitted()
    _decide(committee, case, "override", risk_tier="limited", justification="Only a chatbot")
    proposal_id = str(case.override_proposals.get().pk)
    empty = _decide(committee, case, "decline_downgrade", reason="", proposal_id=proposal_id)
    assert "This field is required." in empty.content.decode()
    declined = _decide(
        committee, case, "decline_downgrade", reason="It ranks people", proposal_id=proposal_id
    )
    assert declined.status_code == 302
    proposal = case.override_proposals.get()
    assert (proposal.outcome, proposal.reason) == ("declined", "It ranks people")
    assert UseCase.objects.get(pk=case.pk).risk_tier == "high_risk"
    assert AuditEvent.objects.filter(action="register.use_case.override_declined").count() == 1


def test_a_stricter_tier_applies_at_once(committee: Client) -> None:
    case = _submitted()
    _decide(committee, case, "override", risk_tier="prohibited", justification="Scores personality")
    assert UseCase.objects.get(pk=case.pk).risk_tier == "prohibited"


def test_it_confirms_the_classification_and_sets_and_clears_the_policy_tier(committee: Client) -> None:
    case = _submitted(answers={**DEPLOYER, "ART50_1": True})
    _decide(committee, case, "confirm")
    assert UseCase.objects.get(pk=case.pk).classification_status == "confirmed"
    _decide(committee, case, "policy_tier", policy_tier="high_risk", justification="Our policy for HR tools")
    assert UseCase.objects.get(pk=case.pk).policy_tier == "high_risk"
    _decide(committee, case, "policy_tier", policy_tier="", justification="Policy changed")
    assert UseCase.objects.get(pk=case.pk).policy_tier == ""


@time_machine.travel(NIGHT, tick=False)
def test_it_records_a_review_and_plans_the_next_one(committee: Client) -> None:
    case = _submitted(answers={**DEPLOYER, "ART50_1": True}, lifecycle_stage="production")
    _decide(committee, case, "approve")
    response = _decide(
        committee,
        case,
        "review",
        due_date="2026-11-20",
        notice_still_right="true",
        bias_checked="true",
        bias_groups="Older customers",
        bias_result="No difference found",
        oversight_effective="true",
        override_rate="3 %",
        goal_met="true",
        outcome="continue",
        findings="Fine",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    review = case.reviews.get()
    assert (review.bias_groups, review.next_due) == ("Older customers", dt.date(2027, 5, 27))


def test_only_the_committee_decides(auditor: Client, committee: Client) -> None:
    case = _submitted()
    page = auditor.get(CHANGE.format(case.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'name="decision"' not in page.content.decode()
    assert _decide(auditor, case, "approve").status_code == 403
    assert UseCase.objects.get(pk=case.pk).status == "submitted"
    assert 'name="decision"' in committee.get(CHANGE.format(case.pk)).content.decode()


def test_a_decision_on_an_outdated_page_says_someone_changed_it(committee: Client) -> None:
    case = _submitted()
    stale_version = case.version
    from django.db.models import F

    UseCase.objects.filter(pk=case.pk).update(version=F("version") + 1)  # the owner saved meanwhile
    response = committee.post(
        CHANGE.format(case.pk),
        {"decision": "approve", "approve-version": str(stale_version)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="register.use_case.approved").count() == 0


def test_the_history_reads_as_changes_in_words() -> None:
    from django.utils import translation

    from register.history import readable

    case = _submitted()
    with translation.override("en"):
        entries = readable(AuditEvent.objects.filter(use_case_id=case.pk).order_by("occurred_at", "id"))
    assert entries[0].first
    assert entries[0].changes == ()
    submitted = next(e for e in entries if e.event.action == "register.use_case.submitted")
    shown = {(c.label, c.before, c.after) for c in submitted.changes}
    assert shown == {("status", "Draft", "Submitted"), ("reference", None, "AI-2026-0001")}
    assert all(c.field not in {"version", "updated_at"} for e in entries for c in e.changes)


def test_a_decision_taken_in_a_meeting_appears_in_its_minutes(committee: Client) -> None:
    meeting = services.meeting_record(
        acting_user=_user("committee"), held_on=timezone.localdate(), title="November committee"
    )
    case, other = _submitted(), _submitted("Chatbot")
    _decide(committee, case, "approve", meeting=str(meeting.pk))
    assert case.decisions.get().meeting == meeting
    _decide(
        committee, other, "override", risk_tier="prohibited", justification="Scores", meeting=str(meeting.pk)
    )
    assert other.decisions.get(kind="override_classification").meeting == meeting
    minutes = committee.get(f"/admin/register/meeting/{meeting.pk}/minutes/", HTTP_ACCEPT_LANGUAGE="en")
    assert case.name in minutes.content.decode()


def test_a_confirmation_counts_only_for_the_downgrade_that_was_on_the_page(committee: Client) -> None:
    case = _submitted()
    _decide(committee, case, "override", risk_tier="minimal", justification="Only sorts by date")
    second = _client_for(factories.committee_member("second"))
    assert 'value="confirm_downgrade"' in second.get(CHANGE.format(case.pk)).content.decode()
    first_proposal = case.override_proposals.get()
    seen_version = UseCase.objects.get(pk=case.pk).version
    # Meanwhile that one is declined and another downgrade proposed.
    _decide(committee, case, "decline_downgrade", reason="Wrong tier", proposal_id=str(first_proposal.pk))
    _decide(committee, case, "override", risk_tier="out_of_scope", justification="Not AI after all")
    response = second.post(
        CHANGE.format(case.pk),
        {
            "decision": "confirm_downgrade",
            "confirm_downgrade-version": str(seen_version),
            "confirm_downgrade-proposal_id": str(first_proposal.pk),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert UseCase.objects.get(pk=case.pk).risk_tier == "high_risk"
    assert case.override_proposals.filter(outcome="").count() == 1


def test_a_waiting_downgrade_lapses_when_the_classification_changes(committee: Client) -> None:
    case = _submitted()
    _decide(committee, case, "override", risk_tier="minimal", justification="Only sorts by date")
    _decide(committee, case, "override", risk_tier="prohibited", justification="Scores personality")
    assert UseCase.objects.get(pk=case.pk).risk_tier == "prohibited"
    lapsed = case.override_proposals.get()
    assert (lapsed.outcome, lapsed.reason) == (
        "declined",
        "Superseded: the committee classified it differently.",
    )
    _decide(committee, case, "override", risk_tier="limited", justification="Only answers questions")
    services.use_case_classify(acting_user=case.owner, use_case=case, answers=HIRING)
    assert case.override_proposals.filter(outcome="").count() == 0


def test_a_decision_that_does_not_fit_is_refused_with_a_message(committee: Client) -> None:
    draft = factories.use_case("Idea")
    response = _decide(committee, draft, "review", due_date="2026-11-20", outcome="suspend")
    assert response.status_code == 200
    assert "Only a use-case that is or was in use (pilot, production or suspended) is reviewed." in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert (draft.lifecycle_stage, draft.reviews.count()) == ("idea", 0)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.review_record(
            acting_user=_user("committee"),
            use_case=draft,
            due_date=dt.date(2026, 11, 20),
            outcome=ReviewOutcome.CONTINUE,
        )


@pytest.mark.parametrize("month", ["9999-12", "abc", "2026-13", "0-1", "10000-01"])
def test_a_bad_month_in_the_list_is_ignored_not_an_error(committee: Client, month: str) -> None:
    assert committee.get(f"/admin/register/usecase/?review_due_month={month}").status_code == 200


def test_a_malformed_meeting_number_is_not_found(committee: Client) -> None:
    for page in ("agenda/", "agenda.csv", "minutes/"):
        assert committee.get(f"/admin/register/meeting/abc/{page}").status_code == 404


def test_approving_a_running_use_case_that_affects_employees_passes_the_go_live_gate(
    committee: Client,
) -> None:
    case = _submitted("Rota", answers=DEPLOYER, lifecycle_stage="production", affects_employees=True)
    response = _decide(committee, case, "approve")
    assert "It cannot go live yet" in response.content.decode()
    assert UseCase.objects.get(pk=case.pk).status == "submitted"


def test_a_vendor_saved_without_changes_writes_no_history() -> None:
    from register.models import Vendor

    chair = factories.committee_member("chair")
    vendor = Vendor.objects.create(name="ChatDesk")
    services.vendor_update(acting_user=chair, vendor=vendor, name="ChatDesk")
    assert not AuditEvent.objects.filter(action="register.vendor.changed").exists()
    services.vendor_update(acting_user=chair, vendor=vendor, product="FAQ Bot")
    assert AuditEvent.objects.get(action="register.vendor.changed").justification == "product"
