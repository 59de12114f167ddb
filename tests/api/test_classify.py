"""POST /api/v1/classify/ and GET /api/v1/questionnaire/ (PRODUCT.md contract)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _classify(client: Client, body: Any) -> Any:
    return client.post("/api/v1/classify/", json.dumps(body), content_type="application/json", headers=EN)


@time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False)
def test_it_returns_the_whole_classification(member_a: Client) -> None:
    answers = {
        "AI_SYSTEM": True,
        "ROLE_DEPLOYER": True,
        "VENDOR_SUPPLIED": True,
        "ANNEX_III_5B": True,
        "ART6_3_PROFILING": True,
        "ART50_1": True,
        "PUBLIC_SERVICE": "unknown",
    }
    response = _classify(member_a, {"answers": answers})
    assert response.status_code == 200
    assert response.json() == {
        "risk_tier": "high_risk",
        "complete": True,
        "open_questions": [],
        "legal_basis": ["ANNEX_III_5B", "ART6_3_PROFILING", "ART50_1"],
        "obligations": [
            {
                "code": "ART4",
                "article": "Art. 4",
                "title": {
                    "nl": "AI-geletterdheid: neem maatregelen om de AI-geletterdheid te ondersteunen van personeel "
                    "en anderen die het systeem namens u gebruiken",
                    "en": "AI literacy: take measures to support the AI literacy of staff and others who operate "
                    "the system for you",
                },
                "owner": "deployer",
                "applies_from": "2025-02-02",
                "applies_today": True,
            },
            {
                "code": "CHECK_VENDOR_DISCLOSURE",
                "article": "Art. 50(1)-(2)",
                "title": {
                    "nl": "Zorg dat de AI-melding of -markering van de leverancier aanstaat en aan blijft",
                    "en": "Make sure the supplier's AI disclosure or marking is switched on and stays on",
                },
                "owner": "deployer",
                "applies_from": "2026-08-02",
                "applies_today": True,
            },
            {
                "code": "ART26",
                "article": "Art. 26",
                "title": {
                    "nl": "Plichten van de gebruiksverantwoordelijke: gebruiken volgens de instructies, menselijk "
                    "toezicht door bekwame mensen, relevante invoerdata, monitoren en bij risico stilleggen, "
                    "ernstige incidenten eerst aan de aanbieder melden, logs minstens 6 maanden bewaren",
                    "en": "Deployer duties: use per the instructions, human oversight by competent people, "
                    "relevant input data, monitor and suspend on risk, tell the provider first of a serious "
                    "incident, keep logs at least 6 months",
                },
                "owner": "deployer",
                "applies_from": "2027-12-02",
                "applies_today": False,
            },
            {
                "code": "FRIA_ART27",
                "article": "Art. 27",
                "title": {
                    "nl": "Beoordeling van de gevolgen voor de grondrechten (FRIA) vóór het eerste gebruik, "
                    "gemeld aan de markttoezichthouder",
                    "en": "Fundamental rights impact assessment before first use, notified to the market "
                    "surveillance authority",
                },
                "owner": "deployer",
                "applies_from": "2027-12-02",
                "applies_today": False,
            },
        ],
        "fria_required": True,
        "transparency": [
            {
                "code": "ART50_1",
                "article": "Art. 50(1)",
                "owner": "provider",
                "title": {
                    "nl": "Vertel mensen dat ze met een AI-systeem te maken hebben, tenzij dat duidelijk is",
                    "en": "Tell people they are interacting with an AI system, unless that is obvious",
                },
            }
        ],
        "gpai": "none",
        "ruleset_version": "2026.1",
        "explanation": [
            {
                "nl": "Voorlopige indeling op basis van uw antwoorden. Nog niet vastgesteld door de "
                "AI-commissie. Dit is geen juridisch advies.",
                "en": "Indicative classification based on your answers. Not yet confirmed by the AI committee. "
                "This is not legal advice.",
                "codes": [],
            },
            {
                "nl": "Hoog risico: kredietwaardigheid van natuurlijke personen, bijlage III punt 5(b).",
                "en": "High risk: creditworthiness of natural persons, Annex III point 5(b).",
                "codes": ["ANNEX_III_5B"],
            },
            {
                "nl": "De uitzondering van art. 6 lid 3 geldt niet: bij profilering blijft het een AI-systeem met "
                "een hoog risico.",
                "en": "The Art. 6(3) derogation does not apply: with profiling it remains a high-risk AI system.",
                "codes": ["ART6_3_PROFILING"],
            },
            {
                "nl": "Transparantieverplichting: directe interactie met mensen (art. 50 lid 1); dit is een "
                "plicht van de aanbieder (leverancier).",
                "en": "Transparency duty: direct interaction with people (Art. 50(1)); this is a duty of the "
                "provider (supplier).",
                "codes": ["ART50_1"],
            },
            {
                "nl": "Een beoordeling van de gevolgen voor de grondrechten (FRIA) is nodig vóór het eerste "
                "gebruik (art. 27), omdat het gaat om kredietwaardigheid (bijlage III punt 5(b)).",
                "en": "A fundamental rights impact assessment (FRIA) is needed before first use (Art. 27), "
                "because it concerns creditworthiness (Annex III point 5(b)).",
                "codes": [],
            },
            {
                "nl": "De datum 2 december 2027 komt uit Verordening (EU) 2026/1744 (Digital Omnibus); Koers "
                "heeft de officiële tekst daarvan nog niet kunnen controleren.",
                "en": "The date 2 December 2027 comes from Regulation (EU) 2026/1744 (Digital Omnibus); Koers "
                "has not yet been able to check its official text.",
                "codes": [],
            },
            {
                "nl": "Geldt vanaf 2 december 2027. Begin nu met voorbereiden: contracten, beoordelingen en "
                "training kosten tijd.",
                "en": "Applies from 2 December 2027. Start preparing now: contracts, assessments and training "
                "take time.",
                "codes": [],
            },
        ],
    }


def test_it_lists_each_problem_with_the_answers_by_name(member_a: Client) -> None:
    response = _classify(
        member_a, {"answers": {"AI_SYSTEM": "yes", "RISK_LEVEL": True, "ANNEX_III_5B_EXC": True}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {"code": "unknown_code", "detail": "Unknown question code.", "attr": "answers.RISK_LEVEL"},
            {
                "code": "invalid_value",
                "detail": 'Must be true, false or "unknown".',
                "attr": "answers.AI_SYSTEM",
            },
            {
                "code": "carve_out_without_point",
                "detail": "A carve-out can only be true when its point (ANNEX_III_5B) is true.",
                "attr": "answers.ANNEX_III_5B_EXC",
            },
        ],
    }


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "answers"),
        ({"answers": ["AI_SYSTEM"]}, "answers"),
        ({"answers": {}, "today": "2030-01-01"}, "today"),
    ],
)
def test_it_refuses_a_malformed_request_by_name(member_a: Client, body: Any, attr: str) -> None:
    response = _classify(member_a, body)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [attr]


def test_it_answers_problems_in_dutch_by_default(member_a: Client) -> None:
    response = member_a.post(
        "/api/v1/classify/", json.dumps({"answers": {"X": True}}), content_type="application/json"
    )
    assert response.json()["errors"][0]["detail"] == "Onbekende vraagcode."


def test_it_serves_the_questionnaire_in_the_asked_language(auditor: Client) -> None:
    english = auditor.get("/api/v1/questionnaire/?lang=en").json()
    dutch = auditor.get("/api/v1/questionnaire/", headers={"Accept-Language": "nl"}).json()
    assert (english["language"], dutch["language"], english["ruleset_version"]) == ("en", "nl", "2026.1")
    assert english["questions"][0] == {
        "code": "AI_SYSTEM",
        "step": "scope",
        "text": "Does it learn from data or work out its own outputs, rather than follow fixed rules?",
        "help": "Rules written entirely by people (if this, then that) are not AI under the Act. A system that "
        "infers its outputs from data is (Art. 3(1)).",
        "ask_when": [],
    }
    carve_out = next(q for q in dutch["questions"] if q["code"] == "ANNEX_III_5B_EXC")
    assert carve_out["text"] == "Wordt het alleen gebruikt om financiële fraude op te sporen?"
    assert carve_out["ask_when"] == [["ANNEX_III_5B"]]
    assert len(english["questions"]) == 67


def test_it_refuses_a_language_it_does_not_speak(auditor: Client) -> None:
    response = auditor.get("/api/v1/questionnaire/?lang=de", headers=EN)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "invalid",
        "detail": 'Must be "nl" or "en".',
        "attr": "lang",
    }


def test_it_documents_one_property_per_code_and_no_others(auditor: Client) -> None:
    schema = auditor.get("/api/schema/?format=json").json()
    answers = schema["components"]["schemas"]["Answers"]
    assert answers["additionalProperties"] is False
    assert len(answers["properties"]) == 67
    assert answers["properties"]["ANNEX_III_5B"]["oneOf"] == [
        {"type": "boolean"},
        {"type": "string", "enum": ["unknown"]},
    ]
