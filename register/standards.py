"""Exports to two outside standards (issue 9): the Dutch algorithm register's publication standard
v1.0 and the deployer's registration in the EU database (AI Act Art. 49(3), Annex VIII Section C).

The field lists are data (`standards_data/`, copied from the shared folder): the files are the
truth, and a test holds each mapping below to its file, field for field. Every field either has a
source in the register or is listed as having none yet, with the reason.

Values are checked against the field's type, permitted values and maximum length, and what does
not fit is *reported* per field, never cut or bent to fit: an auditor must see what would be
refused, and the committee decides what to change. The register's text is Dutch-first, and the
algorithm register takes Dutch only (`lang` is `nld`), so the fixed wording here is Dutch data,
not a translation of the interface.

Only the law's tier (`risk_tier`) is ever exported as a tier: a stricter `policy_tier` is the
organisation's own choice, never the law's (PRODUCT.md)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from register.choices import ClassificationStatus, LifecycleStage, RiskTier
from register.models import ObligationItem, UseCase

StrOrPromise = str | Promise
DATA = Path(__file__).resolve().parent / "standards_data"

# --- the fixed Dutch wording ------------------------------------------------------------------------

STATUS_NL = {
    LifecycleStage.IDEA: "In ontwikkeling",
    LifecycleStage.PILOT: "In ontwikkeling",
    LifecycleStage.PRODUCTION: "In gebruik",
    # Suspended is not in use now; the register has no "paused" status.
    LifecycleStage.SUSPENDED: "Buiten gebruik",
    LifecycleStage.RETIRED: "Buiten gebruik",
}
OVERSIGHT_NL = {
    "human_in_the_loop": "Een mens beoordeelt elke uitkomst voordat die gevolgen heeft (human in the loop).",
    "human_on_the_loop": "Een mens houdt toezicht op de werking en grijpt in waar nodig (human on the loop).",
    "human_in_command": "Een mens bepaalt wanneer en hoe het systeem wordt ingezet (human in command).",
    "none": "Er is geen menselijk toezicht.",
}
CAN_STOP_NL = {
    True: "De toezichthouders kunnen het systeem stoppen.",
    False: "De toezichthouders kunnen het systeem niet stoppen.",
}
LAWFUL_BASIS_NL = {
    "consent": "Toestemming (AVG art. 6 lid 1 sub a)",
    "contract": "Uitvoering van een overeenkomst (AVG art. 6 lid 1 sub b)",
    "legal_obligation": "Wettelijke verplichting (AVG art. 6 lid 1 sub c)",
    "vital_interests": "Vitale belangen (AVG art. 6 lid 1 sub d)",
    "public_task": "Taak van algemeen belang of openbaar gezag (AVG art. 6 lid 1 sub e)",
    "legitimate_interests": "Gerechtvaardigd belang (AVG art. 6 lid 1 sub f)",
}
DPIA_NEEDED_NL = {"yes": "Een DPIA is nodig.", "no": "Een DPIA is niet nodig.", "unknown": ""}
DPIA_STATUS_NL = {
    "not_needed": "niet nodig",
    "planned": "gepland",
    "in_progress": "in uitvoering",
    "done": "uitgevoerd",
}
FRIA_NL = "Een grondrechteneffectbeoordeling (AI-verordening art. 27) is vereist."
HIGH_RISK_NL = "Hoog-risico AI-systeem"
IMPACTFUL_NL = "Impactvolle algoritmes"


# --- sources --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a field's value comes from. `lacks` says what the value leaves out (an address,
    a summary): it is reported with every record, so a partial value is never taken for whole."""

    read: Callable[[UseCase], Any]
    lacks: StrOrPromise = ""


@dataclass(frozen=True)
class NoSource:
    """A field the register holds nothing for yet, and why."""

    reason: str


FieldMap = dict[str, Source | NoSource]


def _text(*parts: str | None) -> str | None:
    """The parts that say something, a paragraph each; None when none do."""
    return "\n\n".join(part.strip() for part in parts if part and part.strip()) or None


def _month(value: dt.date | None) -> str | None:
    return value.strftime("%Y-%m") if value else None


def _publication_category(use_case: UseCase) -> str | None:
    """The law's tier only (never policy_tier). High risk is the register's "high-risk AI system";
    a decision with legal or similarly significant effect (GDPR Art. 22) makes it impactful;
    otherwise choosing between impactful and other is the organisation's judgement, which the
    register does not hold (so: no value, reported)."""
    if use_case.risk_tier == RiskTier.HIGH_RISK:
        return HIGH_RISK_NL
    if use_case.automated_decisions:
        return IMPACTFUL_NL
    return None


def _human_intervention(use_case: UseCase) -> str | None:
    # The overseers and the escalation path may name people (a name, a mobile number): they stay in
    # the register, as on the transparency page (no staff personal data in a public register).
    mode = OVERSIGHT_NL.get(use_case.human_oversight, "")
    can_stop = "" if use_case.overseers_can_stop is None else CAN_STOP_NL[use_case.overseers_can_stop]
    return _text(" ".join(part for part in (mode, can_stop) if part))


