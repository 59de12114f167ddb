"""Citations, dates and the fixed sentences of the explanation, in Dutch and English
(shared/WORDING-nl.md). The engine returns both languages; screens pick one."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache

from register.aiact.ruleset import Text

_MONTHS_NL = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@lru_cache(maxsize=256)
def date_text(day: dt.date) -> Text:
    return Text(
        nl=f"{day.day} {_MONTHS_NL[day.month - 1]} {day.year}",
        en=f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}",
    )


_ANNEX_III = re.compile(r"ANNEX_III_(\d)([A-Z]?)(_EXC)?")
_ANNEX_I = re.compile(r"ANNEX_I_([AB])")
_ART_POINT = re.compile(r"ART(\d+)_(\d+)_([A-Z]{1,2})(_EXC)?")
_ART_PARAGRAPH = re.compile(r"ART(\d+)_(\d+)(_[A-Z]+)?")


@cache  # codes are few and fixed by the ruleset; a citation is computed once per code
def cite(code: str) -> Text:
    """The article a code stands for: ANNEX_III_5B -> "Annex III point 5(b)" / "bijlage III punt 5(b)"."""
    if match := _ANNEX_III.fullmatch(code):
        point = match[1] + (f"({match[2].lower()})" if match[2] else "")
        return Text(nl=f"bijlage III punt {point}", en=f"Annex III point {point}")
    if match := _ANNEX_I.fullmatch(code):
        return Text(
            nl=f"art. 6 lid 1 en bijlage I afdeling {match[1]}",
            en=f"Art. 6(1) and Annex I section {match[1]}",
        )
    if match := _ART_POINT.fullmatch(code):
        return Text(
            nl=f"art. {match[1]} lid {match[2]} onder {match[3].lower()}",
            en=f"Art. {match[1]}({match[2]})({match[3].lower()})",
        )
    if code == "ART6_3_PROFILING":
        return Text(nl="art. 6 lid 3, laatste alinea", en="Art. 6(3), last subparagraph")
    if code == "ART6_4_PROVIDER_DOC":
        return Text(nl="art. 6 lid 4", en="Art. 6(4)")
    if match := _ART_PARAGRAPH.fullmatch(code):
        return Text(nl=f"art. {match[1]} lid {match[2]}", en=f"Art. {match[1]}({match[2]})")
    if code == "GPAI_MODEL_PROVIDER":
        return Text(nl="art. 53", en="Art. 53")
    if code == "GPAI_SYSTEMIC":
        return Text(nl="art. 51 lid 2 en art. 55", en="Art. 51(2) and Art. 55")
    raise KeyError(code)


DISCLAIMER = Text(
    nl="Voorlopige indeling op basis van uw antwoorden. Nog niet vastgesteld door de AI-commissie. "
    "Dit is geen juridisch advies.",
    en="Indicative classification based on your answers. Not yet confirmed by the AI committee. "
    "This is not legal advice.",
)
NOT_AI = Text(
    nl="Geen AI-systeem: het volgt vaste regels die mensen hebben geschreven (art. 3 lid 1). "
    "De AI-verordening is hierop niet van toepassing.",
    en="Not an AI system: it follows fixed rules written by people (Art. 3(1)). "
    "The AI Act does not apply to it.",
)
NO_ROLE = Text(
    nl="U gaf niet aan of u het bouwt of gebruikt. Koers gaat uit van gebruik "
    "(gebruiksverantwoordelijke, art. 3 lid 4); vul dit aan.",
    en="You did not say whether you build or use it. Koers assumes you use it "
    "(deployer, Art. 3(4)); please complete this.",
)
UNKNOWN_ANSWERS = Text(
    nl="U gaf bij één of meer vragen 'weet ik niet' aan. De indeling is daarom voorlopig; "
    "de AI-commissie of juridische zaken kijkt mee.",
    en="You answered 'don't know' to one or more questions. The classification is therefore "
    "provisional; the AI committee or legal affairs will review it.",
)
MINIMAL = Text(
    nl="Geen extra verplichtingen uit de AI-verordening naast AI-geletterdheid (art. 4) en het verbod "
    "op verboden praktijken (art. 5). De AVG, het arbeidsrecht en het consumentenrecht blijven gelden. "
    "Een vrijwillige gedragscode is mogelijk (art. 95).",
    en="No further duties under the AI Act beyond AI literacy (Art. 4) and the ban on prohibited "
    "practices (Art. 5). The GDPR, employment law and consumer law still apply. "
    "A voluntary code of conduct is possible (Art. 95).",
)
LIMITED = Text(
    nl="Beperkt risico: naast AI-geletterdheid (art. 4) gelden de transparantieverplichtingen hierboven.",
    en="Limited risk: besides AI literacy (Art. 4) the transparency duties above apply.",
)
CAUTIOUS = Text(
    nl="Koers hanteert hier een voorzichtige lezing van de wet; de AI-commissie kan die bevestigen "
    "of ervan afwijken.",
    en="Koers applies a cautious reading of the law here; the AI committee may confirm or override it.",
)
SECTION_B = Text(
    nl="Voor producten uit bijlage I afdeling B regelt de sectorwetgeving de AI-eisen; uit de "
    "AI-verordening gelden alleen art. 6 lid 1, art. 102-109 en art. 112 (art. 2 lid 2).",
    en="For Annex I section B products the sectoral legislation carries the AI requirements; of the "
    "AI Act only Art. 6(1), Arts 102-109 and Art. 112 apply (Art. 2(2)).",
)


@lru_cache(maxsize=256)  # a handful of dates, asked for in most classifications
def not_yet(day: dt.date) -> Text:
    when = date_text(day)
    return Text(
        nl=f"Geldt vanaf {when.nl}. Begin nu met voorbereiden: contracten, beoordelingen en training "
        "kosten tijd.",
        en=f"Applies from {when.en}. Start preparing now: contracts, assessments and training take time.",
    )


@lru_cache(maxsize=256)  # a handful of dates, asked for in most classifications
def uncertain_date(day: dt.date) -> Text:
    when = date_text(day)
    return Text(
        nl=f"De datum {when.nl} komt uit Verordening (EU) 2026/1744 (Digital Omnibus); Koers heeft de "
        "officiële tekst daarvan nog niet kunnen controleren.",
        en=f"The date {when.en} comes from Regulation (EU) 2026/1744 (Digital Omnibus); Koers has not "
        "yet been able to check its official text.",
    )
