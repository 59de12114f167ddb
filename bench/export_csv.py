"""The CSV export of the whole register in a fresh process: `python -m bench.export_csv`.

Requests `/api/v1/export/use-cases.csv` with the auditor's token (BENCH_TOKEN) through Django's
test client in this process, reads the streamed body to the end, and reports the time, rows per
second and the process's peak memory (ru_maxrss), also as it stood before the request (Django and
Koers loaded), so the export's own share can be told apart."""

from __future__ import annotations

import os
import resource
import time
from typing import Any

from bench.common import emit, setup_django


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    setup_django()
    from django.test import Client

    from register.models import UseCase

    expected = UseCase.objects.count()
    client = Client(HTTP_AUTHORIZATION=f"Token {os.environ['BENCH_TOKEN']}")
    before = _peak_mib()
    started = time.perf_counter()
    response: Any = client.get("/api/v1/export/use-cases.csv")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    emit(
        {
            "status": response.status_code,
            "streaming": bool(getattr(response, "streaming", False)),
            "use_cases": expected,
            "lines": lines,
            "bytes": size,
            "seconds": seconds,
            "rows_per_second": expected / seconds if seconds else None,
            "peak_mib_before": before,
            "peak_mib": _peak_mib(),
        }
    )


if __name__ == "__main__":
    main()
