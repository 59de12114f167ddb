"""`as_of` through the API (PRODUCT.md: the register as it stood at that instant): an auditor
reads a use-case's past from the list and the detail; a member sees only their units' past."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from register import as_of, services
from register.choices import DecisionKind, ReviewOutcome
from register.incident_alerts import clocks_of
from register.models import AuditEvent, UseCase, User
from register.services.use_cases import ActionSpec
from tests import factories

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
CHATBOT = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True}
NOW = "2026-10-01T10:00:00+00:00"


def _at(moment: str) -> time_machine.travel:
    return time_machine.travel(dt.datetime.fromisoformat(moment), tick=False)


@pytest.fixture
def chatbot(db: None) -> UseCase:
    """The webshop chatbot's year in Unit A; a rota planner registered in Unit B later on."""
    olga = factories.UserFactory.create(username="olga", first_name="Olga", last_name="de Vries")
    sam = factories.committee_member("secretary", first_name="Sam", last_name="Jansen")
    with _at("2026-01-05T09:00:00+00:00"):
        case = factories.use_case(owner=olga, lifecycle_stage="production", customer_facing=True)
    with _at("2026-01-06T09:00:00+00:00"):
        services.use_case_submit(acting_user=olga, use_case=case)
    with _at("2026-01-07T09:00:00+00:00"):
        services.use_case_classify(acting_user=olga, use_case=case, answers=CHATBOT)
    with _at("2026-01-10T09:00:00+00:00"):
        notice = ActionSpec("Show the AI notice in the chat", olga, dt.date(2026, 2, 1))
        decision = services.decision_record(
            acting_user=sam, use_case=case, kind=DecisionKind.APPROVE, actions=[notice]
        )
    with _at("2026-01-12T09:00:00+00:00"):
        art4 = case.obligations.get(code="ART4")
        services.obligation_mark_done(acting_user=sam, item=art4, evidence_note="Staff trained")
    with _at("2026-01-20T09:00:00+00:00"):
        services.action_complete(acting_user=olga, action=decision.actions.get())
    with _at("2026-07-20T09:00:00+00:00"):
        services.review_record(
            acting_user=sam, use_case=case, due_date=dt.date(2026, 7, 7), outcome=ReviewOutcome.CONTINUE
        )
    with _at("2026-09-01T09:00:00+00:00"):
        services.review_record(
            acting_user=sam, use_case=case, due_date=dt.date(2027, 1, 20), outcome=ReviewOutcome.RETIRE
        )
    with _at("2026-09-15T09:00:00+00:00"):
        factories.use_case("Rota planner", unit=factories.business_unit("Unit B"))
    return case


def _get(client: Client, path: str) -> Any:
    with _at(NOW):
        return client.get(path, headers=EN)


def _names(client: Client, query: str) -> list[str]:
    response = _get(client, f"/api/v1/use-cases/?{query}")
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def test_it_lists_a_use_case_as_it_stood(auditor: Client, chatbot: UseCase) -> None:
    response = _get(auditor, "/api/v1/use-cases/?as_of=2026-01-08T12:00:00Z")
    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": chatbot.pk,
                "reference": "AI-2026-0001",
                "name": "Webshop chatbot",
                "legal_entity": {"id": chatbot.business_unit.legal_entity_id, "name": "Koers Retail BV"},
                "business_unit": {"id": chatbot.business_unit_id, "name": "Unit A"},
                "owner": {"id": chatbot.owner_id, "username": "olga", "name": "Olga de Vries"},
                "vendor": None,
                "sector": "other",
                "lifecycle_stage": "production",
                "status": "submitted",
                "classification_status": "indicative",
                "risk_tier": "limited",
                "policy_tier": None,
                "override_may_be_stale": False,
                "needs_legal_review": False,
                "legal_basis": ["ART50_1"],
                "fria_required": False,
                "human_oversight": "human_on_the_loop",
                "customer_facing": True,
                "personal_data": False,
                "special_categories": False,
                "next_review_due": "2026-07-07",  # limited: every six months from the classification
                "review_overdue": False,
                "created_at": "2026-01-05T10:00:00+01:00",
                "updated_at": "2026-01-07T10:00:00+01:00",
            }
        ],
    }


