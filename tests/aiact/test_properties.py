"""Properties of the engine over generated answers (hypothesis); no database."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from register.aiact import classify, load_ruleset
from register.aiact.result import TIER_ORDER
from register.aiact.steps import ART5_POINTS

CODES = load_ruleset().codes
ART5_CODES = [f"ART5_1_{p}" for p in ART5_POINTS]
days = st.dates(min_value=dt.date(2024, 8, 1), max_value=dt.date(2031, 12, 31))


@st.composite
def answer_sets(draw: st.DrawFn, max_unknown: int = 3) -> dict[str, bool | str]:
    chosen = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=14))
    answers: dict[str, bool | str] = {code: draw(st.booleans()) for code in chosen}
    for code in draw(st.lists(st.sampled_from(chosen or ["AI_SYSTEM"]), unique=True, max_size=max_unknown)):
        answers[code] = "unknown"
    # Realistic: most use-cases are AI systems someone uses.
    answers.setdefault("AI_SYSTEM", draw(st.sampled_from([True, True, True, False])))
    return answers


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets(), point=st.sampled_from(ART5_CODES), today=days)
def test_it_never_lowers_the_tier_when_a_prohibited_practice_is_added(
    answers: dict[str, bool | str], point: str, today: dt.date
) -> None:
    before = classify(answers, today=today)
    after = classify({**answers, point: True, f"{point}_EXC": False}, today=today)
    assert TIER_ORDER.index(after.risk_tier) <= TIER_ORDER.index(before.risk_tier)


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets(), today=days)
def test_it_explains_every_code_in_the_legal_basis(answers: dict[str, bool | str], today: dt.date) -> None:
    result = classify(answers, today=today)
    cited = {code for line in result.explanation for code in line.codes}
    assert set(result.legal_basis) <= cited
    assert all(line.nl and line.en for line in result.explanation)


@given(today=st.dates(min_value=dt.date(2025, 2, 2), max_value=dt.date(2031, 12, 31)))
def test_it_finds_only_ai_literacy_for_a_plain_deployer(today: dt.date) -> None:
    result = classify({"AI_SYSTEM": True, "ROLE_DEPLOYER": True}, today=today)
    assert result.risk_tier == "minimal"
    assert [(o.code, o.owner, o.applies_today) for o in result.obligations] == [("ART4", "deployer", True)]


@settings(max_examples=200, deadline=None)
@given(answers=answer_sets(max_unknown=3), code=st.sampled_from(CODES), today=days)
def test_it_never_becomes_complete_by_making_an_answer_unknown(
    answers: dict[str, bool | str], code: str, today: dt.date
) -> None:
    before = classify(answers, today=today)
    after = classify({**answers, code: "unknown"}, today=today)
    assert set(after.open_questions) >= set(before.open_questions)
    assert not (after.complete and not before.complete)
