"""The engine's result: the pure `Classification` (STYLE.md §20), with the fields of the
classify contract in PRODUCT.md."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from register.aiact.ruleset import Text

RiskTier = Literal["prohibited", "high_risk", "limited", "minimal", "out_of_scope"]
GpaiPosition = Literal["none", "based", "model_provider", "systemic"]
Party = Literal["provider", "deployer"]
UNKNOWN = "unknown"
Answer = bool | Literal["unknown"]

# Strictest first: used to compare tiers ("never lowers the tier").
TIER_ORDER: tuple[RiskTier, ...] = ("prohibited", "high_risk", "limited", "minimal", "out_of_scope")


@dataclass(frozen=True)
class Obligation:
    code: str
    article: str
    title: Text
    owner: Party
    applies_from: dt.date | None
    applies_today: bool


@dataclass(frozen=True)
class TransparencyDuty:
    code: str
    article: str
    owner: Party
    title: Text


@dataclass(frozen=True)
class ExplanationLine:
    """One line of the explanation, in both languages; `codes` are what it explains, if any."""

    nl: str
    en: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Classification:
    risk_tier: RiskTier
    complete: bool
    open_questions: tuple[str, ...]
    legal_basis: tuple[str, ...]
    obligations: tuple[Obligation, ...]
    fria_required: bool
    transparency: tuple[TransparencyDuty, ...]
    gpai: GpaiPosition
    ruleset_version: str
    explanation: tuple[ExplanationLine, ...]

    def outcome(self) -> tuple[object, ...]:
        """The legal consequences an answer can change (DIGEST §11.1): tier, duties, FRIA,
        transparency. Being built on a GPAI model is information only (§9 step 9), so "based"
        and "none" count the same; a model provider's position is carried by its duties."""
        return (
            self.risk_tier,
            tuple(sorted((o.code, o.owner) for o in self.obligations)),
            self.fria_required,
            tuple(sorted((d.code, d.owner) for d in self.transparency)),
        )
