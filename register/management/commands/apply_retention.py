"""`python manage.py apply_retention [--dry-run]`: remove what has passed its retention
(register/retention.py, SECURITY.md); one line per table on stdout. Run it daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from register import retention


class Command(BaseCommand):
    help = "Remove logs past their retention and pseudonymise people who left (SECURITY.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        now = timezone.now()
        verb = "would go" if dry_run else "removed"
        for rule in retention.rules():
            self.stderr.write(f"  {rule.table}: applying (keeps {rule.keeps})")
            count = rule.apply(now, dry_run)
            self.stdout.write(f"{rule.table}: {count:,} {verb}")
        self.stdout.write(
            self.style.SUCCESS("Retention applied." if not dry_run else "Nothing changed (dry run).")
        )
