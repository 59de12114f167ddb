"""A large, realistic register for the benchmarks (`seed_bench`, issue 10; BENCHMARKS.md).

Rows are written with PostgreSQL's COPY (psycopg 3), not through the services: a hundred thousand
use-cases through the services would take hours. To stay true to what the services write, the
engine classifies every answer profile (once per profile), audit snapshots are built from the
same field lists the services snapshot (`snapshot_of`: every concrete field by column name), and
the review schedule's reminder times come from the planner's own `first_reminder_at`. Each
use-case's stored row equals its latest use-case snapshot, and its `version` counts the events
that moved it, as the services would have left them.

Deterministic: the same `seed`, size and day give the same rows. Dates are relative to the day it
runs, so that about 10 % of the use-cases have a review reminder due when the benchmark runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from register import schedule
from register.aiact import answer_problems, classify
from register.aiact.result import Classification
from register.as_of import MOVES_USE_CASE
from register.choices import (
    ClassificationStatus,
    DecisionKind,
    DeliveryStatus,
    HumanOversight,
    LifecycleStage,
    ObligationStatus,
    ReviewOutcome,
    RiskTier,
    Role,
    Sector,
    WorkflowStatus,
    WorksCouncilPosition,
)
from register.incident_clocks import Facts, clocks_for
from register.models import (
    Action,
    AuditEvent,
    BusinessUnit,
    Decision,
    Delivery,
    Incident,
    IncidentClockDone,
    LegalEntity,
    Membership,
    ObligationItem,
    ReferenceCounter,
    Review,
    ReviewSchedule,
    RiskAssessment,
    UseCase,
    User,
    Vendor,
)
from register.reminders import first_reminder_at, stages_at
from register.roles import STAFF_ROLES
from register.workflow import ACTIVE_STAGES

# What a use-case is, by the engine's answers (weights: how common each is in a register).
PROFILES: tuple[tuple[int, dict[str, Any]], ...] = (
    (30, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True}),
    (8, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "GPAI_BASED": True}),
    (14, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True}),
    (6, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True, "GPAI_BASED": True}),
    (5, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_2": True, "ART50_4_DEEPFAKE": True}),
    (
        6,
        {
            "AI_SYSTEM": True,
            "ROLE_DEPLOYER": True,
            "ANNEX_III_4A": True,
            "ART6_3_PROFILING": True,
            "DECISIONS_ABOUT_PEOPLE": True,
        },
    ),
    (4, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4B": True, "ART6_3_PROFILING": True}),
    (3, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_5A": True}),
    (3, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_5D": True}),
    (2, {"AI_SYSTEM": True, "ROLE_PROVIDER": True, "ANNEX_III_4A": True, "ART6_3_PROFILING": True}),
    (2, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4A": "unknown", "ART50_1": True}),
    (6, {"AI_SYSTEM": False}),
    (1, {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART5_1_F": True}),
)
NAMES = (
    "Chatbot",
    "Voorspelling",
    "Roosterplanning",
    "Fraudesignalering",
    "Samenvatting",
    "Productsuggesties",
    "Beeldherkenning",
    "Spraakassistent",
    "Prijsadvies",
    "Triage",
    "Vertaling",
    "Cv-selectie",
)
TOPICS = (
    "klantenservice",
    "voorraad",
    "personeel",
    "kassa",
    "webwinkel",
    "zorgplanning",
    "keuken",
    "receptie",
    "facturen",
    "servicedesk",
)
SECTORS = (Sector.RETAIL, Sector.HOSPITALITY, Sector.HEALTHCARE, Sector.SERVICES, Sector.OTHER)
OVERSIGHT = (HumanOversight.IN_THE_LOOP, HumanOversight.ON_THE_LOOP, HumanOversight.IN_COMMAND)
# The workflow states and how common each is (approved ones also get a final lifecycle stage).
STATUSES = (
    (WorkflowStatus.DRAFT, 8),
    (WorkflowStatus.SUBMITTED, 7),
    (WorkflowStatus.CHANGES_REQUESTED, 3),
    (WorkflowStatus.APPROVED, 78),
    (WorkflowStatus.REJECTED, 4),
)
APPROVED_STAGES = (
    (LifecycleStage.PRODUCTION, 65),
    (LifecycleStage.PILOT, 15),
    (LifecycleStage.RETIRED, 10),
    (LifecycleStage.SUSPENDED, 5),
    (LifecycleStage.IDEA, 5),
)
DUE_SHARE = 0.10  # of all use-cases: a review reminder due when the benchmark runs
INCIDENT_SHARE = 0.01
YEARS_BACK = 6
MAX_REVIEWS = 12  # the reviews kept per use-case (a high-risk one reviewed every 3 months for 3 years)
BENCH_PEOPLE = (("bench-committee", Role.COMMITTEE), ("bench-auditor", Role.AUDITOR))
# The tables seed_bench fills, children first (what --replace empties).
FILLED: tuple[type[models.Model], ...] = (
    AuditEvent,
    Delivery,
    IncidentClockDone,
    Incident,
    Action,
    Decision,
    Review,
    ReviewSchedule,
    ObligationItem,
    RiskAssessment,
    UseCase,
    ReferenceCounter,
    Membership,
    BusinessUnit,
    LegalEntity,
    Vendor,
    User,
)


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))


class RawJson(str):
    """A value already encoded as JSON (an assessment's result, an event's snapshot)."""


def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


class Table:
    """The rows of one table, in its concrete fields' order, written with one COPY. Primary keys
    are handed out here (`reserve`), so rows can point at each other before they are written."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.names = _attnames(model)
        self.json = {f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)}
        self.rows: list[tuple[Any, ...]] = []
        self.last_id = 0

    def reserve(self) -> int:
        self.last_id += 1
        return self.last_id

    def add(self, values: dict[str, Any]) -> int:
        if "id" not in values and "id" in self.names:
            values["id"] = self.reserve()
        self.rows.append(
            tuple(
                _json(values[name])
                if name in self.json and not isinstance(values[name], RawJson)
                else values[name]
                for name in self.names
            )
        )
        return int(values.get("id", 0))