def _impact_assessments(use_case: UseCase) -> str | None:
    status = DPIA_STATUS_NL.get(use_case.dpia_status, "")
    return _text(
        DPIA_NEEDED_NL.get(use_case.dpia_needed, ""),
        f"Status van de DPIA: {status}." if status else "",
        FRIA_NL if use_case.fria_required else "",
    )


def _impact_assessment_links(use_case: UseCase) -> list[dict[str, str]] | None:
    return [{"title": "DPIA", "link": use_case.dpia_link}] if use_case.dpia_link else None


def _source_data(use_case: UseCase) -> str:
    if use_case.special_categories:
        return "Verwerkt persoonsgegevens, waaronder bijzondere persoonsgegevens (zoals gezondheid)."
    if use_case.personal_data:
        return "Verwerkt persoonsgegevens."
    return "Verwerkt geen persoonsgegevens."


def _vendor(use_case: UseCase) -> str | None:
    return str(use_case.vendor) if use_case.vendor else None


def _deployer(use_case: UseCase) -> str | None:
    entity = use_case.business_unit.legal_entity.name
    return _text(entity, settings.KOERS_COMMITTEE_EMAIL)


def _fria_summary(use_case: UseCase) -> str | None:
    """The evidence recorded on the Art. 27 duty of the checklist, if any."""
    fria = next((d for d in _obligations(use_case) if d.code == "FRIA_ART27"), None)
    return _text(fria.evidence_note, fria.evidence_url) if fria else None


def _dpia_summary(use_case: UseCase) -> str | None:
    status = DPIA_STATUS_NL.get(use_case.dpia_status, "")
    return _text(f"Status van de DPIA: {status}." if status else "", use_case.dpia_link)


def _obligations(use_case: UseCase) -> list[ObligationItem]:
    # `obligation_list` when the caller prefetched it (selectors.use_cases_in_full).
    held = getattr(use_case, "obligation_list", None)
    return list(held) if held is not None else list(use_case.obligations.all())


ALGORITMEREGISTER: FieldMap = {
    "name": Source(lambda u: u.name),
    "description_short": Source(lambda u: u.description or None),
    "organization": Source(lambda u: u.business_unit.legal_entity.name),
    "category": NoSource(
        "The register's sectors (retail, hospitality, ...) are not the themes of the standard."
    ),
    "status": Source(lambda u: STATUS_NL[LifecycleStage(u.lifecycle_stage)]),
    "begin_date": NoSource("The register records when a use-case was registered, not when its use began."),
    "end_date": Source(
        lambda u: _month(u.pilot_end_date) if u.lifecycle_stage == LifecycleStage.PILOT else None
    ),
    # A team address (the committee's), never a staff member's own.
    "contact_email": Source(lambda u: settings.KOERS_COMMITTEE_EMAIL or None),
    "website": NoSource("The link to the use-case's transparency page is not exported yet."),
    "publication_category": Source(_publication_category),
    "url": NoSource("The link to the use-case's transparency page is not exported yet."),
    "goal": Source(lambda u: _text(u.purpose, u.goal)),
    "proportionality": NoSource("The register records no weighing of proportionality and subsidiarity."),
    "human_intervention": Source(_human_intervention),
    "risks": NoSource(
        "The register records the AI Act tier and duties, not a description of risks and measures."
    ),
    "lawful_basis": Source(lambda u: LAWFUL_BASIS_NL.get(u.lawful_basis)),
    "lawful_basis_grouping": NoSource("The register holds no links to the legislation."),
    "process_index_url": Source(lambda u: u.processing_register_ref or None),
    "impacttoetsen_grouping": Source(_impact_assessment_links),
    "impacttoetsen": Source(_impact_assessments),
    "source_data": Source(_source_data),
    "source_data_grouping": NoSource("The register does not list data sources."),
    "methods_and_models": NoSource("The register records the vendor and product, not how the system works."),
    "provider": Source(_vendor),
    "publiccode": NoSource("The register holds no link to source code."),
    "lang": Source(lambda u: "nld"),
    "standard_version": Source(lambda u: "1.0"),
    "source_id": Source(lambda u: u.reference),
    "tags": NoSource("The register holds no search terms."),
    "lars": NoSource("Assigned by the algorithm register when it publishes the entry."),
    "publication_dt": NoSource("Set by the algorithm register when it publishes the entry."),
}

EU_DATABASE: FieldMap = {
    "deployer": Source(_deployer, lacks=_("The register holds the legal entity's name but not its address.")),
    "submitter": NoSource("The register does not record who registers the system in the EU database."),
    "provider_entry_url": Source(
        lambda u: u.vendor.eu_database_number if u.vendor and u.vendor.eu_database_number else None,
        lacks=_("The register holds the provider's EU database registration number, not the entry's URL."),
    ),
    "fria_summary": Source(_fria_summary),
    "dpia_summary": Source(
        _dpia_summary, lacks=_("The register holds the DPIA's status and link, not a summary.")
    ),
}


