"""The EU AI Act engine: pure Python, no ORM, `today` passed in (STYLE.md §1)."""

from __future__ import annotations

from register.aiact.engine import classify
from register.aiact.questionnaire import next_questions
from register.aiact.result import UNKNOWN, Classification
from register.aiact.ruleset import load_ruleset
from register.aiact.validation import answer_problems

__all__ = ["UNKNOWN", "Classification", "answer_problems", "classify", "load_ruleset", "next_questions"]
