"""The committee's dashboard on the admin index: its numbers against literals on a register built
through the services, read one hour after midnight UTC (02:00 in Amsterdam), and its links."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from register import services
from register.choices import DecisionKind, ReviewOutcome
from register.dashboard import Dashboard, _admin_url, dashboard
from register.models import Action, BusinessUnit, Incident, ReviewSchedule, SweepRun, UseCase, User
from register.services.use_cases import ActionSpec
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 02:00 on 27 November in Amsterdam
# Half past midnight in Amsterdam: still 26 November in UTC, already the 27th for the organisation.
LATE_EVENING_UTC = dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC)
DEPLOYER = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True}
HIGH_RISK = {**DEPLOYER, "ANNEX_III_4A": True}  # next review in 3 months
LIMITED = {**DEPLOYER, "ART50_1": True}  # 6 months
MINIMAL = DEPLOYER  # 12 months
OUT_OF_SCOPE = {"AI_SYSTEM": False}  # 12 months
PROHIBITED = {**DEPLOYER, "ART5_1_F": True}  # suspended at once, never scheduled
PILOT = {
    "lifecycle_stage": "pilot",
    "pilot_scope": "Two locations",
    "pilot_end_date": dt.date(2027, 3, 1),
    "stop_criteria": "Complaints",
}


def _at(day: str) -> time_machine.travel:
    return time_machine.travel(dt.datetime.fromisoformat(f"{day}T10:00:00+00:00"), tick=False)


def _classified(name: str, unit: str, answers: Mapping[str, object], on: str, **fields: Any) -> UseCase:
    """A use-case classified on `on`, so its next review falls due by its tier's cadence from then."""
    with _at(on):
        case = factories.use_case(name, unit=factories.business_unit(unit), **fields)
        services.use_case_classify(acting_user=case.owner, use_case=case, answers=answers)
    return case


def _submitted(case: UseCase) -> UseCase:
    return services.use_case_submit(acting_user=case.owner, use_case=case)


@pytest.fixture
def secretary() -> User:
    return factories.committee_member("secretaris")


