"""The use-case resource: its full JSON (a contract, STYLE.md §14), the list's cost, visibility,
history, ETag and the stats."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Value
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from api.serializers import UseCaseSerializer, for_listing, listed_page, listed_rows, listed_use_case
from register import as_of, selectors, services
from register.choices import DecisionKind, LifecycleStage, ReviewOutcome, Role
from register.models import UseCase, User
from register.services.use_cases import ActionSpec
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A Tuesday in winter (UTC+1 in Amsterdam).
T0 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)


def _at(days: int, hours: int = 0) -> time_machine.travel:
    return time_machine.travel(T0 + dt.timedelta(days=days, hours=hours), tick=False)


def _chatbot() -> tuple[UseCase, User, User]:
    """A limited-risk webshop chatbot, approved with a condition, one duty done, reviewed."""
    with _at(0):
        owner = UserFactory.create(username="sanne", first_name="Sanne", last_name="Bakker")
        chair = factories.committee_member("kees", first_name="Kees", last_name="Jansen")
        entity = factories.legal_entity("Koers Retail BV")
        unit = factories.business_unit("Webshop", entity)
        vendor = services.vendor_create(acting_user=chair, name="ChatDesk", product="Assist 3")
        use_case = factories.use_case(
            unit=unit,
            owner=owner,
            vendor=vendor,
            lifecycle_stage=LifecycleStage.PILOT,
            customer_facing=True,
            affects_customers=True,
            personal_data=True,
            notice="You are chatting with an AI assistant.",
            pilot_scope="Orders only",
            pilot_end_date=dt.date(2026, 6, 30),
            stop_criteria="More than 5% wrong answers",
        )
        services.use_case_classify(
            acting_user=owner,
            use_case=use_case,
            answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True},
        )
    with _at(1):
        services.use_case_submit(acting_user=owner, use_case=use_case)
    with _at(2):
        services.decision_record(
            acting_user=chair,
            use_case=use_case,
            kind=DecisionKind.APPROVE,
            conditions="Check the notice",
            actions=[ActionSpec(description="Check the notice", owner=owner, due_date=dt.date(2026, 4, 1))],
        )
    with _at(3):
        item = use_case.obligations.order_by("id").first()
        assert item is not None
        services.obligation_mark_done(
            acting_user=chair, item=item, evidence_url="https://wiki.example.org/notice"
        )
    with _at(30):
        services.review_record(
            acting_user=chair,
            use_case=use_case,
            due_date=dt.date(2026, 4, 1),
            outcome=ReviewOutcome.CONTINUE,
            findings="Notice fine",
            goal_met=True,
        )
    use_case.refresh_from_db()
    return use_case, owner, chair


def _person(user: User) -> dict[str, object]:
    return {"id": user.pk, "username": user.username, "name": user.get_full_name()}


def test_it_serialises_a_use_case_completely(auditor: Client) -> None:
    use_case, owner, chair = _chatbot()
    unit = use_case.business_unit
    duty_done, duty_open = use_case.obligations.order_by("id")
    decision = use_case.decisions.get()
    assert use_case.vendor is not None
    assert use_case.current_assessment is not None
    sanne = {"id": owner.pk, "username": "sanne", "name": "Sanne Bakker"}
    kees = {"id": chair.pk, "username": "kees", "name": "Kees Jansen"}
    with _at(31):
        response = auditor.get(f"/api/v1/use-cases/{use_case.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": use_case.pk,
        "reference": "AI-2026-0001",
        "name": "Webshop chatbot",
        "legal_entity": {"id": unit.legal_entity_id, "name": "Koers Retail BV"},
        "business_unit": {"id": unit.pk, "name": "Webshop"},
        "owner": sanne,
        "vendor": {
            "id": use_case.vendor.pk,
            "name": "ChatDesk",
            "product": "Assist 3",
            "ai_act_role": "provider",
            "instructions_url": "",
            "logs_location": "",
            "log_retention_days": None,
            "processor_agreement": False,
            "trains_on_our_data": "unknown",
            "model_change_notice": "",
            "incident_contact": "",
            "ce_marking": None,
            "eu_database_number": "",
            "created_at": "2026-03-03T10:00:00+01:00",
            "updated_at": "2026-03-03T10:00:00+01:00",
        },
        "sector": "other",
        "lifecycle_stage": "pilot",
        "status": "approved",
        "classification_status": "indicative",
        "risk_tier": "limited",
        "policy_tier": None,
        "override_may_be_stale": False,
        "needs_legal_review": False,
        "legal_basis": ["ART50_1"],
        "fria_required": False,
        "human_oversight": "human_on_the_loop",
        "customer_facing": True,
        "personal_data": True,
        "special_categories": False,
        # Approved on 5 March, reviewed on 2 April: limited risk is reviewed every 6 months.
        "next_review_due": "2026-10-02",
        "review_overdue": False,
        "created_at": "2026-03-03T10:00:00+01:00",
        "updated_at": "2026-04-02T11:00:00+02:00",  # the review (summer time by then)
        "version": 6,
        "description": "",
        "purpose": "Answer customer questions about orders",
        "affected_groups": ["customers"],
        "affected_people": "Webshop customers",
        "lawful_basis": None,
        "processing_register_ref": "",
        "dpia_needed": "unknown",
        "dpia_status": None,
        "dpia_link": "",
        "dpo_advice": "",
        "automated_decisions": False,
        "overseers": "",
        "overseers_can_stop": None,
        "escalation_path": "",
        "notice": "You are chatting with an AI assistant.",
        "goal": "Half of order questions answered without waiting",
        "pilot_scope": "Orders only",
        "pilot_end_date": "2026-06-30",
        "stop_criteria": "More than 5% wrong answers",
        "works_council_position": "not_applicable",
        "workers_informed": False,
        "review_cadence_months": None,
        "classification": {
            "assessment": use_case.current_assessment.pk,
            "kind": "engine",
            "risk_tier": "limited",
            "complete": True,
            "open_questions": [],
            "legal_basis": ["ART50_1"],
            "fria_required": False,
            "ruleset_version": "2026.1",
            "explanation": [
                {
                    "nl": "Voorlopige indeling op basis van uw antwoorden. Nog niet vastgesteld door de "
                    "AI-commissie. Dit is geen juridisch advies.",
                    "en": "Indicative classification based on your answers. Not yet confirmed by the AI "
                    "committee. This is not legal advice.",
                },
                {
                    "nl": "Transparantieverplichting: directe interactie met mensen (art. 50 lid 1); dit is "
                    "een plicht van de aanbieder (leverancier).",
                    "en": "Transparency duty: direct interaction with people (Art. 50(1)); this is a duty of "
                    "the provider (supplier).",
                },
                {
                    "nl": "Beperkt risico: naast AI-geletterdheid (art. 4) gelden de transparantieverplichtingen "
                    "hierboven.",
                    "en": "Limited risk: besides AI literacy (Art. 4) the transparency duties above apply.",
                },
            ],
            "author": sanne,
            "justification": "",
            "second_approver": None,
            "created_at": "2026-03-03T10:00:00+01:00",
        },
        "obligations": [
            {
                "id": duty_done.pk,
                "use_case": use_case.pk,
                "code": "ART4",
                "article": "Art. 4",
                "title_nl": "AI-geletterdheid: neem maatregelen om de AI-geletterdheid te ondersteunen van "
                "personeel en anderen die het systeem namens u gebruiken",
                "title_en": "AI literacy: take measures to support the AI literacy of staff and others who "
                "operate the system for you",
                "owed_by": "deployer",
                "applies_from": "2025-02-02",
                "status": "done",
                "evidence_url": "https://wiki.example.org/notice",
                "evidence_note": "",
                "done_by": kees,
                "done_at": "2026-03-06T10:00:00+01:00",
                "updated_at": "2026-03-06T10:00:00+01:00",
            },
            {
                "id": duty_open.pk,
                "use_case": use_case.pk,
                "code": "CHECK_VENDOR_DISCLOSURE",
                "article": "Art. 50(1)-(2)",
                "title_nl": "Zorg dat de AI-melding of -markering van de leverancier aanstaat en aan blijft",
                "title_en": "Make sure the supplier's AI disclosure or marking is switched on and stays on",
                "owed_by": "deployer",
                "applies_from": "2026-08-02",
                "status": "open",
                "evidence_url": "",
                "evidence_note": "",
                "done_by": None,
                "done_at": None,
                "updated_at": "2026-03-03T10:00:00+01:00",
            },
        ],
        "decisions": [
            {
                "id": decision.pk,
                "use_case": use_case.pk,
                "kind": "approve",
                "scope": "",
                "conditions": "Check the notice",
                "end_date": None,
                "justification": "",
                "meeting": None,
                "decided_by": kees,
                "decided_at": "2026-03-05T10:00:00+01:00",
                "actions": [
                    {
                        "id": decision.actions.get().pk,
                        "description": "Check the notice",
                        "owner": sanne,
                        "due_date": "2026-04-01",
                        "done_at": None,
                    }
                ],
            }
        ],
        "reviews": {
            "count": 1,
            "last": {
                "id": use_case.reviews.get().pk,
                "use_case": use_case.pk,
                "due_date": "2026-04-01",
                "reviewer": kees,
                "notice_still_right": None,
                "bias_checked": None,
                "bias_groups": "",
                "bias_result": "",
                "oversight_effective": None,
                "override_rate": "",
                "incidents_since": "",
                "goal_met": True,
                "outcome": "continue",
                "findings": "Notice fine",
                "next_due": "2026-10-02",
                "recorded_at": "2026-04-02T11:00:00+02:00",
            },
        },
        "incidents_count": 0,
    }


def test_it_lists_the_fields_the_contract_names(auditor: Client) -> None:
    use_case, owner, _chair = _chatbot()
    with _at(31):
        body = auditor.get("/api/v1/use-cases/").json()
    assert body["next"] is None
    assert body["previous"] is None
    assert body["results"] == [
        {
            "id": use_case.pk,
            "reference": "AI-2026-0001",
            "name": "Webshop chatbot",
            "legal_entity": {"id": use_case.business_unit.legal_entity_id, "name": "Koers Retail BV"},
            "business_unit": {"id": use_case.business_unit_id, "name": "Webshop"},
            "owner": {"id": owner.pk, "username": "sanne", "name": "Sanne Bakker"},
            "vendor": {"id": use_case.vendor_id, "name": "ChatDesk", "product": "Assist 3"},
            "sector": "other",
            "lifecycle_stage": "pilot",
            "status": "approved",
            "classification_status": "indicative",
            "risk_tier": "limited",
            "policy_tier": None,
            "override_may_be_stale": False,
            "needs_legal_review": False,
            "legal_basis": ["ART50_1"],
            "fria_required": False,
            "human_oversight": "human_on_the_loop",
            "customer_facing": True,
            "personal_data": True,
            "special_categories": False,
            "next_review_due": "2026-10-02",
            "review_overdue": False,
            "created_at": "2026-03-03T10:00:00+01:00",
            "updated_at": "2026-04-02T11:00:00+02:00",
        }
    ]


def _register(count: int, unit_name: str = "Webshop") -> list[UseCase]:
    """`count` assessed use-cases with a vendor, duties, a decision with an action and a review."""
    chair = User.objects.filter(username="chair").first() or factories.committee_member("chair")
    unit = factories.business_unit(unit_name)
    vendor = services.vendor_find_or_add(acting_user=chair, name="ChatDesk")
    made = []
    for n in range(count):
        use_case = factories.use_case(f"Bot {n}", unit=unit, vendor=vendor, lifecycle_stage="production")
        services.use_case_classify(
            acting_user=chair,
            use_case=use_case,
            answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True},
        )
        services.use_case_submit(acting_user=chair, use_case=use_case)
        services.decision_record(
            acting_user=chair,
            use_case=use_case,
            kind=DecisionKind.APPROVE,
            actions=[ActionSpec(description="Check", owner=use_case.owner, due_date=dt.date(2027, 1, 1))],
        )
        services.review_record(
            acting_user=chair,
            use_case=use_case,
            due_date=dt.date(2026, 11, 1),
            outcome=ReviewOutcome.CONTINUE,
        )
        made.append(use_case)
    return made


def test_it_lists_a_page_of_500_in_the_queries_of_a_page_of_5(
    auditor: Client, django_assert_num_queries: Any
) -> None:
    _register(12)
    # Session, user, their permissions (one query, register/backends.py), the page (one more row
    # tells whether there is a next page), and its owners and vendors (a query each, each made
    # once: cheaper than joined): the same at either size.
    with django_assert_num_queries(6):
        small = auditor.get("/api/v1/use-cases/?page_size=5")
    with django_assert_num_queries(6):
        large = auditor.get("/api/v1/use-cases/?page_size=500")
    assert (len(small.json()["results"]), len(large.json()["results"])) == (5, 12)
    assert small.json()["next"] is not None
    assert large.json()["next"] is None


def test_it_shows_a_use_case_in_the_same_queries_however_much_it_holds(
    auditor: Client, django_assert_num_queries: Any
) -> None:
    lean, busy = _register(2)
    chair = User.objects.get(username="chair")
    for _n in range(3):
        services.incident_record(
            acting_user=chair, use_case=busy, what_happened="Wrong price", happened_at=T0, aware_at=T0
        )
        services.review_record(
            acting_user=chair, use_case=busy, due_date=dt.date(2026, 12, 1), outcome=ReviewOutcome.CONTINUE
        )
    # Session, user, permissions (one query), the use-case (incidents counted in it), its duties,
    # decisions, their actions, reviews.
    with django_assert_num_queries(8):
        assert auditor.get(f"/api/v1/use-cases/{lean.pk}/").json()["incidents_count"] == 0
    with django_assert_num_queries(8):
        assert auditor.get(f"/api/v1/use-cases/{busy.pk}/").json()["incidents_count"] == 3


def test_it_shows_members_their_own_units_only(member_a: Client, member_b: Client, outsider: Client) -> None:
    unit_a = UserFactory._meta.model.objects.get(username="member_a").business_units.get()
    mine = factories.use_case("Rota planner", unit=unit_a)
    theirs = factories.use_case("Price bot", unit=factories.business_unit("Elsewhere"))
    assert [u["name"] for u in member_a.get("/api/v1/use-cases/").json()["results"]] == ["Rota planner"]
    assert member_a.get(f"/api/v1/use-cases/{theirs.pk}/").status_code == 404
    assert member_b.get(f"/api/v1/use-cases/{mine.pk}/").status_code == 404
    assert member_b.get(f"/api/v1/use-cases/{mine.pk}/history/").status_code == 404
    assert member_b.get(f"/api/v1/assessments/?use_case={mine.pk}").json()["results"] == []
    assert outsider.get("/api/v1/use-cases/").json()["results"] == []
    assert outsider.get("/api/v1/deliveries/").status_code == 403


def test_it_answers_without_credentials_with_401(client: Client) -> None:
    response = client.get("/api/v1/use-cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_it_tells_the_history_of_a_use_case_and_all_it_holds(auditor: Client) -> None:
    use_case, _owner, chair = _chatbot()
    other = factories.use_case("Someone else's")
    with _at(40):
        services.incident_record(
            acting_user=chair, use_case=use_case, what_happened="Rude answer", happened_at=T0, aware_at=T0
        )
        services.action_complete(acting_user=chair, action=use_case.decisions.get().actions.get())
    with _at(41):
        body = auditor.get(f"/api/v1/use-cases/{use_case.pk}/history/?page_size=100").json()
    actions = [event["action"] for event in body["results"]]
    assert {event["use_case_id"] for event in body["results"]} == {use_case.pk}
    assert actions[0] == "register.use_case.created"
    assert actions[-2:] == ["register.incident.recorded", "register.action.completed"]
    for expected in ("register.use_case.approved", "register.obligation.done", "register.use_case.reviewed"):
        assert expected in actions
    times = [event["occurred_at"] for event in body["results"]]
    assert times == sorted(times)
    assert other.pk not in {event["use_case_id"] for event in body["results"]}


def test_it_moves_updated_at_for_everything_the_detail_shows(auditor: Client) -> None:
    use_case, _owner, chair = _chatbot()
    since = "2026-05-01T00:00:00Z"
    assert auditor.get(f"/api/v1/use-cases/?updated_since={since}").json()["results"] == []
    with _at(70):  # 12 May
        services.incident_record(
            acting_user=chair, use_case=use_case, what_happened="Rude answer", happened_at=T0, aware_at=T0
        )
    changed = auditor.get(f"/api/v1/use-cases/?updated_since={since}").json()["results"]
    assert [(u["id"], u["updated_at"]) for u in changed] == [(use_case.pk, "2026-05-12T11:00:00+02:00")]
    with _at(71):
        services.action_complete(acting_user=chair, action=use_case.decisions.get().actions.get())
    detail = auditor.get(f"/api/v1/use-cases/{use_case.pk}/").json()
    assert detail["updated_at"] == "2026-05-13T11:00:00+02:00"


def test_it_answers_a_repeated_detail_request_with_304_until_something_changes(auditor: Client) -> None:
    use_case, _owner, chair = _chatbot()
    url = f"/api/v1/use-cases/{use_case.pk}/"
    first = auditor.get(url)
    assert first["Last-Modified"] == "Thu, 02 Apr 2026 09:00:00 GMT"  # the review
    again = auditor.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    # Only the ETag says "not modified": the date alone misses what changes without updated_at.
    since = auditor.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    with _at(40):
        item = use_case.obligations.get(status="open")
        services.obligation_mark_done(acting_user=chair, item=item, evidence_note="Checked the banner")
    changed = auditor.get(url, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert changed["Last-Modified"] == "Sun, 12 Apr 2026 09:00:00 GMT"
    # The vendor's own edit moves the vendor's updated_at, and the detail that shows it changes.
    assert use_case.vendor is not None
    with _at(50):
        services.vendor_update(
            acting_user=chair, vendor=use_case.vendor, incident_contact="ops@chatdesk.example"
        )
    vendor_edit = auditor.get(url, headers={"If-None-Match": changed["ETag"]})
    assert vendor_edit.status_code == 200
    assert vendor_edit.json()["vendor"]["incident_contact"] == "ops@chatdesk.example"
    assert vendor_edit["Last-Modified"] == "Wed, 22 Apr 2026 09:00:00 GMT"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("risk_tier=high_risk", ["Hiring screen"]),
        ("risk_tier=limited&risk_tier=high_risk", ["Chatbot", "Hiring screen"]),
        ("classification_status=unassessed", ["Idea"]),
        ("lifecycle_stage=production", ["Chatbot", "Hiring screen"]),
        ("status=draft", ["Idea"]),
        ("review_overdue=true", ["Hiring screen"]),
        ("review_overdue=false", ["Chatbot", "Idea"]),
        ("review_due_before=2026-09-01", ["Hiring screen"]),
        ("fria_required=false", ["Chatbot", "Hiring screen", "Idea"]),
        ("human_oversight=human_in_the_loop", ["Hiring screen"]),
        ("customer_facing=true", ["Chatbot"]),
    ],
)
def test_it_filters_the_list(auditor: Client, query: str, names: list[str]) -> None:
    chair = factories.committee_member("chair")
    unit = factories.business_unit("Shop")
    with _at(0):
        bot = factories.use_case("Chatbot", unit=unit, lifecycle_stage="production", customer_facing=True)
        services.use_case_classify(
            acting_user=chair,
            use_case=bot,
            answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True},
        )
        hiring = factories.use_case(
            "Hiring screen", unit=unit, lifecycle_stage="production", human_oversight="human_in_the_loop"
        )
        services.use_case_classify(
            acting_user=chair,
            use_case=hiring,
            answers={
                "AI_SYSTEM": True,
                "ROLE_DEPLOYER": True,
                "ANNEX_III_4A": True,
                "ART6_3_PROFILING": True,
            },
        )
        services.use_case_submit(acting_user=chair, use_case=bot)
        services.use_case_submit(acting_user=chair, use_case=hiring)
        factories.use_case("Idea", unit=unit)
    with _at(150):  # 31 July: high risk (every 3 months) was due in June, limited in September
        body = auditor.get(f"/api/v1/use-cases/?{query}").json()
    assert sorted(u["name"] for u in body["results"]) == names


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("risk_tier=severe", "risk_tier"),
        ("review_overdue=maybe", "review_overdue"),
        ("business_unit=1.5", "business_unit"),
        ("updated_since=yesterday", "updated_since"),
        ("review_due_before=2026-13-01", "review_due_before"),
        ("page_size=501", "page_size"),
        ("page_size=%C2%B2", "page_size"),  # a superscript two is a digit to Python, not a number
        ("business_unit=100000000000000000000000", "business_unit"),
        ("legal_entity=0", "legal_entity"),
        ("risk_tier=", "risk_tier"),
        ("cursor=not-a-cursor", "cursor"),
        ("colour=blue", "colour"),
        ("as_of=2026-02-30T00:00:00Z", "as_of"),
    ],
)
def test_it_refuses_a_bad_parameter_naming_it(auditor: Client, query: str, parameter: str) -> None:
    response = auditor.get(f"/api/v1/use-cases/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [error["attr"] for error in body["errors"]] == [parameter]


READ_EVERYTHING = (
    "/api/v1/",
    "/api/v1/use-cases/",
    "/api/v1/assessments/",
    "/api/v1/decisions/",
    "/api/v1/actions/",
    "/api/v1/reviews/",
    "/api/v1/obligations/",
    "/api/v1/incidents/",
    "/api/v1/legal-entities/",
    "/api/v1/business-units/",
    "/api/v1/vendors/",
    "/api/v1/deliveries/",
    "/api/v1/audit-events/",
    "/api/v1/stats/",
)


def test_it_changes_nothing_in_the_register_its_only_write_is_the_access_log(client: Client) -> None:
    use_case, _owner, chair = _chatbot()
    services.role_grant(acting_user=None, user=UserFactory.create(username="inez"), role=Role.AUDITOR)
    key = services.api_token_create(acting_user=chair, user=User.objects.get(username="inez"))
    token = {"Authorization": f"Token {key}"}
    paths = [
        *READ_EVERYTHING,
        f"/api/v1/use-cases/{use_case.pk}/",
        f"/api/v1/use-cases/{use_case.pk}/history/",
    ]
    with CaptureQueriesContext(connection) as queries:
        for path in paths:
            assert client.get(path, headers=token).status_code == 200, path
    # A read may be parenthesised: the permissions are a UNION of two (register/backends.py).
    reads = ("SELECT", "(SELECT")
    writes = [q["sql"].split()[:3] for q in queries.captured_queries if not q["sql"].startswith(reads)]
    assert writes == [["INSERT", "INTO", '"register_apiaccess"']] * len(paths)


def test_a_superusers_deletion_moves_updated_at_and_shows_in_the_history(auditor: Client) -> None:
    use_case, _owner, _chair = _chatbot()
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    review = use_case.reviews.get()
    with _at(60):  # 2 May
        services.record_delete(acting_user=root, instance=review, justification="Entered twice")
    detail = auditor.get(f"/api/v1/use-cases/{use_case.pk}/").json()
    assert (detail["updated_at"], detail["version"], detail["reviews"]["count"]) == (
        "2026-05-02T11:00:00+02:00",
        7,
        0,
    )
    history = auditor.get(f"/api/v1/use-cases/{use_case.pk}/history/?page_size=100").json()["results"]
    assert (history[-1]["action"], history[-1]["justification"]) == (
        "register.review.deleted",
        "Entered twice",
    )


def test_a_pseudonymised_leaver_moves_updated_at_where_their_name_was_shown(auditor: Client) -> None:
    use_case, owner, chair = _chatbot()
    with _at(0):
        other = factories.use_case("Elsewhere")
    with _at(80):  # 22 May
        new_owner = UserFactory.create(username="noor")
        services.use_case_reassign_owner(acting_user=chair, use_case=use_case, owner=new_owner)
    with _at(81):
        services.user_deactivate(acting_user=chair, user=owner)
        services.user_pseudonymise(acting_user=chair, user=owner)
    changed = auditor.get("/api/v1/use-cases/?updated_since=2026-05-23T00:00:00Z").json()["results"]
    assert [(u["id"], u["updated_at"]) for u in changed] == [(use_case.pk, "2026-05-23T11:00:00+02:00")]
    detail = auditor.get(f"/api/v1/use-cases/{use_case.pk}/").json()
    assert detail["decisions"][0]["actions"][0]["owner"]["name"] == f"former-{owner.pk}"
    assert other.pk not in {u["id"] for u in changed}


@pytest.mark.pg_only
def test_the_lists_fast_representation_is_the_serializers_own() -> None:
    """The list and the exports write each use-case with `listed_use_case`, reading the legal basis
    from the list query's annotation; DRF's field-by-field walk over the plain row (which reads
    the current assessment itself) must give the same, for every kind of use-case."""
    call_command(
        "seed_bench", "--use-cases", "150", "--seed", "5", stdout=io.StringIO(), stderr=io.StringIO()
    )
    committee = User.objects.get(username="bench-committee")
    listed = list(for_listing(selectors.use_cases_listed(committee, timezone.localdate())))
    paged = list(listed_rows(selectors.use_cases_listed(committee, timezone.localdate())))
    plain = {
        use_case.pk: use_case
        for use_case in selectors.use_cases_visible_to(committee)
        .select_related("current_assessment")
        .annotate(next_review_due=F("schedule__next_due"), review_overdue=Value(False))
    }
    with CaptureQueriesContext(connection) as queries:  # the loaded columns are all it reads
        fast = [listed_use_case(use_case) for use_case in listed]
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:  # the list's page: the same, its records read by key
        assert listed_page(paged) == fast
    assert len(queries) == 2
    seen = set()
    for use_case, written in zip(listed, fast, strict=True):
        plain[use_case.pk].review_overdue = use_case.review_overdue  # type: ignore[attr-defined]
        walked = serializers.ModelSerializer.to_representation(UseCaseSerializer(), plain[use_case.pk])
        assert written == walked
        seen.add(
            (
                walked["vendor"] is None,
                walked["risk_tier"],
                walked["needs_legal_review"],
                walked["review_overdue"],
            )
        )
    # Rebuilt as of an instant (unsaved, from the audit trail), both ways agree too.
    for use_case in as_of.use_cases_as_of(UseCase.objects.all(), timezone.now()):
        walked = serializers.ModelSerializer.to_representation(UseCaseSerializer(), use_case)
        assert listed_use_case(use_case) == walked
    # The comparison covered use-cases with and without a vendor, a tier, complete answers, an overdue review.
    assert {s[0] for s in seen} == {True, False}
    assert None in {s[1] for s in seen}
    assert {s[2] for s in seen} == {True, False}
    assert {s[3] for s in seen} == {True, False}
