"""`python manage.py send_reminders [--dry-run] [--now ISO]`: one sweep by hand: plan the review
reminders that have come due and deliver what is queued, printing each row; with --dry-run,
print what it would write and send, and change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from register import outbox, reminders


def _moment(text: str, *, dry_run: bool) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
        moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        moment + dt.timedelta(days=800)  # room for every stage this run can reach
    except (ValueError, OverflowError):
        raise CommandError(
            f"--now must be an ISO date and time, like 2026-12-01T08:00+01:00; got {text!r}."
        ) from None
    if not dry_run and moment > timezone.now():
        # Planning for a later moment would send its reminders early and mark the ones between
        # now and then as missed: only a dry run may look ahead.
        raise CommandError("--now may lie in the future only with --dry-run.")
    return moment


class Command(BaseCommand):
    help = "Run one reminder sweep now (or as at --now), printing what it sends; --dry-run changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent; write nothing")
        parser.add_argument("--now", help="the moment to plan for (ISO 8601; default: now)")

    def handle(self, *args: Any, dry_run: bool, now: str | None, **options: Any) -> None:
        moment = _moment(now, dry_run=dry_run) if now else timezone.now()
        if dry_run:
            planned = reminders.preview(moment)
            for line in planned.lines:
                self.stdout.write(line)
            self.stdout.write(
                f"Dry run at {moment.isoformat()}: would send {planned.queued}, would record "
                f"{planned.skipped} as skipped, for {planned.schedules} review(s). Nothing was changed."
            )
            return
        run = outbox.sweep(now=moment)
        for line in getattr(run, "planned_lines", []):
            self.stdout.write(line)
        self.stdout.write(
            f"Sweep at {moment.isoformat()}: queued {run.reminders_queued}, recorded {run.reminders_skipped} "
            f"as skipped; delivered {run.delivered}, failed {run.failed} (retried later)."
        )
