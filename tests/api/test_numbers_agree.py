"""The auditor's numbers add up (PRODUCT.md): the JSON list, the CSV export, the stats and the
admin dashboard agree on one register (the dashboard's, built through the services), read one
hour after midnight UTC (and at 23:30 UTC the evening before, already the same day in Amsterdam),
with the expected counts written out."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.test import Client

from register.dashboard import dashboard
from register.models import User
from tests.register.test_dashboard import LATE_EVENING_UTC, NOW, register, secretary  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

TIERS = {"prohibited": 2, "high_risk": 3, "limited": 3, "minimal": 2, "out_of_scope": 1, None: 1}
STAGES = {"idea": 2, "pilot": 2, "production": 6, "suspended": 1, "retired": 1}
CLASSIFICATION = {"unassessed": 1, "indicative": 9, "confirmed": 1, "overridden": 1}
UNITS = {"Unit A": 5, "Unit B": 7}
OVERDUE = 2


def _pages(client: Client, url: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("now", [NOW, LATE_EVENING_UTC], ids=["01:00 UTC", "23:30 UTC the day before"])
def test_the_list_the_stats_and_the_dashboard_agree(
    committee: Client,
    secretary: User,  # noqa: F811
    now: dt.datetime,
) -> None:
    # Both instants are 27 November in Amsterdam: "today" is the organisation's day, not UTC's.
    with time_machine.travel(now, tick=False):
        rows = _pages(committee, "/api/v1/use-cases/?page_size=5")
        overdue = _pages(committee, "/api/v1/use-cases/?review_overdue=true")
        stats = committee.get("/api/v1/stats/").json()
        export = committee.get("/api/v1/export/use-cases.csv?delimiter=semicolon")
        body = b"".join(export.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
        csv_rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
        board = dashboard(secretary, now=now)

    assert len(rows) == 12
    assert Counter(row["risk_tier"] for row in rows) == TIERS
    assert Counter(row["lifecycle_stage"] for row in rows) == STAGES
    assert Counter(row["classification_status"] for row in rows) == CLASSIFICATION
    assert Counter(row["business_unit"]["name"] for row in rows) == UNITS
    assert sum(row["review_overdue"] for row in rows) == len(overdue) == OVERDUE

    assert len(csv_rows) == 12
    assert Counter(row["risk_tier"] or None for row in csv_rows) == TIERS
    assert Counter(row["lifecycle_stage"] for row in csv_rows) == STAGES
    assert Counter(row["classification_status"] for row in csv_rows) == CLASSIFICATION
    assert Counter(row["business_unit.name"] for row in csv_rows) == UNITS
    assert [row["review_overdue"] for row in csv_rows].count("true") == OVERDUE
    assert [row["id"] for row in csv_rows] == [str(row["id"]) for row in rows]  # the list's order

    assert stats["today"] == "2026-11-27"
    assert stats["total"] == 12
    assert {c["key"]: c["count"] for c in stats["by_risk_tier"]} == {
        ("unassessed" if k is None else k): v for k, v in TIERS.items()
    }
    assert {c["key"]: c["count"] for c in stats["by_lifecycle_stage"]} == STAGES
    assert {c["key"]: c["count"] for c in stats["by_classification_status"]} == CLASSIFICATION
    assert {c["label"]: c["count"] for c in stats["by_business_unit"]} == UNITS
    assert (stats["review_overdue"], stats["review_due_soon"], stats["submitted"]) == (OVERDUE, 2, 2)
    assert (stats["prohibited_not_retired"], stats["actions_past_due"]) == (1, 2)

    assert board.total.number == 12
    assert {t.key: t.number for t in board.by_tier} == {
        f"tier:{'' if k is None else k}": v for k, v in TIERS.items()
    }
    assert {t.label: t.number for t in board.by_unit} == UNITS
    assert (board.overdue.number, board.due_soon.number, board.submitted.number) == (OVERDUE, 2, 2)
    assert (board.prohibited_not_retired.number, board.actions_past_due.number) == (1, 2)