def test_it_lists_only_what_existed_and_filters_it_as_it_stood(auditor: Client, chatbot: UseCase) -> None:
    assert _names(auditor, "as_of=2026-01-05T08:59:59Z") == []
    assert _names(auditor, "as_of=2026-09-10T00:00:00Z") == ["Webshop chatbot"]
    assert _names(auditor, f"as_of={NOW.replace('+00:00', 'Z')}") == ["Webshop chatbot", "Rota planner"]
    # Approved, due 10 July, not reviewed until the 20th; retired since.
    assert _names(auditor, "as_of=2026-07-15T12:00:00Z&review_overdue=true") == ["Webshop chatbot"]
    assert _names(auditor, "as_of=2026-07-15T12:00:00Z&lifecycle_stage=retired") == []
    assert _names(auditor, "as_of=2026-09-10T00:00:00Z&lifecycle_stage=retired") == ["Webshop chatbot"]
    assert _names(auditor, "review_overdue=true") == []


def test_it_shows_the_detail_as_it_stood(auditor: Client, chatbot: UseCase) -> None:
    response = _get(auditor, f"/api/v1/use-cases/{chatbot.pk}/?as_of=2026-01-12T12:00:00Z")
    assert response.status_code == 200
    detail = response.json()
    assert (detail["status"], detail["lifecycle_stage"], detail["version"]) == ("approved", "production", 5)
    assert (detail["next_review_due"], detail["review_overdue"]) == ("2026-07-10", False)
    assert (detail["updated_at"], detail["incidents_count"], detail["reviews"]["count"]) == (
        "2026-01-12T10:00:00+01:00",
        0,
        0,
    )
    assert [
        (item["code"], item["status"], item["evidence_note"], item["done_by"], item["done_at"])
        for item in detail["obligations"]
    ] == [
        (
            "ART4",
            "done",
            "Staff trained",
            {"id": detail["decisions"][0]["decided_by"]["id"], "username": "secretary", "name": "Sam Jansen"},
            "2026-01-12T10:00:00+01:00",
        ),
        ("CHECK_VENDOR_DISCLOSURE", "open", "", None, None),
    ]
    assert [
        (decision["kind"], [(action["description"], action["done_at"]) for action in decision["actions"]])
        for decision in detail["decisions"]
    ] == [("approve", [("Show the AI notice in the chat", None)])]  # done on the 20th


def test_it_shows_the_same_detail_as_of_now_as_the_live_one(auditor: Client, chatbot: UseCase) -> None:
    live = _get(auditor, f"/api/v1/use-cases/{chatbot.pk}/")
    then = _get(auditor, f"/api/v1/use-cases/{chatbot.pk}/?as_of={NOW.replace('+00:00', 'Z')}")
    assert (live.status_code, then.status_code) == (200, 200)
    assert then.json() == live.json()
    assert (then.json()["lifecycle_stage"], then.json()["version"], then.json()["reviews"]["count"]) == (
        "retired",
        8,
        2,
    )


def test_it_reads_a_later_instant_as_now(auditor: Client, chatbot: UseCase) -> None:
    live = _get(auditor, f"/api/v1/use-cases/{chatbot.pk}/")
    later = _get(auditor, f"/api/v1/use-cases/{chatbot.pk}/?as_of=2027-01-01T00:00:00Z")
    assert later.status_code == 200
    assert later.json() == live.json()


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z"])
@pytest.mark.parametrize("path", ["/api/v1/use-cases/", "detail"])
def test_it_refuses_a_malformed_instant_by_name(
    auditor: Client, chatbot: UseCase, path: str, value: str
) -> None:
    path = f"/api/v1/use-cases/{chatbot.pk}/" if path == "detail" else path
    response = _get(auditor, f"{path}?as_of={value.replace('+', '%2B')}")
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["as_of"]


def test_it_is_a_404_before_the_use_case_existed(auditor: Client, chatbot: UseCase) -> None:
    rota = UseCase.objects.get(name="Rota planner")
    assert _get(auditor, f"/api/v1/use-cases/{rota.pk}/?as_of=2026-09-10T00:00:00Z").status_code == 404
    assert _get(auditor, f"/api/v1/use-cases/{rota.pk}/?as_of=2026-09-16T00:00:00Z").status_code == 200


