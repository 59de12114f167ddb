"""Koers's benchmark suite (issue 10): `make bench` runs `python -m bench.run`.

Not a test: it measures the register at 1,000, 10,000 and 100,000 use-cases against PostgreSQL
and writes `bench/results.json` (`--smoke`: small sizes, `bench/results-smoke.json`)."""