@pytest.fixture
def register(secretary: User) -> None:
    """Twelve use-cases in two units; each comment says what it adds to the dashboard on 27 Nov."""
    # Unit A
    shifts = _classified("Shift planner", "Unit A", HIGH_RISK, "2026-08-01", lifecycle_stage="production")
    # due 1 Nov: overdue, and in November's bar
    with _at("2026-08-02"):
        services.decision_record(
            acting_user=secretary,
            use_case=_submitted(shifts),
            kind=DecisionKind.APPROVE,
            conditions="Bias check; letter to the works council",
            actions=[
                ActionSpec("Bias check", secretary, dt.date(2026, 11, 20)),  # past due
                ActionSpec("Letter to the works council", secretary, dt.date(2026, 11, 27)),  # due today
            ],
        )
    chatbot = _classified("Webshop chatbot", "Unit A", LIMITED, "2026-06-10", lifecycle_stage="production")
    # due 10 Dec: within 30 days; submitted and confirmed
    with _at("2026-06-11"):
        services.use_case_confirm_classification(acting_user=secretary, use_case=_submitted(chatbot))
    _classified("Staff mood camera", "Unit A", PROHIBITED, "2026-11-20", lifecycle_stage="production")
    # prohibited, suspended, not retired
    screener = _classified("CV screener", "Unit A", PROHIBITED, "2026-03-01", lifecycle_stage="production")
    with _at("2026-03-02"):  # prohibited and retired: not counted as still in place
        services.review_record(
            acting_user=secretary,
            use_case=screener,
            due_date=dt.date(2026, 3, 2),
            outcome=ReviewOutcome.RETIRE,
        )
    _classified("Stock forecast", "Unit A", MINIMAL, "2026-11-26", lifecycle_stage="production")
    # due 26 Nov 2027: past the chart's twelve months

    # Unit B
    pricing = _classified("Room pricing", "Unit B", MINIMAL, "2026-01-15", **PILOT)  # due 15 Jan 2027
    with _at("2026-01-16"):
        services.decision_record(
            acting_user=secretary,
            use_case=_submitted(pricing),
            kind=DecisionKind.APPROVE,
            actions=[
                ActionSpec("Pilot evaluation", secretary, dt.date(2026, 10, 1)),  # done: not past due
                ActionSpec("Price cap check", secretary, dt.date(2026, 11, 26)),  # past due since today
            ],
        )
    with _at("2026-10-01"):
        services.action_complete(
            acting_user=secretary, action=Action.objects.get(description="Pilot evaluation"), note="Done"
        )
    with _at("2026-11-26"):  # an upgrade, overridden; the earlier review date stays
        services.use_case_override(
            acting_user=secretary, use_case=pricing, risk_tier="limited", justification="Guests see prices"
        )
    _classified("Review summariser", "Unit B", HIGH_RISK, "2026-08-27", lifecycle_stage="production")
    # due today, 27 Nov: not overdue, within 30 days, in November's bar
    _classified("Ticket router", "Unit B", LIMITED, "2026-06-28", lifecycle_stage="production")
    # due 28 Dec: 31 days away, so not within 30 days; in December's bar
    _classified("Menu ideas", "Unit B", MINIMAL, "2025-12-15")
    # an idea due 15 Dec: not in use, so neither due nor overdue
    with _at("2026-11-01"):
        factories.use_case("Intranet search", unit=factories.business_unit("Unit B"))  # unassessed draft
    _classified("Gate sensor analytics", "Unit B", OUT_OF_SCOPE, "2026-10-31", lifecycle_stage="production")
    # due 31 Oct 2027: the chart's last month
    voice = _classified("Voice notes", "Unit B", HIGH_RISK, "2026-07-10", **PILOT)
    # due 10 Oct: overdue, before the chart's first month; submitted
    with _at("2026-07-11"):
        _submitted(voice)
    _incidents(secretary)


def _incidents(secretary: User) -> None:
    """Two incidents with a clock open (one per unit), one with its only clock done, one with none."""

    def record(name: str, **facts: Any) -> Incident:
        at = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
        with _at("2026-11-20"):
            return services.incident_record(
                acting_user=secretary,
                use_case=UseCase.objects.get(name=name),
                what_happened=f"Something at {name}",
                happened_at=at,
                aware_at=at,
                **facts,
            )

    record("Shift planner", personal_data_breach=True)  # Unit A: its one clock open
    done = record("Stock forecast", personal_data_breach=True)  # its one clock done: not counted
    with _at("2026-11-21"):
        services.incident_clock_done(
            acting_user=secretary, incident=done, clock="gdpr_breach", reference="AP-1"
        )
    # an idea (no extra review), serious with a breach: three clocks, one done, two open
    serious = record("Menu ideas", seriousness="c", personal_data_breach=True)
    with _at("2026-11-21"):
        services.incident_clock_done(
            acting_user=secretary, incident=serious, clock="inform_provider", reference="Mail to vendor"
        )
    record("Intranet search")  # not serious, no personal data: no clocks at all


def _numbers(board: Dashboard) -> dict[str, int]:
    tallies = [
        board.total,
        *board.by_tier,
        *board.by_unit,
        *board.by_stage,
        *board.by_classification,
        board.overdue,
        board.due_soon,
        board.submitted,
        board.prohibited_not_retired,
        board.actions_past_due,
        board.incidents_clock_open,
        *(due.tally for due in board.due_by_month),
    ]
    return {tally.key: tally.number for tally in tallies}


