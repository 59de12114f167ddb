"""The rule table, the coverage meta-test and the validation of answers; no database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pytest

from register.aiact import answer_problems, classify, load_ruleset
from register.aiact.validation import AnswerProblem
from tests.aiact.cases import CASES, DEPLOYER, TODAY, Case


def test_it_has_a_rule_table_of_at_least_90_cases() -> None:
    assert len(CASES) >= 90
    assert len({case.rule for case in CASES}) == len(CASES), "rule names are unique"


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_it_applies_the_rule(case: Case) -> None:
    result = classify(case.answers, today=case.today)
    assert result.risk_tier == case.tier
    assert result.open_questions == case.open_questions
    assert result.complete is (not case.open_questions)
    if case.basis is not None:
        assert result.legal_basis == case.basis
    if case.obligations is not None:
        assert {o.code for o in result.obligations} == case.obligations
    if case.fria is not None:
        assert result.fria_required is case.fria
    if case.transparency is not None:
        assert {(d.code, d.owner) for d in result.transparency} == case.transparency
    if case.gpai is not None:
        assert result.gpai == case.gpai
    applies = {o.code: o.applies_today for o in result.obligations}
    assert {code: applies.get(code) for code in case.applies_today} == case.applies_today


def _flipped(answers: Mapping[str, object], code: str) -> dict[str, object]:
    return {**answers, code: answers.get(code) is not True}


def _seen(answers: Mapping[str, object], case: Case) -> tuple[object, ...]:
    result = classify(answers, today=case.today)
    # GPAI_BASED is information only (DIGEST §9 step 9): it can change nothing but the position.
    return (*result.outcome(), result.gpai)


def test_it_exercises_every_code_in_the_ruleset() -> None:
    """Every code matters somewhere in the table: flipping it alone changes the tier, a duty, the
    FRIA, a transparency duty or (for GPAI_BASED only) the GPAI position."""
    untested = []
    for code in load_ruleset().codes:
        if not any(
            _seen(case.answers, case) != _seen(_flipped(case.answers, code), case)
            for case in CASES
            if not any(v == "unknown" for v in case.answers.values())
        ):
            untested.append(code)
    assert untested == []


def test_it_uses_the_original_dates_when_the_ruleset_says_so() -> None:
    original = replace(load_ruleset(), dates_in_force="original")
    result = classify({**DEPLOYER, "ANNEX_III_4A": True}, today=TODAY, ruleset=original)
    art26 = next(o for o in result.obligations if o.code == "ART26")
    assert (str(art26.applies_from), art26.applies_today) == ("2026-08-02", True)


def test_it_explains_in_both_languages_citing_the_article() -> None:
    result = classify(
        {**DEPLOYER, "ANNEX_III_5B": True, "ART6_3_PROFILING": True, "ART6_3_A": True}, today=TODAY
    )
    lines = [(line.nl, line.codes) for line in result.explanation]
    assert lines[:3] == [
        (
            "Voorlopige indeling op basis van uw antwoorden. Nog niet vastgesteld door de AI-commissie. "
            "Dit is geen juridisch advies.",
            (),
        ),
        (
            "Hoog risico: kredietwaardigheid van natuurlijke personen, bijlage III punt 5(b).",
            ("ANNEX_III_5B",),
        ),
        (
            "De uitzondering van art. 6 lid 3 geldt niet omdat het systeem personen profileert: bij "
            "profilering blijft het een AI-systeem met een hoog risico.",
            ("ART6_3_PROFILING",),
        ),
    ]
    assert result.explanation[1].en == "High risk: creditworthiness of natural persons, Annex III point 5(b)."


def test_it_says_when_a_cautious_reading_decided() -> None:
    result = classify(
        {**DEPLOYER, "VENDOR_SUPPLIED": True, "ANNEX_III_4A": True, "ART6_3_A": True}, today=TODAY
    )
    assert any("voorzichtige lezing" in line.nl for line in result.explanation)
    assert any("Zonder die onderbouwing geldt: hoog risico." in line.nl for line in result.explanation)


def test_it_says_which_dates_are_uncertain() -> None:
    result = classify({**DEPLOYER, "ANNEX_III_4A": True}, today=TODAY)
    assert any(
        "2 december 2027 komt uit Verordening (EU) 2026/1744" in line.nl for line in result.explanation
    )


@pytest.mark.parametrize(
    ("answers", "problems"),
    [
        ({"AI_SYSTEM": True, "RISK_LEVEL": True}, [AnswerProblem("RISK_LEVEL", "unknown_code")]),
        ({"AI_SYSTEM": "yes"}, [AnswerProblem("AI_SYSTEM", "invalid_value")]),
        ({"AI_SYSTEM": 1}, [AnswerProblem("AI_SYSTEM", "invalid_value")]),
        ({"AI_SYSTEM": None}, [AnswerProblem("AI_SYSTEM", "invalid_value")]),
        ({"ANNEX_III_5B_EXC": True}, [AnswerProblem("ANNEX_III_5B_EXC", "carve_out_without_point")]),
        (
            {"ART5_1_F": "unknown", "ART5_1_F_EXC": True},
            [AnswerProblem("ART5_1_F_EXC", "carve_out_without_point")],
        ),
        ({"ART5_1_F": True, "ART5_1_F_EXC": True, "ANNEX_III_5B_EXC": False}, []),
    ],
)
def test_it_names_each_problem_with_the_answers(
    answers: dict[str, object], problems: list[AnswerProblem]
) -> None:
    assert answer_problems(answers) == problems


def test_it_says_when_the_sources_are_unsure_about_a_duty() -> None:
    result = classify(
        {"AI_SYSTEM": True, "ROLE_PROVIDER": True, "ANNEX_III_4A": True, "ART6_3_A": True}, today=TODAY
    )
    notes = [line.nl for line in result.explanation if line.codes == ("ART49_2",)]
    assert notes == [
        "Verordening 2026/1744 stelde voor deze registratie te schrappen; volgens de bronnen blijft ze in de "
        "definitieve tekst, maar dat is niet zeker."
    ]


def test_every_question_has_a_heading_and_a_ruleset_without_one_is_refused() -> None:
    from register.aiact.ruleset import RulesetError, _check

    ruleset = load_ruleset()
    assert {q.step for q in ruleset.questions} <= set(ruleset.steps)
    assert ruleset.steps["prohibited"].nl == "Verboden AI-praktijken (art. 5)"
    without = replace(ruleset, steps={k: v for k, v in ruleset.steps.items() if k != "context"})
    with pytest.raises(RulesetError, match="PUBLIC_BODY: no heading for step context"):
        _check(without)
