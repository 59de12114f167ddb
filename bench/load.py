"""The load generator, in its own process: `python -m bench.load PLAN.json`.

One client, one request at a time, over `http.client` with keep-alive (gunicorn's sync workers
close the connection after each answer; the client then opens a new one, which is counted in the
time, as a real client would pay it). The plan names each scenario's paths (cycled), the warm-up
and the number of timed requests; the answer is one JSON line of timings per scenario."""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import time
from typing import Any

from bench.common import emit, percentile, say


def _get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, int]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.will_close:
        conn.close()
    return response.status, len(body)


def run_scenario(
    conn: http.client.HTTPConnection, scenario: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    paths: list[str] = scenario["paths"]
    for i in range(scenario["warmup"]):
        _get(conn, paths[i % len(paths)], headers)
    times: list[float] = []
    sizes: list[int] = []
    errors: dict[str, int] = {}
    for i in range(scenario["requests"]):
        started = time.perf_counter()
        status, size = _get(conn, paths[i % len(paths)], headers)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(size)
        if status != 200:
            errors[str(status)] = errors.get(str(status), 0) + 1
    return {
        "name": scenario["name"],
        "requests": len(times),
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "mean_ms": statistics.fmean(times),
        "max_ms": max(times),
        "mean_bytes": round(statistics.fmean(sizes)),
        "errors": errors,
    }


def main(argv: list[str]) -> None:
    with open(argv[0], encoding="utf-8") as file:
        plan = json.load(file)
    headers = {"Authorization": f"Token {plan['token']}", "Accept": "application/json", "Host": "127.0.0.1"}
    conn = http.client.HTTPConnection("127.0.0.1", plan["port"], timeout=120)
    results = []
    for scenario in plan["scenarios"]:
        say(f"    load: {scenario['name']} ({scenario['warmup']} warm-up, {scenario['requests']} timed)")
        results.append(run_scenario(conn, scenario, headers))
    conn.close()
    emit({"scenarios": results})


if __name__ == "__main__":
    main(sys.argv[1:])