EXPECTED = {
    "total": 12,
    "tier:prohibited": 2,
    "tier:high_risk": 3,
    "tier:limited": 3,
    "tier:minimal": 2,
    "tier:out_of_scope": 1,
    "tier:": 1,
    "unit:Unit A": 5,
    "unit:Unit B": 7,
    "stage:idea": 2,
    "stage:pilot": 2,
    "stage:production": 6,
    "stage:suspended": 1,
    "stage:retired": 1,
    "classification:unassessed": 1,
    "classification:indicative": 9,
    "classification:confirmed": 1,
    "classification:overridden": 1,
    "overdue": 2,
    "due_soon": 2,
    "submitted": 2,
    "prohibited_not_retired": 1,
    "actions_past_due": 2,
    "incidents_clock_open": 2,
    "month:2026-11": 2,
    "month:2026-12": 2,
    "month:2027-01": 1,
    "month:2027-02": 0,
    "month:2027-03": 0,
    "month:2027-04": 0,
    "month:2027-05": 0,
    "month:2027-06": 0,
    "month:2027-07": 0,
    "month:2027-08": 0,
    "month:2027-09": 0,
    "month:2027-10": 1,
}


@pytest.mark.parametrize("now", [NOW, LATE_EVENING_UTC], ids=["01:00 UTC", "23:30 UTC the day before"])
def test_it_counts_the_register_on_the_organisations_day(
    register: None, secretary: User, now: dt.datetime
) -> None:
    with time_machine.travel(now, tick=False):
        board = dashboard(secretary, now=now)
    assert board.today == dt.date(2026, 11, 27)
    assert _numbers(board) == EXPECTED


def test_it_counts_tiers_per_unit(register: None, secretary: User) -> None:
    board = dashboard(secretary, now=NOW)
    rows = {row.unit.label: {t.key: t.number for t in row.tiers if t.number} for row in board.tier_by_unit}
    assert rows == {
        "Unit A": {"tier:prohibited": 2, "tier:high_risk": 1, "tier:limited": 1, "tier:minimal": 1},
        "Unit B": {
            "tier:high_risk": 2,
            "tier:limited": 2,
            "tier:minimal": 1,
            "tier:out_of_scope": 1,
            "tier:": 1,
        },
    }


def test_it_counts_only_what_a_member_may_see(register: None, member_a: Client) -> None:
    board = dashboard(User.objects.get(username="member_a"), now=NOW)
    assert (board.total.number, [u.label for u in board.by_unit], board.actions_past_due.number) == (
        5,
        ["Unit A"],
        1,
    )
    assert board.incidents_clock_open.number == 1  # the Unit B incidents are not theirs


def test_it_links_every_number_to_its_list(register: None, secretary: User) -> None:
    board = dashboard(secretary, now=NOW)
    a, b = (str(BusinessUnit.objects.get(name=name).pk) for name in ("Unit A", "Unit B"))
    lists = "/admin/register/usecase/"
    assert board.total.url == lists
    assert [t.url for t in board.by_tier] == [
        f"{lists}?risk_tier__exact=prohibited",
        f"{lists}?risk_tier__exact=high_risk",
        f"{lists}?risk_tier__exact=limited",
        f"{lists}?risk_tier__exact=minimal",
        f"{lists}?risk_tier__exact=out_of_scope",
        f"{lists}?risk_tier__exact=",
    ]
    assert [t.url for t in board.by_unit] == [
        f"{lists}?business_unit__id__exact={a}",
        f"{lists}?business_unit__id__exact={b}",
    ]
    assert [t.url for t in board.by_stage] == [
        f"{lists}?lifecycle_stage__exact={stage}"
        for stage in ("idea", "pilot", "production", "suspended", "retired")
    ]
    assert [t.url for t in board.by_classification] == [
        f"{lists}?classification_status__exact={status}"
        for status in ("unassessed", "indicative", "confirmed", "overridden")
    ]
    assert (board.overdue.url, board.due_soon.url, board.submitted.url, board.prohibited_not_retired.url) == (
        f"{lists}?review=overdue",
        f"{lists}?review=due30",
        f"{lists}?status__exact=submitted",
        f"{lists}?risk_tier__exact=prohibited&retired=no",
    )
    assert board.tier_by_unit[1].tiers[1].url == (
        f"{lists}?risk_tier__exact=high_risk&business_unit__id__exact={b}"
    )
    assert [due.tally.url for due in board.due_by_month][:2] == [
        f"{lists}?review_due_month=2026-11",
        f"{lists}?review_due_month=2026-12",
    ]


