"""The register as it stood at an instant (register.as_of), rebuilt from the audit trail: a
scripted history through the real services, read back at several instants; a constant number of
queries; and the list's filters meaning the same as of an instant as they do in SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from api.filters import UseCaseFilter
from register import as_of, services
from register.choices import DecisionKind, ReviewOutcome
from register.models import BusinessUnit, LegalEntity, OverrideProposal, UseCase, User
from register.services.use_cases import ActionSpec
from tests import factories

pytestmark = pytest.mark.django_db

DEPLOYER = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True}
CHATBOT = {**DEPLOYER, "ART50_1": True}  # limited: people must know they talk to an AI
HIRING = {**DEPLOYER, "ANNEX_III_4A": True}  # high risk: employment (Annex III 4(a))


def _at(moment: str) -> time_machine.travel:
    return time_machine.travel(dt.datetime.fromisoformat(moment), tick=False)


def _instant(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment)


@pytest.fixture
def secretary(db: None) -> User:
    return factories.committee_member("secretary")


@pytest.fixture
def history(secretary: User) -> UseCase:
    """A chatbot's year, each step on its own day (UTC), through the services."""
    chair = factories.committee_member("chair")
    with _at("2026-01-05T09:00:00+00:00"):
        case = factories.use_case(lifecycle_stage="production", customer_facing=True)
    with _at("2026-01-06T09:00:00+00:00"):
        services.use_case_submit(acting_user=case.owner, use_case=case)
    with _at("2026-01-07T09:00:00+00:00"):
        services.use_case_classify(acting_user=case.owner, use_case=case, answers=CHATBOT)
    with _at("2026-01-10T09:00:00+00:00"):
        notice = ActionSpec("Show the AI notice in the chat", case.owner, dt.date(2026, 2, 1))
        decision = services.decision_record(
            acting_user=secretary, use_case=case, kind=DecisionKind.APPROVE, actions=[notice]
        )
    with _at("2026-01-12T09:00:00+00:00"):
        art4 = case.obligations.get(code="ART4")
        services.obligation_mark_done(acting_user=secretary, item=art4, evidence_note="Staff trained")
    with _at("2026-01-20T09:00:00+00:00"):
        services.action_complete(acting_user=case.owner, action=decision.actions.get())
    with _at("2026-07-20T09:00:00+00:00"):
        services.review_record(
            acting_user=secretary,
            use_case=case,
            due_date=dt.date(2026, 7, 10),
            outcome=ReviewOutcome.CONTINUE,
        )
    with _at("2026-07-25T09:00:00+00:00"):
        services.incident_record(
            acting_user=secretary,
            use_case=case,
            what_happened="Wrong delivery date given",
            happened_at=_instant("2026-07-24T15:00:00+00:00"),
            aware_at=_instant("2026-07-25T08:00:00+00:00"),
        )
    with _at("2026-08-01T09:00:00+00:00"):  # it now also screens job applicants
        services.use_case_classify(acting_user=case.owner, use_case=case, answers=HIRING)
    with _at("2026-08-15T09:00:00+00:00"):
        services.use_case_override(
            acting_user=secretary,
            use_case=case,
            risk_tier="limited",
            justification="It only suggests; a recruiter decides",
            second_approver=chair,
        )
    with _at("2026-09-01T09:00:00+00:00"):
        services.review_record(
            acting_user=secretary, use_case=case, due_date=dt.date(2026, 11, 1), outcome=ReviewOutcome.RETIRE
        )
    with _at("2026-09-15T09:00:00+00:00"):
        factories.use_case("Rota planner", unit=factories.business_unit("Unit B"))
    return case


