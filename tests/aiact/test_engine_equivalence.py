"""The engine's speed-ups change no result; no database.

`classify` finds open questions by running the steps once per path through them (and remembers
recent searches), reuses citations and obligations, and caches what it derives from a ruleset.
Two checks that none of this changes a `Classification`:
- the search against the plain one it replaced, kept here: the steps for every combination of
  the unknown answers (hypothesis, and a fixed corpus of questionnaire walks);
- a digest of every result over that corpus, computed with the engine before the speed-ups
  (commit f0b5262). A deliberate change to the rules or their wording changes it too: check the
  differences are the intended ones, then record the new digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Mapping
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from register.aiact import UNKNOWN, Classification, classify, load_ruleset, next_questions, wording
from register.aiact.engine import MAX_EXPLORED_UNKNOWNS
from register.aiact.result import ExplanationLine
from register.aiact.ruleset import Ruleset
from register.aiact.steps import Trace, decide

RULESET = load_ruleset()
CODES = RULESET.codes
DAYS = (dt.date(2025, 1, 1), dt.date(2026, 11, 27), dt.date(2026, 12, 2), dt.date(2028, 6, 1))
CORPUS_DIGEST = "8c0a4d7a021cd32878b10dd4a65227baddcf4156d255b3e0fb12cde04aa8d263"


def reference_classify(answers: Mapping[str, object], *, today: dt.date, ruleset: Ruleset) -> Classification:
    """`classify` as it was: the full steps for each of the 2**k combinations of k unknowns."""

    def run(facts: dict[str, bool]) -> Classification:
        return decide(facts, Trace(ruleset=ruleset, today=today))

    facts = {code: answers.get(code) is True for code in ruleset.codes}
    unknown = [code for code in ruleset.codes if answers.get(code) == UNKNOWN]
    result = run(facts)
    if not unknown:
        return result
    if len(unknown) > MAX_EXPLORED_UNKNOWNS:
        open_questions = tuple(unknown)
    else:
        outcomes = {
            mask: run({**facts, **{code: bool(mask >> i & 1) for i, code in enumerate(unknown)}}).outcome()
            for mask in range(2 ** len(unknown))
        }
        open_questions = tuple(
            code
            for i, code in enumerate(unknown)
            if any(outcomes[m] != outcomes[m | 1 << i] for m in outcomes if not m >> i & 1)
        )
    if not open_questions:
        return result
    line = ExplanationLine(nl=wording.UNKNOWN_ANSWERS.nl, en=wording.UNKNOWN_ANSWERS.en, codes=open_questions)
    return replace(
        result, complete=False, open_questions=open_questions, explanation=(*result.explanation, line)
    )


def walked(rng: random.Random, unknown_rate: float) -> dict[str, object]:
    """Answers as a person gives them: only the questions asked, now and then "unknown"."""
    answers: dict[str, object] = {}
    yes = rng.uniform(0.1, 0.6)
    while questions := next_questions(answers, RULESET):
        for question in questions:
            roll = rng.random()
            answers[question.code] = UNKNOWN if roll < unknown_rate else roll < yes
    return answers


def scattered(rng: random.Random) -> dict[str, object]:
    """Any codes, any values: including answers the questionnaire would not ask for."""
    chosen = rng.sample(CODES, rng.randint(0, 30))
    answers: dict[str, object] = {code: rng.choice((True, False, True, UNKNOWN)) for code in chosen}
    answers.setdefault("AI_SYSTEM", rng.random() < 0.85)
    return answers


def corpus() -> list[dict[str, object]]:
    rng = random.Random(20261127)  # noqa: S311 (test data, not secrets)
    sets = [walked(rng, rng.choice((0.0, 0.03, 0.1, 0.2))) for _ in range(160)]
    sets += [scattered(rng) for _ in range(160)]
    # More unknowns than Koers explores: each is open.
    sets += [{**dict.fromkeys(rng.sample(CODES, MAX_EXPLORED_UNKNOWNS + 1), UNKNOWN), "AI_SYSTEM": True}]
    return sets


def corpus_digest() -> str:
    digest = hashlib.sha256()
    for answers in corpus():
        for today in DAYS:
            digest.update(repr(classify(answers, today=today)).encode())
    return digest.hexdigest()


def test_it_classifies_the_corpus_as_the_plain_search_does() -> None:
    sets = corpus()
    assert sum(1 for answers in sets if UNKNOWN in answers.values()) > 150
    assert any(len(classify(answers, today=DAYS[1]).open_questions) >= 4 for answers in sets)
    for answers in sets:
        for today in DAYS:
            assert classify(answers, today=today) == reference_classify(answers, today=today, ruleset=RULESET)


def test_it_classifies_the_corpus_as_the_engine_before_the_speed_ups() -> None:
    assert corpus_digest() == CORPUS_DIGEST


def test_it_keeps_rulesets_apart_in_its_caches() -> None:
    answers = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4A": True, "ART5_1_BA": UNKNOWN}
    original = replace(RULESET, dates_in_force="original")
    for ruleset in (RULESET, original, RULESET):
        for today in DAYS:
            expected = reference_classify(answers, today=today, ruleset=ruleset)
            assert classify(answers, today=today, ruleset=ruleset) == expected


answer_values = st.sampled_from((True, False, UNKNOWN))


@settings(max_examples=300, deadline=None)
@given(
    answers=st.dictionaries(st.sampled_from(CODES), answer_values, max_size=25),
    ai=st.sampled_from((True, True, True, False, UNKNOWN)),
    today=st.sampled_from(DAYS),
)
def test_it_finds_the_open_questions_the_plain_search_finds(
    answers: dict[str, object], ai: object, today: dt.date
) -> None:
    answers = {"AI_SYSTEM": ai, **answers}
    assert classify(answers, today=today) == reference_classify(answers, today=today, ruleset=RULESET)