def test_it_links_actions_past_due_and_leaves_a_number_without_a_list_unlinked(
    register: None, secretary: User
) -> None:
    assert dashboard(secretary, now=NOW).actions_past_due.url == "/admin/register/action/?past_due=yes"
    assert (
        dashboard(secretary, now=NOW).incidents_clock_open.url == "/admin/register/incident/?clock_open=yes"
    )
    assert _admin_url("register_nothing_changelist", [("past_due", "yes")]) is None


def _all_links(board: Dashboard) -> list[tuple[str, int, str | None]]:
    tallies = [
        board.total,
        *board.by_tier,
        *board.by_unit,
        *board.by_stage,
        *board.by_classification,
        board.overdue,
        board.due_soon,
        board.submitted,
        board.prohibited_not_retired,
        board.actions_past_due,
        board.incidents_clock_open,
        *(due.tally for due in board.due_by_month),
        *(t for row in board.tier_by_unit for t in row.tiers),
    ]
    return [(t.key, t.number, t.url) for t in tallies]


@time_machine.travel(NOW, tick=False)
def test_each_list_holds_as_many_use_cases_as_its_number(register: None, committee: Client) -> None:
    """The numbers add up: each link's admin list counts what the dashboard says."""
    board = dashboard(User.objects.get(username="committee"), now=NOW)
    missing, wrong = [], []
    for key, number, url in _all_links(board):
        if url is None:
            missing.append(key)
            continue
        response = committee.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code != 200:
            missing.append(url)
            continue
        if response.context["cl"].result_count != number:
            wrong.append((key, number, response.context["cl"].result_count))
    assert wrong == []
    assert missing == []