def _seen(moment: str) -> list[tuple[Any, ...]]:
    then = as_of.use_cases_as_of(UseCase.objects.all(), _instant(moment), detail=True)
    return [
        (
            case.name,
            case.risk_tier,
            case.classification_status,
            case.lifecycle_stage,
            case.status,
            [(item.code, item.status) for item in case.obligation_list],  # type: ignore[attr-defined]
            len(case.decision_list),  # type: ignore[attr-defined]
            len(case.review_list),  # type: ignore[attr-defined]
            case.incidents_count,  # type: ignore[attr-defined]
            case.next_review_due,  # type: ignore[attr-defined]
            case.review_overdue,  # type: ignore[attr-defined]
            case.version,
        )
        for case in then
    ]


OPEN_CHATBOT = [("ART4", "open"), ("CHECK_VENDOR_DISCLOSURE", "open")]
TRAINED = [("ART4", "done"), ("CHECK_VENDOR_DISCLOSURE", "open")]
HIRING_DUTIES = [("ART4", "done"), ("CHECK_VENDOR_DISCLOSURE", "not_applicable"), ("ART26", "open")]
SUBMITTED = ("limited", "indicative", "production", "submitted")
APPROVED = ("limited", "indicative", "production", "approved")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param("2026-01-05T08:59:59+00:00", [], id="before it was registered"),
        pytest.param(
            "2026-01-05T09:00:00+00:00",
            [("Webshop chatbot", "", "unassessed", "production", "draft", [], 0, 0, 0, None, False, 1)],
            id="at the instant of its creation",
        ),
        pytest.param(
            "2026-01-08T12:00:00+00:00",
            [("Webshop chatbot", *SUBMITTED, OPEN_CHATBOT, 0, 0, 0, dt.date(2026, 7, 7), False, 3)],
            id="classified, waiting for the committee",
        ),
        pytest.param(
            "2026-01-12T12:00:00+00:00",
            [("Webshop chatbot", *APPROVED, TRAINED, 1, 0, 0, dt.date(2026, 7, 10), False, 5)],
            id="approved, a duty done",
        ),
        pytest.param(
            "2026-07-10T21:30:00+00:00",  # 23:30 on 10 July in Amsterdam: due today, not late
            [("Webshop chatbot", *APPROVED, TRAINED, 1, 0, 0, dt.date(2026, 7, 10), False, 6)],
            id="on the due day in the organisation's zone",
        ),
        pytest.param(
            "2026-07-10T22:30:00+00:00",  # 00:30 on 11 July in Amsterdam, still 10 July in UTC
            [("Webshop chatbot", *APPROVED, TRAINED, 1, 0, 0, dt.date(2026, 7, 10), True, 6)],
            id="overdue from the organisation's next day",
        ),
        pytest.param(
            "2026-07-21T12:00:00+00:00",
            [("Webshop chatbot", *APPROVED, TRAINED, 1, 1, 0, dt.date(2027, 1, 20), False, 7)],
            id="reviewed",
        ),
        pytest.param(
            "2026-08-02T12:00:00+00:00",
            [
                (
                    "Webshop chatbot",
                    *("high_risk", "indicative", "production", "approved"),
                    HIRING_DUTIES,
                    *(1, 1, 1, dt.date(2026, 11, 1), False, 9),
                )
            ],
            id="an incident, then classified again as high risk",
        ),
        pytest.param(
            "2026-08-16T12:00:00+00:00",
            [
                (
                    "Webshop chatbot",
                    *("limited", "overridden", "production", "approved"),
                    HIRING_DUTIES,
                    *(2, 1, 1, dt.date(2026, 11, 1), False, 10),
                )
            ],
            id="overridden by the committee",
        ),
        pytest.param(
            "2026-09-10T12:00:00+00:00",
            [
                (
                    "Webshop chatbot",
                    *("limited", "overridden", "retired", "approved"),
                    HIRING_DUTIES,
                    *(2, 2, 1, None, False, 11),
                )
            ],
            id="retired, the next use-case not registered yet",
        ),
        pytest.param(
            "2026-10-01T12:00:00+00:00",
            [
                (
                    "Webshop chatbot",
                    *("limited", "overridden", "retired", "approved"),
                    HIRING_DUTIES,
                    *(2, 2, 1, None, False, 11),
                ),
                ("Rota planner", "", "unassessed", "idea", "draft", [], 0, 0, 0, None, False, 1),
            ],
            id="now",
        ),
    ],
)
def test_it_shows_each_use_case_as_it_stood(history: UseCase, moment: str, expected: list[object]) -> None:
    assert _seen(moment) == expected


