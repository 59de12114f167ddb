"""Exports to outside standards (register/standards.py): the mappings held to the field lists,
values checked against each field's type, permitted values and maximum length, whole records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.utils import translation

from register import services, standards
from register.choices import LifecycleStage, RiskTier
from register.models import UseCase
from tests import factories
from tests.factories import UserFactory

T0 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
HIRING = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4A": True}
ALGORITMEREGISTER = standards.STANDARDS["algoritmeregister"]
EU_DATABASE = standards.STANDARDS["eu-database"]


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- the mappings against the field lists --------------------------------------------------------


@pytest.mark.parametrize("key", ["algoritmeregister", "eu-database"])
def test_it_maps_every_field_of_the_list_and_no_other(key: str) -> None:
    standard = standards.STANDARDS[key]
    listed = [field["name"] for field in standard.fields]
    assert len(listed) == len(set(listed))
    assert list(standard.mapping) == listed  # the same fields, in the file's order


@pytest.mark.parametrize("key", ["algoritmeregister", "eu-database"])
def test_it_says_why_a_field_has_no_source(key: str) -> None:
    standard = standards.STANDARDS[key]
    for name in standard.no_source_yet():
        reason = standard.mapping[name]
        assert isinstance(reason, standards.NoSource)
        assert reason.reason.endswith(".")


def test_it_lists_the_fields_without_a_source() -> None:
    assert ALGORITMEREGISTER.no_source_yet() == [
        "category",
        "begin_date",
        "website",
        "url",
        "proportionality",
        "risks",
        "lawful_basis_grouping",
        "source_data_grouping",
        "methods_and_models",
        "publiccode",
        "tags",
        "lars",
        "publication_dt",
    ]
    assert EU_DATABASE.no_source_yet() == ["submitter"]


def test_it_reads_the_field_lists_from_the_copies_in_the_repository() -> None:
    assert (ALGORITMEREGISTER.version, len(ALGORITMEREGISTER.fields)) == ("1.0", 31)
    assert (EU_DATABASE.version, len(EU_DATABASE.fields)) == ("Regulation (EU) 2024/1689 Annex VIII C", 5)
    for standard in standards.STANDARDS.values():
        assert json.loads((standards.DATA / standard.filename).read_text())["fields"] == standard.fields


# --- checking values ------------------------------------------------------------------------------


def _spec(standard: standards.Standard, name: str) -> dict[str, Any]:
    return next(field for field in standard.fields if field["name"] == name)


def test_it_reports_a_name_that_is_too_long_without_cutting_it() -> None:
    spec = _spec(ALGORITMEREGISTER, "name")
    assert standards.check(spec, "x" * 100) == []
    assert standards.check(spec, "x" * 101) == [
        {"field": "name", "code": "max_length", "message": "101 characters; at most 100."}
    ]


def test_it_reports_a_value_outside_the_permitted_ones() -> None:
    assert standards.check(_spec(ALGORITMEREGISTER, "status"), "Gepland") == [
        {
            "field": "status",
            "code": "permitted_values",
            "message": "“Gepland” is not one of the permitted values.",
        }
    ]
    assert standards.check(_spec(ALGORITMEREGISTER, "status"), "In gebruik") == []
    category = _spec(ALGORITMEREGISTER, "category")
    assert standards.check(category, ["Zorg en gezondheid"]) == []
    assert standards.check(category, ["Zorg en gezondheid", "Retail"]) == [
        {
            "field": "category",
            "code": "permitted_values",
            "message": "“Retail” is not one of the permitted values.",
        }
    ]


def test_it_reports_a_required_field_without_a_value_and_passes_an_optional_one() -> None:
    assert standards.check(_spec(ALGORITMEREGISTER, "description_short"), None) == [
        {"field": "description_short", "code": "required", "message": "Required, and there is no value."}
    ]
    assert standards.check(_spec(ALGORITMEREGISTER, "goal"), None) == []
    assert standards.check(_spec(EU_DATABASE, "dpia_summary"), "") == []


def test_it_checks_types_and_the_fields_of_list_items() -> None:
    links = _spec(ALGORITMEREGISTER, "impacttoetsen_grouping")
    assert standards.check(links, [{"title": "DPIA", "link": "https://example.org"}]) == []
    assert standards.check(links, [{"title": "DPIA"}]) == [
        {
            "field": "impacttoetsen_grouping",
            "code": "type",
            "message": "Each item has exactly these fields: title, link.",
        }
    ]
    assert standards.check(links, "DPIA") == [
        {"field": "impacttoetsen_grouping", "code": "type", "message": "Must be a list."}
    ]
    assert standards.check(_spec(ALGORITMEREGISTER, "name"), 12) == [
        {"field": "name", "code": "type", "message": "Must be text."}
    ]


# --- whole records --------------------------------------------------------------------------------


def _hiring() -> UseCase:
    """A municipality's CV ranking (Annex III 4(a), a public body: a FRIA), submitted."""
    with time_machine.travel(T0, tick=False):
        sanne = UserFactory.create(username="sanne", first_name="Sanne", last_name="Bakker")
        chair = factories.committee_member("kees")
        vendor = services.vendor_create(
            acting_user=chair, name="TalentRank", product="Shortlist 2", eu_database_number="EU-0042"
        )
        entity = factories.legal_entity("Gemeente Koersdam", is_public_body=True)
        hiring = factories.use_case(
            name="CV ranking",
            unit=factories.business_unit("HR", entity),
            owner=sanne,
            vendor=vendor,
            description="Ranks applications for a vacancy.",
            purpose="Help recruiters read every application.",
            goal="A shortlist within two days.",
            human_oversight="human_in_the_loop",
            overseers="Sanne Bakker",
            overseers_can_stop=True,
            escalation_path="Ask for a recruiter at werken@koersdam.nl.",
            personal_data=True,
            lawful_basis="public_task",
            processing_register_ref="VR-12",
            dpia_needed="yes",
            dpia_status="done",
            dpia_link="https://dms.koersdam.nl/dpia/12",
        )
        services.use_case_classify(acting_user=sanne, use_case=hiring, answers=HIRING)
        services.use_case_submit(acting_user=sanne, use_case=hiring)
    hiring.refresh_from_db()
    return hiring


