"""`python -m bench.run [--smoke] [--reuse]` (`make bench`, `make bench SMOKE=1`): Koers's numbers.

For each register size it makes the database `koers_bench_<N>` (migrate, `seed_bench`; with
--reuse it keeps one that already holds N use-cases), then measures, each in a process of its own
with DEBUG off (bench.common.koers_env):
  1. API list (page sizes 50 and 500) and detail under gunicorn, against a one-query `json_agg`
     reference behind the same gunicorn (bench.load, bench.reference);
  2. queries per request, and 5. the admin's changelist and dashboard (bench.inproc);
  3. the CSV export of the whole register (bench.export_csv);
  4. one reminder sweep, on a copy of the database, dropped afterwards (bench.sweep);
  6. the engine's classifications per second (bench.engine), once.
It prints a table and writes bench/results.json (smoke: bench/results-smoke.json). The bench
creates and drops only databases named koers_bench_*; the base URL is BENCH_DATABASE_URL."""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.common import (
    BENCH_DIR,
    REDIS_URL,
    ROOT,
    Stopwatch,
    base_url,
    database_url,
    db_name,
    koers_env,
    say,
)

PY = sys.executable


@dataclass(frozen=True)
class Plan:
    large: int
    medium: int
    small: int
    requests: int  # timed API requests per scenario
    warmup: int
    page_requests: int  # admin changelist and dashboard, in-process
    engine_seconds: float
    output: Path

    @property
    def sizes(self) -> list[int]:
        return sorted({self.small, self.medium, self.large})


FULL = Plan(100_000, 10_000, 1_000, 200, 20, 20, 3.0, BENCH_DIR / "results.json")
SMOKE = Plan(1_000, 200, 100, 20, 3, 3, 0.5, BENCH_DIR / "results-smoke.json")


class BenchError(Exception):
    """A step failed; the message says which and why."""


# Databases ---------------------------------------------------------------------------------------


def _admin() -> Any:
    import psycopg

    try:
        return psycopg.connect(database_url("koers_bench_x").rsplit("/", 1)[0] + "/postgres", autocommit=True)
    except psycopg.OperationalError as error:
        raise BenchError(
            f"PostgreSQL is not reachable at {base_url()} (set BENCH_DATABASE_URL): {error}".strip()
        ) from None


def _exists(name: str) -> bool:
    with _admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _drop(name: str) -> None:
    from psycopg import sql

    database_url(name)  # refuses any name but koers_bench_*
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _create(name: str, template: str | None = None) -> None:
    from psycopg import sql

    database_url(name)
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin() as conn:
        conn.execute(query)


