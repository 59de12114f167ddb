"""One reminder sweep in a fresh process, on a copy of a bench database: `python -m bench.sweep`.

It calls what the Celery task `register.sweep` calls, `register.outbox.sweep()`: mark interrupted
rows, plan the review, pilot and incident reminders that have come due (in batches of 500, for up
to half the run), then deliver what is queued, one row at a time, with the dummy e-mail backend.
The run may take TIME_LIMIT (the task's own is 240 s), so that one sweep does everything due and
its time measures the work. No Celery worker runs: `deliver.delay`, which after each commit only
makes delivery faster, is replaced by a no-op, so every row is sent by the sweep's own delivery
loop inside the measured time, and nothing is left in the broker.

Queries are counted with a connection execute wrapper (the debug cursor's log stops at 9,000)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.common import emit, setup_django

# Long enough for one sweep to plan and send everything due (the task's own limit is 240 s; a
# run that needs more leaves the rest to the next hourly run, BENCHMARKS.md).
TIME_LIMIT = 3600.0


def _due(now: Any) -> int:
    """Review schedules whose reminder time has come, as the planner finds them."""
    from register.reminders import TRACKS, due_schedules

    return int(due_schedules(TRACKS[0], now).count())


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from register import outbox, tasks
    from register.models import Delivery

    tasks.deliver.delay = lambda *args, **kwargs: None  # type: ignore[method-assign,assignment]
    if settings.EMAIL_BACKEND != "django.core.mail.backends.dummy.EmailBackend":
        raise SystemExit(f"the sweep must run with the dummy e-mail backend, not {settings.EMAIL_BACKEND}")

    now = timezone.now()
    due = _due(now)
    before = Counter(dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by()))
    queries = 0

    def counting(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        started = time.perf_counter()
        run = outbox.sweep(time_limit=TIME_LIMIT)
        seconds = time.perf_counter() - started
    after = Counter(dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by()))
    emit(
        {
            "seconds": seconds,
            "queries": queries,
            "schedules_due": due,
            "reminders_queued": run.reminders_queued,
            "reminders_skipped": run.reminders_skipped,
            "delivered": run.delivered,
            "failed": run.failed,
            "marked_unknown": run.marked_unknown,
            "error": run.error,
            "hit_time_limit": seconds >= TIME_LIMIT,
            "deliveries_by_status_change": {
                status: after[status] - before[status] for status in sorted(set(after) | set(before))
            },
            "still_due_after": _due(now),
        }
    )


if __name__ == "__main__":
    main()