@pytest.mark.django_db
def test_it_builds_a_whole_algorithm_register_record(settings: Any) -> None:
    settings.KOERS_COMMITTEE_EMAIL = "ai-commissie@koersdam.nl"
    hiring = _hiring()
    assert (hiring.risk_tier, hiring.fria_required) == ("high_risk", True)
    assert standards.export_record(ALGORITMEREGISTER, hiring) == {
        "use_case": hiring.pk,
        "reference": "AI-2026-0001",
        "fields": {
            "name": "CV ranking",
            "description_short": "Ranks applications for a vacancy.",
            "organization": "Gemeente Koersdam",
            "category": None,
            "status": "In ontwikkeling",
            "begin_date": None,
            "end_date": None,
            "contact_email": "ai-commissie@koersdam.nl",
            "website": None,
            "publication_category": "Hoog-risico AI-systeem",
            "url": None,
            "goal": "Help recruiters read every application.\n\nA shortlist within two days.",
            "proportionality": None,
            # No overseer's name and not the escalation path (it may name people): staff personal
            # data stays in the register.
            "human_intervention": "Een mens beoordeelt elke uitkomst voordat die gevolgen heeft (human in "
            "the loop). De toezichthouders kunnen het systeem stoppen.",
            "risks": None,
            "lawful_basis": "Taak van algemeen belang of openbaar gezag (AVG art. 6 lid 1 sub e)",
            "lawful_basis_grouping": None,
            "process_index_url": "VR-12",
            "impacttoetsen_grouping": [{"title": "DPIA", "link": "https://dms.koersdam.nl/dpia/12"}],
            "impacttoetsen": "Een DPIA is nodig.\n\nStatus van de DPIA: uitgevoerd.\n\n"
            "Een grondrechteneffectbeoordeling (AI-verordening art. 27) is vereist.",
            "source_data": "Verwerkt persoonsgegevens.",
            "source_data_grouping": None,
            "methods_and_models": None,
            "provider": "TalentRank Shortlist 2",
            "publiccode": None,
            "lang": "nld",
            "standard_version": "1.0",
            "source_id": "AI-2026-0001",
            "tags": None,
            "lars": None,
            "publication_dt": None,
        },
        "problems": [
            {
                "field": "publication_category",
                "code": "indicative",
                "message": "The tier is indicative: the committee has not confirmed it.",
            }
        ],
    }