def test_it_shows_an_action_done_later_as_still_open_then(history: UseCase) -> None:
    def done_at(moment: str) -> dt.datetime | None:
        (case,) = as_of.use_cases_as_of(UseCase.objects.filter(pk=history.pk), _instant(moment), detail=True)
        (decision,) = case.decision_list  # type: ignore[attr-defined]
        return decision.action_list[0].done_at  # type: ignore[no-any-return]

    assert done_at("2026-01-19T12:00:00+00:00") is None
    assert done_at("2026-01-21T12:00:00+00:00") == _instant("2026-01-20T09:00:00+00:00")


def test_it_matches_the_live_register_now(history: UseCase) -> None:
    history.refresh_from_db()
    (then,) = as_of.use_cases_as_of(
        UseCase.objects.filter(pk=history.pk), _instant("2026-10-01T12:00:00+00:00")
    )
    assert (then.version, then.updated_at) == (11, _instant("2026-09-01T09:00:00+00:00"))
    assert (then.version, then.updated_at) == (history.version, history.updated_at)
    assert then.current_assessment == history.current_assessment
    assert (then.business_unit.legal_entity.name, then.owner, then.vendor) == (
        "Koers Retail BV",
        history.owner,
        None,
    )
    assert then._state.adding  # rebuilt, never to be saved


def test_it_leaves_out_a_duty_a_superuser_deleted_from_then_on(history: UseCase) -> None:
    root = User.objects.create(username="root", is_superuser=True)
    with _at("2026-09-20T09:00:00+00:00"), transaction.atomic():
        services.record_delete(acting_user=root, instance=history.obligations.get(code="ART26"))

    def codes(moment: str) -> list[str]:
        (case,) = as_of.use_cases_as_of(UseCase.objects.filter(pk=history.pk), _instant(moment), detail=True)
        return [item.code for item in case.obligation_list]  # type: ignore[attr-defined]

    assert codes("2026-09-19T12:00:00+00:00") == ["ART4", "CHECK_VENDOR_DISCLOSURE", "ART26"]
    assert codes("2026-09-21T12:00:00+00:00") == ["ART4", "CHECK_VENDOR_DISCLOSURE"]


def test_it_ignores_use_cases_outside_the_queryset(history: UseCase) -> None:
    then = as_of.use_cases_as_of(
        UseCase.objects.exclude(pk=history.pk), _instant("2026-10-01T12:00:00+00:00")
    )
    assert [case.name for case in then] == ["Rota planner"]


# A constant number of queries


def _register_of(size: int, secretary: User) -> None:
    vendor = services.vendor_create(acting_user=secretary, name="Chatly", product="Chatly Assist")
    for number in range(size):
        case = factories.use_case(f"Case {number}", lifecycle_stage="production", vendor=vendor)
        services.use_case_submit(acting_user=case.owner, use_case=case)
        services.use_case_classify(acting_user=case.owner, use_case=case, answers=CHATBOT)
        notice = ActionSpec("Show the AI notice", case.owner, dt.date(2026, 2, 1))
        services.decision_record(
            acting_user=secretary, use_case=case, kind=DecisionKind.APPROVE, actions=[notice]
        )
        art4 = case.obligations.get(code="ART4")
        services.obligation_mark_done(acting_user=secretary, item=art4, evidence_note="Trained")
        services.review_record(
            acting_user=secretary,
            use_case=case,
            due_date=dt.date(2026, 7, 10),
            outcome=ReviewOutcome.CONTINUE,
        )


