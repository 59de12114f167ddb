"""`make load`: 50 API clients with their own tokens and 10 people filling in the form, for 60
seconds against gunicorn with PostgreSQL on 127.0.0.1 (the 1,000 use-case bench database). Zero
errors is the target; the p95 of each kind of request goes to BENCHMARKS.md.

    python -m bench.mixed_load [--seconds 60] [--api-clients 50] [--form-users 10]

Each client is a thread with its own connection, one request at a time. API clients read a page
of 50 of the list, then a use-case, in turn. Form users sign in through the login page (CSRF and
all) and register a new use-case through the form's first step, again and again. Throttles are
set above the load (bench/common.py), as the issue asks. Writes bench/load_results.json."""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import sys
import threading
import time
from html import unescape
from typing import Any
from urllib.parse import urlencode

from bench.common import BENCH_DIR, emit, percentile, say

RESULTS = BENCH_DIR / "load_results.json"
PASSWORD = "load-test-passphrase-42"  # noqa: S105 (bench accounts in the bench database)


def prepare(api_clients: int, form_users: int) -> dict[str, Any]:
    """In the bench database: API readers with tokens, members of one unit with a password."""
    from rest_framework.authtoken.models import Token

    from register import services
    from register.choices import Role
    from register.models import BusinessUnit, UseCase, User

    unit = BusinessUnit.objects.order_by("pk").first()
    if unit is None:
        raise SystemExit("the bench database has no business unit: run make bench first")
    tokens = []
    for n in range(api_clients):
        user, created = User.objects.get_or_create(username=f"load-api-{n:02d}")
        if created:
            services.role_grant(acting_user=None, user=user, role=Role.AUDITOR)
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    people = []
    for n in range(form_users):
        user, created = User.objects.get_or_create(username=f"load-form-{n:02d}")
        if created:
            services.role_grant(acting_user=None, user=user, role=Role.MEMBER)
            services.membership_add(acting_user=None, user=user, business_unit=unit)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        people.append({"username": user.username, "pk": user.pk})
    ids = list(UseCase.objects.order_by("pk").values_list("pk", flat=True)[:200])
    return {"tokens": tokens, "people": people, "unit": unit.pk, "use_cases": ids}


class Client:
    """One connection, cookies kept, one request at a time; every answer timed and judged."""

    def __init__(self, port: int, kind: str, record: list[tuple[str, float, int, str]]) -> None:
        self.port, self.kind, self.record = port, kind, record
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            status = response.status
            answer = {k.lower(): v for k, v in response.getheaders()}
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            if response.will_close:
                self.conn.close()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status, text, answer = 0, "", {}
        self.record.append(
            (
                f"{self.kind} {method} {re.sub(r'/[0-9]+/', '/<id>/', path.split('?')[0])}",
                (time.perf_counter() - started) * 1000,
                status,
                answer.get("location", ""),
            )
        )
        return status, text, answer


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match[1] if match else ""


def api_client(
    port: int, token: str, ids: list[int], stop: float, record: list[tuple[str, float, int, str]]
) -> None:
    client = Client(port, "api", record)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    n = 0
    while time.monotonic() < stop:
        client.request("GET", "/api/v1/use-cases/?page_size=50", headers=headers)
        client.request("GET", f"/api/v1/use-cases/{ids[n % len(ids)]}/", headers=headers)
        n += 1


def form_user(
    port: int, person: dict[str, Any], unit: int, stop: float, record: list[tuple[str, float, int, str]]
) -> None:
    client = Client(port, "form", record)
    _status, html, _ = client.request("GET", "/accounts/login/")
    client.request(
        "POST",
        "/accounts/login/",
        urlencode({"csrfmiddlewaretoken": _csrf(html), "username": person["username"], "password": PASSWORD}),
        {"Referer": f"http://127.0.0.1:{port}/accounts/login/"},
    )
    n = 0
    while time.monotonic() < stop:
        _status, html, _ = client.request("GET", "/use-cases/new/")
        data = {
            "csrfmiddlewaretoken": unescape(_csrf(html)),
            "name": f"Load {person['username']} {n}",
            "purpose": "Questions from customers about their orders",
            "sector": "retail",
            "lifecycle_stage": "idea",
            "affected_people": "Customers of the webshop",
            "dpia_needed": "no",
            "business_unit": str(unit),
            "owner": str(person["pk"]),
        }
        client.request(
            "POST", "/use-cases/new/", urlencode(data), {"Referer": f"http://127.0.0.1:{port}/use-cases/new/"}
        )
        n += 1


def _expected(kind: str, status: int, location: str) -> bool:
    """A page or an API answer: 200. A sign-in or a saved first step: a redirect onwards, not back
    to the sign-in page (a form shown again with its errors, 200, is a failure here)."""
    if " POST " in kind:
        return status == 302 and not location.startswith("/accounts/login/")
    return status == 200


def summarise(record: list[tuple[str, float, int, str]], seconds: float) -> dict[str, Any]:
    kinds: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for kind, ms, status, location in record:
        kinds.setdefault(kind, []).append(ms)
        if not _expected(kind, status, location):
            errors[f"{kind} -> {status}"] = errors.get(f"{kind} -> {status}", 0) + 1
    return {
        "seconds": seconds,
        "requests": len(record),
        "per_second": len(record) / seconds,
        "errors": errors,
        "kinds": {
            kind: {
                "requests": len(times),
                "median_ms": statistics.median(times),
                "p95_ms": percentile(times, 0.95),
                "max_ms": max(times),
            }
            for kind, times in sorted(kinds.items())
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed_load", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--api-clients", type=int, default=50)
    parser.add_argument("--form-users", type=int, default=10)
    args = parser.parse_args(argv)
    from bench import run
    from bench.common import db_name

    name = db_name(1000)
    run.ensure_database(1000, reuse=True)
    say(f"load: preparing {args.api_clients} API clients and {args.form_users} form users in {name}")
    plan = run.measure(name, "mixed_load", "--prepare", str(args.api_clients), str(args.form_users))
    record: list[tuple[str, float, int, str]] = []
    with run.gunicorn(name, workers=3) as port:
        say(
            f"load: {args.seconds:.0f} s against gunicorn on 127.0.0.1:{port} (3 sync workers, as the container)"
        )
        stop = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=api_client, args=(port, token, plan["use_cases"], stop, record))
            for token in plan["tokens"]
        ] + [
            threading.Thread(target=form_user, args=(port, person, plan["unit"], stop, record))
            for person in plan["people"]
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    result = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **summarise(record, elapsed)}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    errors = result["errors"] or "none"
    say(
        f"\n{result['requests']:,} requests in {elapsed:.0f} s ({result['per_second']:.0f}/s); errors: {errors}"
    )
    for kind, numbers in result["kinds"].items():
        timing = f"median {numbers['median_ms']:7.1f} ms  p95 {numbers['p95_ms']:7.1f} ms"
        say(f"  {kind:<40} {numbers['requests']:>6}  {timing}")
    say(f"written to {RESULTS.relative_to(BENCH_DIR.parent)}")
    return 1 if result["errors"] else 0


def _prepare_main(argv: list[str]) -> None:
    from bench.common import setup_django

    setup_django()
    emit(prepare(int(argv[0]), int(argv[1])))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        _prepare_main(sys.argv[2:])
    else:
        sys.exit(main())
