"""`python manage.py seed_bench --use-cases 100000 --seed 1`: a large, realistic register for the
benchmarks (`make bench`, BENCHMARKS.md), written with COPY in a few minutes. PostgreSQL only, and
only a database named koers_bench_* (or a test copy); refuses a register that holds anything unless
--replace. Deterministic for a seed, size and day."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from register import bench_seed

# The benchmark's databases (make bench) and the test runner's copies.
BENCH_DATABASES = ("koers_bench_", "test_")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Fill an empty PostgreSQL register with generated use-cases for the benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--use-cases", type=_positive, default=100_000, help="how many (default 100000)")
        parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
        parser.add_argument(
            "--replace", action="store_true", help="empty the register first (everything in it is lost)"
        )

    def handle(self, *args: Any, use_cases: int, seed: int, replace: bool, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_bench writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database."
            )
        name = str(connection.settings_dict["NAME"])
        if not name.startswith(BENCH_DATABASES):
            raise CommandError(
                f"seed_bench fills only a benchmark database (a name starting with koers_bench_), not {name!r}: "
                "it would mix made-up people and use-cases into a real register."
            )
        started = time.monotonic()
        with transaction.atomic():
            full = bench_seed.empty(replace)
            if full:
                raise CommandError(
                    "The register is not empty (" + ", ".join(full) + "); seed_bench fills an empty one. "
                    "Use --replace to empty it first (everything in it is lost)."
                )
            self.stderr.write(f"Seeding {use_cases:,} use-cases (seed {seed})")
            counts = bench_seed.seed(use_cases=use_cases, seed=seed, progress=self.stderr.write)
        if not connection.in_atomic_block:  # a test's transaction cannot vacuum
            self.stderr.write("  vacuuming (as autovacuum would, so index-only scans work at once)")
            bench_seed.vacuum()
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {total:,} rows in {time.monotonic() - started:.0f} s: ")
            + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        )