@dataclass
class Profile:
    """One answer profile as the engine classifies it, with the facts the services prefill."""

    answers: dict[str, Any]
    result: Classification
    result_json: RawJson


@dataclass
class Plan:
    """What one use-case becomes, decided before any row is written (so exactly a tenth can be
    chosen to have a reminder due)."""

    created_at: dt.datetime
    status: str
    stage: str  # the final lifecycle stage
    profile: int | None
    due: bool = False

    @property
    def prohibited(self) -> bool:
        return self.profile is not None and bool(PROFILES[self.profile][1].get("ART5_1_F"))


class Seeder:
    def __init__(self, *, use_cases: int, seed: int) -> None:
        self.n = use_cases
        self.rng = random.Random(seed)  # noqa: S311 (made-up data, not a secret)
        self.today = timezone.localdate()
        # Everything is dated back from the start of today, so a seed gives the same rows all day.
        self.now = timezone.make_aware(dt.datetime.combine(self.today, dt.time()))
        self.tables: dict[type[models.Model], Table] = {model: Table(model) for model in FILLED}
        self.profiles: dict[tuple[int, bool, bool, bool], Profile] = {}
        self.cadence = settings.KOERS_REVIEW_CADENCE_MONTHS
        self.use_case_fields = _attnames(UseCase)
        self.emails: dict[int, str] = {}
        self.usernames: dict[int, str] = {}
        self.role_of: dict[int, str] = {}
        self.references: Counter[int] = Counter()

    # --- people and organisation -------------------------------------------------------------

    def _user(self, username: str, first: str, last: str, role: str) -> int:
        email = f"{username}@bench.koers.example"
        pk = self.tables[User].add(
            {
                "password": "!",  # unusable: bench people sign in through force_login or a token
                "last_login": None,
                "is_superuser": False,
                "username": username,
                "first_name": first,
                "last_name": last,
                "email": email,
                "is_staff": role in STAFF_ROLES,
                "is_active": True,
                "date_joined": self.now - dt.timedelta(days=365 * YEARS_BACK),
                "language": "nl" if self.rng.random() < 0.8 else "en",
                "weekly_digest": self.rng.random() < 0.1,
                "calendar_token_hash": "",
            }
        )
        self.emails[pk], self.usernames[pk], self.role_of[pk] = email, username, role
        return pk

    def organisation(self) -> None:
        long_ago = self.now - dt.timedelta(days=365 * YEARS_BACK)
        self.committee = [
            self._user(f"commissie{i}", "Lid", f"Commissie {i}", Role.COMMITTEE) for i in range(1, 6)
        ]
        for username, role in BENCH_PEOPLE:
            self._user(username, "Bench", str(role.label), role)
        entities = []
        self.entity_facts: dict[int, tuple[bool, bool]] = {}
        for i in range(1, max(3, min(12, self.n // 10_000)) + 1):
            facts = (i % 7 == 0, i % 3 == 0)
            pk = self.tables[LegalEntity].add(
                {
                    "name": f"Koers Bench Groep {i} B.V.",
                    "is_public_body": facts[0],
                    "provides_public_service": facts[1],
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
            )
            entities.append(pk)
            self.entity_facts[pk] = facts
        unit_count = max(5, self.n // 500)
        owners_per_unit = max(2, min(40, self.n // unit_count // 25))
        self.units: list[tuple[int, int, list[int]]] = []  # (unit, legal entity, owners)
        for i in range(1, unit_count + 1):
            owners = [
                self._user(f"eigenaar{i}-{j}", f"Eigenaar {j}", f"Unit {i}", Role.MEMBER)
                for j in range(1, owners_per_unit + 1)
            ]
            entity = entities[i % len(entities)]
            unit = self.tables[BusinessUnit].add(
                {
                    "legal_entity_id": entity,
                    "name": f"Unit {i}",
                    "lead_id": owners[0],
                    "webhook_url": "",
                    "webhook_secret": "",
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
            )
            for owner in owners:
                self.tables[Membership].add(
                    {"user_id": owner, "business_unit_id": unit, "created_at": long_ago}
                )
            self.units.append((unit, entity, owners))
        self.vendors = [
            self.tables[Vendor].add(
                {
                    "name": f"Leverancier {i}",
                    "product": f"Product {i}",
                    "ai_act_role": "provider",
                    "instructions_url": "",
                    "logs_location": "Bij de leverancier",
                    "log_retention_days": 180,
                    "processor_agreement": i % 2 == 0,
                    "trains_on_our_data": ("yes", "no", "unknown")[i % 3],
                    "model_change_notice": "",
                    "incident_contact": f"security@leverancier{i}.example",
                    "ce_marking": None,
                    "eu_database_number": "",
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
            )
            for i in range(1, max(5, self.n // 300) + 1)
        ]

    # --- the engine's profiles ---------------------------------------------------------------

    def profile(self, index: int, public_body: bool, public_service: bool, vendor: bool) -> Profile:
        key = (index, public_body, public_service, vendor)
        if key not in self.profiles:
            answers = {
                "PUBLIC_BODY": public_body,
                "PUBLIC_SERVICE": public_service,
                "VENDOR_SUPPLIED": vendor,
                **PROFILES[index][1],
            }
            problems = answer_problems(answers)
            if problems:
                raise ValueError(f"bench profile {index} has bad answers: {problems}")
            result = classify(answers, today=self.today)
            self.profiles[key] = Profile(answers, result, RawJson(_json(dataclasses.asdict(result))))
        return self.profiles[key]

    def _cadence(self, tier: str) -> int:
        return schedule.cadence_months(tier, policy=self.cadence) or 12

    # --- use-cases ---------------------------------------------------------------------------

    def plans(self) -> list[Plan]:
        """Every use-case's fate; exactly a tenth of all (of those that can be) due now."""
        rng = self.rng
        span = int(dt.timedelta(days=365 * YEARS_BACK).total_seconds())
        created = sorted(
            self.now - dt.timedelta(seconds=rng.randrange(86_400 * 60, span)) for _ in range(self.n)
        )
        weights = [w for w, _ in PROFILES]
        plans = []
        for created_at in created:
            status = _pick(rng, STATUSES)
            if status == WorkflowStatus.APPROVED:
                stage = _pick(rng, APPROVED_STAGES)
            else:
                stage = LifecycleStage.PILOT if rng.random() < 0.3 else LifecycleStage.IDEA
            assessed = status != WorkflowStatus.DRAFT or rng.random() < 0.5
            plan = Plan(
                created_at, status, stage, rng.choices(range(len(PROFILES)), weights)[0] if assessed else None
            )
            if plan.prohibited:  # suspended at once, never approved (services.apply_tier)
                plan.status, plan.stage = WorkflowStatus.SUBMITTED, LifecycleStage.SUSPENDED
            plans.append(plan)
        can_be_due = [p for p in plans if p.stage in ACTIVE_STAGES and p.profile is not None]
        for plan in rng.sample(can_be_due, min(len(can_be_due), round(self.n * DUE_SHARE))):
            plan.due = True
        return plans

    def use_cases(self) -> Iterator[int]:
        for number, plan in enumerate(self.plans(), start=1):
            self._use_case(plan)
            if number % 10_000 == 0 or number == self.n:
                yield number
        self.tables[ReferenceCounter].rows = sorted(self.references.items())

    def _use_case(self, plan: Plan) -> None:
        rng = self.rng
        unit, entity, owners = self.units[rng.randrange(len(self.units))]
        owner = rng.choice(owners)
        vendor = rng.choice(self.vendors) if rng.random() < 0.6 else None
        final = plan.stage in {LifecycleStage.RETIRED, LifecycleStage.SUSPENDED} and not plan.prohibited
        start_stage = LifecycleStage.PRODUCTION if final else plan.stage
        if plan.prohibited:
            start_stage = LifecycleStage.PILOT
        pk = self.tables[UseCase].reserve()
        name = f"{rng.choice(NAMES)} {rng.choice(TOPICS)} {pk}"
        pilot = start_stage == LifecycleStage.PILOT
        row: dict[str, Any] = {
            "id": pk,
            "reference": None,
            "name": name,
            "description": f"{name}: ondersteunt medewerkers bij het dagelijkse werk.",
            "purpose": f"Sneller en beter werk: {name}",
            "sector": rng.choice(SECTORS),
            "business_unit_id": unit,
            "owner_id": owner,
            "vendor_id": vendor,
            "status": WorkflowStatus.DRAFT,
            "lifecycle_stage": start_stage,
            "classification_status": ClassificationStatus.UNASSESSED,
            "risk_tier": "",
            "policy_tier": "",
            "fria_required": False,
            "current_assessment_id": None,
            "override_may_be_stale": False,
            "customer_facing": rng.random() < 0.5,
            "affects_customers": True,
            "affects_employees": rng.random() < 0.4,
            "affects_patients": rng.random() < 0.1,
            "affects_public": rng.random() < 0.05,
            "affected_people": "",
            "personal_data": rng.random() < 0.7,
            "special_categories": rng.random() < 0.1,
            "lawful_basis": "legitimate_interests",
            "processing_register_ref": f"VWR-{pk}",
            "dpia_needed": "unknown",
            "dpia_status": "",
            "dpia_link": "",
            "dpo_advice": "",
            "automated_decisions": rng.random() < 0.1,
            "human_oversight": rng.choice(OVERSIGHT),
            "overseers": "Teamleider van dienst",
            "overseers_can_stop": True,
            "escalation_path": "Via de servicedesk naar een medewerker",
            "notice": "U praat met een AI-assistent.",
            "goal": "Minder wachttijd bij gelijke kwaliteit, gemeten per kwartaal",
            "pilot_scope": "Twee vestigingen" if pilot else "",
            "pilot_end_date": self.today + dt.timedelta(days=rng.randrange(45, 200)) if pilot else None,
            "stop_criteria": "Meer dan vijf klachten per week" if pilot else "",
            "works_council_position": WorksCouncilPosition.NOT_APPLICABLE,
            "workers_informed": False,
            "review_cadence_months": None,
            "version": 1,
            "created_at": plan.created_at,
            "updated_at": plan.created_at,
        }
        case = Case(self, row)
        case.due = plan.due
        case.use_case("created", plan.created_at, actor=owner)
        at = plan.created_at
        if plan.profile is not None:
            at += dt.timedelta(hours=rng.randrange(1, 72))
            self._classify(case, plan.profile, entity, vendor is not None, at)
        if plan.status != WorkflowStatus.DRAFT:
            at += dt.timedelta(hours=rng.randrange(1, 96))
            year = timezone.localtime(at).year
            self.references[year] += 1
            row["reference"] = f"AI-{year}-{self.references[year]:04d}"
            row["status"] = WorkflowStatus.SUBMITTED
            case.use_case("submitted", at, actor=owner)
        reviewed, next_due = False, None
        dates: list[dt.date] = []
        if plan.status in {
            WorkflowStatus.APPROVED,
            WorkflowStatus.REJECTED,
            WorkflowStatus.CHANGES_REQUESTED,
        }:
            at = min(at + dt.timedelta(days=rng.randrange(3, 30)), self.now - dt.timedelta(days=40))
            reviewed = plan.status == WorkflowStatus.APPROVED and row["risk_tier"] not in {
                "",
                RiskTier.PROHIBITED,
            }
            reviewed = reviewed and (plan.stage in ACTIVE_STAGES or final)
            if reviewed:
                dates, next_due = self._review_dates(plan, row["risk_tier"], at)
            self._decide(case, plan.status, at, first_due=dates[0] if dates else next_due)
        if reviewed and next_due is not None:
            at = self._reviews(case, plan, at, dates, next_due)
        elif plan.due or (case.next_due is not None and case.next_due <= self.today + dt.timedelta(days=15)):
            # Planned when it was classified, brought forward (or on) by a review trigger since.
            days = rng.randrange(-10, 14) if plan.due else rng.randrange(16, 90)
            case.next_due = self.today + dt.timedelta(days=days)
            at = max(at + dt.timedelta(hours=1), self.now - dt.timedelta(days=rng.randrange(1, 30)))
            case.use_case(
                "review_triggered",
                at,
                actor=self.committee[0],
                justification="Nieuwe versie van het model",
                next_due=case.next_due,
            )
        if row["lifecycle_stage"] in ACTIVE_STAGES and rng.random() < INCIDENT_SHARE * 1.3:
            self._incident(case, at)
        case.finish()

    def _classify(self, case: Case, index: int, entity: int, vendor: bool, at: dt.datetime) -> None:
        row, actor = case.row, case.row["owner_id"]
        profile = self.profile(index, *self.entity_facts[entity], vendor)
        result = profile.result
        assessment = self.tables[RiskAssessment].add(
            {
                "use_case_id": row["id"],
                "kind": "engine",
                "answers": profile.answers,
                "result": profile.result_json,
                "risk_tier": result.risk_tier,
                "complete": result.complete,
                "fria_required": result.fria_required,
                "ruleset_version": result.ruleset_version,
                "author_id": actor,
                "justification": "",
                "second_approver_id": None,
                "created_at": at,
            }
        )
        row.update(
            current_assessment_id=assessment,
            fria_required=result.fria_required,
            classification_status=ClassificationStatus.INDICATIVE,
            risk_tier=result.risk_tier,
        )
        if result.risk_tier == "prohibited":
            row["lifecycle_stage"] = LifecycleStage.SUSPENDED
        else:
            case.next_due = schedule.next_due(timezone.localdate(at), self._cadence(result.risk_tier))
        for duty in result.obligations:
            item = {
                "id": self.tables[ObligationItem].reserve(),
                "use_case_id": row["id"],
                "code": duty.code,
                "article": duty.article,
                "title_nl": duty.title.nl,
                "title_en": duty.title.en,
                "owner": duty.owner,
                "applies_from": duty.applies_from,
                "status": ObligationStatus.OPEN,
                "evidence_url": "",
                "evidence_note": "",
                "done_by_id": None,
                "done_at": None,
                "updated_at": at,
            }
            case.obligations.append(item)
            case.record("register.obligation.added", "register.obligationitem", item, at, actor)
        case.use_case("classified", at, actor=actor, justification=result.risk_tier, assessment=assessment)

    def _decide(self, case: Case, status: str, at: dt.datetime, *, first_due: dt.date | None) -> None:
        rng, row = self.rng, case.row
        kinds: dict[str, DecisionKind] = {
            WorkflowStatus.APPROVED: DecisionKind.APPROVE,
            WorkflowStatus.REJECTED: DecisionKind.REJECT,
            WorkflowStatus.CHANGES_REQUESTED: DecisionKind.REQUEST_CHANGES,
        }
        kind = kinds[status]
        by = rng.choice(self.committee)
        conditions = "Evalueer na drie maanden" if kind == DecisionKind.APPROVE and rng.random() < 0.4 else ""
        justification = "" if kind == DecisionKind.APPROVE else "De doelen zijn niet meetbaar genoeg."
        decision = {
            "id": self.tables[Decision].reserve(),
            "use_case_id": row["id"],
            "kind": kind,
            "scope": "",
            "conditions": conditions,
            "end_date": None,
            "justification": justification,
            "meeting_id": None,
            "decided_by_id": by,
            "decided_at": at,
        }
        self.tables[Decision].add(decision)
        actions = []
        if conditions:
            actions.append(
                {
                    "id": self.tables[Action].reserve(),
                    "decision_id": decision["id"],
                    "description": "Meet de klachten per week en rapporteer aan de commissie",
                    "owner_id": row["owner_id"],
                    "due_date": timezone.localdate(at) + dt.timedelta(days=90),
                    "done_at": None,
                }
            )
        row["status"] = status
        if kind == DecisionKind.APPROVE:
            if row["classification_status"] == ClassificationStatus.INDICATIVE and rng.random() < 0.7:
                row["classification_status"] = ClassificationStatus.CONFIRMED
            if first_due is not None:  # the committee plans the first review on approval
                case.next_due = first_due
        verb = {DecisionKind.APPROVE: "approved", DecisionKind.REJECT: "rejected"}.get(
            kind, "changes_requested"
        )
        case.use_case(
            verb,
            at,
            actor=by,
            justification=justification or conditions,
            decision=decision,
            actions=list(actions),
        )
        # Follow-up within the first weeks (before any review, so events stay in time order).
        for action in actions:
            if rng.random() < 0.7:
                action["done_at"] = at + dt.timedelta(days=rng.randrange(2, 15))
                case.record(
                    "register.action.completed", "register.action", action, action["done_at"], row["owner_id"]
                )
            self.tables[Action].add(action)
        if kind == DecisionKind.APPROVE:
            for item in case.obligations:
                if rng.random() < 0.6:
                    done = at + dt.timedelta(days=rng.randrange(2, 15))
                    item.update(
                        status=ObligationStatus.DONE,
                        evidence_url=f"https://intranet.bench.koers.example/bewijs/{row['id']}/{item['code']}",
                        done_by_id=row["owner_id"],
                        done_at=done,
                        updated_at=done,
                    )
                    case.record(
                        "register.obligation.done", "register.obligationitem", item, done, row["owner_id"]
                    )

    def _review_dates(self, plan: Plan, tier: str, decided_at: dt.datetime) -> tuple[list[dt.date], dt.date]:
        """The reviews' due dates since the decision, one per cadence, and the next one: far off,
        or (for the tenth that is due now) within the reminders' window."""
        rng = self.rng
        months = self._cadence(tier)
        decided_on = timezone.localdate(decided_at)
        if plan.due:
            next_due = self.today + dt.timedelta(days=rng.randrange(-10, 14))  # a reminder due
        else:
            next_due = self.today + dt.timedelta(days=rng.randrange(16, max(17, months * 30)))
        dates = []
        for k in range(1, MAX_REVIEWS + 1):
            day = next_due - relativedelta(months=months * k)
            if day <= decided_on + dt.timedelta(days=20):
                break
            dates.append(day)
        dates.reverse()
        final = plan.stage in {LifecycleStage.RETIRED, LifecycleStage.SUSPENDED}
        if final and not dates:
            dates = [decided_on + dt.timedelta(days=25)]
        return dates, next_due

    def _reviews(
        self, case: Case, plan: Plan, decided_at: dt.datetime, dates: list[dt.date], next_due: dt.date
    ) -> dt.datetime:
        """The reviews recorded on `dates`; the last of a retired or suspended one retired or
        suspended it."""
        rng, row = self.rng, case.row
        final = plan.stage in {LifecycleStage.RETIRED, LifecycleStage.SUSPENDED}
        reviewer = rng.choice(self.committee)
        at = decided_at
        for i, day in enumerate(dates):
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(10))) + dt.timedelta(
                days=rng.randrange(0, 8)
            )
            at = max(min(at, self.now - dt.timedelta(hours=1)), decided_at + dt.timedelta(days=16))
            last = i == len(dates) - 1
            follows: dt.date | None = dates[i + 1] if not last else next_due
            outcome = ReviewOutcome.CONTINUE
            if last and final:
                outcome = (
                    ReviewOutcome.RETIRE if plan.stage == LifecycleStage.RETIRED else ReviewOutcome.SUSPEND
                )
                follows = None
            review = {
                "id": self.tables[Review].reserve(),
                "use_case_id": row["id"],
                "due_date": day,
                "reviewer_id": reviewer,
                "notice_still_right": True,
                "bias_checked": True,
                "bias_groups": "Leeftijd, geslacht",
                "bias_result": "Geen verschil gevonden",
                "oversight_effective": True,
                "override_rate": "3 %",
                "incidents_since": "",
                "goal_met": rng.random() < 0.9,
                "outcome": outcome,
                "findings": "Werkt zoals bedoeld; de melding klopt.",
                "next_due": follows,
                "recorded_at": at,
            }
            self.tables[Review].add(review)
            self._reminder_sent(row, day)
            if outcome != ReviewOutcome.CONTINUE:
                row["lifecycle_stage"] = plan.stage
            case.next_due = follows
            case.use_case("reviewed", at, actor=reviewer, justification=review["findings"], review=review)
        return at

    def _reminder_sent(self, row: dict[str, Any], due: dt.date, stage: str = "due", repeat: int = 0) -> None:
        at = schedule.send_at(
            schedule.stage_date(due, stage, repeat), hour=settings.KOERS_SEND_HOUR, zone=settings.TIME_ZONE
        )
        label = f"{row['reference'] or ''} {row['name']}".strip()
        self.tables[Delivery].add(
            {
                "subject_type": "register.usecase",
                "subject_id": str(row["id"]),
                "use_case_id": row["id"],
                "due_date": due,
                "stage": stage,
                "repeat": repeat,
                "recipient": self.emails[row["owner_id"]],
                "channel": "email",
                "language": "nl",
                "template": f"review_{stage}",
                "context": {
                    "reference": row["reference"] or "",
                    "name": row["name"],
                    "label": label,
                    "stage": stage,
                    "repeat": str(repeat),
                    "due_date": due.isoformat(),
                    "path": f"/use-cases/{row['id']}/",
                },
                "status": DeliveryStatus.SENT,
                "attempts": 1,
                "next_attempt_at": at,
                "last_error": "",
                "claimed_at": at,
                "sent_at": at,
                "created_at": at,
                "digest_id": None,
            }
        )

    def _incident(self, case: Case, after: dt.datetime) -> None:
        rng, row = self.rng, case.row
        room = max(3600, int((self.now - after).total_seconds()) - 3 * 86_400)
        happened = after + dt.timedelta(seconds=rng.randrange(3600, room + 3600))
        aware = min(happened + dt.timedelta(hours=rng.randrange(0, 48)), self.now - dt.timedelta(minutes=5))
        happened = min(happened, aware)
        serious = "c" if rng.random() < 0.1 else ""
        incident = {
            "id": self.tables[Incident].reserve(),
            "use_case_id": row["id"],
            "what_happened": "Onjuist advies gegeven aan een klant",
            "happened_at": happened,
            "aware_at": aware,
            "harm_category": "Onjuiste informatie",
            "people_affected": rng.randrange(1, 50),
            "severity": 3 if serious else rng.randrange(1, 3),
            "seriousness": serious,
            "death": False,
            "widespread_infringement": False,
            "personal_data_breach": False,
            "immediate_measures": "Antwoord gecorrigeerd",
            "status": "closed" if rng.random() < 0.7 else "investigating",
            "report_references": "",
            "created_at": aware,
            "updated_at": aware,
        }
        self.tables[Incident].add(incident)
        case.record("register.incident.recorded", "register.incident", incident, aware, row["owner_id"])
        if serious:  # its legal clocks were met and marked done, as the committee does
            facts = Facts(
                aware_at=aware,
                seriousness=serious,
                death=False,
                widespread_infringement=False,
                personal_data_breach=False,
            )
            for clock in clocks_for(facts, zone=settings.TIME_ZONE):
                done = {
                    "incident_id": incident["id"],
                    "clock": clock.code,
                    "reference": f"Melding {incident['id']}-{clock.code}",
                    "done_by_id": self.committee[0],
                    "done_at": aware + dt.timedelta(hours=20),
                    "id": self.tables[IncidentClockDone].reserve(),
                }
                self.tables[IncidentClockDone].add(done)
                case.record(
                    "register.incident.clock_done",
                    "register.incident",
                    incident,
                    done["done_at"],
                    self.committee[0],
                )


def _pick(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


class Case:
    """One use-case as it is built: its row, duties and schedule, and its audit events in time
    order, with `version` and `updated_at` moving as the services move them."""

    MOVES = MOVES_USE_CASE

    def __init__(self, seeder: Seeder, row: dict[str, Any]) -> None:
        self.seeder, self.row = seeder, row
        self.obligations: list[dict[str, Any]] = []
        self.next_due: dt.date | None = None
        self.due = False  # a review reminder due now
        self.events: list[dict[str, Any]] = []

    def _event(
        self,
        action: str,
        subject: tuple[str, int],
        at: dt.datetime,
        actor: int | None,
        snapshot: str,
        justification: str = "",
    ) -> None:
        self.events.append(
            {
                "occurred_at": at,
                "actor_id": actor,
                "actor_label": self.seeder.usernames[actor] if actor else "system",
                "action": action,
                "subject_type": subject[0],
                "subject_id": str(subject[1]),
                "use_case_id": self.row["id"],
                "justification": justification,
                "snapshot": RawJson(snapshot),
            }
        )

    def use_case(
        self, verb: str, at: dt.datetime, *, actor: int, justification: str = "", **extra: Any
    ) -> None:
        if verb != "created":
            self.row["version"] += 1
        self.row["updated_at"] = at
        snapshot = {name: self.row[name] for name in self.seeder.use_case_fields}
        snapshot["next_review_due"] = self.next_due
        snapshot.update(extra)
        self._event(
            f"register.use_case.{verb}",
            ("register.usecase", self.row["id"]),
            at,
            actor,
            _json(snapshot),
            justification,
        )

    def record(
        self, action: str, subject_type: str, values: dict[str, Any], at: dt.datetime, actor: int
    ) -> None:
        if action in self.MOVES:
            self.row["version"] += 1
            self.row["updated_at"] = max(self.row["updated_at"], at)
        self._event(action, (subject_type, values["id"]), at, actor, _json(values))

    def finish(self) -> None:
        tables, row = self.seeder.tables, self.row
        tables[UseCase].add(row)
        for item in self.obligations:
            tables[ObligationItem].add(item)
        reminder_at = None
        if self.due and self.next_due is not None:
            # The stages reached by the start of today went out (a row each, the owner's); the one
            # reached last is the one the sweep is to plan: the reminder time points at it.
            where = stages_at(self.next_due, self.seeder.now)
            for stage in where.earlier:
                self.seeder._reminder_sent(row, self.next_due, stage.name, stage.repeat)
            reminder_at = where.current.at if where.current else where.next_at
        elif row["lifecycle_stage"] != LifecycleStage.RETIRED:
            reminder_at = first_reminder_at(self.next_due)
        pilot_end = row["pilot_end_date"] if row["lifecycle_stage"] == LifecycleStage.PILOT else None
        tables[ReviewSchedule].add(
            {
                "use_case_id": row["id"],
                "next_due": self.next_due if reminder_at else None,
                "next_reminder_at": reminder_at,
                "pilot_end": pilot_end,
                "pilot_reminder_at": first_reminder_at(pilot_end),
                "updated_at": row["updated_at"],
            }
        )
        for event in sorted(self.events, key=lambda e: e["occurred_at"]):
            tables[AuditEvent].add(event)


def seed(*, use_cases: int, seed: int, progress: Callable[[str], None]) -> dict[str, int]:
    """Fill an empty register (PostgreSQL) with `use_cases` use-cases; the rows written per table."""
    seeder = Seeder(use_cases=use_cases, seed=seed)
    seeder.organisation()
    for done in seeder.use_cases():
        progress(f"  built {done:,} of {use_cases:,} use-cases")
    counts = {}
    raw = connection.connection  # psycopg 3
    for model in reversed(FILLED):
        rows = seeder.tables[model].rows
        _copy(raw, model, rows)
        counts[model.__name__] = len(rows)
        progress(f"  wrote {len(rows):,} rows of {model.__name__}")
    _grant_roles(raw, seeder)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(FILLED)):
            cursor.execute(sql)
        progress("  analysing the tables")
        for model in FILLED:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return counts


def _copy(raw: Any, model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
    columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _grant_roles(raw: Any, seeder: Seeder) -> None:
    groups = dict(Group.objects.filter(name__in=[r.value for r in Role]).values_list("name", "pk"))
    through = User.groups.through
    with (
        raw.cursor() as cursor,
        cursor.copy(f'COPY "{through._meta.db_table}" (user_id, group_id) FROM STDIN') as copy,
    ):
        for user, role in seeder.role_of.items():
            copy.write_row((user, groups[role]))


def vacuum() -> None:
    """VACUUM ANALYZE the filled tables (outside a transaction): what autovacuum does to a table
    soon after a bulk load, and what index-only scans need (the visibility map)."""
    with connection.cursor() as cursor:
        for model in FILLED:
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')


def empty(replace: bool) -> list[str]:
    """The tables seed_bench fills that hold rows; with `replace`, emptied first (TRUNCATE)."""
    tables = [m._meta.db_table for m in FILLED]
    extra = [User.groups.through._meta.db_table, User.user_permissions.through._meta.db_table]
    with connection.cursor() as cursor:
        if replace:
            # Rows written earlier in the same transaction (a test) have their key checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "TRUNCATE "
                + ", ".join(
                    f'"{t}"'
                    for t in [*tables, *extra, "authtoken_token", "django_admin_log", "django_session"]
                )
                + " RESTART IDENTITY CASCADE"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return []
        full = []
        for table in tables:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')  # noqa: S608 (our table names)
            if cursor.fetchone()[0]:
                full.append(table)
        return full
