"""`python manage.py import_use_cases FILE [--dry-run]`: last year's spreadsheet (CSV or XLSX)
into the register, the same import as the admin's. Every bad row is listed with its reasons;
the good rows become draft use-cases, not yet assessed; rows already in the register are skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from register import importing, services
from register.models import User
from register.services.importing import ImportOutcome


class Command(BaseCommand):
    help = (
        "Import use-cases from a spreadsheet (CSV or XLSX); with --dry-run, only check it and list "
        "every bad row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check the file; import nothing")
        parser.add_argument(
            "--user", help="username recorded in the audit trail as importing (default: the system)"
        )

    def handle(self, *args: Any, file: str, dry_run: bool, user: str | None, **options: Any) -> None:
        acting_user = self._acting_user(user)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": error.strerror}
            ) from None
        try:
            report = importing.check_file(content, path.name)
        except importing.ImportFileError as error:
            raise CommandError(f"{path.name}: {error}") from None
        self._write_report(report, verbose=options["verbosity"] >= 2)
        try:
            outcome = services.use_cases_import(
                acting_user=acting_user,
                rows=report.planned,
                dry_run=dry_run,
                source=path.name,
                progress=self._progress,
            )
        except ValidationError as error:
            raise CommandError(
                _("Nothing was imported: %(reason)s") % {"reason": "; ".join(error.messages)}
            ) from None
        self.stdout.write(self.style.SUCCESS(_summary(outcome, len(report.bad))))
        if report.bad:
            raise CommandError(
                ngettext(
                    "%(count)d row has problems; correct it and run the import again (rows already "
                    "imported are then skipped).",
                    "%(count)d rows have problems; correct them and run the import again (rows already "
                    "imported are then skipped).",
                    len(report.bad),
                )
                % {"count": len(report.bad)}
            )

    def _acting_user(self, username: str | None) -> User | None:
        if username is None:
            return None
        person = User.objects.filter(username=username, is_active=True).first()
        if person is None:
            raise CommandError(_("No active person has the username %(username)s.") % {"username": username})
        return person

    def _write_report(self, report: importing.ImportReport, *, verbose: bool) -> None:
        self.stdout.write(
            ngettext("%(file)s: %(count)d row read.", "%(file)s: %(count)d rows read.", len(report.checks))
            % {"file": report.filename, "count": len(report.checks)}
        )
        if report.ignored_columns:
            self.stdout.write(
                _("Columns ignored: %(columns)s") % {"columns": ", ".join(report.ignored_columns)}
            )
        for check in report.bad:
            self.stdout.write(self.style.ERROR(_("Row %(row)d:") % {"row": check.row}))
            for problem in check.problems:
                self.stdout.write(f"  - {problem}")
        if verbose:
            for check in report.existing:
                self.stdout.write(
                    _("Row %(row)d: %(name)s is already in the register; skipped.")
                    % {"row": check.row, "name": check.name}
                )

    def _progress(self, number: int, total: int) -> None:
        if number % 100 == 0 or number == total:
            self.stderr.write(_("  %(number)d/%(total)d imported") % {"number": number, "total": total})


def _summary(outcome: ImportOutcome, bad: int) -> str:
    counts = {"created": outcome.created, "skipped": outcome.skipped, "bad": bad}
    if outcome.dry_run:
        return (
            _(
                "Dry run, nothing imported. Would be imported: %(created)d; already in the register: "
                "%(skipped)d; rows with problems: %(bad)d."
            )
            % counts
        )
    return (
        _(
            "Imported, not yet assessed: %(created)d; already in the register, skipped: %(skipped)d; "
            "rows with problems, skipped: %(bad)d."
        )
        % counts
    )
