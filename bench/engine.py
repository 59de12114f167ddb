"""Engine throughput: `python -m bench.engine SECONDS`.

Builds 50 different answer sets by walking the questionnaire as a person would (only the
questions `next_questions` asks, each answered yes, no or, now and then, "unknown"), checks each
with `answer_problems`, then classifies them round-robin for at least SECONDS of work. The
ruleset is loaded once up front, as it is cached in a running process."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from typing import Any

from bench.common import emit, setup_django

ANSWER_SETS = 50
# Most registered systems are AI systems, few are excluded and fewer prohibited; other questions
# get a "yes" rate drawn per answer set, so the sets spread over the tiers.
RARE = {"scope": 0.9, "exclusions": 0.04, "prohibited": 0.03}


def answer_sets(count: int, seed: int = 1) -> list[dict[str, object]]:
    from register.aiact import UNKNOWN, answer_problems, load_ruleset, next_questions

    ruleset = load_ruleset()
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    sets: list[dict[str, object]] = []
    seen: set[tuple[tuple[str, object], ...]] = set()
    while len(sets) < count:
        answers: dict[str, object] = {}
        yes = rng.uniform(0.1, 0.5)
        while questions := next_questions(answers, ruleset):
            for question in questions:
                roll = rng.random()
                answers[question.code] = UNKNOWN if roll < 0.03 else roll < RARE.get(question.step, yes)
            # A carve-out without its point is not a valid answer set: answer it no.
            for code, value in list(answers.items()):
                if (
                    code.endswith("_EXC")
                    and value is True
                    and answers.get(code.removesuffix("_EXC")) is not True
                ):
                    answers[code] = False
        key = tuple(sorted(answers.items()))
        if key in seen or answer_problems(answers, ruleset):
            continue
        seen.add(key)
        sets.append(answers)
    return sets


def _rate(sets: list[dict[str, object]], seconds: float) -> dict[str, Any]:
    from register.aiact import classify

    today = dt.date(2026, 11, 27)
    for answers in sets:  # warm: the ruleset's cache, imports
        classify(answers, today=today)
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for answers in sets:
            classify(answers, today=today)
        done += len(sets)
    return {"classifications": done, "seconds": elapsed, "per_second": done / elapsed}


def main(argv: list[str]) -> None:
    setup_django()
    from register.aiact import UNKNOWN, classify

    seconds = float(argv[0]) if argv else 2.0
    sets = answer_sets(ANSWER_SETS)
    tiers: dict[str, int] = {}
    for answers in sets:
        tier = str(classify(answers, today=dt.date(2026, 11, 27)).risk_tier)
        tiers[tier] = tiers.get(tier, 0) + 1
    # The same sets with every "unknown" answered no: "unknown" costs 2**k runs of the steps.
    answered: list[dict[str, object]] = [
        {code: value is True for code, value in answers.items()} for answers in sets
    ]
    emit(
        {
            "answer_sets": len(sets),
            "tiers_of_the_sets": tiers,
            "unknown_answers_per_set": sorted(sum(v == UNKNOWN for v in a.values()) for a in sets),
            **_rate(sets, seconds),
            "all_answered": _rate(answered, seconds / 2),
        }
    )


if __name__ == "__main__":
    main(sys.argv[1:])
