"""The indexes the benchmarks asked for (BENCHMARKS.md) are there, and chosen where a test can tell
(plans read with sequential scans discouraged, so they do not depend on table sizes)."""

from __future__ import annotations

import pytest
from django.db import connection

from register.models import User
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.pg_only]


@pytest.fixture
def no_seq_scans() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


def test_a_recipients_account_is_found_by_address_through_its_index(no_seq_scans: None) -> None:
    factories.UserFactory.create(email="Olga@Example.org")
    plan = User.objects.filter(email__iexact="olga@example.org", is_active=True).explain()
    assert "user_email_upper" in plan


def test_the_dashboards_scan_has_covering_indexes() -> None:
    """What the dashboard's one scan reads is in two indexes (index-only on a vacuumed table; the
    planner takes them at 100,000 use-cases, a small test table is read other ways)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [["usecase_counts", "schedule_due_of_use_case"]],
        )
        found = dict(cursor.fetchall())
    assert (
        "(id) INCLUDE (business_unit_id, risk_tier, lifecycle_stage, classification_status, status)"
        in found["usecase_counts"]
    )
    assert "(use_case_id) INCLUDE (next_due)" in found["schedule_due_of_use_case"]


def test_the_dashboards_due_counts_compare_the_date_before_the_stage() -> None:
    """PostgreSQL tests a FILTER's conditions in the order written; the due date rules most rows out
    of each of the fourteen due counts for less than the stage's text comparison (BENCHMARKS.md:
    the scan took a fifth less)."""
    import datetime as dt

    from register import dashboard
    from register.selectors import use_cases_visible_to

    committee = factories.UserFactory.create(is_superuser=True)
    today = dt.date(2026, 11, 27)
    sql = str(
        use_cases_visible_to(committee)
        .order_by()
        .values("business_unit_id")
        .annotate(**dashboard._counts(today, dashboard.chart_months(today)))
        .query
    )
    due_counts = [part for part in sql.split("FILTER (WHERE ")[1:] if '"next_due"' in part]
    assert len(due_counts) == 14  # overdue, due soon, twelve months
    for part in due_counts:
        assert part.index('"next_due"') < part.index('"lifecycle_stage"'), part
