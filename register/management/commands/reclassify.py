"""`python manage.py reclassify [--dry-run]`: re-run the engine on the current ruleset for every
assessed use-case and report each whose tier, duties or FRIA changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from register import services
from register.models import UseCase


class Command(BaseCommand):
    help = "Re-classify every assessed use-case on the current ruleset; report what changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report the changes without storing them")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        use_cases = UseCase.objects.filter(assessments__isnull=False).distinct().order_by("pk")
        total = use_cases.count()
        changed = 0
        for number, use_case in enumerate(use_cases.iterator(), start=1):
            outcome = services.use_case_reclassify(acting_user=None, use_case=use_case, dry_run=dry_run)
            if outcome is not None and outcome.changed:
                changed += 1
                self.stdout.write(
                    f"{use_case}: {outcome.tier_before} -> {outcome.tier_after}; duties or FRIA changed"
                )
            if number % 100 == 0 or number == total:
                self.stderr.write(f"  {number}/{total} checked")
        verb = "would change" if dry_run else "changed"
        self.stdout.write(self.style.SUCCESS(f"{changed} of {total} use-cases {verb}."))
