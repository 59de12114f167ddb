"""`python manage.py import_register PATH`: restore an archive written by `export_register` into
a new, migrated database, all or nothing (register/archive.py); progress on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from register import archive


class Command(BaseCommand):
    help = "Restore an archive from export_register into an empty, migrated database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the archive (.jsonl or .jsonl.gz)")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"There is no archive at {path}.")
        try:
            counts = archive.restore(path, progress=self._progress)
        except archive.ArchiveError as error:
            raise CommandError(str(error)) from None
        except (OSError, UnicodeDecodeError, EOFError) as error:  # not gzip, not text, cut short
            raise CommandError(
                f"{path} cannot be read as an archive: {error}. Nothing was restored."
            ) from None
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"Restored {total:,} rows of {len(counts)} tables from {path}."))

    def _progress(self, label: str, rows: int) -> None:
        self.stderr.write(f"  {label}: {rows:,} rows")