@dataclass(frozen=True)
class Standard:
    key: str
    filename: str
    mapping: FieldMap
    version_label: str = ""

    @property
    def spec(self) -> dict[str, Any]:
        return _load(self.filename)

    @property
    def version(self) -> str:
        return str(self.spec.get("version") or self.version_label)

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self.spec["fields"])

    def no_source_yet(self) -> list[str]:
        return [f["name"] for f in self.fields if isinstance(self.mapping[f["name"]], NoSource)]


@cache
def _load(filename: str) -> dict[str, Any]:
    return dict(json.loads((DATA / filename).read_text(encoding="utf-8")))


STANDARDS = {
    "algoritmeregister": Standard("algoritmeregister", "algoritmeregister-v1.0.json", ALGORITMEREGISTER),
    "eu-database": Standard(
        "eu-database", "eu-database-annex-viii-c.json", EU_DATABASE, "Regulation (EU) 2024/1689 Annex VIII C"
    ),
}


# --- checking values --------------------------------------------------------------------------------


def _problem(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def check(spec: Mapping[str, Any], value: Any) -> list[dict[str, str]]:
    """What is wrong with `value` for the field `spec` (its type, required, maximum length and
    permitted values); an empty list when nothing is."""
    name = spec["name"]
    if _empty(value):
        return (
            [_problem(name, "required", gettext("Required, and there is no value."))]
            if spec.get("required")
            else []
        )
    kind = spec.get("type", "string")
    if kind == "array":
        return _check_items(spec, value)
    if not isinstance(value, str):
        return [_problem(name, "type", gettext("Must be text."))]
    problems = []
    limit = spec.get("max_length")
    if limit is not None and len(value) > limit:
        message = gettext("%(length)d characters; at most %(limit)d.") % {
            "length": len(value),
            "limit": limit,
        }
        problems.append(_problem(name, "max_length", message))
    if "permitted_values" in spec and value not in spec["permitted_values"]:
        problems.append(_problem(name, "permitted_values", _not_permitted(value)))
    return problems


def _not_permitted(value: Any) -> str:
    return gettext("“%(value)s” is not one of the permitted values.") % {"value": value}


def _check_items(spec: Mapping[str, Any], value: Any) -> list[dict[str, str]]:
    name = spec["name"]
    if not isinstance(value, list):
        return [_problem(name, "type", gettext("Must be a list."))]
    problems = []
    for item in value:
        if "permitted_values" in spec and item not in spec["permitted_values"]:
            problems.append(_problem(name, "permitted_values", _not_permitted(item)))
        fields = spec.get("item_fields")
        if fields is not None and (not isinstance(item, dict) or sorted(item) != sorted(fields)):
            message = gettext("Each item has exactly these fields: %(fields)s.") % {
                "fields": ", ".join(fields)
            }
            problems.append(_problem(name, "type", message))
    return problems


# --- records -------------------------------------------------------------------------------------


def export_record(standard: Standard, use_case: UseCase) -> dict[str, Any]:
    """One use-case in the standard: every field's value (null without one) and the problems
    found, per field."""
    values: dict[str, Any] = {}
    problems: list[dict[str, str]] = []
    for spec in standard.fields:
        name = spec["name"]
        source = standard.mapping[name]
        if isinstance(source, NoSource):
            values[name] = None
            if spec.get("required"):
                message = gettext("Required, and the register has no source for it yet.")
                problems.append(_problem(name, "required", message))
            continue
        values[name] = value = source.read(use_case)
        problems += check(spec, value)
        if source.lacks and not _empty(value):
            problems.append(_problem(name, "partial", str(source.lacks)))
    problems += _tier_problems(standard, use_case)
    return {"use_case": use_case.pk, "reference": use_case.reference, "fields": values, "problems": problems}


def _tier_problems(standard: Standard, use_case: UseCase) -> list[dict[str, str]]:
    """A category taken from a tier the committee has not confirmed is said to be indicative."""
    if standard.key != "algoritmeregister" or use_case.risk_tier != RiskTier.HIGH_RISK:
        return []
    if use_case.classification_status != ClassificationStatus.INDICATIVE:
        return []
    message = gettext("The tier is indicative: the committee has not confirmed it.")
    return [_problem("publication_category", "indicative", message)]


def with_checklist(use_cases: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """`use_cases` with what the records read beyond the use-case's own joins: its checklist
    (the FRIA summary), in one more query however many there are."""
    duties = Prefetch("obligations", ObligationItem.objects.order_by("id"), to_attr="obligation_list")
    return use_cases.select_related("business_unit__legal_entity", "vendor").prefetch_related(duties)


def export(standard: Standard, use_cases: Iterable[UseCase]) -> dict[str, Any]:
    """The export's whole answer, for the API and the admin alike."""
    return {
        "standard": standard.key,
        "version": standard.version,
        "records": [export_record(standard, use_case) for use_case in use_cases],
        "no_source_yet": standard.no_source_yet(),
    }
