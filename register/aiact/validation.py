"""Checking answers before the engine sees them: the engine never guesses silently."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from register.aiact.result import UNKNOWN
from register.aiact.ruleset import Ruleset, load_ruleset


@dataclass(frozen=True)
class AnswerProblem:
    code: str
    problem: str  # "unknown_code", "invalid_value", "carve_out_without_point"


def answer_problems(answers: Mapping[str, object], ruleset: Ruleset | None = None) -> list[AnswerProblem]:
    ruleset = ruleset or load_ruleset()
    codes = set(ruleset.codes)
    problems = [AnswerProblem(code, "unknown_code") for code in answers if code not in codes]
    problems += [
        AnswerProblem(code, "invalid_value")
        for code, value in answers.items()
        if code in codes and not (value is True or value is False or value == UNKNOWN)
    ]
    problems += [
        AnswerProblem(code, "carve_out_without_point")
        for code, value in answers.items()
        if code.endswith("_EXC") and value is True and answers.get(code.removesuffix("_EXC")) is not True
    ]
    return problems
