"""The spreadsheet import: reading CSV and XLSX, checking each row, the service, the admin's
upload -> dry run -> import, and `manage.py import_use_cases`."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from register import importing, services
from register.importing import ImportFileError, ImportReport, check_file
from register.models import AuditEvent, UseCase, User, Vendor
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/register/usecase/import/"
HEADER = "name,business unit,owner,stage,vendor,customer-facing,purpose"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def register_world(db: None) -> Vendor:
    """Units A and B, owners ann and bob, the vendor ChatDesk FAQ Bot."""
    factories.business_unit("Unit A")
    factories.business_unit("Unit B")
    UserFactory.create(username="ann", email="Ann@Example.org")
    UserFactory.create(username="bob", email="bob@example.org")
    return services.vendor_create(acting_user=None, name="ChatDesk", product="FAQ Bot")


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def _check(*rows: str, header: str = HEADER) -> ImportReport:
    return check_file(_csv(*rows, header=header), "register.csv")


def _problems(report: ImportReport) -> dict[int, list[str]]:
    return {check.row: list(check.problems) for check in report.bad}


def _import(report: ImportReport, *, dry_run: bool = False) -> services.importing.ImportOutcome:
    return services.use_cases_import(
        acting_user=None, rows=report.planned, dry_run=dry_run, source="register.csv"
    )


# Good rows --------------------------------------------------------------------------------------


def test_it_imports_good_rows_as_unassessed_drafts_audited_as_imported(register_world: Vendor) -> None:
    secretary = factories.committee_member("secretaris")
    report = _check(
        "Webshop chatbot,Unit A,ann,production,ChatDesk FAQ Bot,yes,Answer questions",
        "Shift planner,unit b,BOB@example.org,,,nee,",
    )
    assert (report.bad, len(report.new)) == ([], 2)

    outcome = services.use_cases_import(
        acting_user=secretary, rows=report.planned, dry_run=False, source="register.csv"
    )

    assert (outcome.created, outcome.skipped, outcome.dry_run) == (2, 0, False)
    chatbot = UseCase.objects.get(name="Webshop chatbot")
    assert (
        chatbot.business_unit.name,
        chatbot.owner.username,
        chatbot.lifecycle_stage,
        chatbot.vendor,
        chatbot.customer_facing,
        chatbot.purpose,
        chatbot.status,
        chatbot.classification_status,
        chatbot.risk_tier,
    ) == ("Unit A", "ann", "production", register_world, True, "Answer questions", "draft", "unassessed", "")
    planner = UseCase.objects.get(name="Shift planner")
    assert (planner.business_unit.name, planner.owner.username, planner.lifecycle_stage, planner.vendor) == (
        "Unit B",
        "bob",
        "idea",
        None,
    )
    imported = AuditEvent.objects.filter(action="register.use_case.imported").order_by("id")
    assert [(e.actor_label, e.use_case_id, e.justification) for e in imported] == [
        ("secretaris", chatbot.pk, "register.csv, row 2"),
        ("secretaris", planner.pk, "register.csv, row 3"),
    ]
    assert imported[0].snapshot["import_row"] == 2
    assert AuditEvent.objects.filter(action="register.use_case.created", use_case_id=chatbot.pk).count() == 1


def test_it_reads_every_optional_fact(register_world: Vendor) -> None:
    header = (
        "naam;bedrijfsonderdeel;eigenaar;fase;sector;omschrijving;Affects employees;patiënten;publiek;"
        "klanten;persoonsgegevens;bijzondere persoonsgegevens;menselijk toezicht;meetbaar doel;"
        "pilot_scope;einddatum pilot;stopcriteria;overseers can stop it;review every (months)"
    )
    row = (
        "Triage;Unit A;ann;Pilot;Zorg;Sorts patients;x;JA;0;;1;true;human in the loop;Shorter waits;"
        "One ward;31-12-2026;Any missed urgent case;;6"
    )
    report = check_file(f"{header}\n{row}\n".encode(), "nl.csv")

    assert report.bad == []
    assert report.new[0].lifecycle_stage == "pilot"
    assert report.new[0].facts == {
        "sector": "healthcare",
        "description": "Sorts patients",
        "affects_customers": False,
        "affects_employees": True,
        "affects_patients": True,
        "affects_public": False,
        "customer_facing": False,
        "personal_data": True,
        "special_categories": True,
        "automated_decisions": False,
        "workers_informed": False,
        "human_oversight": "human_in_the_loop",
        "goal": "Shorter waits",
        "pilot_scope": "One ward",
        "pilot_end_date": dt.date(2026, 12, 31),
        "stop_criteria": "Any missed urgent case",
        "review_cadence_months": 6,
    }


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Name", "name"),
        ("NAAM", "name"),
        ("use-case", "name"),
        ("business_unit", "business_unit"),
        ("Business unit", "business_unit"),
        ("Bedrijfsonderdeel", "business_unit"),
        ("Afdeling", "business_unit"),
        ("Accountable owner", "owner"),
        ("Eigenaar", "owner"),
        ("Eindverantwoordelijke", "owner"),
        ("Lifecycle stage", "lifecycle_stage"),
        ("Levensfase", "lifecycle_stage"),
        ("Customer-facing", "customer_facing"),
        ("Klantgericht", "customer_facing"),
        ("Purpose", "purpose"),
        ("Doel", "purpose"),
        ("Measurable goal", "goal"),
        ("Meetbaar doel", "goal"),
        ("Leverancier", "vendor"),
        ("Patiënten", "affects_patients"),
        ("Rechtspersoon", "legal_entity"),
    ],
)
def test_it_knows_headers_in_english_dutch_and_by_field_name(header: str, column: str) -> None:
    assert importing.header_names()[importing._plain(header)] == column


# Bad rows ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "problems"),
    [
        (",Unit A,ann,,,,", ["The name is missing."]),
        ("X,,,,,,", ["The business unit is missing.", "The accountable owner is missing."]),
        ("X,Unit Z,ann,,,,", ["No business unit is called “Unit Z”."]),
        ("X,Unit A,nobody,,,,", ["Nobody has the username or e-mail address “nobody”."]),
        (
            "X,Unit A,ann,later,,,",
            ["“later” is not a known lifecycle stage; use one of: Idea, Pilot, Production."],
        ),
        (
            "X,Unit A,ann,retired,,,",
            ["“retired” is not a known lifecycle stage; use one of: Idea, Pilot, Production."],
        ),
        (
            "X,Unit A,ann,,Unknown BV,,",
            ["No vendor “Unknown BV” is recorded; add it in the admin first, or leave the vendor empty."],
        ),
        (
            "X,Unit A,ann,,,maybe,",
            [
                "“maybe” is not yes or no for customer-facing; write yes, no, ja, nee, 1, 0 or x, or leave it empty."
            ],
        ),
        (
            f"{'x' * 201},Unit A,ann,,,,",
            ["name: Ensure this value has at most 200 characters (it has 201)."],
        ),
        (
            "X,Unit A,ann,,,,purpose,extra",
            [
                "There is 1 value beyond the last named column; a value may contain the separator "
                "(put such values in quotes)."
            ],
        ),
    ],
)
def test_it_gives_each_bad_row_every_reason(register_world: Vendor, row: str, problems: list[str]) -> None:
    report = _check(row)
    assert _problems(report) == {2: problems}
    assert report.new == []


@pytest.mark.parametrize(
    ("header", "row", "problem"),
    [
        ("name,unit,owner,sector", "X,Unit A,ann,mining", "“mining” is not a known sector; use one of: "
         "Retail, Hospitality, Healthcare, Services, Other."),
        ("name,unit,owner,pilot end date", "X,Unit A,ann,31-02-2026",
         "“31-02-2026” is not a date for pilot end date; write it as 2026-12-31 or 31-12-2026."),
        ("name,unit,owner,review every (months)", "X,Unit A,ann,0",
         "“0” is not a whole number of months (1 or more) for review every (months)."),
        ("name,unit,owner,dpia link", "X,Unit A,ann,not a link", "DPIA link: Enter a valid URL."),
    ],
)  # fmt: skip
def test_it_explains_a_bad_value_in_plain_words(
    register_world: Vendor, header: str, row: str, problem: str
) -> None:
    assert _problems(_check(row, header=header)) == {2: [problem]}


def test_it_refuses_an_inactive_owner(register_world: Vendor) -> None:
    User.objects.filter(username="bob").update(is_active=False)
    assert _problems(_check("X,Unit A,bob,,,,")) == {
        2: ["“bob” is no longer active; the accountable owner must be an active person."]
    }


def test_it_asks_for_the_username_when_an_address_is_shared(register_world: Vendor) -> None:
    UserFactory.create(username="ann2", email="ann@example.org")
    assert _problems(_check("X,Unit A,ann@example.org,,,,")) == {
        2: ["Several people have the e-mail address “ann@example.org”; give the username."]
    }


def test_it_tells_apart_units_of_the_same_name_by_legal_entity(register_world: Vendor) -> None:
    factories.business_unit("Unit A", entity=factories.legal_entity("Zorg BV"))
    header = "name,unit,owner,legal entity"

    report = _check("X,Unit A,ann,", "Y,Unit A,ann,Zorg BV", "Z,Unit A,ann,Other BV", header=header)

    assert _problems(report) == {
        2: [
            "Several business units are called “Unit A” (in Koers Retail BV, Zorg BV); add a legal entity column."
        ],
        4: ["No business unit “Unit A” in “Other BV”."],
    }
    assert report.new[0].business_unit.legal_entity.name == "Zorg BV"


def test_it_asks_for_the_product_when_a_vendor_has_several(register_world: Vendor) -> None:
    services.vendor_create(acting_user=None, name="ChatDesk", product="Voice")
    assert _problems(_check("X,Unit A,ann,,ChatDesk,,", "Y,Unit A,ann,,chatdesk  voice,,")) == {
        2: ["Several products of “ChatDesk” are recorded; write the name with the product."]
    }


def test_it_reports_a_repeated_row_and_imports_the_first(register_world: Vendor) -> None:
    report = _check("Chatbot,Unit A,ann,,,,", "Chatbot,Unit B,ann,,,,", " chatbot ,unit a,bob,,,,")
    assert _problems(report) == {4: ["Repeats row 2 (the same business unit and name)."]}
    assert [plan.row for plan in report.new] == [2, 3]


# Dry run and never doubling ----------------------------------------------------------------------


def test_it_writes_nothing_in_a_dry_run(register_world: Vendor) -> None:
    events = AuditEvent.objects.count()
    outcome = _import(_check("Chatbot,Unit A,ann,,,,", "Planner,Unit B,bob,,,,"), dry_run=True)
    assert (outcome.created, outcome.skipped, outcome.dry_run) == (2, 0, True)
    assert (UseCase.objects.count(), AuditEvent.objects.count()) == (0, events)


def test_it_creates_nothing_when_the_same_file_is_imported_again(register_world: Vendor) -> None:
    rows = ("Chatbot,Unit A,ann,,,,", "Planner,Unit B,bob,,,,")
    first = _import(_check(*rows))
    again = _check(*rows)
    second = _import(again)

    assert (first.created, first.skipped) == (2, 0)
    assert ([check.existing for check in again.checks], again.new) == ([True, True], [])
    assert (second.created, second.skipped) == (0, 2)
    assert UseCase.objects.count() == 2


def test_it_skips_a_row_registered_between_the_check_and_the_import(register_world: Vendor) -> None:
    report = _check("Chatbot,Unit A,ann,,,,")
    factories.use_case("CHATBOT", unit=factories.business_unit("Unit A"))
    assert (_import(report).created, UseCase.objects.count()) == (0, 1)


# Files ------------------------------------------------------------------------------------------


def test_it_reads_a_dutch_excel_csv_with_bom_and_semicolons(register_world: Vendor) -> None:
    content = "\ufeffNaam;Bedrijfsonderdeel;Eigenaar;Klantgericht\r\nKassa-AI;Unit A;ann;ja\r\n".encode()
    report = check_file(content, "export.csv")
    assert (report.bad, [(p.name, p.facts["customer_facing"]) for p in report.new]) == (
        [],
        [("Kassa-AI", True)],
    )


def test_it_reads_windows_1252_text(register_world: Vendor) -> None:
    content = "naam;afdeling;eigenaar;omschrijving\nCliënt-app;Unit A;ann;Café\n".encode("cp1252")
    assert [(p.name, p.facts["description"]) for p in check_file(content, "oud.csv").new] == [
        ("Cliënt-app", "Café")
    ]


def test_it_reads_the_first_sheet_of_an_xlsx_workbook_with_its_row_numbers(register_world: Vendor) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "Business unit", "Owner", "Customer-facing", "Pilot end date", "Stage"])
    sheet.append(["Chatbot", "Unit A", "ann", True, dt.datetime(2026, 12, 31), "pilot"])
    sheet.append([])
    sheet.append(["Planner", "Unit Q", "bob", "nee", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = check_file(buffer.getvalue(), "register.xlsx")

    assert [(p.row, p.name, p.facts["customer_facing"], p.facts["pilot_end_date"]) for p in report.new] == [
        (2, "Chatbot", True, dt.date(2026, 12, 31))
    ]
    assert _problems(report) == {4: ["No business unit is called “Unit Q”."]}


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "x.csv", "The file is empty."),
        (b"\n;;\n", "x.csv", "The file is empty."),
        (
            b"title,unit\nX,Unit A\n",
            "x.csv",
            "The first row must name the columns; missing: accountable owner. Columns found: title, unit.",
        ),
        (
            b"name,naam,unit,owner\n",
            "x.csv",
            "The columns “name” and “naam” both give the name; keep one of them.",
        ),
        (
            b"\xd0\xcf\x11\xe0old excel",
            "x.xls",
            "This is not an Excel workbook Koers can read; save it as .xlsx or as CSV and upload that.",
        ),
        (b"PK\x03\x04broken", "x.xlsx", "The file could not be read as an Excel workbook (.xlsx)."),
        (b"\x89PNG\x00\x00", "x.png", "This does not look like a CSV or XLSX file."),
    ],
)
def test_it_refuses_a_file_it_cannot_use_with_a_reason(content: bytes, filename: str, message: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        check_file(content, filename)
    assert str(refused.value) == message


def test_it_refuses_files_past_its_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImportFileError, match="larger than 5 MB"):
        importing.read_table(b"x" * (5 * 1024 * 1024 + 1), "x.csv")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"a" * (101 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        importing.read_table(bomb.getvalue(), "x.xlsx")
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        importing.read_table(_csv("a,b,c", "d,e,f", "g,h,i"), "x.csv")


# The admin --------------------------------------------------------------------------------------


@pytest.fixture
def spreadsheet(register_world: Vendor) -> io.BytesIO:
    upload = io.BytesIO(_csv("Chatbot,Unit A,ann,,,,", "Planner,Unit B,bob,,,,", "Ghost,Unit Z,ann,,,,"))
    upload.name = "register.csv"
    return upload


def test_it_has_the_import_url_in_the_admin() -> None:
    assert reverse("admin:register_usecase_import") == URL


def test_it_walks_the_committee_through_upload_dry_run_and_import(
    committee: Client, spreadsheet: io.BytesIO
) -> None:
    form = committee.get(URL, headers={"accept-language": "en"})
    assert form.status_code == 200
    assert form.context["form"]["dry_run"].initial is True
    assert b'enctype="multipart/form-data"' in form.content

    dry = committee.post(URL, {"file": spreadsheet, "dry_run": "on"}, headers={"accept-language": "en"})

    assert dry.status_code == 200
    assert UseCase.objects.count() == 0
    text = dry.content.decode()
    assert "No business unit is called “Unit Z”." in text
    assert "Import 2 use-cases" in text
    assert [plan.name for plan in dry.context["report"].new] == ["Chatbot", "Planner"]
    token = dry.context["token"]

    done = committee.post(URL, {"token": token}, headers={"accept-language": "en"})

    assert done.status_code == 200
    assert sorted(UseCase.objects.values_list("name", "classification_status")) == [
        ("Chatbot", "unassessed"),
        ("Planner", "unassessed"),
    ]
    assert set(
        AuditEvent.objects.filter(action="register.use_case.imported").values_list("actor_label", flat=True)
    ) == {"committee"}
    assert (done.context["outcome"].created, done.context["outcome"].skipped) == (2, 0)

    replayed = committee.post(URL, {"token": token}, headers={"accept-language": "en"}, follow=True)
    assert "The file of that dry run is no longer here" in replayed.content.decode()
    assert UseCase.objects.count() == 2


def test_it_imports_at_once_without_a_dry_run(committee: Client, spreadsheet: io.BytesIO) -> None:
    response = committee.post(URL, {"file": spreadsheet}, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "Imported: register.csv" in response.content.decode()
    assert UseCase.objects.count() == 2


def test_it_sends_a_file_too_large_for_a_page_to_the_command(
    committee: Client, spreadsheet: io.BytesIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from register import admin_import

    monkeypatch.setattr(admin_import, "ADMIN_MAX_NEW", 1)
    response = committee.post(URL, {"file": spreadsheet}, headers={"accept-language": "en"}, follow=True)
    assert "python manage.py import_use_cases FILE" in response.content.decode()
    assert UseCase.objects.count() == 0


def test_it_shows_a_bad_file_on_the_upload_form(committee: Client) -> None:
    upload = io.BytesIO(b"remark\nX\n")
    upload.name = "wrong.csv"
    response = committee.post(URL, {"file": upload, "dry_run": "on"}, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The first row must name the columns; missing: name, business unit, accountable owner. Columns found: remark."
    ]


# Who reaches the import page (the rows for tests/test_url_matrix.py): non-staff are sent to the
# admin login, staff without the committee's add_usecase permission are refused.
REACH = {
    "anonymous": 302,
    "outsider": 302,
    "member_a": 302,
    "member_b": 302,
    "committee": 200,
    "auditor": 403,
    "superuser": 200,
}


@pytest.mark.parametrize("persona", list(REACH), indirect=True)
def test_it_lets_only_the_committee_and_superusers_reach_it(
    persona: Client, spreadsheet: io.BytesIO, request: pytest.FixtureRequest
) -> None:
    expected = REACH[request.node.callspec.params["persona"]]
    assert (persona.get(URL).status_code, persona.post(URL).status_code) == (expected, expected)
    assert persona.post(URL, {"file": spreadsheet}).status_code == expected
    assert UseCase.objects.count() == (2 if expected == 200 else 0)


# The command ------------------------------------------------------------------------------------


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_use_cases", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_from_the_command_with_a_summary(register_world: Vendor, tmp_path: Path) -> None:
    file = tmp_path / "register.csv"
    file.write_bytes(_csv("Chatbot,Unit A,ann,,,,", "Planner,Unit B,bob,,,,"))

    dry_out, _err = _run(str(file), "--dry-run")
    assert dry_out.splitlines() == [
        "register.csv: 2 rows read.",
        "Dry run, nothing imported. Would be imported: 2; already in the register: 0; rows with problems: 0.",
    ]
    assert UseCase.objects.count() == 0

    out, err = _run(str(file), "--user", "ann")
    assert out.splitlines()[-1] == (
        "Imported, not yet assessed: 2; already in the register, skipped: 0; rows with problems, skipped: 0."
    )
    assert err.splitlines() == ["  2/2 imported"]
    assert set(
        AuditEvent.objects.filter(action="register.use_case.imported").values_list("actor_label", flat=True)
    ) == {"ann"}

    again, _err = _run(str(file))
    assert again.splitlines()[-1] == (
        "Imported, not yet assessed: 0; already in the register, skipped: 2; rows with problems, skipped: 0."
    )
    assert UseCase.objects.count() == 2


def test_it_lists_bad_rows_from_the_command_and_exits_non_zero(
    register_world: Vendor, tmp_path: Path
) -> None:
    file = tmp_path / "register.csv"
    file.write_bytes(_csv("Chatbot,Unit A,ann,,,,", "Ghost,Unit Z,nobody,,,,"))
    out = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("import_use_cases", str(file), stdout=out, stderr=io.StringIO())

    assert str(failed.value) == (
        "1 row has problems; correct it and run the import again (rows already imported are then skipped)."
    )
    assert out.getvalue().splitlines()[1:4] == [
        "Row 3:",
        "  - No business unit is called “Unit Z”.",
        "  - Nobody has the username or e-mail address “nobody”.",
    ]
    assert list(UseCase.objects.values_list("name", flat=True)) == ["Chatbot"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read {file}: No such file or directory"),
        (b"remark\nX\n", "register.csv: The first row must name the columns; missing: name, business unit, "
         "accountable owner. Columns found: remark."),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_file_from_the_command_without_a_traceback(
    db: None, tmp_path: Path, content: bytes | None, message: str
) -> None:
    file = tmp_path / "register.csv"
    if content is not None:
        file.write_bytes(content)
    with pytest.raises(CommandError) as failed:
        _run(str(file))
    assert str(failed.value) == message.format(file=file)


def test_it_refuses_an_unknown_acting_user(db: None) -> None:
    with pytest.raises(CommandError, match="No active person has the username ghost"):
        _run("whatever.csv", "--user", "ghost")


def test_the_example_file_is_good_for_the_demo_register() -> None:
    # The README points here; it names the demo's units and people (fixtures/demo.yaml).
    example = Path(__file__).resolve().parents[2] / "fixtures" / "import-example.csv"
    table = importing.read_table(example.read_bytes(), example.name)
    mapping, ignored = importing.map_headers(table.headers)
    assert (len(table.rows), ignored) == (5, [])
    assert {"name", "business_unit", "owner", "lifecycle_stage", "vendor"} <= set(mapping.values())
