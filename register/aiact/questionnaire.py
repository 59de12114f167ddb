"""The questionnaire as a tree: which questions still need asking, given the answers so far."""

from __future__ import annotations

from collections.abc import Mapping

from register.aiact.result import UNKNOWN
from register.aiact.ruleset import Question, Ruleset, load_ruleset


def _may_be_true(answers: Mapping[str, object], code: str) -> bool:
    # "Don't know" might be "yes": keep asking what depends on it.
    return answers.get(code) in (True, UNKNOWN)


def is_asked(question: Question, answers: Mapping[str, object]) -> bool:
    return all(any(_may_be_true(answers, code) for code in group) for group in question.ask_when)


def next_questions(answers: Mapping[str, object], ruleset: Ruleset | None = None) -> list[Question]:
    """The unanswered questions whose conditions hold, in the ruleset's order."""
    ruleset = ruleset or load_ruleset()
    return [q for q in ruleset.questions if q.code not in answers and is_asked(q, answers)]