@pytest.mark.parametrize(
    ("runs", "status", "last_clean"),
    [
        ([], "never", None),
        # a clean run half an hour ago; a later crash counts for nothing
        (
            [("2026-11-27T00:25", "2026-11-27T00:30", ""), ("2026-11-27T00:55", None, "boom")],
            "ok",
            "2026-11-27T00:30",
        ),
        ([("2026-11-26T22:55", "2026-11-26T23:00", "")], "ok", "2026-11-26T23:00"),  # exactly two hours
        ([("2026-11-26T22:55", "2026-11-26T22:59", "")], "late", "2026-11-26T22:59"),
        ([("2026-11-26T22:59", "2026-11-26T23:00", "boom")], "late", None),  # never a clean run
    ],
)
def test_it_shows_the_last_sweep_and_turns_late_after_two_hours(
    runs: list[tuple[str, str | None, str]], status: str, last_clean: str | None, secretary: User
) -> None:
    def utc(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(f"{text}+00:00")

    for started, finished, error in runs:
        SweepRun.objects.create(started_at=utc(started), finished_at=finished and utc(finished), error=error)
    sweep = dashboard(secretary, now=NOW).sweep
    assert (sweep.status, sweep.last_clean) == (status, last_clean and utc(last_clean))


def _bulk_register(count: int) -> None:
    """`count` use-cases over two units, made with bulk_create (the query count must not follow)."""
    owner = factories.UserFactory.create(username="bulk-owner")
    units = [factories.business_unit("Unit A"), factories.business_unit("Unit B")]
    tiers = ["high_risk", "limited", "minimal", "prohibited", ""]
    cases = UseCase.objects.bulk_create(
        UseCase(
            name=f"Case {n}",
            business_unit=units[n % 2],
            owner=owner,
            lifecycle_stage=["idea", "pilot", "production"][n % 3] if tiers[n % 5] else "idea",
            risk_tier=tiers[n % 5],
            classification_status="indicative" if tiers[n % 5] else "unassessed",
        )
        for n in range(count)
    )
    ReviewSchedule.objects.bulk_create(
        ReviewSchedule(use_case=case, next_due=dt.date(2026, 10, 1) + dt.timedelta(days=7 * n))
        for n, case in enumerate(cases)
    )


def _queries(user: User) -> int:
    user.has_perm("register.view_usecase")  # Django caches a person's permissions: not the dashboard's
    with CaptureQueriesContext(connection) as queries:
        dashboard(user, now=NOW)
    return len(queries)


def test_its_query_count_does_not_grow_with_the_register(secretary: User) -> None:
    _bulk_register(10)
    at_ten = _queries(secretary)
    _bulk_register(90)
    assert UseCase.objects.count() == 100
    # one for every use-case number, one for the units' names, one for the actions, one for the
    # incidents with a clock open, two for the last sweep (as /healthz)
    assert (at_ten, _queries(secretary)) == (6, 6)


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    return len(queries)


def test_the_page_makes_as_many_queries_for_100_use_cases_as_for_10(committee: Client) -> None:
    _bulk_register(10)
    at_ten = _page_queries(committee)
    _bulk_register(90)
    assert _page_queries(committee) == at_ten


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("persona", ["committee", "auditor"], indirect=True)
def test_the_admin_index_shows_the_dashboard(register: None, persona: Client) -> None:
    SweepRun.objects.create(started_at=NOW - dt.timedelta(hours=3), finished_at=NOW - dt.timedelta(hours=3))
    response = persona.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The register at a glance" in html
    assert "Counted on Nov. 27, 2026." in html
    # the app list is still there, below the dashboard; Django's empty "Recent actions" is not
    assert html.index("koers-dashboard") < html.index('class="app-register module')
    assert "Recent actions" not in html
    assert re.search(
        r'<li class="koers-card koers-alarm">\s*<span class="koers-card-number">'
        r'<a href="/admin/register/usecase/\?risk_tier__exact=prohibited&amp;retired=no" '
        r'aria-label="Prohibited, not retired: 1">1</a>',
        html,
    )
    assert re.search(r'<li class="koers-card koers-sweep koers-alarm">', html)
    assert "Late: no clean sweep for more than two hours." in html
    assert '<a href="/admin/register/usecase/?review=overdue" aria-label="Reviews overdue: 2">2</a>' in html


@time_machine.travel(NOW, tick=False)
def test_the_charts_are_svg_with_a_text_equivalent(register: None, committee: Client) -> None:
    html = committee.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('role="img"') == 2
    assert '<title id="koers-tier-chart-title">Risk tiers by business unit</title>' in html
    assert (
        '<desc id="koers-tier-chart-desc">Unit A: 5 (Prohibited 2, High risk 1, Limited risk 1, Minimal risk 1); '
        "Unit B: 7 (High risk 2, Limited risk 2, Minimal risk 1, Outside the AI Act 1, Not yet assessed 1).</desc>"
    ) in html
    assert '<title id="koers-month-chart-title">Reviews due per month</title>' in html
    assert '<desc id="koers-month-chart-desc">November 2026: 2; December 2026: 2; January 2027: 1;' in html
    # each bar links to its list; the table behind the chart carries the same links for keyboards
    assert '<a href="/admin/register/usecase/?review_due_month=2027-10" tabindex="-1">' in html
    assert (
        '<a href="/admin/register/usecase/?review_due_month=2027-10" aria-label="October 2027: 1">1</a>'
        in html
    )
    assert "<script" not in html.split('id="koers-dashboard-heading"')[1].split("</section>")[0]


def test_it_escapes_unit_names_in_the_charts(committee: Client) -> None:
    factories.use_case(unit=factories.business_unit("<b>R&D</b>"))
    html = committee.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<b>R&D</b>" not in html
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in html


def test_it_shows_nothing_of_the_register_to_staff_without_a_role() -> None:
    factories.use_case()
    client = Client()
    client.force_login(factories.UserFactory.create(username="staff-only", is_staff=True))
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "The register at a glance" not in response.content.decode()