def _use_cases_in(name: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(database_url(name)) as conn:
            row = conn.execute("SELECT count(*) FROM register_usecase").fetchone()
            return int(row[0]) if row else None
    except psycopg.Error:
        return None


def _manage(name: str, *args: str) -> None:
    command = [PY, "manage.py", *args]
    say(f"  $ {' '.join(command[1:])}   [{name}]")
    # Its output goes to stderr with the rest of the progress; stdout is kept for the table.
    if subprocess.call(command, cwd=ROOT, env=koers_env(name), stdout=sys.stderr) != 0:  # noqa: S603 (our own command)
        raise BenchError(f"`manage.py {' '.join(args)}` failed on {name} (see its output above)")


def ensure_database(size: int, reuse: bool) -> dict[str, Any]:
    name = db_name(size)
    if reuse and _exists(name) and _use_cases_in(name) == size:
        say(f"[{size:,}] reusing {name}: it holds {size:,} use-cases")
        _manage(name, "migrate", "--verbosity", "0")  # the schema measured is the code's
        return {"database": name, "reused": True}
    if not (ROOT / "register/management/commands/seed_bench.py").exists():
        raise BenchError(
            "register/management/commands/seed_bench.py is missing: nothing can fill the register"
        )
    say(f"[{size:,}] creating {name}")
    _drop(name)
    _create(name)
    watch = Stopwatch()
    _manage(name, "migrate", "--verbosity", "0")
    migrated = watch.seconds
    _manage(name, "seed_bench", "--use-cases", str(size), "--seed", "1")
    seeded = watch.seconds - migrated
    found = _use_cases_in(name)
    if found != size:
        raise BenchError(f"seed_bench left {found} use-cases in {name}, not {size}")
    say(f"[{size:,}] migrated in {migrated:.1f} s, seeded in {seeded:.1f} s")
    return {"database": name, "reused": False, "migrate_seconds": migrated, "seed_seconds": seeded}


# Measuring processes -----------------------------------------------------------------------------


def measure(name: str, module: str, *args: str, **env: str) -> dict[str, Any]:
    """Run `python -m bench.<module>` against database `name`; its last stdout line is JSON."""
    done = subprocess.run(  # noqa: S603 (our own modules)
        [PY, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=koers_env(name, **env),
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError(f"bench.{module} failed on {name} (exit {done.returncode}; see its output above)")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(name: str, workers: int = 2) -> Iterator[int]:
    """Koers under gunicorn (2 sync workers unless told) on a free port; stopped on the way out,
    whatever happened."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in the finally below)
        "w+", prefix="koers-bench-gunicorn-", suffix=".log", delete=False
    )
    command = [
        str(Path(PY).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "300",
    ]
    process = subprocess.Popen(  # noqa: S603 (gunicorn from our venv)
        command, cwd=ROOT, env=koers_env(name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise BenchError(
                    f"gunicorn exited at start (code {process.returncode}):\n{log.read()[-3000:]}"
                )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise BenchError("gunicorn did not listen within 60 s")
            time.sleep(0.2)
        say(f"  gunicorn (pid {process.pid}) on 127.0.0.1:{port}, {workers} sync workers")
        yield port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the group of the process started above
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        os.unlink(log.name)


def _fetch(port: int, path: str, token: str | None) -> Any:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Accept": "application/json", "Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise BenchError(f"GET {path} answered {response.status}: {body[:500]!r}")
    return json.loads(body)


def _cursor(link: str | None) -> str | None:
    if link is None:
        return None
    cursor = parse_qs(urlsplit(link).query).get("cursor", [""])[0]
    return base64.b64decode(cursor).decode()


def compare_reference(port: int, token: str, page_size: int) -> dict[str, Any]:
    """Does the reference return what Koers returns? Results equal, and the same cursor."""
    koers = _fetch(port, f"/api/v1/use-cases/?page_size={page_size}", token)
    reference = _fetch(port, f"/bench/reference/use-cases/?page_size={page_size}", None)
    problems = []
    if len(koers["results"]) != len(reference["results"]):
        problems.append(f"{len(koers['results'])} rows against {len(reference['results'])}")
    for ours, theirs in zip(koers["results"], reference["results"], strict=False):
        if ours != theirs:
            fields = [key for key in ours if ours.get(key) != theirs.get(key)]
            fields += [key for key in theirs if key not in ours]
            problems.append(f"use-case {ours.get('id')}: {', '.join(fields)} differ")
            break
    if _cursor(koers["next"]) != _cursor(reference["next"]):
        problems.append(f"next cursor {_cursor(koers['next'])!r} against {_cursor(reference['next'])!r}")
    return {"page_size": page_size, "same": not problems, "problems": problems}


def api_load(name: str, prepared: dict[str, Any], plan: Plan) -> dict[str, Any]:
    token = prepared["token"]
    ids = prepared["ids"] or [0]

    def scenario(label: str, paths: list[str]) -> dict[str, Any]:
        return {"name": label, "paths": paths, "warmup": plan.warmup, "requests": plan.requests}

    scenarios = []
    for page_size in (50, 500):
        scenarios.append(scenario(f"koers_list_{page_size}", [f"/api/v1/use-cases/?page_size={page_size}"]))
        scenarios.append(
            scenario(f"reference_list_{page_size}", [f"/bench/reference/use-cases/?page_size={page_size}"])
        )
    scenarios.append(scenario("koers_detail", [f"/api/v1/use-cases/{pk}/" for pk in ids]))
    with gunicorn(name) as port:
        checks = [compare_reference(port, token, page_size) for page_size in (50, 500)]
        for check in checks:
            if not check["same"]:
                say(
                    f"  ! the reference differs from Koers at page_size={check['page_size']}: {check['problems']}"
                )
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({"port": port, "token": token, "scenarios": scenarios}, file)
        try:
            result = measure(name, "load", file.name)
        finally:
            os.unlink(file.name)
    by_name = {s["name"]: s for s in result["scenarios"]}
    for s in by_name.values():
        if s["errors"]:
            raise BenchError(f"{s['name']} had error answers: {s['errors']}")
    return {"reference_check": checks, "scenarios": by_name}


def sweep(size: int) -> dict[str, Any]:
    source, copy = db_name(size), db_name(size, "_sweep")
    say(f"[{size:,}] sweep on a copy: {copy}")
    _drop(copy)
    _create(copy, template=source)
    try:
        return measure(copy, "sweep")
    finally:
        _drop(copy)


def measure_size(size: int, plan: Plan, reuse: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"use_cases": size, **ensure_database(size, reuse)}
    name = db_name(size)
    say(f"[{size:,}] preparing (auditor's token, sample ids)")
    prepared = measure(name, "inproc", "prepare")
    out["as_of"] = prepared["as_of"]
    say(f"[{size:,}] queries per request; changelist and dashboard x{plan.page_requests}")
    out["inproc"] = measure(
        name, "inproc", "measure", str(plan.page_requests), prepared["token"], str(prepared["full_id"]),
        prepared["as_of"] or "",
    )  # fmt: skip
    say(f"[{size:,}] CSV export in a fresh process")
    out["export_csv"] = measure(name, "export_csv", BENCH_TOKEN=prepared["token"])
    out["sweep"] = sweep(size)
    say(f"[{size:,}] API under gunicorn: {plan.requests} timed requests per scenario")
    out["api"] = api_load(name, prepared, plan)
    return out


# Machine, targets, table -------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as file:
        cpu = next((line.split(":", 1)[1].strip() for line in file if line.startswith("model name")), cpu)
    ram = None
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as file:
        kib = next((int(line.split()[1]) for line in file if line.startswith("MemTotal")), None)
        ram = round(kib / 1024 / 1024, 1) if kib else None
    with _admin() as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram,
        "postgresql": row[0] if row else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def targets(sizes: dict[int, dict[str, Any]], engine: dict[str, Any], plan: Plan) -> list[dict[str, Any]]:
    large, medium, small = sizes[plan.large], sizes[plan.medium], sizes[plan.small]
    rows: list[dict[str, Any]] = []

    def add(metric: str, value: Any, target: str, met: bool | None, note: str = "") -> None:
        rows.append({"metric": metric, "value": value, "target": target, "met": met, "note": note})

    for size, data in sorted(sizes.items(), reverse=True):
        scenarios = data["api"]["scenarios"]
        for page_size in (50, 500):
            koers, ref = scenarios[f"koers_list_{page_size}"], scenarios[f"reference_list_{page_size}"]
            ratio = _ratio(koers["p95_ms"], ref["p95_ms"])
            add(
                f"API list p95 / reference, page {page_size} @ {size:,}",
                ratio,
                "<= 3",
                ratio is not None and ratio <= 3,
                f"Koers median {koers['median_ms']:.1f} p95 {koers['p95_ms']:.1f} ms; "
                f"reference median {ref['median_ms']:.1f} p95 {ref['p95_ms']:.1f} ms",
            )
        detail = scenarios["koers_detail"]
        add(
            f"API detail @ {size:,}",
            detail["p95_ms"],
            "(p95 ms, no target)",
            None,
            f"median {detail['median_ms']:.1f} ms",
        )
    counts = {size: {k: v["queries"] for k, v in d["inproc"]["queries"].items()} for size, d in sizes.items()}
    for size in sorted(counts, reverse=True):
        c = counts[size]
        add(
            f"queries list 50 vs 500 @ {size:,}",
            f"{c['list_50']} / {c['list_500']}",
            "equal",
            c["list_50"] == c["list_500"],
        )
    for key in counts[plan.large]:
        a, b = counts[plan.large][key], counts[plan.small].get(key)
        add(f"queries {key} @ {plan.large:,} vs {plan.small:,}", f"{a} / {b}", "equal", a == b)
    big, mid = large["export_csv"], medium["export_csv"]
    peak = _ratio(big["peak_mib"], mid["peak_mib"])
    add(
        f"CSV export peak memory {plan.large:,} / {plan.medium:,}",
        peak,
        "<= 1.3",
        peak is not None and peak <= 1.3,
        f"{big['peak_mib']:.0f} / {mid['peak_mib']:.0f} MiB; {big['seconds']:.1f} s, "
        f"{big['rows_per_second']:.0f} rows/s at {plan.large:,}; {mid['seconds']:.1f} s at {plan.medium:,}",
    )
    swept = _ratio(large["sweep"]["seconds"], medium["sweep"]["seconds"])
    add(
        f"sweep time {plan.large:,} / {plan.medium:,}",
        swept,
        "<= 12",
        swept is not None and swept <= 12,
        f"{large['sweep']['seconds']:.2f} s, {large['sweep']['queries']} queries, "
        f"{large['sweep']['schedules_due']} due at {plan.large:,}; "
        f"{medium['sweep']['seconds']:.2f} s, {medium['sweep']['queries']} queries, "
        f"{medium['sweep']['schedules_due']} due at {plan.medium:,}; still due after one sweep: "
        f"{large['sweep']['still_due_after']} and {medium['sweep']['still_due_after']}",
    )
    for page in ("admin_changelist", "dashboard"):
        a = large["inproc"]["timings"][page]["median_ms"]
        b = small["inproc"]["timings"][page]["median_ms"]
        ratio = _ratio(a, b)
        add(
            f"{page} median {plan.large:,} / {plan.small:,}",
            ratio,
            "<= 5",
            ratio is not None and ratio <= 5,
            f"{a:.1f} / {b:.1f} ms",
        )
    add(
        "engine classifications per second",
        engine["per_second"],
        ">= 20000",
        engine["per_second"] >= 20_000,
        f"{engine['answer_sets']} answer sets; all answered (no 'unknown'): "
        f"{engine['all_answered']['per_second']:.0f}/s",
    )
    return rows


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(row["metric"]) for row in rows)
    print(f"\n{'metric':<{width}}  {'value':>12}  {'target':<18}  met   detail")
    print("-" * (width + 60))
    for row in rows:
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        print(
            f"{row['metric']:<{width}}  {_show(row['value']):>12}  {row['target']:<18}  {met:<4}  {row['note']}"
        )


def _check_redis() -> None:
    host, port = urlsplit(REDIS_URL).hostname or "127.0.0.1", urlsplit(REDIS_URL).port or 6379
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as error:
        raise BenchError(f"Redis is not reachable at {host}:{port} (cache and throttling): {error}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes and few requests (CI)")
    parser.add_argument("--reuse", action="store_true", help="keep a database that already holds N use-cases")
    parser.add_argument(
        "--drop-after", action="store_true", help="drop the bench databases at the end (default with --smoke)"
    )
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    watch = Stopwatch()
    try:
        _check_redis()
        results: dict[str, Any] = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "mode": "smoke" if args.smoke else "full",
            "machine": machine(),
            "plan": {
                "sizes": {"large": plan.large, "medium": plan.medium, "small": plan.small},
                "timed_requests": plan.requests,
                "warmup_requests": plan.warmup,
                "admin_requests": plan.page_requests,
            },
        }
        say(f"Koers bench ({results['mode']}): sizes {', '.join(f'{s:,}' for s in plan.sizes)}")
        sizes = {size: measure_size(size, plan, args.reuse) for size in plan.sizes}
        say(f"engine: classifications for {plan.engine_seconds} s")
        engine = measure(db_name(plan.small), "engine", str(plan.engine_seconds))
        rows = targets(sizes, engine, plan)
        results |= {"sizes": {str(k): v for k, v in sizes.items()}, "engine": engine, "targets": rows}
        results["seconds"] = watch.seconds
    except BenchError as error:
        say(f"bench failed: {error}")
        return 2
    finally:
        if args.drop_after or args.smoke:
            for size in plan.sizes:
                _drop(db_name(size))
    print_table(rows)
    plan.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    say(f"\nwritten to {plan.output.relative_to(ROOT)} in {watch.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
