"""`classify(answers, *, today)`: the decision steps plus Koers's rule for "unknown" answers
(DIGEST §11.1): the provisional result treats them as false; an unknown answer that could
change the tier, a duty, the FRIA or the transparency duties is an open question, and any open
question makes the result incomplete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import lru_cache

from register.aiact import wording
from register.aiact.result import UNKNOWN, Classification, ExplanationLine
from register.aiact.ruleset import Ruleset, load_ruleset
from register.aiact.steps import Trace, decide

# Past this many unknown answers Koers stops trying every combination and treats each as open:
# 2**10 runs of the steps is still instant; more would be guessing at scale.
MAX_EXPLORED_UNKNOWNS = 10


def _decide(facts: Mapping[str, bool], today: dt.date, ruleset: Ruleset) -> Classification:
    return decide(facts, Trace(ruleset=ruleset, today=today))


class _Watched(dict[str, bool]):
    """Facts in which the unknown answers not yet settled read as false, noting each one read.

    The steps are a pure function of the facts they read, so one run with these facts decides
    every combination that agrees on the answers it read; the answers it never read cannot
    change its outcome there."""

    def __init__(self, settled: Mapping[str, bool], unsettled: frozenset[str]) -> None:
        super().__init__(settled)
        self.unsettled = unsettled
        self.read: list[str] = []  # unsettled codes, in the order the steps first read them

    def __missing__(self, code: str) -> bool:
        if code not in self.unsettled:
            raise KeyError(code)
        if code not in self.read:
            self.read.append(code)
        return False

    def __contains__(self, code: object) -> bool:
        return super().__contains__(code) or code in self.unsettled

    def get(self, code: str, default: bool | None = None) -> bool | None:  # type: ignore[override]
        try:
            return self[code]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:  # every code, so that a copy reads them all
        yield from super().__iter__()
        yield from sorted(self.unsettled - super().keys())

    def keys(self) -> list[str]:  # type: ignore[override]
        return list(self)


def _outcomes(
    facts: dict[str, bool], unknown: list[str], today: dt.date, ruleset: Ruleset
) -> dict[int, tuple[object, ...]]:
    """The outcome for every combination of the unknown answers (bit i of the key: unknown[i]),
    running the steps once per distinct path through them rather than once per combination."""
    bit = {code: 1 << i for i, code in enumerate(unknown)}
    known = {code: value for code, value in facts.items() if code not in bit}
    outcomes: dict[int, tuple[object, ...]] = {}
    pending: list[dict[str, bool]] = [{}]  # the unknown answers settled for a run
    while pending:
        settled = pending.pop()
        watched = _Watched({**known, **settled}, frozenset(bit.keys() - settled.keys()))
        outcome = _decide(watched, today, ruleset).outcome()
        # This run holds wherever the settled answers hold and every code it read is false...
        fixed = {**settled, **dict.fromkeys(watched.read, False)}
        value = sum(bit[code] for code, on in fixed.items() if on)
        free = sum(bit.values()) - sum(bit[code] for code in fixed)
        combination = free
        while True:
            outcomes[value | combination] = outcome
            if not combination:
                break
            combination = (combination - 1) & free
        # ...and the rest splits by the first code read that is true instead.
        for i, code in enumerate(watched.read):
            pending.append({**settled, **dict.fromkeys(watched.read[:i], False), code: True})
    return outcomes


# The search is exponential in the unknown answers and pure, and registers hold many use-cases
# answered alike (and reclassify them all on one day): remember recent searches.
@lru_cache(maxsize=4096)
def _open_questions(
    true_codes: frozenset[str], unknown: tuple[str, ...], today: dt.date, ruleset: Ruleset
) -> tuple[str, ...]:
    """Unknown codes whose answer matters for some combination of the other unknown answers."""
    if len(unknown) > MAX_EXPLORED_UNKNOWNS:
        return unknown
    facts = {**ruleset.all_false, **dict.fromkeys(true_codes, True)}
    outcomes = _outcomes(facts, list(unknown), today, ruleset)
    return tuple(
        code
        for i, code in enumerate(unknown)
        if any(outcomes[m] != outcomes[m | 1 << i] for m in outcomes if not m >> i & 1)
    )


def classify(
    answers: Mapping[str, object], *, today: dt.date, ruleset: Ruleset | None = None
) -> Classification:
    """Answers map codes to True, False or "unknown"; an absent code means False."""
    ruleset = ruleset or load_ruleset()
    facts = ruleset.all_false.copy()
    true_codes: list[str] = []
    unknown: list[str] = []
    for code, value in answers.items():
        if code in facts:
            if value is True:
                true_codes.append(code)
            elif value == UNKNOWN:
                unknown.append(code)
    facts.update(dict.fromkeys(true_codes, True))
    result = _decide(facts, today, ruleset)
    if not unknown:
        return result
    in_order = tuple(sorted(unknown, key=ruleset.position.__getitem__))
    open_questions = _open_questions(frozenset(true_codes), in_order, today, ruleset)
    if not open_questions:
        return result
    line = ExplanationLine(nl=wording.UNKNOWN_ANSWERS.nl, en=wording.UNKNOWN_ANSWERS.en, codes=open_questions)
    return replace(
        result, complete=False, open_questions=open_questions, explanation=(*result.explanation, line)
    )