@pytest.mark.django_db
def test_it_builds_a_whole_eu_database_record(settings: Any) -> None:
    settings.KOERS_COMMITTEE_EMAIL = "ai-commissie@koersdam.nl"
    hiring = _hiring()
    fria = hiring.obligations.get(code="FRIA_ART27")
    services.obligation_mark_done(
        acting_user=UserFactory.create(username="kees"),
        item=fria,
        evidence_url="https://dms.koersdam.nl/iama/12",
        evidence_note="No discrimination by age found; recruiters check every rejection.",
    )
    assert standards.export_record(EU_DATABASE, hiring) == {
        "use_case": hiring.pk,
        "reference": "AI-2026-0001",
        "fields": {
            "deployer": "Gemeente Koersdam\n\nai-commissie@koersdam.nl",
            "submitter": None,
            "provider_entry_url": "EU-0042",
            "fria_summary": "No discrimination by age found; recruiters check every rejection.\n\n"
            "https://dms.koersdam.nl/iama/12",
            "dpia_summary": "Status van de DPIA: uitgevoerd.\n\nhttps://dms.koersdam.nl/dpia/12",
        },
        "problems": [
            {
                "field": "deployer",
                "code": "partial",
                "message": "The register holds the legal entity's name but not its address.",
            },
            {
                "field": "submitter",
                "code": "required",
                "message": "Required, and the register has no source for it yet.",
            },
            {
                "field": "provider_entry_url",
                "code": "partial",
                "message": "The register holds the provider's EU database registration number, not the entry's URL.",
            },
            {
                "field": "dpia_summary",
                "code": "partial",
                "message": "The register holds the DPIA's status and link, not a summary.",
            },
        ],
    }


@pytest.mark.django_db
def test_it_reports_a_long_name_and_missing_required_values_of_a_draft() -> None:
    draft = factories.use_case(name="A" * 150, complete=False)
    record = standards.export_record(ALGORITMEREGISTER, draft)
    assert record["fields"]["name"] == "A" * 150  # whole, never cut
    assert record["reference"] is None
    assert [(p["field"], p["code"]) for p in record["problems"]] == [
        ("name", "max_length"),
        ("description_short", "required"),
        ("contact_email", "required"),
        ("publication_category", "required"),
    ]


@pytest.mark.django_db
def test_it_never_exports_the_policy_tier_as_the_laws() -> None:
    chatbot = factories.use_case()
    services.use_case_classify(
        acting_user=chatbot.owner, use_case=chatbot, answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True}
    )
    services.use_case_set_policy_tier(
        acting_user=factories.committee_member("kees"),
        use_case=chatbot,
        policy_tier=RiskTier.HIGH_RISK,
        justification="Treated as high-risk by policy.",
    )
    chatbot.refresh_from_db()
    assert (chatbot.risk_tier, chatbot.policy_tier) == ("minimal", "high_risk")
    record = standards.export_record(ALGORITMEREGISTER, chatbot)
    assert record["fields"]["publication_category"] is None
    assert "Hoog-risico AI-systeem" not in json.dumps(record)


@pytest.mark.django_db
def test_it_maps_each_stage_to_a_permitted_status_and_a_pilots_end_to_a_month() -> None:
    pilot = factories.use_case(
        lifecycle_stage=LifecycleStage.PILOT,
        pilot_scope="Orders only",
        pilot_end_date=dt.date(2026, 6, 30),
        stop_criteria="More than 5% wrong answers",
        automated_decisions=True,
    )
    fields = standards.export_record(ALGORITMEREGISTER, pilot)["fields"]
    assert (fields["status"], fields["end_date"]) == ("In ontwikkeling", "2026-06")
    # A decision with legal effect (GDPR Art. 22) makes an algorithm impactful.
    assert fields["publication_category"] == "Impactvolle algoritmes"
    status = _spec(ALGORITMEREGISTER, "status")
    for stage in LifecycleStage:
        assert standards.check(status, standards.STATUS_NL[stage]) == []
