"""Twenty use-cases from retail, hospitality, healthcare and services, as a business unit would
describe them, with the result the committee should expect and the article that decides it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from register.aiact import classify
from tests.aiact.cases import TODAY

VENDOR = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "VENDOR_SUPPLIED": True}


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    answers: dict[str, bool | str]
    tier: str
    fria: bool = False
    duties: frozenset[str] = frozenset()  # duties that must be among the obligations


SCENARIOS = [
    # Art. 50(1): the supplier must disclose; the shop checks it stays switched on (DIGEST §11.3).
    Scenario(
        "retail_webshop_chatbot",
        "A supplier's chatbot answers customer questions in the webshop.",
        {**VENDOR, "ART50_1": True, "GPAI_BASED": True},
        "limited",
        duties=frozenset({"ART4", "CHECK_VENDOR_DISCLOSURE"}),
    ),
    # Art. 3(3): own brand on the supplier's chatbot makes the chain its provider; Art. 50(1) is theirs.
    Scenario(
        "retail_white_label_assistant",
        "The chain offers 'Ask Fleur', a supplier's chatbot under its brand.",
        {**VENDOR, "ROLE_PROVIDER": True, "ART50_1": True, "ART50_2": True},
        "limited",
        duties=frozenset({"ART50_1", "ART50_2"}),
    ),
    # Not in Annex III, no Art. 50 duty: minimal (Art. 4 only).
    Scenario(
        "retail_demand_forecasting",
        "Forecasts stock per store from sales data.",
        {**VENDOR},
        "minimal",
        duties=frozenset({"ART4"}),
    ),
    # Art. 50(2) is the provider's; marketing copy is not public-interest text (Art. 50(4)).
    Scenario(
        "retail_product_descriptions",
        "Generates product descriptions that an editor checks.",
        {**VENDOR, "ART50_2": True, "GPAI_BASED": True},
        "limited",
        duties=frozenset({"CHECK_VENDOR_DISCLOSURE"}),
    ),
    # Annex III 5(b): buy-now-pay-later credit check; Art. 27 FRIA for every 5(b) deployer.
    Scenario(
        "retail_pay_later_credit_check",
        "Decides whether a customer may pay in instalments.",
        {**VENDOR, "ANNEX_III_5B": True, "ART6_3_PROFILING": True, "DECISIONS_ABOUT_PEOPLE": True},
        "high_risk",
        fria=True,
        duties=frozenset({"ART26", "ART26_11", "ART86", "FRIA_ART27"}),
    ),
    # Annex III 5(b) carve-out: fraud detection is not high-risk.
    Scenario(
        "retail_payment_fraud",
        "Flags suspicious card payments for the fraud team.",
        {**VENDOR, "ANNEX_III_5B": True, "ANNEX_III_5B_EXC": True},
        "minimal",
    ),
    # Art. 5(1)(f): emotions of staff at work, no medical or safety reason: prohibited.
    Scenario(
        "retail_staff_mood_camera",
        "Cameras at the tills rate how cheerful cashiers look.",
        {**VENDOR, "ART5_1_F": True, "ANNEX_III_1C": True, "OWN_WORKPLACE": True},
        "prohibited",
        duties=frozenset({"ART5"}),
    ),
    # Annex III 1(c) + Art. 50(3): customers' emotions are high-risk, not prohibited.
    Scenario(
        "retail_customer_emotion_ads",
        "A screen adapts ads to shoppers' facial expressions.",
        {**VENDOR, "ANNEX_III_1C": True, "ART50_3": True},
        "high_risk",
        duties=frozenset({"ART26", "ART50_3"}),
    ),
    # Annex III 4(a): CV ranking for store jobs; profiling keeps it high-risk (Art. 6(3)).
    Scenario(
        "hospitality_cv_screening",
        "Ranks applicants for hotel jobs.",
        {**VENDOR, "ANNEX_III_4A": True, "ART6_3_PROFILING": True, "DECISIONS_ABOUT_PEOPLE": True},
        "high_risk",
        duties=frozenset({"ART26", "ART26_11", "ART86"}),
    ),
    # Annex III 4(b): shifts by individual behaviour at own workplace; Art. 26(7) informs workers.
    Scenario(
        "hospitality_shift_planning",
        "Assigns shifts based on each employee's past performance.",
        {**VENDOR, "ANNEX_III_4B": True, "ART6_3_PROFILING": True, "OWN_WORKPLACE": True},
        "high_risk",
        duties=frozenset({"ART26", "ART26_7"}),
    ),
    # Neither Annex III nor Art. 50: dynamic room pricing is minimal.
    Scenario("hospitality_room_pricing", "Sets room prices from demand and events.", {**VENDOR}, "minimal"),
    # Art. 50(1): a phone bot takes reservations.
    Scenario(
        "hospitality_voice_reservations",
        "A voice assistant takes table reservations by phone.",
        {**VENDOR, "ART50_1": True},
        "limited",
        duties=frozenset({"CHECK_VENDOR_DISCLOSURE"}),
    ),
    # Annex III 1(a) carve-out: 1:1 face check at the staff entrance is verification.
    Scenario(
        "hospitality_face_entry_staff",
        "Staff open the back door with a face scan.",
        {**VENDOR, "ANNEX_III_1A": True, "ANNEX_III_1A_EXC": True},
        "minimal",
    ),
    # Art. 6(1) + Annex I A (MDR class IIa, notified body): high-risk from 2 August 2028.
    Scenario(
        "healthcare_ecg_software",
        "Medical-device software reads ECGs and flags arrhythmias.",
        {**VENDOR, "ANNEX_I_A": True, "THIRD_PARTY_CA": True, "PUBLIC_SERVICE": True},
        "high_risk",
        duties=frozenset({"ART26"}),
    ),
    # Annex III 5(d): emergency triage by a care provider (public service): FRIA (Art. 27).
    Scenario(
        "healthcare_emergency_triage",
        "Prioritises patients at the emergency department.",
        {**VENDOR, "ANNEX_III_5D": True, "PUBLIC_SERVICE": True, "DECISIONS_ABOUT_PEOPLE": True},
        "high_risk",
        fria=True,
        duties=frozenset({"FRIA_ART27", "ART26_11", "ART86"}),
    ),
    # Annex III 5(a) on behalf of a municipality: registration of the use (Art. 49(3)).
    Scenario(
        "healthcare_home_care_eligibility",
        "Advises the municipality who gets home care.",
        {
            **VENDOR,
            "ANNEX_III_5A": True,
            "ON_BEHALF_OF_PUBLIC_AUTHORITY": True,
            "PUBLIC_SERVICE": True,
            "DECISIONS_ABOUT_PEOPLE": True,
        },
        "high_risk",
        fria=True,
        duties=frozenset({"ART49_3", "FRIA_ART27"}),
    ),
    # Not Annex III: drafting a discharge letter a doctor finishes; Art. 50(2) is the supplier's.
    Scenario(
        "healthcare_letter_drafting",
        "Drafts discharge letters that the doctor completes.",
        {**VENDOR, "ART50_2": True, "GPAI_BASED": True},
        "limited",
    ),
    # Annex III 5(c): pricing health insurance for an individual; FRIA for every 5(c) deployer.
    Scenario(
        "services_health_insurance_pricing",
        "Sets a person's supplementary health insurance premium.",
        {**VENDOR, "ANNEX_III_5C": True, "ART6_3_PROFILING": True},
        "high_risk",
        fria=True,
    ),
    # Annex III 4(a) with the supplier's Art. 6(4) statement and a narrow task (Art. 6(3)(a)).
    Scenario(
        "services_cv_parsing",
        "Turns CVs into structured fields; recruiters decide.",
        {**VENDOR, "ANNEX_III_4A": True, "ART6_3_A": True, "ART6_4_PROVIDER_DOC": True},
        "minimal",
        duties=frozenset({"KEEP_PROVIDER_RECORD"}),
    ),
    # Art. 50(4): AI-written public-interest news without editorial review.
    Scenario(
        "services_public_notices",
        "Publishes AI-written local news updates without an editor.",
        {**VENDOR, "ART50_4_TEXT": True},
        "limited",
        duties=frozenset({"ART50_4_TEXT"}),
    ),
]


def test_it_has_twenty_scenarios() -> None:
    assert len(SCENARIOS) == 20


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_it_classifies_the_scenario(scenario: Scenario) -> None:
    result = classify(scenario.answers, today=TODAY)
    assert (result.risk_tier, result.fria_required, result.complete) == (scenario.tier, scenario.fria, True)
    assert scenario.duties <= {o.code for o in result.obligations}
