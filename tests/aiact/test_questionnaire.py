"""The questionnaire tree: what still needs asking, given the answers so far."""

from __future__ import annotations

from collections.abc import Mapping

from register.aiact import next_questions


def _codes(answers: Mapping[str, object]) -> list[str]:
    return [q.code for q in next_questions(answers)]


def test_it_starts_with_the_questions_that_are_always_asked() -> None:
    assert _codes({}) == ["AI_SYSTEM", "GPAI_MODEL_PROVIDER"]


def test_it_asks_nothing_more_about_a_system_that_is_not_ai() -> None:
    assert _codes({"AI_SYSTEM": False}) == ["GPAI_MODEL_PROVIDER"]
    assert _codes({"AI_SYSTEM": False, "GPAI_MODEL_PROVIDER": True}) == ["GPAI_SYSTEMIC"]


def test_it_asks_a_carve_out_only_when_its_point_applies_or_might() -> None:
    base = {"AI_SYSTEM": True}
    assert "ANNEX_III_5B_EXC" not in _codes(base)
    assert "ANNEX_III_5B_EXC" not in _codes({**base, "ANNEX_III_5B": False})
    assert "ANNEX_III_5B_EXC" in _codes({**base, "ANNEX_III_5B": True})
    assert "ANNEX_III_5B_EXC" in _codes({**base, "ANNEX_III_5B": "unknown"})
    assert "ART5_1_F_EXC" in _codes({**base, "ART5_1_F": True})


def test_it_asks_the_art6_3_questions_only_for_an_annex_iii_point() -> None:
    art6_3 = {"ART6_3_PROFILING", "ART6_3_A", "ART6_3_B", "ART6_3_C", "ART6_3_D"}
    assert art6_3.isdisjoint(_codes({"AI_SYSTEM": True, "ANNEX_I_A": True}))
    assert art6_3 <= set(_codes({"AI_SYSTEM": True, "ANNEX_III_4A": True}))


def test_it_asks_the_own_name_and_role_change_questions_for_a_supplied_system() -> None:
    codes = _codes({"AI_SYSTEM": True, "VENDOR_SUPPLIED": True})
    assert {"ROLE_PROVIDER", "ART25_1_A", "ART25_1_B", "ART25_1_C"} <= set(codes)
    assert "ART25_1_A" not in _codes({"AI_SYSTEM": True, "VENDOR_SUPPLIED": False})


def test_it_asks_for_the_suppliers_statement_only_when_it_can_matter() -> None:
    answers = {"AI_SYSTEM": True, "VENDOR_SUPPLIED": True, "ANNEX_III_4A": True}
    assert "ART6_4_PROVIDER_DOC" not in _codes(answers)
    assert "ART6_4_PROVIDER_DOC" in _codes({**answers, "ART6_3_A": True})
    assert "ART6_4_PROVIDER_DOC" not in _codes({**answers, "ART6_3_A": True, "VENDOR_SUPPLIED": False})


def test_it_never_asks_again_what_was_answered_even_with_dont_know() -> None:
    codes = _codes({"AI_SYSTEM": "unknown", "ROLE_DEPLOYER": True})
    assert "AI_SYSTEM" not in codes
    assert "ROLE_DEPLOYER" not in codes
    assert "ANNEX_III_4A" in codes  # "don't know" might be "yes": keep asking what depends on it
