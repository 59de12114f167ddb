"""Loading a ruleset: what the law says (codes, questions, dates, obligations) as data.

A ruleset file is validated when it loads: every code an `ask_when` names exists, every
obligation's date key exists, every carve-out (`<CODE>_EXC`) belongs to a question. A mistake in
the data stops Koers at start-up, never in front of a user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

import yaml

RULESETS = Path(__file__).resolve().parent / "rulesets"
CURRENT_VERSION = "2026.1"

Owner = Literal["provider", "deployer", "role"]


@dataclass(frozen=True)
class Text:
    nl: str
    en: str

    def in_language(self, language: str) -> str:
        return self.nl if language == "nl" else self.en


@dataclass(frozen=True)
class Question:
    code: str
    step: str
    text: Text
    help: Text
    # Asked when every group has a code answered true or "unknown"; () means always.
    ask_when: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ApplicationDate:
    key: str
    original: dt.date | None
    omnibus: dt.date | None
    article: str
    uncertain: bool


@dataclass(frozen=True)
class ObligationSpec:
    code: str
    article: str
    owner: Owner
    applies: str
    title: Text
    # Where the sources are unsure about this duty: said in the explanation whenever it is owed.
    note: Text | None = None


# Compared and hashed by identity: a ruleset is loaded once per process (`load_ruleset`), and the
# engine's caches key on it.
@dataclass(frozen=True, eq=False)
class Ruleset:
    version: str
    dates_in_force: Literal["original", "omnibus"]
    questions: tuple[Question, ...]
    dates: dict[str, ApplicationDate]
    labels: dict[str, Text]
    obligations: dict[str, ObligationSpec]
    # The heading of each question step, as the form shows it.
    steps: dict[str, Text]

    # Derived once per ruleset (it is frozen): the engine asks for these on every classification.
    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(question.code for question in self.questions)

    @cached_property
    def position(self) -> dict[str, int]:
        """Each code's place in the questionnaire."""
        return {code: i for i, code in enumerate(self.codes)}

    @cached_property
    def all_false(self) -> dict[str, bool]:
        """Every code answered false: the facts before any answer is read. Copy before changing."""
        return dict.fromkeys(self.codes, False)

    def question(self, code: str) -> Question:
        return next(q for q in self.questions if q.code == code)

    def date(self, key: str) -> dt.date | None:
        entry = self.dates[key]
        return entry.omnibus if self.dates_in_force == "omnibus" else entry.original


class RulesetError(ValueError):
    pass


def _text(raw: dict[str, Any], prefix: str = "") -> Text:
    return Text(nl=str(raw[f"{prefix}nl"]), en=str(raw[f"{prefix}en"]))


def _parse(raw: dict[str, Any]) -> Ruleset:
    questions = tuple(
        Question(
            code=q["code"],
            step=q["step"],
            text=_text(q),
            help=_text(q, "help_"),
            ask_when=tuple(tuple(group) for group in q["ask_when"]),
        )
        for q in raw["questions"]
    )
    dates = {
        key: ApplicationDate(key, d["original"], d["omnibus"], d["article"], bool(d.get("uncertain")))
        for key, d in raw["dates"].items()
    }
    obligations = {
        o["code"]: ObligationSpec(
            o["code"],
            o["article"],
            o["owner"],
            o["applies"],
            _text(o),
            _text(o, "note_") if "note_en" in o else None,
        )
        for o in raw["obligations"]
    }
    labels = {code: _text(label) for code, label in raw["labels"].items()}
    steps = {key: _text(title) for key, title in raw["steps"].items()}
    return Ruleset(str(raw["version"]), raw["dates_in_force"], questions, dates, labels, obligations, steps)


def _check(ruleset: Ruleset) -> None:
    codes = set(ruleset.codes)
    problems = [f"duplicate code {c}" for c in codes if ruleset.codes.count(c) > 1]
    for q in ruleset.questions:
        problems += [f"{q.code}: ask_when names unknown {c}" for g in q.ask_when for c in g if c not in codes]
        if q.code.endswith("_EXC") and q.code.removesuffix("_EXC") not in codes:
            problems.append(f"{q.code}: a carve-out without its point")
    for o in ruleset.obligations.values():
        if o.applies != "high_risk" and o.applies not in ruleset.dates:
            problems.append(f"obligation {o.code}: unknown date {o.applies}")
    problems += [f"label for unknown code {c}" for c in ruleset.labels if c not in codes]
    problems += [
        f"{q.code}: no heading for step {q.step}" for q in ruleset.questions if q.step not in ruleset.steps
    ]
    if problems:
        raise RulesetError(f"ruleset {ruleset.version}: " + "; ".join(problems))


@cache
def load_ruleset(version: str = CURRENT_VERSION) -> Ruleset:
    with (RULESETS / f"{version}.yaml").open(encoding="utf-8") as handle:
        ruleset = _parse(yaml.safe_load(handle))
    _check(ruleset)
    return ruleset
