"""In-process measurements against one bench database (DATABASE_URL), with Django's test client:

    python -m bench.inproc prepare          the auditor's API token, sample ids, an `as_of` instant
    python -m bench.inproc measure N TOKEN ID AS_OF
                                            queries per request (detail and history of use-case
                                            ID), and median times of the admin's changelist and
                                            dashboard over N requests

The API is called with the auditor's token (the real authentication path), the admin pages as
the committee user (force_login). Each URL is requested once before counting, so one-off work
(permission and content-type caches, template loading) is not counted as the page's."""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from bench.common import AUDITOR, COMMITTEE, emit, say, setup_django


def prepare() -> dict[str, Any]:
    from django.db.models import Max, Min
    from rest_framework.authtoken.models import Token

    from register.models import AuditEvent, UseCase, User
    from register.services.api_tokens import api_token_create

    auditor = User.objects.get(username=AUDITOR)
    User.objects.get(username=COMMITTEE)  # fail early if seed_bench did not make it
    token = Token.objects.filter(user=auditor).first()
    key = token.key if token else api_token_create(acting_user=None, user=auditor)
    ids = list(UseCase.objects.order_by("id").values_list("id", flat=True))
    step = max(1, len(ids) // 50)
    sample = ids[::step][:50]
    # The detail and history counted for queries: a use-case that holds every kind of record, so
    # each prefetch runs and the count does not depend on which use-case the sample hit.
    full = (
        UseCase.objects.filter(
            decisions__actions__isnull=False,
            obligations__isnull=False,
            reviews__isnull=False,
            vendor__isnull=False,
            current_assessment__isnull=False,
        )
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    span = AuditEvent.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    first, last = span["first"], span["last"]
    as_of = (first + (last - first) * 3 / 4) if first and last else None
    return {
        "token": key,
        "use_cases": len(ids),
        "ids": sample,
        "full_id": full or (sample[0] if sample else None),
        "as_of": as_of.isoformat().replace("+00:00", "Z") if as_of else None,
    }


def _client(token: str | None = None, user: Any = None) -> Any:
    from django.test import Client

    if token is not None:
        return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT="application/json")
    client = Client()
    client.force_login(user)
    return client


def _count(client: Any, url: str) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _consume(client.get(url))  # warm: not counted
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        size = _consume(response)
        elapsed = (time.perf_counter() - started) * 1000
    return {"url": url, "status": response.status_code, "queries": len(queries), "ms": elapsed, "bytes": size}


def _consume(response: Any) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _median_ms(client: Any, url: str, requests: int) -> dict[str, Any]:
    _consume(client.get(url))
    times = []
    status = 0
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        _consume(response)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return {"url": url, "status": status, "requests": requests, "median_ms": statistics.median(times)}


def measure(requests: int, token: str, use_case_id: int, as_of: str | None) -> dict[str, Any]:
    from register.models import User

    committee = User.objects.get(username=COMMITTEE)
    api = _client(token=token)
    admin = _client(user=committee)
    api_urls = {
        "list_50": "/api/v1/use-cases/?page_size=50",
        "list_500": "/api/v1/use-cases/?page_size=500",
        "detail": f"/api/v1/use-cases/{use_case_id}/",
        "history": f"/api/v1/use-cases/{use_case_id}/history/",
    }
    if as_of:
        api_urls["as_of_list_50"] = f"/api/v1/use-cases/?page_size=50&as_of={as_of}"
    pages = {"admin_changelist": "/admin/register/usecase/", "dashboard": "/admin/"}
    queries: dict[str, Any] = {}
    for name, url in api_urls.items():
        say(f"    queries: {name}")
        queries[name] = _count(api, url)
    for name, url in pages.items():
        say(f"    queries: {name}")
        queries[name] = _count(admin, url)
    timings = {}
    for name, url in pages.items():
        say(f"    timing: {name} x{requests}")
        timings[name] = _median_ms(admin, url, requests)
    return {"queries": queries, "timings": timings}


def main(argv: list[str]) -> None:
    setup_django()
    if argv[0] == "prepare":
        emit(prepare())
    else:
        emit(measure(int(argv[1]), token=argv[2], use_case_id=int(argv[3]), as_of=argv[4] or None))


if __name__ == "__main__":
    main(sys.argv[1:])
