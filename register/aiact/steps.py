"""How the law decides: one small function per step of DIGEST §9, in the order they run, each
citing its article. Answers arrive here as plain booleans ("unknown" is handled by the engine).
Each step records what fired in the `Trace`: legal basis, explanation, duties."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from register.aiact import wording
from register.aiact.result import (
    Classification,
    ExplanationLine,
    GpaiPosition,
    Obligation,
    Party,
    RiskTier,
    TransparencyDuty,
)
from register.aiact.ruleset import Ruleset, Text

Facts = Mapping[str, bool]

ART5_POINTS = ("A", "B", "C", "D", "E", "F", "G", "H", "BA", "BB")
ART5_OMNIBUS_POINTS = ("BA", "BB")
ANNEX_III_POINTS = tuple("1A 1B 1C 2 3A 3B 3C 3D 4A 4B 5A 5B 5C 5D 6 7 8A 8B".split())
ART6_3_CONDITIONS = ("ART6_3_A", "ART6_3_B", "ART6_3_C", "ART6_3_D")
ART5_CODES = tuple(f"ART5_1_{point}" for point in ART5_POINTS)
ANNEX_III_CODES = tuple(f"ANNEX_III_{point}" for point in ANNEX_III_POINTS)


@dataclass
class Trace:
    """What the steps found, in decision order."""

    ruleset: Ruleset
    today: dt.date
    legal_basis: list[str] = field(default_factory=list)
    lines: list[ExplanationLine] = field(default_factory=list)
    obligations: dict[str, Obligation] = field(default_factory=dict)
    transparency: list[TransparencyDuty] = field(default_factory=list)
    fria: bool = False
    gpai: GpaiPosition = "none"

    def say(self, text: Text, *codes: str) -> None:
        self.lines.append(ExplanationLine(nl=text.nl, en=text.en, codes=codes))

    def fire(self, code: str, text: Text, *more: str) -> None:
        """Record codes that decided something, with the line that explains them."""
        self.legal_basis += [code, *more]
        self.say(text, code, *more)

    def label(self, code: str) -> Text:
        return self.ruleset.labels[code]

    def fire_cited(self, code: str, nl: str, en: str) -> None:
        """Fire a code with a line naming it: templates take {label} and {article}."""
        label, article = self.label(code), wording.cite(code)
        self.fire(
            code,
            Text(
                nl=nl.format(label=label.nl, article=article.nl),
                en=en.format(label=label.en, article=article.en),
            ),
        )

    def date_of(self, key: str) -> dt.date | None:
        day = self.ruleset.date(key)
        if day is not None and self.ruleset.dates[key].uncertain and day > self.today:
            self.say(wording.uncertain_date(day))
        return day

    def owe(self, code: str, owner: Party, *, high_risk_date: str | None = None) -> None:
        spec = self.ruleset.obligations[code]
        key = high_risk_date if spec.applies == "high_risk" else spec.applies
        if key is None:
            raise ValueError(f"{code} needs the high-risk route's date")
        if code in self.obligations:  # owed already: the first owner stays
            return
        if spec.note is not None:
            self.say(spec.note, code)
        self.obligations[code] = _obligation(self.ruleset, code, owner, key, self.today)

    def result(self, tier: RiskTier) -> Classification:
        return Classification(
            risk_tier=tier,
            complete=True,
            open_questions=(),
            legal_basis=tuple(self.legal_basis),
            obligations=tuple(self.obligations.values()),
            fria_required=self.fria,
            transparency=tuple(self.transparency),
            gpai=self.gpai,
            ruleset_version=self.ruleset.version,
            explanation=tuple(self.lines),
        )


@lru_cache(maxsize=1024)  # pure and asked for several times in every classification
def _obligation(ruleset: Ruleset, code: str, owner: Party, key: str, today: dt.date) -> Obligation:
    spec = ruleset.obligations[code]
    day = ruleset.date(key)
    return Obligation(code, spec.article, spec.title, owner, day, day is not None and day <= today)


@dataclass(frozen=True)
class Roles:
    provider: bool
    deployer: bool

    def primary(self) -> Party:
        return "deployer" if self.deployer else "provider"


def _both(nl: str, en: str) -> Text:
    return Text(nl=nl, en=en)


# Step 1 — Art. 3(1): only an AI system is in scope; rules written by people are not.
def is_ai_system(facts: Facts, trace: Trace) -> bool:
    if facts["AI_SYSTEM"]:
        return True
    trace.fire("OUT_NOT_AI", wording.NOT_AI)
    return False


# Step 2 — Art. 3(3), 3(4), 25(1): provider and/or deployer; Art. 25(1) makes a deployer provider.
def roles(facts: Facts, trace: Trace) -> Roles:
    became_provider = [code for code in ("ART25_1_A", "ART25_1_B", "ART25_1_C") if facts[code]]
    for code in became_provider:
        trace.fire_cited(
            code, "U wordt aanbieder: {label} ({article}).", "You become the provider: {label} ({article})."
        )
    provider = facts["ROLE_PROVIDER"] or bool(became_provider)
    deployer = facts["ROLE_DEPLOYER"]
    if facts["ROLE_PROVIDER"] and facts["VENDOR_SUPPLIED"]:
        # DIGEST §11.4 and §11.9: own name or brand on a supplier's system makes you provider.
        trace.say(
            _both(
                "U biedt het systeem van een leverancier onder eigen naam of merk aan; daarmee bent u de "
                "aanbieder (art. 3 lid 3). " + wording.CAUTIOUS.nl,
                "You offer a supplier's system under your own name or brand, which makes you its provider "
                "(Art. 3(3)). " + wording.CAUTIOUS.en,
            )
        )
    if provider and deployer and facts["ART2_10_PERSONAL"]:
        deployer = False  # Art. 2(10): private use lifts the user's duties, not the provider's
    if not provider and not deployer:
        trace.say(wording.NO_ROLE)
        deployer = True
    return Roles(provider=provider, deployer=deployer)


# Step 3 — Art. 2: exclusions. Art. 2(10) lifts only a private user's duties, never a provider's.
def is_excluded(facts: Facts, trace: Trace, who: Roles) -> bool:
    excluded = [c for c in ("ART2_3_MILITARY", "ART2_6_RESEARCH", "ART2_8_PREMARKET") if facts[c]]
    if facts["ART2_10_PERSONAL"] and not who.provider:
        excluded.append("ART2_10_PERSONAL")
    for code in excluded:
        trace.fire_cited(
            code, "Buiten de AI-verordening: {label} ({article}).", "Outside the AI Act: {label} ({article})."
        )
    return bool(excluded)


# Step 4 — Art. 5(1): any prohibited practice without its exception is prohibited, whatever else
# holds. (ba) and (bb) come from Reg. 2026/1744 and apply from 2 December 2026.
def is_prohibited(facts: Facts, trace: Trace, who: Roles) -> bool:
    fired = False
    for point, code in zip(ART5_POINTS, ART5_CODES, strict=True):
        if not facts[code]:
            continue
        article, label = wording.cite(code), trace.label(code)
        if facts.get(f"{code}_EXC", False):
            trace.say(
                _both(
                    f"Geen verbod onder {article.nl}: de uitzondering is van toepassing.",
                    f"Not prohibited under {article.en}: the exception applies.",
                ),
                f"{code}_EXC",
            )
            continue
        fired = True
        omnibus = point in ART5_OMNIBUS_POINTS
        duty = "ART5_OMNIBUS" if omnibus else "ART5"
        trace.owe(duty, who.primary())
        since = trace.obligations[duty].applies_from
        when = wording.date_text(since) if since else _both("", "")
        verb_nl = "verboden sinds" if since and since <= trace.today else "verboden vanaf"
        verb_en = "prohibited since" if since and since <= trace.today else "prohibited from"
        trace.fire(
            code,
            _both(
                f"Op basis van uw antwoorden lijkt dit een verboden AI-praktijk: {label.nl} ({article.nl} "
                f"AI-verordening, {verb_nl} {when.nl}). Zet het gebruik stil en neem vandaag contact op met "
                "de AI-commissie of juridische zaken.",
                f"Based on your answers this appears to be a prohibited AI practice: {label.en} ({article.en} "
                f"AI Act, {verb_en} {when.en}). Suspend its use and contact the AI committee or legal affairs "
                "today.",
            ),
        )
    return fired


# Step 5 — Art. 6(1) with Annex I: a safety component of a product that needs third-party
# conformity assessment is high-risk. Returns the section ("A" wins over "B") or None.
def annex_i_route(facts: Facts, trace: Trace) -> str | None:
    if not facts["THIRD_PARTY_CA"]:
        return None
    section = "A" if facts["ANNEX_I_A"] else "B" if facts["ANNEX_I_B"] else None
    if section is None:
        return None
    trace.fire_cited(
        f"ANNEX_I_{section}", "Hoog risico: {label} ({article}).", "High risk: {label} ({article})."
    )
    if section == "B":
        trace.say(wording.SECTION_B)
    return section


@dataclass(frozen=True)
class AnnexIII:
    high_risk_points: tuple[str, ...] = ()  # Annex III codes that make the system high-risk
    derogated: bool = False  # relieved by Art. 6(3)


# Steps 6-7 — Art. 6(2) with Annex III minus carve-outs, then Art. 6(3): profiling always keeps
# it high-risk; a condition (a)-(d) relieves it only on the provider's own determination, or for a
# deployer on the supplier's written Art. 6(4) statement (DIGEST §11.2, a cautious reading).
def annex_iii_route(facts: Facts, trace: Trace, who: Roles) -> AnnexIII:
    points = []
    for code in ANNEX_III_CODES:
        if not facts[code]:
            continue
        if facts.get(f"{code}_EXC", False):
            article = wording.cite(code)
            trace.say(
                _both(
                    f"Geen hoog risico onder {article.nl}: de uitzondering is van toepassing.",
                    f"Not high-risk under {article.en}: the carve-out applies.",
                ),
                f"{code}_EXC",
            )
        else:
            points.append(code)
    if not points:
        return AnnexIII()
    named = [_named(trace.ruleset, c) for c in points]
    what_nl = "; ".join(text.nl for text in named)
    what_en = "; ".join(text.en for text in named)
    conditions = [c for c in ART6_3_CONDITIONS if facts[c]]
    if facts["ART6_3_PROFILING"]:
        reason = " omdat het systeem personen profileert" if conditions else ""
        reason_en = " because the system profiles people" if conditions else ""
        trace.fire(points[0], _both(f"Hoog risico: {what_nl}.", f"High risk: {what_en}."), *points[1:])
        trace.fire(
            "ART6_3_PROFILING",
            _both(
                f"De uitzondering van art. 6 lid 3 geldt niet{reason}: bij profilering blijft het een AI-systeem "
                "met een hoog risico.",
                f"The Art. 6(3) derogation does not apply{reason_en}: with profiling it remains a high-risk AI system.",
            ),
        )
        return AnnexIII(high_risk_points=tuple(points))
    if conditions and (who.provider or (facts["ART6_4_PROVIDER_DOC"] and facts["VENDOR_SUPPLIED"])):
        return _derogated(trace, who, points, conditions, what_nl, what_en)
    trace.fire(points[0], _both(f"Hoog risico: {what_nl}.", f"High risk: {what_en}."), *points[1:])
    if conditions:  # a deployer's own 6(3) answers do not count (DIGEST §11.2)
        trace.say(
            _both(
                "Dit valt onder bijlage III. Alleen de aanbieder (leverancier) kan vastleggen dat art. 6 lid 3 "
                "van toepassing is. Vraag die onderbouwing en het registratienummer in de EU-databank op. "
                "Zonder die onderbouwing geldt: hoog risico. " + wording.CAUTIOUS.nl,
                "This falls under Annex III. Only the provider (supplier) can determine that Art. 6(3) applies. "
                "Ask for its assessment and its EU database registration number. Without it the system is "
                "high-risk. " + wording.CAUTIOUS.en,
            )
        )
    return AnnexIII(high_risk_points=tuple(points))


@lru_cache(maxsize=256)  # codes are few and fixed by the ruleset
def _named(ruleset: Ruleset, code: str) -> Text:
    """A point by its label and its article: "Biometric identification, Annex III point 1(a)"."""
    label, article = ruleset.labels[code], wording.cite(code)
    return Text(nl=f"{label.nl}, {article.nl}", en=f"{label.en}, {article.en}")


def _derogated(
    trace: Trace, who: Roles, points: list[str], conditions: list[str], what_nl: str, what_en: str
) -> AnnexIII:
    trace.fire(
        points[0],
        _both(f"Valt onder bijlage III: {what_nl}.", f"Falls under Annex III: {what_en}."),
        *points[1:],
    )
    for code in conditions:
        trace.fire_cited(
            code,
            "Geen hoog risico: het systeem is beperkt tot {label} ({article}) en profileert geen personen.",
            "Not high-risk: the system is limited to {label} ({article}) and does not profile people.",
        )
    if who.provider:
        trace.owe("ART6_4", "provider")
        trace.owe("ART49_2", "provider")
    else:
        trace.fire(
            "ART6_4_PROVIDER_DOC",
            _both(
                "Dit steunt op de schriftelijke verklaring van de leverancier (art. 6 lid 4); bewaar die bij "
                "deze toepassing. " + wording.CAUTIOUS.nl,
                "This relies on the supplier's written statement (Art. 6(4)); keep it with this use-case. "
                + wording.CAUTIOUS.en,
            ),
        )
        trace.owe("KEEP_PROVIDER_RECORD", "deployer")
    return AnnexIII(derogated=True)


# Step 8 — Art. 50: transparency duties stack on any tier (Art. 50(6)) and name their owner.
# 50(1)-(2) are the provider's; for a deployer-only use-case they still count, owned by the
# supplier, and the deployer checks the supplier's disclosure is on (DIGEST §11.3).
def transparency(facts: Facts, trace: Trace, who: Roles) -> bool:
    duties: list[tuple[str, Party]] = [(c, "provider") for c in ("ART50_1", "ART50_2") if facts[c]]
    duties += [(c, "deployer") for c in ("ART50_3", "ART50_4_DEEPFAKE", "ART50_4_TEXT") if facts[c]]
    for code, owner in duties:
        if owner == "deployer" and facts["ART2_10_PERSONAL"]:
            continue  # Art. 2(10): a provider's private use owes no deployer duties
        spec, label, article = trace.ruleset.obligations[code], trace.label(code), wording.cite(code)
        trace.transparency.append(TransparencyDuty(code, spec.article, owner, spec.title))
        whose_nl = (
            "de aanbieder (leverancier)"
            if owner == "provider" and not who.provider
            else ("de aanbieder" if owner == "provider" else "de gebruiksverantwoordelijke")
        )
        whose_en = (
            "the provider (supplier)"
            if owner == "provider" and not who.provider
            else ("the provider" if owner == "provider" else "the deployer")
        )
        trace.fire(
            code,
            _both(
                f"Transparantieverplichting: {label.nl} ({article.nl}); dit is een plicht van {whose_nl}.",
                f"Transparency duty: {label.en} ({article.en}); this is a duty of {whose_en}.",
            ),
        )
        if owner == "deployer" or who.provider:
            trace.owe(code, owner)
        else:
            trace.owe("CHECK_VENDOR_DISCLOSURE", "deployer")
    return bool(trace.transparency)


# Step 9 — Arts 51-55: the general-purpose AI position. Using a GPAI-based product brings no
# Chapter V duties (information only); releasing a model does, and more above 10^25 FLOP.
def gpai(facts: Facts, trace: Trace) -> None:
    if facts["GPAI_MODEL_PROVIDER"]:
        trace.gpai = "systemic" if facts["GPAI_SYSTEMIC"] else "model_provider"
        for code in ("ART53", "ART54") + (("ART52", "ART55") if facts["GPAI_SYSTEMIC"] else ()):
            trace.owe(code, "provider")
        codes = (
            ("GPAI_MODEL_PROVIDER", "GPAI_SYSTEMIC") if facts["GPAI_SYSTEMIC"] else ("GPAI_MODEL_PROVIDER",)
        )
        label, article = trace.label(codes[-1]), wording.cite(codes[-1])
        trace.fire(
            codes[0],
            _both(f"Modelplichten: {label.nl} ({article.nl}).", f"Model duties: {label.en} ({article.en})."),
            *codes[1:],
        )
    elif facts["GPAI_BASED"]:
        trace.gpai = "based"
        trace.say(
            _both(
                "Gebouwd op een AI-model voor algemene doeleinden; dat brengt voor u geen eigen modelplichten "
                "mee (hoofdstuk V).",
                "Built on a general-purpose AI model; that brings you no model duties of your own (Chapter V).",
            ),
            "GPAI_BASED",
        )


GPAI_DUTIES = ("ART53", "ART54", "ART52", "ART55")
PROVIDER_HIGH_RISK = ("ART9", "ART10", "ART11", "ART12", "ART13", "ART14", "ART15", "ART16", "ART17", "ART43")


# Step 10 — Art. 4 for everyone in scope, then the high-risk duties by role (Arts 16-27, 49, 72,
# 73, 86). Annex I section B products get none (Art. 2(2), DIGEST §11.9).
def high_risk_duties(
    facts: Facts, trace: Trace, who: Roles, section: str | None, annex_iii: AnnexIII
) -> None:
    route = "annex_iii" if annex_iii.high_risk_points else "annex_i" if section == "A" else None
    if route is None:
        return
    people_points = [c for c in annex_iii.high_risk_points if c != "ANNEX_III_2"]
    if who.provider:
        for code in PROVIDER_HIGH_RISK:
            trace.owe(code, "provider", high_risk_date=route)
        if people_points:  # Art. 49(1): Annex III systems, point 2 registers nationally (49(5))
            trace.owe("ART49_1", "provider", high_risk_date=route)
        trace.owe("ART72", "provider", high_risk_date=route)
        trace.owe("ART73", "provider", high_risk_date=route)
    if who.deployer:
        _deployer_duties(facts, trace, route, annex_iii, people_points)
    day = trace.date_of(route)
    if day is not None and day > trace.today:
        trace.say(wording.not_yet(day))


def _deployer_duties(
    facts: Facts, trace: Trace, route: str, annex_iii: AnnexIII, people_points: list[str]
) -> None:
    trace.owe("ART26", "deployer", high_risk_date=route)
    if facts["OWN_WORKPLACE"]:  # Art. 26(7)
        trace.owe("ART26_7", "deployer", high_risk_date=route)
    if annex_iii.high_risk_points and facts["DECISIONS_ABOUT_PEOPLE"]:  # Art. 26(11): no point-2 exception
        trace.owe("ART26_11", "deployer", high_risk_date=route)
    if people_points and facts["DECISIONS_ABOUT_PEOPLE"]:  # Art. 86: not point 2
        trace.owe("ART86", "deployer", high_risk_date=route)
    if people_points and (facts["PUBLIC_BODY"] or facts["ON_BEHALF_OF_PUBLIC_AUTHORITY"]):  # Art. 49(3)
        trace.owe("ART49_3", "deployer", high_risk_date=route)
    _fria(facts, trace, route, people_points)


# Art. 27: deployers of Annex III systems (never point 2, never Annex I alone) that are public
# bodies or private entities providing public services, or that use point 5(b) or 5(c).
def _fria(facts: Facts, trace: Trace, route: str, people_points: list[str]) -> None:
    reasons = [
        (facts["PUBLIC_BODY"], "u bent een publiekrechtelijk orgaan", "you are governed by public law"),
        (facts["PUBLIC_SERVICE"], "u verleent een publieke dienst", "you provide a public service"),
        (
            "ANNEX_III_5B" in people_points,
            "het gaat om kredietwaardigheid (bijlage III punt 5(b))",
            "it concerns creditworthiness (Annex III point 5(b))",
        ),
        (
            "ANNEX_III_5C" in people_points,
            "het gaat om levens- of zorgverzekering (bijlage III punt 5(c))",
            "it concerns life or health insurance (Annex III point 5(c))",
        ),
    ]
    why = [(nl, en) for applies, nl, en in reasons if applies]
    if not people_points or not why:
        return
    trace.fria = True
    trace.owe("FRIA_ART27", "deployer", high_risk_date=route)
    trace.say(
        _both(
            "Een beoordeling van de gevolgen voor de grondrechten (FRIA) is nodig vóór het eerste gebruik "
            f"(art. 27), omdat {' en '.join(nl for nl, _ in why)}.",
            "A fundamental rights impact assessment (FRIA) is needed before first use (Art. 27), because "
            f"{' and '.join(en for _, en in why)}.",
        )
    )


# Art. 5(1)(f) with its exception (medical or safety reasons) lifts only the ban: the system still
# recognises emotions, so Annex III point 1(c) and the deployer's Art. 50(3) duty apply.
def implied_by_exceptions(facts: Facts, trace: Trace) -> Facts:
    if not (facts["ART5_1_F"] and facts["ART5_1_F_EXC"]):
        return facts
    trace.say(
        _both(
            "Het blijft emotieherkenning: bijlage III punt 1(c) en art. 50 lid 3 gelden wel.",
            "It is still emotion recognition: Annex III point 1(c) and Art. 50(3) apply.",
        ),
        "ART5_1_F_EXC",
    )
    return {**facts, "ANNEX_III_1C": True, "ART50_3": True}


def _only_gpai_duties(trace: Trace) -> None:
    for code in [c for c in trace.obligations if c not in GPAI_DUTIES]:
        del trace.obligations[code]


def decide(facts: Facts, trace: Trace) -> Classification:
    """DIGEST §9, top to bottom. Every answer is a plain boolean here."""
    trace.say(wording.DISCLAIMER)
    if not is_ai_system(facts, trace):
        gpai(facts, trace)  # step 1: "unless you train models"
        return trace.result("out_of_scope")
    who = roles(facts, trace)
    if is_excluded(facts, trace, who):
        return trace.result("out_of_scope")
    trace.owe("ART4", who.primary())  # Art. 4: everyone in scope, every tier
    if is_prohibited(facts, trace, who):
        return trace.result("prohibited")
    facts = implied_by_exceptions(facts, trace)
    section = annex_i_route(facts, trace)
    annex_iii = annex_iii_route(facts, trace, who)
    gpai(facts, trace)  # model duties stand apart from the system's tier (Arts 51-55)
    if section == "B" and not annex_iii.high_risk_points:
        _only_gpai_duties(trace)  # Art. 2(2): not even Art. 4 or Art. 50 (DIGEST §11.9)
        return trace.result("high_risk")
    flagged = transparency(facts, trace, who)
    high_risk = section is not None or bool(annex_iii.high_risk_points)
    if facts["ART2_12_FOSS"] and not high_risk and not flagged:  # Art. 2(12)
        open_source(trace)
        return trace.result("out_of_scope")
    high_risk_duties(facts, trace, who, section, annex_iii)
    if not high_risk:
        trace.say(wording.MINIMAL if not flagged else wording.LIMITED)
    return trace.result("high_risk" if high_risk else "limited" if flagged else "minimal")


# Art. 2(12): a free and open-source system outside Art. 5, high risk and Art. 50 is out of scope;
# a model's duties remain, lightened by Art. 53(2) for open models without systemic risk.
def open_source(trace: Trace) -> None:
    label = trace.label("ART2_12_FOSS")
    trace.fire(
        "ART2_12_FOSS",
        _both(
            f"Buiten de AI-verordening: {label.nl} zonder hoog risico, verbod of transparantieverplichting "
            "(art. 2 lid 12).",
            f"Outside the AI Act: {label.en} with no high risk, prohibition or transparency duty (Art. 2(12)).",
        ),
    )
    _only_gpai_duties(trace)
    if trace.gpai == "model_provider":
        trace.say(
            _both(
                "Voor een opensourcemodel met openbare gewichten vervallen de plichten van art. 53 lid 1 onder "
                "a en b (art. 53 lid 2).",
                "For an open-source model with public weights, Art. 53(1)(a) and (b) do not apply (Art. 53(2)).",
            ),
            "ART2_12_FOSS",
        )
