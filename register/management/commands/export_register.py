"""`python manage.py export_register PATH [--force] [--without-secrets]`: the whole register as one
versioned archive (register/archive.py), gzip-compressed when PATH ends in .gz, readable by its
owner only; progress on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from register import archive


class Command(BaseCommand):
    help = "Write every row Koers keeps (audit trail and deliveries included) to one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the archive to write (.jsonl or .jsonl.gz)")
        parser.add_argument(
            "--force", action="store_true", help="replace an existing file (once the new one is complete)"
        )
        parser.add_argument(
            "--without-secrets",
            action="store_true",
            help="leave out API tokens and password hashes: a copy to hand over, not to restore a service from",
        )

    def handle(self, *args: Any, path: Path, force: bool, without_secrets: bool, **options: Any) -> None:
        if path.exists() and not force:
            raise CommandError(f"{path} exists already; choose another name or pass --force.")
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        counts = archive.export(path, progress=self._progress, secrets=not without_secrets)
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"Wrote {total:,} rows of {len(counts)} tables to {path}."))

    def _progress(self, label: str, rows: int) -> None:
        self.stderr.write(f"  {label}: {rows:,} rows")