def test_a_member_sees_only_their_units_use_cases_as_of(member_a: Client, chatbot: UseCase) -> None:
    rota = UseCase.objects.get(name="Rota planner")
    assert _names(member_a, "as_of=2026-09-16T00:00:00Z") == ["Webshop chatbot"]
    assert _get(member_a, f"/api/v1/use-cases/{rota.pk}/?as_of=2026-09-16T00:00:00Z").status_code == 404
    assert _get(member_a, f"/api/v1/use-cases/{chatbot.pk}/?as_of=2026-09-16T00:00:00Z").status_code == 200


def test_it_shows_an_empty_register_before_the_first_instant_utc_holds(
    auditor: Client, chatbot: UseCase
) -> None:
    response = _get(auditor, "/api/v1/use-cases/?as_of=0001-01-01T00:00:00%2B14:00")
    assert response.status_code == 200
    assert response.json()["results"] == []


def _as_of_pages(client: Client, instant: str) -> tuple[list[int], list[int]]:
    """Every page of the register as of `instant`: the ids in order, and each page's query count."""
    ids: list[int] = []
    counts: list[int] = []
    url: str | None = f"/api/v1/use-cases/?page_size=50&as_of={instant}"
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).json()
        counts.append(len(queries))
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids, counts


@pytest.mark.pg_only
def test_the_whole_register_as_of_an_instant_is_paged_without_rebuilding_all_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unfiltered, only a page's use-cases are rebuilt (not the whole register, which took 34 s at
    100,000): the same queries per page at any size, and the pages together hold exactly those
    that existed then, in the list's order."""
    rebuilt: list[int] = []
    rebuild = as_of.use_cases_as_of

    def counted(*args: Any, **kwargs: Any) -> list[UseCase]:
        found = rebuild(*args, **kwargs)
        rebuilt.append(len(found))
        return found

    monkeypatch.setattr(as_of, "use_cases_as_of", counted)
    counts_by_size = {}
    for size in (80, 200):
        call_command(
            "seed_bench", "--use-cases", str(size), "--replace", stdout=io.StringIO(), stderr=io.StringIO()
        )
        client = Client()
        client.force_login(User.objects.get(username="bench-auditor"))
        instant = (dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=200)).replace(microsecond=0)
        ids, counts = _as_of_pages(client, instant.isoformat().replace("+00:00", "Z"))
        existed = UseCase.objects.filter(
            pk__in=AuditEvent.objects.filter(
                subject_type="register.usecase", occurred_at__lte=instant
            ).values("use_case_id")
        ).order_by("created_at", "id")
        assert ids == list(existed.values_list("pk", flat=True))
        assert len(ids) > 50  # more than one page
        counts_by_size[size] = counts[0]
    assert counts_by_size[80] == counts_by_size[200]
    assert max(rebuilt) <= 50


def test_an_incident_clock_marked_done_moves_the_use_case_as_of_then_as_it_did_live(
    auditor: Client, chatbot: UseCase
) -> None:
    """Marking a clock done moves the use-case's updated_at and version (its detail shows the
    clocks); the register as of a later instant shows the same as the live one."""
    sam = User.objects.get(username="secretary")
    with _at("2026-09-20T09:00:00+00:00"):
        incident = services.incident_record(
            acting_user=sam,
            use_case=chatbot,
            what_happened="Wrong advice on a refund",
            happened_at=dt.datetime(2026, 9, 19, 8, tzinfo=dt.UTC),
            aware_at=dt.datetime(2026, 9, 19, 9, tzinfo=dt.UTC),
            seriousness="c",
        )
    with _at("2026-09-21T09:00:00+00:00"):
        clock = clocks_of(incident)[0].clock.code
        services.incident_clock_done(acting_user=sam, incident=incident, clock=clock, reference="MSA-1")
    live = _get(auditor, f"/api/v1/use-cases/{chatbot.pk}/").json()
    then = _get(auditor, f"/api/v1/use-cases/{chatbot.pk}/?as_of=2026-10-01T00:00:00Z").json()
    assert (then["updated_at"], then["version"]) == (live["updated_at"], live["version"])