@pytest.mark.parametrize(("detail", "queries"), [(False, 6), (True, 12)])
@pytest.mark.parametrize("size", [2, 20])
def test_it_reads_any_number_of_use_cases_in_the_same_number_of_queries(
    secretary: User, size: int, detail: bool, queries: int
) -> None:
    with _at("2026-01-10T09:00:00+00:00"):
        _register_of(size, secretary)
    with CaptureQueriesContext(connection) as captured:
        then = as_of.use_cases_as_of(
            UseCase.objects.all(), _instant("2026-02-01T00:00:00+00:00"), detail=detail
        )
    assert len(then) == size
    assert len(captured.captured_queries) == queries


# The list's filters, as of an instant, mean what they mean in SQL

NOW = "2026-10-01T10:00:00+00:00"


@pytest.fixture
def register(secretary: User) -> None:
    """Four use-cases that differ in every filtered fact, as they stand on 1 October 2026."""
    with _at("2026-03-01T09:00:00+00:00"):
        chatbot = factories.use_case("Webshop chatbot", lifecycle_stage="production", customer_facing=True)
        services.use_case_submit(acting_user=chatbot.owner, use_case=chatbot)
        services.use_case_classify(acting_user=chatbot.owner, use_case=chatbot, answers=CHATBOT)
        services.decision_record(acting_user=secretary, use_case=chatbot, kind=DecisionKind.APPROVE)
    with _at("2026-05-01T09:00:00+00:00"):
        reader = factories.use_case("Invoice reader", lifecycle_stage="production")
        services.use_case_classify(acting_user=reader.owner, use_case=reader, answers=DEPLOYER)
        services.use_case_override(
            acting_user=secretary, use_case=reader, risk_tier="high_risk", justification="Our policy"
        )
        services.use_case_submit(acting_user=reader.owner, use_case=reader)
        services.decision_record(acting_user=secretary, use_case=reader, kind=DecisionKind.APPROVE)
    with _at("2026-09-20T09:00:00+00:00"):
        care = factories.business_unit(
            "Spoedeisende hulp", factories.legal_entity("Zorg", provides_public_service=True)
        )
        triage = factories.use_case("ED triage", unit=care, human_oversight="human_in_the_loop")
        services.use_case_classify(
            acting_user=triage.owner, use_case=triage, answers={**DEPLOYER, "ANNEX_III_5D": True}
        )
    with _at("2026-09-25T09:00:00+00:00"):
        factories.use_case(
            "Rota planner", unit=factories.business_unit("Unit B"), human_oversight="human_in_command"
        )


