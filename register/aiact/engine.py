"""`classify(answers, *, today)`: the decision steps plus Koers's rule for "unknown" answers
(DIGEST §11.1): the provisional result treats them as false; an unknown answer that could
change the tier, a duty, the FRIA or the transparency duties is an open question, and any open
question makes the result incomplete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from register.aiact import wording
from register.aiact.result import UNKNOWN, Classification, ExplanationLine
from register.aiact.ruleset import Ruleset, load_ruleset
from register.aiact.steps import Trace, decide

# Past this many unknown answers Koers stops trying every combination and treats each as open:
# 2**10 runs of the steps is still instant; more would be guessing at scale.
MAX_EXPLORED_UNKNOWNS = 10


def _decide(facts: dict[str, bool], today: dt.date, ruleset: Ruleset) -> Classification:
    return decide(facts, Trace(ruleset=ruleset, today=today))


def _open_questions(
    facts: dict[str, bool], unknown: list[str], today: dt.date, ruleset: Ruleset
) -> list[str]:
    """Unknown codes whose answer matters for some combination of the other unknown answers."""
    if len(unknown) > MAX_EXPLORED_UNKNOWNS:
        return unknown
    outcomes: dict[int, tuple[object, ...]] = {}
    for mask in range(2 ** len(unknown)):
        trial = {**facts, **{code: bool(mask >> i & 1) for i, code in enumerate(unknown)}}
        outcomes[mask] = _decide(trial, today, ruleset).outcome()
    return [
        code
        for i, code in enumerate(unknown)
        if any(outcomes[m] != outcomes[m | 1 << i] for m in outcomes if not m >> i & 1)
    ]


def classify(
    answers: Mapping[str, object], *, today: dt.date, ruleset: Ruleset | None = None
) -> Classification:
    """Answers map codes to True, False or "unknown"; an absent code means False."""
    ruleset = ruleset or load_ruleset()
    facts = {code: answers.get(code) is True for code in ruleset.codes}
    unknown = [code for code in ruleset.codes if answers.get(code) == UNKNOWN]
    result = _decide(facts, today, ruleset)
    open_questions = tuple(_open_questions(facts, unknown, today, ruleset)) if unknown else ()
    if not open_questions:
        return result
    line = ExplanationLine(nl=wording.UNKNOWN_ANSWERS.nl, en=wording.UNKNOWN_ANSWERS.en, codes=open_questions)
    return replace(
        result, complete=False, open_questions=open_questions, explanation=(*result.explanation, line)
    )
