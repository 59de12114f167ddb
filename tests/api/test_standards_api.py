"""Exports to outside standards through the API (`/api/v1/export/standards/<standard>.json`) and
the use-case admin's actions: visibility, the list's filters, errors, downloads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from register.models import UseCase
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/export/standards/{}.json"
CHANGELIST = "/admin/register/usecase/"


def _two_units() -> tuple[UseCase, UseCase]:
    ours = factories.use_case("Webshop chatbot", unit=factories.business_unit("Unit A"))
    theirs = factories.use_case("Rota planner", unit=factories.business_unit("Unit B"))
    return ours, theirs


def test_it_answers_the_whole_shape_for_the_auditor(auditor: Client) -> None:
    ours, theirs = _two_units()
    response = auditor.get(URL.format("eu-database"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["standard"], body["version"]) == ("eu-database", "Regulation (EU) 2024/1689 Annex VIII C")
    assert body["no_source_yet"] == ["submitter"]
    assert [r["use_case"] for r in body["records"]] == [ours.pk, theirs.pk]
    record = body["records"][0]
    assert (record["reference"], sorted(record["fields"])) == (
        None,
        ["deployer", "dpia_summary", "fria_summary", "provider_entry_url", "submitter"],
    )
    assert {p["field"] for p in record["problems"]} >= {"submitter", "provider_entry_url", "fria_summary"}


def test_it_reads_in_a_fixed_number_of_queries(auditor: Client) -> None:
    _two_units()
    with CaptureQueriesContext(connection) as two:
        auditor.get(URL.format("eu-database"))
    factories.use_case("Stock forecast", unit=factories.business_unit("Unit C"))
    with CaptureQueriesContext(connection) as three:
        assert len(auditor.get(URL.format("eu-database")).json()["records"]) == 3
    assert len(three) == len(two)


def test_a_member_sees_only_their_units_use_cases(member_a: Client) -> None:
    ours, theirs = _two_units()
    body = member_a.get(URL.format("algoritmeregister")).json()
    assert [r["use_case"] for r in body["records"]] == [ours.pk]
    # Another unit's use-cases are not there to filter in.
    unit_b = theirs.business_unit_id
    assert member_a.get(URL.format("algoritmeregister"), {"business_unit": unit_b}).json()["records"] == []


def test_it_takes_the_lists_filters(committee: Client) -> None:
    _ours, theirs = _two_units()
    response = committee.get(URL.format("algoritmeregister"), {"business_unit": theirs.business_unit_id})
    assert [r["use_case"] for r in response.json()["records"]] == [theirs.pk]
    assert (
        committee.get(URL.format("algoritmeregister"), {"lifecycle_stage": "retired"}).json()["records"] == []
    )


def test_it_refuses_what_it_does_not_know(auditor: Client) -> None:
    missing = auditor.get(URL.format("atrs"))
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "not_found"
    typo = auditor.get(URL.format("algoritmeregister"), {"risk_teir": "high_risk"})
    assert typo.status_code == 400
    assert typo.json()["errors"][0]["attr"] == "risk_teir"
    assert auditor.get(URL.format("algoritmeregister"), {"risk_tier": "severe"}).status_code == 400


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("outsider", 200), ("member_a", 200), ("committee", 200), ("auditor", 200)],
    indirect=["persona"],
)
def test_it_needs_a_signed_in_person(persona: Client, status: int) -> None:
    assert persona.get(URL.format("algoritmeregister")).status_code == status


def test_it_only_reads(committee: Client, anonymous: Client) -> None:
    assert committee.post(URL.format("algoritmeregister")).status_code == 405
    assert anonymous.post(URL.format("algoritmeregister")).status_code == 401


def test_an_outsider_gets_no_records(outsider: Client) -> None:
    _two_units()
    assert outsider.get(URL.format("algoritmeregister")).json()["records"] == []


# --- the admin's actions ----------------------------------------------------------------------------


def _run(client: Client, action: str, *use_cases: UseCase) -> Any:
    return client.post(CHANGELIST, {"action": action, "_selected_action": [u.pk for u in use_cases]})


@pytest.mark.parametrize(
    ("action", "standard"),
    [("export_algoritmeregister", "algoritmeregister"), ("export_eu_database", "eu-database")],
)
@pytest.mark.parametrize("persona", ["committee", "auditor"], indirect=True)
def test_the_admin_downloads_the_selected_use_cases(persona: Client, action: str, standard: str) -> None:
    _ours, theirs = _two_units()
    response = _run(persona, action, theirs)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="koers-{standard}-')
    body = json.loads(response.content)
    assert (body["standard"], [r["use_case"] for r in body["records"]]) == (standard, [theirs.pk])


def test_the_admin_offers_both_exports(committee: Client) -> None:
    _two_units()
    actions = committee.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert [name for name, _label in actions if name] == ["export_algoritmeregister", "export_eu_database"]


def test_a_member_has_no_admin_action(member_a: Client) -> None:
    ours, _theirs = _two_units()
    assert _run(member_a, "export_algoritmeregister", ours).status_code == 302