ALL = ["ED triage", "Invoice reader", "Rota planner", "Webshop chatbot"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ALL),
        ({"risk_tier": ["limited"]}, ["Webshop chatbot"]),
        ({"risk_tier": ["high_risk", "minimal"]}, ["ED triage", "Invoice reader"]),
        ({"classification_status": ["unassessed"]}, ["Rota planner"]),
        (
            {"classification_status": ["indicative", "overridden"]},
            ["ED triage", "Invoice reader", "Webshop chatbot"],
        ),
        ({"business_unit": "Unit B"}, ["Rota planner"]),
        ({"legal_entity": "Zorg"}, ["ED triage"]),
        ({"lifecycle_stage": ["production"]}, ["Invoice reader", "Webshop chatbot"]),
        ({"status": ["draft"]}, ["ED triage", "Rota planner"]),
        ({"status": ["approved", "rejected"]}, ["Invoice reader", "Webshop chatbot"]),
        # Reviews due 1 September (chatbot, limited: 6 months) and 1 August (reader, high risk: 3).
        ({"review_overdue": "true"}, ["Invoice reader", "Webshop chatbot"]),
        ({"review_overdue": "false"}, ["ED triage", "Rota planner"]),
        ({"review_due_before": "2026-09-01"}, ["Invoice reader"]),
        ({"review_due_before": "2027-01-01"}, ["ED triage", "Invoice reader", "Webshop chatbot"]),
        ({"fria_required": "true"}, ["ED triage"]),
        ({"fria_required": "false"}, ["Invoice reader", "Rota planner", "Webshop chatbot"]),
        ({"human_oversight": ["human_in_command"]}, ["Rota planner"]),
        ({"human_oversight": ["human_in_the_loop", "none"]}, ["ED triage"]),
        ({"customer_facing": "true"}, ["Webshop chatbot"]),
        ({"customer_facing": "false"}, ["ED triage", "Invoice reader", "Rota planner"]),
        ({"updated_since": "2026-09-20T09:00:00Z"}, ["ED triage", "Rota planner"]),
        ({"updated_since": "2026-09-20T11:00:01+02:00"}, ["Rota planner"]),
        ({"lifecycle_stage": ["production"], "customer_facing": "false"}, ["Invoice reader"]),
    ],
)
def test_it_filters_as_of_an_instant_as_the_database_filters_the_live_register(
    register: None, query: dict[str, Any], expected: list[str]
) -> None:
    query = {**query}
    if "business_unit" in query:
        query["business_unit"] = BusinessUnit.objects.get(name=query["business_unit"]).pk
    if "legal_entity" in query:
        query["legal_entity"] = LegalEntity.objects.get(name=query["legal_entity"]).pk
    with _at(NOW):
        filterset = UseCaseFilter(QueryDict(urlencode(query, doseq=True)), queryset=UseCase.objects.all())
        assert filterset.is_valid(), filterset.errors
        live = sorted(filterset.qs.values_list("name", flat=True))
        then = as_of.use_cases_as_of(UseCase.objects.all(), _instant(NOW))
        today = dt.date(2026, 10, 1)
        kept = sorted(
            case.name for case in then if as_of.matches(case, filterset.form.cleaned_data, today=today)
        )
    assert live == expected
    assert kept == expected


def test_it_refuses_a_filter_it_cannot_apply_as_of_an_instant(history: UseCase) -> None:
    (case,) = as_of.use_cases_as_of(
        UseCase.objects.filter(pk=history.pk), _instant("2026-10-01T12:00:00+00:00")
    )
    assert as_of.matches(case, {"sector": None, "risk_tier": []}, today=dt.date(2026, 10, 1))
    with pytest.raises(ValueError, match="'sector'"):
        as_of.matches(case, {"sector": "retail"}, today=dt.date(2026, 10, 1))


def test_it_shows_a_downgrade_a_second_member_confirmed(secretary: User) -> None:
    chair = factories.committee_member("chair")
    with _at("2026-03-02T09:00:00+00:00"):
        case = factories.use_case(lifecycle_stage="production")
        services.use_case_classify(acting_user=case.owner, use_case=case, answers=CHATBOT)
    with _at("2026-03-03T09:00:00+00:00"):
        proposal = services.override_propose(
            acting_user=secretary, use_case=case, risk_tier="minimal", justification="No chat, only a form"
        )
    assert isinstance(proposal, OverrideProposal)  # a downgrade waits for a second member
    with _at("2026-03-04T09:00:00+00:00"):
        services.override_confirm(acting_user=chair, proposal=proposal)
    case.refresh_from_db()
    (then,) = as_of.use_cases_as_of(UseCase.objects.filter(pk=case.pk), _instant("2026-03-05T09:00:00+00:00"))
    assert (then.risk_tier, then.classification_status) == ("minimal", "overridden")
    assert then.version == case.version
    (before,) = as_of.use_cases_as_of(
        UseCase.objects.filter(pk=case.pk), _instant("2026-03-03T12:00:00+00:00")
    )
    assert (before.risk_tier, before.classification_status) == ("limited", "indicative")
