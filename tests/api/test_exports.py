"""The register's exports (api/exports.py): CSV, JSON Lines and Excel with the list's fields,
filters and visibility, streamed in a fixed number of queries; errors in the one JSON shape."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlencode
from openpyxl import load_workbook

from api import exports
from register import evidence, services
from register.choices import LifecycleStage
from register.models import UseCase, User
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A Tuesday in winter (UTC+1 in Amsterdam).
T0 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
CSV_URL = "/api/v1/export/use-cases.csv"
JSONL_URL = "/api/v1/export/use-cases.jsonl"
XLSX_URL = "/api/v1/export/use-cases.xlsx"
EN = {"Accept-Language": "en"}

HEADER = [
    "id",
    "reference",
    "name",
    "legal_entity.id",
    "legal_entity.name",
    "business_unit.id",
    "business_unit.name",
    "owner.id",
    "owner.username",
    "owner.name",
    "vendor.id",
    "vendor.name",
    "vendor.product",
    "sector",
    "lifecycle_stage",
    "status",
    "classification_status",
    "risk_tier",
    "policy_tier",
    "override_may_be_stale",
    "needs_legal_review",
    "legal_basis",
    "fria_required",
    "human_oversight",
    "customer_facing",
    "personal_data",
    "special_categories",
    "next_review_due",
    "review_overdue",
    "created_at",
    "updated_at",
]


def _at(days: int) -> time_machine.travel:
    return time_machine.travel(T0 + dt.timedelta(days=days), tick=False)


def _register() -> tuple[UseCase, UseCase]:
    """Unit A: a classified, submitted chatbot with a vendor. Unit B: a draft whose name would
    be a formula in a spreadsheet."""
    with _at(0):
        sanne = UserFactory.create(username="sanne", first_name="Sanne", last_name="Bakker")
        chair = factories.committee_member("kees")
        vendor = services.vendor_create(acting_user=chair, name="ChatDesk", product="Assist 3")
        chatbot = factories.use_case(
            unit=factories.business_unit("Unit A"),
            owner=sanne,
            vendor=vendor,
            lifecycle_stage=LifecycleStage.PILOT,
            customer_facing=True,
            personal_data=True,
            pilot_scope="Orders only",
            pilot_end_date=dt.date(2026, 6, 30),
            stop_criteria="More than 5% wrong answers",
        )
        services.use_case_classify(
            acting_user=sanne,
            use_case=chatbot,
            answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True},
        )
    with _at(1):
        services.use_case_submit(acting_user=sanne, use_case=chatbot)
        piet = UserFactory.create(username="piet", first_name="Piet", last_name="de Boer")
        formula = factories.use_case(
            name="=HYPERLINK(1)", unit=factories.business_unit("Unit B"), owner=piet, complete=False
        )
    chatbot.refresh_from_db()
    return chatbot, formula


def _chatbot_row(chatbot: UseCase) -> list[str]:
    unit, vendor = chatbot.business_unit, chatbot.vendor
    assert vendor is not None
    return [
        str(chatbot.pk),
        "AI-2026-0001",
        "Webshop chatbot",
        str(unit.legal_entity_id),
        "Koers Retail BV",
        str(unit.pk),
        "Unit A",
        str(chatbot.owner_id),
        "sanne",
        "Sanne Bakker",
        str(vendor.pk),
        "ChatDesk",
        "Assist 3",
        "other",
        "pilot",
        "submitted",
        "indicative",
        "limited",
        "",
        "false",
        "false",
        "ART50_1",
        "false",
        "human_on_the_loop",
        "true",
        "true",
        "false",
        # Classified on 3 March: limited risk is reviewed every 6 months.
        "2026-09-03",
        "false",
        "2026-03-03T10:00:00+01:00",
        "2026-03-04T10:00:00+01:00",
    ]


def _formula_row(formula: UseCase) -> list[str]:
    unit = formula.business_unit
    return [
        str(formula.pk),
        "",
        "'=HYPERLINK(1)",  # the guard: text, not a formula, in a spreadsheet
        str(unit.legal_entity_id),
        "Koers Retail BV",
        str(unit.pk),
        "Unit B",
        str(formula.owner_id),
        "piet",
        "Piet de Boer",
        "",
        "",
        "",
        "other",
        "idea",
        "draft",
        "unassessed",
        "",
        "",
        "false",
        "false",
        "",
        "false",
        "",
        "false",
        "false",
        "false",
        "",
        "false",
        "2026-03-04T10:00:00+01:00",
        "2026-03-04T10:00:00+01:00",
    ]


def _body(response: Any) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def _csv(response: Any, delimiter: str = ",") -> list[list[str]]:
    body = _body(response)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_it_exports_the_register_as_csv_with_a_bom_and_dotted_headers(auditor: Client) -> None:
    chatbot, formula = _register()
    with _at(2):
        response = auditor.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="koers-use-cases-2026-03-05.csv"'
    assert _csv(response) == [HEADER, _chatbot_row(chatbot), _formula_row(formula)]


def test_it_separates_with_semicolons_for_dutch_excel(auditor: Client) -> None:
    chatbot, formula = _register()
    with _at(2):
        response = auditor.get(CSV_URL, {"delimiter": "semicolon"})
    assert response.status_code == 200
    body = _body(response).decode("utf-8-sig")
    assert body.startswith("id;reference;name;legal_entity.id;legal_entity.name;business_unit.id;")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    assert rows == [HEADER, _chatbot_row(chatbot), _formula_row(formula)]


def test_it_applies_the_lists_filters(auditor: Client) -> None:
    chatbot, formula = _register()
    with _at(2):
        limited = _csv(auditor.get(CSV_URL, {"risk_tier": "limited"}))
        unit_b = _csv(auditor.get(CSV_URL, {"business_unit": formula.business_unit_id}))
        drafts = _csv(auditor.get(CSV_URL, {"status": ["draft", "submitted"], "customer_facing": "false"}))
    assert limited == [HEADER, _chatbot_row(chatbot)]
    assert unit_b == [HEADER, _formula_row(formula)]
    assert drafts == [HEADER, _formula_row(formula)]


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("auditor", ["Webshop chatbot", "'=HYPERLINK(1)"]),
        ("committee", ["Webshop chatbot", "'=HYPERLINK(1)"]),
        ("member_a", ["Webshop chatbot"]),
        ("member_b", ["'=HYPERLINK(1)"]),
        ("outsider", []),
    ],
    indirect=["persona"],
)
def test_it_exports_only_what_the_person_may_see(persona: Client, names: list[str]) -> None:
    _register()
    with _at(2):
        rows = _csv(persona.get(CSV_URL))
    assert rows[0] == HEADER
    assert [row[2] for row in rows[1:]] == names


def test_it_answers_401_in_the_json_error_shape_to_anonymous(anonymous: Client) -> None:
    response = anonymous.get(CSV_URL, headers={"Accept": "text/csv", **EN})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }


@pytest.mark.parametrize(
    ("query", "code", "attr", "detail"),
    [
        ({"delimiter": "tab"}, "invalid", "delimiter", "Must be comma or semicolon."),
        (
            {"risk_tier": "scary"},
            "invalid_choice",
            "risk_tier",
            "Select a valid choice. scary is not one of the available choices.",
        ),
        ({"business_unit": "1.5"}, "invalid", "business_unit", "Enter a whole number."),
        ({"as_of": "yesterday"}, "invalid", "as_of", "Enter a valid date/time."),
        # The URL names the format; the list's paging has no place in a file.
        ({"format": "json"}, "invalid", "format", "Unknown query parameter."),
        ({"page_size": "5"}, "invalid", "page_size", "Unknown query parameter."),
    ],
)
@pytest.mark.parametrize("url", [CSV_URL, JSONL_URL, XLSX_URL])
def test_it_refuses_bad_parameters_in_json_whatever_the_format(
    auditor: Client, url: str, query: dict[str, str], code: str, attr: str, detail: str
) -> None:
    if attr == "delimiter" and url != CSV_URL:
        attr, detail = "delimiter", "Unknown query parameter."  # only the CSV has columns to separate
    response = auditor.get(url, query, headers={"Accept": "text/csv", **EN})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": code, "detail": detail, "attr": attr}],
    }


@pytest.mark.parametrize("accept", ["*/*", "application/json", "text/html", "application/x-ndjson"])
def test_it_sends_the_urls_format_whatever_the_client_accepts(auditor: Client, accept: str) -> None:
    response = auditor.get(CSV_URL, headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert _csv(response) == [HEADER]


def test_it_offers_reads_only(auditor: Client) -> None:
    assert auditor.post(CSV_URL).status_code == 405
    assert auditor.delete(JSONL_URL).status_code == 405


def _list_items(client: Client, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of the JSON list, walking its cursor pages."""
    items: list[dict[str, Any]] = []
    url: str | None = "/api/v1/use-cases/?" + urlencode({**query, "page_size": 1}, doseq=True)
    while url:
        page = client.get(url).json()
        items += page["results"]
        url = page["next"]
    return items


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({}, ["Webshop chatbot", "=HYPERLINK(1)"]),
        ({"risk_tier": ["limited", "minimal"]}, ["Webshop chatbot"]),
        ({"status": "draft"}, ["=HYPERLINK(1)"]),
    ],
)
def test_it_writes_the_lists_items_as_json_lines(
    auditor: Client, query: dict[str, Any], names: list[str]
) -> None:
    _register()
    with _at(2):
        response = auditor.get(JSONL_URL, query)
        expected = _list_items(auditor, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="koers-use-cases-2026-03-05.jsonl"'
    assert [item["name"] for item in expected] == names
    lines = _body(response).decode().splitlines()
    assert [json.loads(line) for line in lines] == expected


def test_it_writes_the_register_as_an_excel_workbook(auditor: Client) -> None:
    chatbot, formula = _register()
    with _at(2):
        response = auditor.get(XLSX_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="koers-use-cases-2026-03-05.xlsx"'
    sheet = load_workbook(io.BytesIO(_body(response)))["use-cases"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    unit_a, unit_b, vendor = chatbot.business_unit, formula.business_unit, chatbot.vendor
    assert vendor is not None
    # Numbers, booleans and dates as such; times in the organisation's zone (Excel has none).
    assert rows == [
        HEADER,
        [
            chatbot.pk,
            "AI-2026-0001",
            "Webshop chatbot",
            unit_a.legal_entity_id,
            "Koers Retail BV",
            unit_a.pk,
            "Unit A",
            chatbot.owner_id,
            "sanne",
            "Sanne Bakker",
            vendor.pk,
            "ChatDesk",
            "Assist 3",
            "other",
            "pilot",
            "submitted",
            "indicative",
            "limited",
            None,
            False,
            False,
            "ART50_1",
            False,
            "human_on_the_loop",
            True,
            True,
            False,
            dt.datetime(2026, 9, 3, 0, 0),
            False,
            dt.datetime(2026, 3, 3, 10, 0),
            dt.datetime(2026, 3, 4, 10, 0),
        ],
        [
            formula.pk,
            None,
            "=HYPERLINK(1)",  # stored as text: no guard needed, and never a formula
            unit_b.legal_entity_id,
            "Koers Retail BV",
            unit_b.pk,
            "Unit B",
            formula.owner_id,
            "piet",
            "Piet de Boer",
            None,
            None,
            None,
            "other",
            "idea",
            "draft",
            "unassessed",
            None,
            None,
            False,
            False,
            None,
            False,
            None,
            False,
            False,
            False,
            None,
            False,
            dt.datetime(2026, 3, 4, 10, 0),
            dt.datetime(2026, 3, 4, 10, 0),
        ],
    ]
    assert sheet.cell(row=3, column=3).data_type == "s"
    assert sheet.cell(row=2, column=28).number_format == "yyyy-mm-dd"


def test_it_keeps_an_excel_workbook_free_of_characters_it_cannot_hold(auditor: Client) -> None:
    owner = UserFactory.create(username="bel")
    factories.use_case(name="Bell\x07 bot", owner=owner)
    response = auditor.get(XLSX_URL)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(_body(response)))["use-cases"].iter_rows(values_only=True))
    assert rows[1][2] == "Bell bot"


def _use_cases(count: int, owner: User) -> None:
    unit = factories.business_unit("Unit A")
    for number in range(count):
        factories.use_case(name=f"Use-case {number}", unit=unit, owner=owner)


@pytest.mark.parametrize("url", [CSV_URL, JSONL_URL, XLSX_URL])
def test_it_streams_in_the_same_number_of_queries_for_5_or_50_use_cases(auditor: Client, url: str) -> None:
    # Session clients: the token access log (written after the response) is not involved.
    owner = UserFactory.create(username="owner")
    counts = []
    for total in (5, 50):
        _use_cases(total - UseCase.objects.count(), owner)
        with CaptureQueriesContext(connection) as queries:
            response = auditor.get(url)
            lines = _body(response).count(b"\n")
        assert response.status_code == 200
        counts.append(len(queries))
        if url != XLSX_URL:
            assert lines == total + (1 if url == CSV_URL else 0)
    assert counts[0] == counts[1]


def test_it_streams_across_chunks_in_the_lists_order(
    auditor: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)  # five rows: three chunks
    owner = UserFactory.create(username="owner")
    for day in range(5):
        with _at(day):
            factories.use_case(name=f"Use-case {day}", owner=owner)
    rows = _csv(auditor.get(CSV_URL))
    lines = _body(auditor.get(JSONL_URL)).decode().splitlines()
    names = ["Use-case 0", "Use-case 1", "Use-case 2", "Use-case 3", "Use-case 4"]
    assert [row[2] for row in rows[1:]] == names
    assert [json.loads(line)["name"] for line in lines] == names


def test_it_exports_the_register_as_of_an_instant_as_the_list_shows_it(auditor: Client) -> None:
    chatbot, _formula = _register()
    instant = "2026-03-03T12:00:00Z"  # the chatbot classified, not yet submitted; no draft in Unit B yet
    with _at(2):
        lines = _body(auditor.get(JSONL_URL, {"as_of": instant})).decode().splitlines()
        expected = _list_items(auditor, {"as_of": instant})
        rows = _csv(auditor.get(CSV_URL, {"as_of": instant, "status": "draft"}))
        response = auditor.get(CSV_URL, {"as_of": instant})
    assert [json.loads(line) for line in lines] == expected
    assert [(item["id"], item["status"]) for item in expected] == [(chatbot.pk, "draft")]
    assert [row[:3] for row in rows[1:]] == [[str(chatbot.pk), "", "Webshop chatbot"]]
    assert response["Content-Disposition"] == 'attachment; filename="koers-use-cases-2026-03-03.csv"'


def test_it_reads_an_as_of_in_the_future_as_now(auditor: Client) -> None:
    chatbot, formula = _register()
    with _at(2):
        rows = _csv(auditor.get(CSV_URL, {"as_of": "2999-01-01T00:00:00Z"}))
    assert [row[0] for row in rows[1:]] == [str(chatbot.pk), str(formula.pk)]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (7, "7"),
        (-3, "-3"),  # a number, not a formula
        ("plain", "plain"),
        ("=1+2", "'=1+2"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (["ART50_1", "ANNEX_III_4A"], "ART50_1 ANNEX_III_4A"),
        (["=x"], "'=x"),
        ({"AI_SYSTEM": True}, '{"AI_SYSTEM":true}'),
        ([{"id": 1}], '[{"id":1}]'),
    ],
)
def test_it_writes_a_csv_cell_by_the_rules(value: Any, cell: str) -> None:
    assert evidence.csv_cell(value) == cell
