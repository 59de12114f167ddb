"""The rule table: one case per rule of DIGEST §9 and §11, named after the rule it checks.
Expected values are written by hand from the digest, never computed with the engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

TODAY = dt.date(2026, 11, 27)
U = "unknown"

DEPLOYER = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True}
VENDOR_DEPLOYER = {**DEPLOYER, "VENDOR_SUPPLIED": True}
PROVIDER = {"AI_SYSTEM": True, "ROLE_PROVIDER": True}
BOTH = {**PROVIDER, "ROLE_DEPLOYER": True}

PROVIDER_HR_ANNEX_I = {
    "ART9",
    "ART10",
    "ART11",
    "ART12",
    "ART13",
    "ART14",
    "ART15",
    "ART16",
    "ART17",
    "ART43",
    "ART72",
    "ART73",
}
PROVIDER_HR_ANNEX_III = PROVIDER_HR_ANNEX_I | {"ART49_1"}


@dataclass(frozen=True)
class Case:
    rule: str
    answers: Mapping[str, object]
    tier: str
    basis: tuple[str, ...] | None = None
    obligations: set[str] | None = None
    fria: bool | None = None
    transparency: set[tuple[str, str]] | None = None
    gpai: str | None = None
    open_questions: tuple[str, ...] = ()
    applies_today: dict[str, bool] = field(default_factory=dict)
    today: dt.date = TODAY


CASES: list[Case] = [
    # Step 1 — Art. 3(1)
    Case(
        "art3_1_rules_written_by_people_are_not_ai",
        {"AI_SYSTEM": False, "ROLE_DEPLOYER": True},
        "out_of_scope",
        basis=("OUT_NOT_AI",),
        obligations=set(),
    ),
    Case(
        "art3_1_not_ai_but_training_a_model_still_owes_model_duties",
        {"GPAI_MODEL_PROVIDER": True},
        "out_of_scope",
        basis=("OUT_NOT_AI", "GPAI_MODEL_PROVIDER"),
        obligations={"ART53", "ART54"},
        gpai="model_provider",
    ),
    Case(
        "art3_4_deployer_only_is_minimal_with_ai_literacy",
        DEPLOYER,
        "minimal",
        basis=(),
        obligations={"ART4"},
    ),
    # Step 3 — Art. 2 exclusions
    Case(
        "art2_3_military_only_is_out_of_scope",
        {**DEPLOYER, "ART2_3_MILITARY": True},
        "out_of_scope",
        basis=("ART2_3_MILITARY",),
        obligations=set(),
    ),
    Case(
        "art2_6_research_only_is_out_of_scope",
        {**PROVIDER, "ART2_6_RESEARCH": True},
        "out_of_scope",
        basis=("ART2_6_RESEARCH",),
        obligations=set(),
    ),
    Case(
        "art2_8_premarket_testing_is_out_of_scope",
        {**PROVIDER, "ART2_8_PREMARKET": True},
        "out_of_scope",
        basis=("ART2_8_PREMARKET",),
    ),
    Case(
        "art2_10_private_use_by_a_deployer_is_out_of_scope",
        {**DEPLOYER, "ART2_10_PERSONAL": True},
        "out_of_scope",
        basis=("ART2_10_PERSONAL",),
        obligations=set(),
    ),
    Case(
        "art2_10_never_lifts_a_providers_duties",
        {**PROVIDER, "ART2_10_PERSONAL": True, "ART50_1": True},
        "limited",
        basis=("ART50_1",),
        obligations={"ART4", "ART50_1"},
    ),
    Case(
        "art2_exclusions_come_before_art5",
        {**DEPLOYER, "ART2_3_MILITARY": True, "ART5_1_A": True},
        "out_of_scope",
        basis=("ART2_3_MILITARY",),
    ),
    # Step 4 — Art. 5(1), each point with and without its exception
    *[
        Case(
            f"art5_1_{point.lower()}_is_prohibited",
            {**DEPLOYER, f"ART5_1_{point}": True},
            "prohibited",
            basis=(f"ART5_1_{point}",),
            obligations={"ART5", "ART4"},
            applies_today={"ART5": True},
        )
        for point in ("A", "B", "C", "D", "E", "F", "G", "H")
    ],
    Case(
        "art5_1_ba_is_prohibited_from_2_december_2026",
        {**PROVIDER, "ART5_1_BA": True},
        "prohibited",
        basis=("ART5_1_BA",),
        obligations={"ART5_OMNIBUS", "ART4"},
        applies_today={"ART5_OMNIBUS": False},
    ),
    Case(
        "art5_1_ba_applies_on_2_december_2026",
        {**PROVIDER, "ART5_1_BA": True},
        "prohibited",
        applies_today={"ART5_OMNIBUS": True},
        today=dt.date(2026, 12, 2),
    ),
    Case(
        "art5_1_bb_is_prohibited",
        {**PROVIDER, "ART5_1_BB": True},
        "prohibited",
        basis=("ART5_1_BB",),
        obligations={"ART5_OMNIBUS", "ART4"},
    ),
    Case(
        "art5_1_d_exception_human_assessment_on_facts",
        {**DEPLOYER, "ART5_1_D": True, "ART5_1_D_EXC": True},
        "minimal",
        basis=(),
    ),
    Case(
        "art5_1_f_exception_leaves_emotion_recognition_high_risk",
        {**DEPLOYER, "ART5_1_F": True, "ART5_1_F_EXC": True},
        "high_risk",
        basis=("ANNEX_III_1C", "ART50_3"),
        obligations={"ART4", "ART26", "ART50_3"},
        transparency={("ART50_3", "deployer")},
    ),
    Case(
        "art5_1_g_exception_labelling_lawful_datasets",
        {**DEPLOYER, "ART5_1_G": True, "ART5_1_G_EXC": True},
        "minimal",
        basis=(),
    ),
    Case(
        "art5_1_f_exception_leaves_other_points_standing",
        {**DEPLOYER, "ART5_1_F": True, "ART5_1_F_EXC": True, "ART5_1_C": True},
        "prohibited",
        basis=("ART5_1_C",),
    ),
    Case(
        "art5_wins_over_high_risk",
        {**DEPLOYER, "ART5_1_C": True, "ANNEX_III_5B": True},
        "prohibited",
        basis=("ART5_1_C",),
        obligations={"ART5", "ART4"},
    ),
    Case(
        "art5_wins_over_transparency",
        {**PROVIDER, "ART5_1_A": True, "ART50_1": True},
        "prohibited",
        transparency=set(),
    ),
    Case(
        "art5_before_2_february_2025_is_not_yet_applicable",
        {**DEPLOYER, "ART5_1_E": True},
        "prohibited",
        applies_today={"ART5": False, "ART4": False},
        today=dt.date(2025, 2, 1),
    ),
    # Step 5 — Art. 6(1) with Annex I
    Case(
        "annex_i_a_with_third_party_assessment_is_high_risk_for_the_provider",
        {**PROVIDER, "ANNEX_I_A": True, "THIRD_PARTY_CA": True},
        "high_risk",
        basis=("ANNEX_I_A",),
        obligations=PROVIDER_HR_ANNEX_I | {"ART4"},
        applies_today={"ART9": False},
    ),
    Case(
        "annex_i_a_applies_from_2_august_2028",
        {**PROVIDER, "ANNEX_I_A": True, "THIRD_PARTY_CA": True},
        "high_risk",
        applies_today={"ART9": True},
        today=dt.date(2028, 8, 2),
    ),
    Case(
        "annex_i_a_not_yet_on_1_august_2028",
        {**PROVIDER, "ANNEX_I_A": True, "THIRD_PARTY_CA": True},
        "high_risk",
        applies_today={"ART9": False},
        today=dt.date(2028, 8, 1),
    ),
    Case(
        "annex_i_a_without_third_party_assessment_is_not_high_risk",
        {**PROVIDER, "ANNEX_I_A": True},
        "minimal",
        basis=(),
        obligations={"ART4"},
    ),
    Case(
        "annex_i_a_deployer_gets_art26",
        {**DEPLOYER, "ANNEX_I_A": True, "THIRD_PARTY_CA": True},
        "high_risk",
        obligations={"ART4", "ART26"},
    ),
    Case(
        "annex_i_a_deployer_at_own_workplace_informs_workers",
        {**DEPLOYER, "ANNEX_I_A": True, "THIRD_PARTY_CA": True, "OWN_WORKPLACE": True},
        "high_risk",
        obligations={"ART4", "ART26", "ART26_7"},
    ),
    Case(
        "annex_i_b_is_high_risk_with_no_duties_under_the_act",
        {**BOTH, "ANNEX_I_B": True, "THIRD_PARTY_CA": True, "OWN_WORKPLACE": True, "ART50_1": True},
        "high_risk",
        basis=("ANNEX_I_B",),
        obligations=set(),
        transparency=set(),
    ),
    Case(
        "annex_i_b_without_third_party_assessment_is_not_high_risk",
        {**DEPLOYER, "ANNEX_I_B": True},
        "minimal",
    ),
    # Steps 6-7 — Annex III points and carve-outs (deployer)
    *[
        Case(
            f"annex_iii_{point.lower()}_is_high_risk",
            {**DEPLOYER, f"ANNEX_III_{point}": True},
            "high_risk",
            basis=(f"ANNEX_III_{point}",),
            obligations={"ART4", "ART26"},
            fria=False,
        )
        for point in (
            "1A",
            "1B",
            "1C",
            "2",
            "3A",
            "3B",
            "3C",
            "3D",
            "4A",
            "4B",
            "5A",
            "5D",
            "6",
            "7",
            "8A",
            "8B",
        )
    ],
    Case(
        "annex_iii_5b_is_high_risk_and_needs_a_fria",
        {**DEPLOYER, "ANNEX_III_5B": True},
        "high_risk",
        basis=("ANNEX_III_5B",),
        obligations={"ART4", "ART26", "FRIA_ART27"},
        fria=True,
    ),
    Case(
        "annex_iii_5c_is_high_risk_and_needs_a_fria",
        {**DEPLOYER, "ANNEX_III_5C": True},
        "high_risk",
        basis=("ANNEX_III_5C",),
        obligations={"ART4", "ART26", "FRIA_ART27"},
        fria=True,
    ),
    Case(
        "annex_iii_1a_carve_out_biometric_verification",
        {**DEPLOYER, "ANNEX_III_1A": True, "ANNEX_III_1A_EXC": True},
        "minimal",
        basis=(),
        obligations={"ART4"},
    ),
    Case(
        "annex_iii_5b_carve_out_fraud_detection",
        {**DEPLOYER, "ANNEX_III_5B": True, "ANNEX_III_5B_EXC": True},
        "minimal",
        basis=(),
        fria=False,
    ),
    Case(
        "annex_iii_provider_gets_the_provider_duties",
        {**PROVIDER, "ANNEX_III_4A": True},
        "high_risk",
        obligations=PROVIDER_HR_ANNEX_III | {"ART4"},
    ),
    Case(
        "annex_iii_2_provider_registers_nationally_not_in_the_eu_database",
        {**PROVIDER, "ANNEX_III_2": True},
        "high_risk",
        obligations=PROVIDER_HR_ANNEX_I | {"ART4"},
    ),
    Case(
        "annex_iii_applies_from_2_december_2027",
        {**DEPLOYER, "ANNEX_III_4A": True},
        "high_risk",
        applies_today={"ART26": True, "ART4": True},
        today=dt.date(2027, 12, 2),
    ),
    Case(
        "annex_iii_not_yet_on_1_december_2027",
        {**DEPLOYER, "ANNEX_III_4A": True},
        "high_risk",
        applies_today={"ART26": False, "ART4": True},
        today=dt.date(2027, 12, 1),
    ),
    Case(
        "annex_i_and_annex_iii_take_the_earlier_annex_iii_date",
        {**PROVIDER, "ANNEX_I_A": True, "THIRD_PARTY_CA": True, "ANNEX_III_5D": True},
        "high_risk",
        applies_today={"ART9": True},
        today=dt.date(2027, 12, 2),
    ),
    # Art. 6(3) for a provider: each condition relieves, profiling never does
    *[
        Case(
            f"art6_3_{c.lower()}_relieves_a_provider",
            {**PROVIDER, "ANNEX_III_4A": True, f"ART6_3_{c}": True},
            "minimal",
            basis=("ANNEX_III_4A", f"ART6_3_{c}"),
            obligations={"ART4", "ART6_4", "ART49_2"},
        )
        for c in ("A", "B", "C", "D")
    ],
    Case(
        "art6_3_profiling_keeps_a_provider_high_risk",
        {**PROVIDER, "ANNEX_III_4A": True, "ART6_3_A": True, "ART6_3_PROFILING": True},
        "high_risk",
        basis=("ANNEX_III_4A", "ART6_3_PROFILING"),
        obligations=PROVIDER_HR_ANNEX_III | {"ART4"},
    ),
    Case(
        "art6_3_relieved_provider_with_transparency_is_limited",
        {**PROVIDER, "ANNEX_III_4A": True, "ART6_3_D": True, "ART50_1": True},
        "limited",
        obligations={"ART4", "ART6_4", "ART49_2", "ART50_1"},
    ),
    # Art. 6(3) for a deployer (DIGEST §11.2)
    *[
        Case(
            f"art6_3_{c.lower()}_does_not_relieve_a_deployer_on_its_own_answers",
            {**VENDOR_DEPLOYER, "ANNEX_III_4A": True, f"ART6_3_{c}": True},
            "high_risk",
            basis=("ANNEX_III_4A",),
            obligations={"ART4", "ART26"},
        )
        for c in ("A", "B", "C", "D")
    ],
    Case(
        "art6_4_provider_doc_relieves_a_deployer",
        {**VENDOR_DEPLOYER, "ANNEX_III_4A": True, "ART6_3_A": True, "ART6_4_PROVIDER_DOC": True},
        "minimal",
        basis=("ANNEX_III_4A", "ART6_3_A", "ART6_4_PROVIDER_DOC"),
        obligations={"ART4", "KEEP_PROVIDER_RECORD"},
    ),
    Case(
        "art6_4_provider_doc_needs_a_supplier",
        {**DEPLOYER, "ANNEX_III_4A": True, "ART6_3_A": True, "ART6_4_PROVIDER_DOC": True},
        "high_risk",
        basis=("ANNEX_III_4A",),
    ),
    Case(
        "art6_4_provider_doc_needs_a_6_3_condition",
        {**VENDOR_DEPLOYER, "ANNEX_III_4A": True, "ART6_4_PROVIDER_DOC": True},
        "high_risk",
    ),
    Case(
        "art6_3_profiling_overrides_the_provider_doc",
        {
            **VENDOR_DEPLOYER,
            "ANNEX_III_4B": True,
            "ART6_3_C": True,
            "ART6_4_PROVIDER_DOC": True,
            "ART6_3_PROFILING": True,
        },
        "high_risk",
        basis=("ANNEX_III_4B", "ART6_3_PROFILING"),
    ),
    # Art. 25(1): a deployer becomes provider
    Case(
        "art25_1_a_own_brand_on_high_risk_makes_you_provider",
        {**VENDOR_DEPLOYER, "ART25_1_A": True, "ANNEX_III_5D": True},
        "high_risk",
        basis=("ART25_1_A", "ANNEX_III_5D"),
        obligations=PROVIDER_HR_ANNEX_III | {"ART4", "ART26"},
    ),
    Case(
        "art25_1_b_substantial_modification_makes_you_provider",
        {**VENDOR_DEPLOYER, "ART25_1_B": True, "ANNEX_III_3B": True},
        "high_risk",
        basis=("ART25_1_B", "ANNEX_III_3B"),
        obligations=PROVIDER_HR_ANNEX_III | {"ART4", "ART26"},
    ),
    Case(
        "art25_1_c_general_tool_for_hiring_makes_you_provider",
        {**VENDOR_DEPLOYER, "GPAI_BASED": True, "ART25_1_C": True, "ANNEX_III_4A": True},
        "high_risk",
        basis=("ART25_1_C", "ANNEX_III_4A"),
        obligations=PROVIDER_HR_ANNEX_III | {"ART4", "ART26"},
        gpai="based",
    ),
    Case(
        "art25_1_c_provider_may_then_rely_on_art6_3",
        {**VENDOR_DEPLOYER, "ART25_1_C": True, "ANNEX_III_4A": True, "ART6_3_A": True},
        "minimal",
        obligations={"ART4", "ART6_4", "ART49_2"},
    ),
    # Step 8 — Art. 50, with owners
    Case(
        "art50_1_provider_tells_people_they_talk_to_ai",
        {**PROVIDER, "ART50_1": True},
        "limited",
        basis=("ART50_1",),
        obligations={"ART4", "ART50_1"},
        transparency={("ART50_1", "provider")},
    ),
    Case(
        "art50_1_deployer_checks_the_suppliers_disclosure",
        {**VENDOR_DEPLOYER, "ART50_1": True},
        "limited",
        basis=("ART50_1",),
        obligations={"ART4", "CHECK_VENDOR_DISCLOSURE"},
        transparency={("ART50_1", "provider")},
    ),
    Case(
        "art50_2_provider_marks_generated_content",
        {**PROVIDER, "ART50_2": True},
        "limited",
        obligations={"ART4", "ART50_2"},
        transparency={("ART50_2", "provider")},
    ),
    Case(
        "art50_2_deployer_checks_the_suppliers_marking",
        {**DEPLOYER, "ART50_2": True},
        "limited",
        obligations={"ART4", "CHECK_VENDOR_DISCLOSURE"},
        transparency={("ART50_2", "provider")},
    ),
    Case(
        "art50_3_deployer_tells_people_about_emotion_recognition",
        {**DEPLOYER, "ART50_3": True},
        "limited",
        obligations={"ART4", "ART50_3"},
        transparency={("ART50_3", "deployer")},
    ),
    Case(
        "art50_4_deployer_discloses_deep_fakes",
        {**DEPLOYER, "ART50_4_DEEPFAKE": True},
        "limited",
        obligations={"ART4", "ART50_4_DEEPFAKE"},
        transparency={("ART50_4_DEEPFAKE", "deployer")},
    ),
    Case(
        "art50_4_deployer_discloses_public_interest_text",
        {**DEPLOYER, "ART50_4_TEXT": True},
        "limited",
        obligations={"ART4", "ART50_4_TEXT"},
        transparency={("ART50_4_TEXT", "deployer")},
    ),
    Case(
        "art50_provider_and_deployer_duties_stack",
        {**BOTH, "ART50_1": True, "ART50_2": True, "ART50_4_TEXT": True},
        "limited",
        obligations={"ART4", "ART50_1", "ART50_2", "ART50_4_TEXT"},
        transparency={("ART50_1", "provider"), ("ART50_2", "provider"), ("ART50_4_TEXT", "deployer")},
    ),
    Case(
        "art50_stacks_on_high_risk",
        {**DEPLOYER, "ANNEX_III_1C": True, "ART50_3": True},
        "high_risk",
        obligations={"ART4", "ART26", "ART50_3"},
        transparency={("ART50_3", "deployer")},
    ),
    Case(
        "art50_applies_from_2_august_2026",
        {**DEPLOYER, "ART50_3": True},
        "limited",
        applies_today={"ART50_3": True},
        today=dt.date(2026, 8, 2),
    ),
    Case(
        "art50_not_yet_on_1_august_2026",
        {**DEPLOYER, "ART50_3": True},
        "limited",
        applies_today={"ART50_3": False, "ART4": True},
        today=dt.date(2026, 8, 1),
    ),
    Case(
        "art2_12_open_source_minimal_is_out_of_scope",
        {**PROVIDER, "ART2_12_FOSS": True},
        "out_of_scope",
        basis=("ART2_12_FOSS",),
        obligations=set(),
    ),
    Case(
        "art2_12_open_source_with_transparency_stays_in_scope",
        {**PROVIDER, "ART2_12_FOSS": True, "ART50_2": True},
        "limited",
        obligations={"ART4", "ART50_2"},
    ),
    Case(
        "art2_12_open_source_high_risk_stays_in_scope",
        {**PROVIDER, "ART2_12_FOSS": True, "ANNEX_III_3A": True},
        "high_risk",
    ),
    # Step 9 — GPAI
    Case(
        "gpai_based_is_information_only",
        {**DEPLOYER, "GPAI_BASED": True},
        "minimal",
        obligations={"ART4"},
        gpai="based",
    ),
    Case(
        "gpai_model_provider_owes_art53_54",
        {**PROVIDER, "GPAI_MODEL_PROVIDER": True},
        "minimal",
        obligations={"ART4", "ART53", "ART54"},
        gpai="model_provider",
        applies_today={"ART53": True},
    ),
    Case(
        "gpai_systemic_owes_art52_55_too",
        {**PROVIDER, "GPAI_MODEL_PROVIDER": True, "GPAI_SYSTEMIC": True},
        "minimal",
        obligations={"ART4", "ART53", "ART54", "ART52", "ART55"},
        gpai="systemic",
    ),
    Case(
        "gpai_systemic_needs_a_model_provider",
        {**PROVIDER, "GPAI_SYSTEMIC": True},
        "minimal",
        obligations={"ART4"},
        gpai="none",
    ),
    Case(
        "gpai_duties_before_2_august_2025_not_yet",
        {**PROVIDER, "GPAI_MODEL_PROVIDER": True},
        "minimal",
        applies_today={"ART53": False, "ART4": True},
        today=dt.date(2025, 8, 1),
    ),
    # Step 10 — FRIA (Art. 27)
    Case(
        "fria_for_a_public_body",
        {**DEPLOYER, "ANNEX_III_4A": True, "PUBLIC_BODY": True},
        "high_risk",
        fria=True,
        obligations={"ART4", "ART26", "FRIA_ART27", "ART49_3"},
    ),
    Case(
        "fria_for_a_private_entity_providing_a_public_service",
        {**DEPLOYER, "ANNEX_III_5D": True, "PUBLIC_SERVICE": True},
        "high_risk",
        fria=True,
        obligations={"ART4", "ART26", "FRIA_ART27"},
    ),
    Case("fria_not_for_a_private_employer", {**DEPLOYER, "ANNEX_III_4A": True}, "high_risk", fria=False),
    Case(
        "fria_never_for_annex_iii_point_2",
        {**DEPLOYER, "ANNEX_III_2": True, "PUBLIC_BODY": True, "DECISIONS_ABOUT_PEOPLE": True},
        "high_risk",
        fria=False,
        obligations={"ART4", "ART26", "ART26_11"},
    ),
    Case(
        "fria_never_for_annex_i_alone",
        {**DEPLOYER, "ANNEX_I_A": True, "THIRD_PARTY_CA": True, "PUBLIC_BODY": True},
        "high_risk",
        fria=False,
        obligations={"ART4", "ART26"},
    ),
    Case("fria_not_for_a_provider_only", {**PROVIDER, "ANNEX_III_5B": True}, "high_risk", fria=False),
    Case(
        "fria_not_when_art6_3_relieves",
        {**BOTH, "ANNEX_III_5B": True, "ART6_3_A": True},
        "minimal",
        fria=False,
    ),
    # Step 10 — derived deployer duties
    Case(
        "art26_11_and_art86_when_it_decides_about_people",
        {**DEPLOYER, "ANNEX_III_4B": True, "DECISIONS_ABOUT_PEOPLE": True},
        "high_risk",
        obligations={"ART4", "ART26", "ART26_11", "ART86"},
    ),
    Case(
        "art26_7_when_used_on_own_staff",
        {**DEPLOYER, "ANNEX_III_4B": True, "OWN_WORKPLACE": True},
        "high_risk",
        obligations={"ART4", "ART26", "ART26_7"},
    ),
    Case(
        "art49_3_when_acting_on_behalf_of_a_public_authority",
        {**DEPLOYER, "ANNEX_III_5A": True, "ON_BEHALF_OF_PUBLIC_AUTHORITY": True},
        "high_risk",
        fria=False,
        obligations={"ART4", "ART26", "ART49_3"},
    ),
    Case(
        "art49_3_not_when_art6_3_relieves",
        {
            **VENDOR_DEPLOYER,
            "ANNEX_III_5A": True,
            "ART6_3_D": True,
            "ART6_4_PROVIDER_DOC": True,
            "PUBLIC_BODY": True,
        },
        "minimal",
        obligations={"ART4", "KEEP_PROVIDER_RECORD"},
    ),
    # Added after review: the remaining combinations the issue names.
    *[
        Case(
            f"art6_4_provider_doc_relieves_a_deployer_for_6_3_{c.lower()}",
            {**VENDOR_DEPLOYER, "ANNEX_III_5A": True, f"ART6_3_{c}": True, "ART6_4_PROVIDER_DOC": True},
            "minimal",
            basis=("ANNEX_III_5A", f"ART6_3_{c}", "ART6_4_PROVIDER_DOC"),
            obligations={"ART4", "KEEP_PROVIDER_RECORD"},
        )
        for c in ("B", "C", "D")
    ],
    Case(
        "art6_3_profiling_alone_keeps_a_provider_high_risk",
        {**PROVIDER, "ANNEX_III_5D": True, "ART6_3_PROFILING": True},
        "high_risk",
        basis=("ANNEX_III_5D", "ART6_3_PROFILING"),
    ),
    Case(
        "art6_4_registration_applies_with_annex_iii",
        {**PROVIDER, "ANNEX_III_4A": True, "ART6_3_B": True},
        "minimal",
        applies_today={"ART49_2": False, "ART6_4": False},
    ),
    Case(
        "art50_3_and_4_are_owed_by_a_provider_that_uses_it_too",
        {**BOTH, "ART50_3": True, "ART50_4_DEEPFAKE": True},
        "limited",
        obligations={"ART4", "ART50_3", "ART50_4_DEEPFAKE"},
        transparency={("ART50_3", "deployer"), ("ART50_4_DEEPFAKE", "deployer")},
    ),
    Case(
        "art2_10_private_use_by_a_provider_leaves_only_provider_duties",
        {**BOTH, "ART2_10_PERSONAL": True, "ANNEX_III_4A": True, "OWN_WORKPLACE": True, "ART50_3": True},
        "high_risk",
        obligations=PROVIDER_HR_ANNEX_III | {"ART4"},
        transparency=set(),
    ),
    Case(
        "art2_12_open_source_model_keeps_its_model_duties",
        {**PROVIDER, "ART2_12_FOSS": True, "GPAI_MODEL_PROVIDER": True},
        "out_of_scope",
        obligations={"ART53", "ART54"},
        gpai="model_provider",
    ),
    Case(
        "art2_12_open_source_systemic_model_keeps_every_model_duty",
        {**PROVIDER, "ART2_12_FOSS": True, "GPAI_MODEL_PROVIDER": True, "GPAI_SYSTEMIC": True},
        "out_of_scope",
        obligations={"ART53", "ART54", "ART52", "ART55"},
        gpai="systemic",
    ),
    Case(
        "unknown_gpai_based_is_information_only",
        {**DEPLOYER, "GPAI_BASED": "unknown"},
        "minimal",
        open_questions=(),
    ),
    # Unknown answers (DIGEST §11.1)
    Case(
        "unknown_annex_iii_point_is_an_open_question",
        {**DEPLOYER, "ANNEX_III_4A": U},
        "minimal",
        open_questions=("ANNEX_III_4A",),
    ),
    Case(
        "unknown_exception_keeps_the_prohibition_provisional",
        {**DEPLOYER, "ART5_1_F": True, "ART5_1_F_EXC": U},
        "prohibited",
        open_questions=("ART5_1_F_EXC",),
    ),
    Case(
        "unknown_that_cannot_matter_is_not_open",
        {**DEPLOYER, "ART5_1_F_EXC": U, "ART5_1_C": True},
        "prohibited",
        open_questions=(),
    ),
    Case(
        "unknowns_that_matter_only_together_are_both_open",
        {**VENDOR_DEPLOYER, "ANNEX_III_4A": True, "ART6_3_A": U, "ART6_4_PROVIDER_DOC": U},
        "high_risk",
        open_questions=("ART6_3_A", "ART6_4_PROVIDER_DOC"),
    ),
    Case(
        "unknown_ai_system_is_open",
        {"AI_SYSTEM": U, "ROLE_DEPLOYER": True, "ANNEX_III_5B": True},
        "out_of_scope",
        open_questions=("AI_SYSTEM",),
    ),
    Case(
        "unknown_public_body_is_open_for_the_fria",
        {**DEPLOYER, "ANNEX_III_4A": True, "PUBLIC_BODY": U},
        "high_risk",
        fria=False,
        open_questions=("PUBLIC_BODY",),
    ),
    Case(
        "unknown_public_service_cannot_matter_when_5b_already_needs_a_fria",
        {**DEPLOYER, "ANNEX_III_5B": True, "PUBLIC_SERVICE": U},
        "high_risk",
        fria=True,
        open_questions=(),
    ),
]
