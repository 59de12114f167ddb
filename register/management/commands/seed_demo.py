"""`python manage.py seed_demo`: the demo register from fixtures/demo.yaml, through the services
(STYLE.md §21), so the engine classifies, the schedule plans and the audit trail records it all.
Idempotent by natural keys. Refuses with DEBUG off: demo people have a published password."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from register import services
from register.choices import DecisionKind, ReviewOutcome, Role
from register.models import BusinessUnit, LegalEntity, UseCase, User, Vendor

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo.yaml"
# What every demo use-case needs before it can be submitted; the file adds the specifics.
BASICS = {
    "affects_customers": True,
    "human_oversight": "human_on_the_loop",
    "goal": "Minder wachttijd, zelfde kwaliteit; gemeten per kwartaal",
    "escalation_path": "Via de klantenservice naar een medewerker",
}
PILOT = {"pilot_scope": "Twee vestigingen", "stop_criteria": "Meer dan vijf klachten per week"}


class Command(BaseCommand):
    help = "Fill the register with demo data (DEBUG only). Running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(DEMO), help="the demo inputs (fixtures/demo.yaml)")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: demo people have a published password.")
        demo = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
        with transaction.atomic():
            people = self._people(demo)
            units = self._organisation(demo, people)
            vendors = self._vendors(demo)
            for number, spec in enumerate(demo["use_cases"], start=1):
                created = self._use_case(spec, people, units, vendors)
                self.stderr.write(
                    f"  use-case {number}/{len(demo['use_cases'])}: {spec['name']}"
                    + ("" if created else " (already there)")
                )
        self._print_people(demo)

    def _people(self, demo: dict[str, Any]) -> dict[str, User]:
        people = {}
        for spec in demo["users"]:
            user = User.objects.filter(username=spec["username"]).first()
            if user is None:
                user = User(**{k: v for k, v in spec.items() if k != "role"})
                user.set_password(demo["password"])
                services.user_save(acting_user=None, user=user, changed_fields=["username"], created=True)
                services.role_grant(acting_user=None, user=user, role=Role(spec["role"]))
            people[spec["username"]] = user
        return people

    def _organisation(self, demo: dict[str, Any], people: dict[str, User]) -> dict[str, BusinessUnit]:
        units = {}
        for spec in demo["legal_entities"]:
            facts = {k: v for k, v in spec.items() if k not in {"name", "units"}}
            entity = LegalEntity.objects.filter(name=spec["name"]).first() or services.legal_entity_create(
                acting_user=None, name=spec["name"], **facts
            )
            for unit_spec in spec["units"]:
                unit = BusinessUnit.objects.filter(legal_entity=entity, name=unit_spec["name"]).first()
                if unit is None:
                    unit = services.business_unit_create(
                        acting_user=None,
                        legal_entity=entity,
                        name=unit_spec["name"],
                        lead=people[unit_spec["lead"]],
                    )
                    for member in unit_spec["members"]:
                        services.membership_add(acting_user=None, user=people[member], business_unit=unit)
                units[unit.name] = unit
        return units

    def _vendors(self, demo: dict[str, Any]) -> dict[str, Vendor]:
        vendors = {}
        for spec in demo["vendors"]:
            vendor = Vendor.objects.filter(name=spec["name"], product=spec["product"]).first()
            vendors[spec["name"]] = vendor or services.vendor_create(acting_user=None, **spec)
        return vendors

    def _use_case(
        self,
        spec: dict[str, Any],
        people: dict[str, User],
        units: dict[str, BusinessUnit],
        vendors: dict[str, Vendor],
    ) -> bool:
        unit, owner = units[spec["unit"]], people[spec["owner"]]
        if UseCase.objects.filter(business_unit=unit, name=spec["name"]).exists():
            return False
        today = timezone.localdate()
        keys = (
            "sector",
            "customer_facing",
            "affects_customers",
            "affects_employees",
            "affects_patients",
            "affects_public",
            "special_categories",
            "works_council_position",
            "workers_informed",
        )
        fields: dict[str, Any] = {key: spec[key] for key in keys if key in spec}
        if spec["stage"] == "pilot":
            fields |= {**PILOT, "pilot_end_date": today + dt.timedelta(days=90)}
        use_case = services.use_case_create(
            acting_user=owner,
            business_unit=unit,
            owner=owner,
            name=spec["name"],
            vendor=vendors.get(spec.get("vendor", "")),
            lifecycle_stage=spec["stage"],
            purpose=spec["name"],
            **BASICS,
            **fields,
        )
        if "answers" in spec:
            services.use_case_classify(acting_user=owner, use_case=use_case, answers=spec["answers"])
        if spec["status"] in {"submitted", "approved"}:
            services.use_case_submit(acting_user=owner, use_case=use_case)
        if spec["status"] == "approved":
            services.decision_record(
                acting_user=people["voorzitter"],
                use_case=use_case,
                kind=DecisionKind.APPROVE,
                conditions="Evalueer na drie maanden",
            )
        if "decision" in spec:
            services.decision_record(
                acting_user=people["voorzitter"],
                use_case=use_case,
                kind=DecisionKind(spec["decision"]["kind"]),
                justification=spec["decision"]["justification"],
            )
        if "override" in spec:
            services.use_case_override(
                acting_user=people["voorzitter"],
                use_case=use_case,
                risk_tier=spec["override"]["tier"],
                justification=spec["override"]["justification"],
            )
        if spec.get("retire"):
            services.review_record(
                acting_user=people["secretaris"],
                use_case=use_case,
                due_date=today,
                outcome=ReviewOutcome.RETIRE,
            )
        if spec.get("confirm"):
            services.use_case_confirm_classification(acting_user=people["voorzitter"], use_case=use_case)
        if "review" in spec:
            services.review_record(
                acting_user=people["secretaris"],
                use_case=use_case,
                due_date=today - dt.timedelta(days=spec["review"]["days_ago"]),
                outcome=ReviewOutcome.CONTINUE,
                next_due=today + dt.timedelta(days=spec["review"]["next_due_in_days"]),
                findings="Melding klopt; geen incidenten.",
            )
        return True

    def _print_people(self, demo: dict[str, Any]) -> None:
        self.stdout.write(
            self.style.SUCCESS("Demo register ready. Log in as (password: {}):".format(demo["password"]))
        )
        for spec in demo["users"]:
            self.stdout.write(
                f"  {spec['username']:<12} {spec['role']:<10} {spec['first_name']} {spec['last_name']}"
            )
