"""The AI committee in the admin, in a real browser: the secretary imports last year's
spreadsheet; a member approves a submission with a condition, proposes a downgrade that a second
member confirms in their own session, and records a review; the list, a use-case's page, a
meeting's agenda and the dashboard are captured as screenshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import pytest
from playwright.sync_api import Page, expect

from register import services
from register.models import UseCase, User
from tests import factories
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
HIRING = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4A": True, "ART6_3_PROFILING": True}
CHATBOT = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4A": True}


def _admin_login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()


def _admin_logout(page: Page) -> None:
    page.locator("#logout-form button").click()


def _submitted(name: str, answers: Mapping[str, object], owner: User) -> UseCase:
    case = factories.use_case(
        name, owner=owner, unit=owner.business_units.get(), lifecycle_stage="production"
    )
    services.use_case_classify(acting_user=owner, use_case=case, answers=answers)
    services.use_case_submit(acting_user=owner, use_case=case)
    return UseCase.objects.get(pk=case.pk)


def _decide(page: Page, summary: str) -> None:
    """Open one decision's panel (a <details>) on the use-case page."""
    page.locator("summary", has_text=summary).click()


def test_the_committee_imports_decides_and_reviews(
    page: Page, live_server: object, member_a: object, screenshot: Callable[[str], None]
) -> None:
    base = str(live_server)
    owner = User.objects.get(username="member_a")
    # The committee works in English here; the factory's password is PASSWORD.
    secretary = factories.committee_member("secretary", first_name="Sara", last_name="Smit", language="en")
    factories.committee_member("second", first_name="Piet", last_name="de Vries", language="en")
    ranking = _submitted("CV ranking", HIRING, owner)
    chatbot = _submitted("Careers chatbot", CHATBOT, owner)
    meeting = services.meeting_record(acting_user=secretary, held_on=dt.date(2026, 12, 3), title="December")

    # The secretary imports last year's spreadsheet: a dry run first, then the import.
    _admin_login(page, base, "secretary")
    page.goto(f"{base}/admin/register/usecase/")
    page.get_by_role("link", name="Import from a spreadsheet").click()
    sheet = SCREENSHOTS.parent / "last-year.csv"
    sheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.write_text(
        "name,business unit,owner,stage,purpose\n"
        "Stock forecast,Unit A,member_a,production,Predict demand per store\n"
        "Ghost,Unit Z,member_a,idea,Nobody knows\n",
        encoding="utf-8",
    )
    page.locator("input[type=file]").set_input_files(sheet)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text("No business unit is called “Unit Z”.")).to_be_visible()
    screenshot("import-dry-run")
    page.get_by_role("button", name="Import 1 use-case").click()
    expect(page.get_by_text("Imported, not yet assessed").first).to_be_visible()
    assert UseCase.objects.get(name="Stock forecast").classification_status == "unassessed"

    # Approve the CV ranking with a condition that becomes an action.
    page.goto(f"{base}/admin/register/usecase/queue/")
    page.get_by_role("link", name="CV ranking").click()
    _decide(page, "Approve")
    page.locator("#id_approve-condition_1").fill("Bias test on last year's hires")
    page.locator("#id_approve-condition_1_owner").select_option(label=owner.get_full_name() or owner.username)
    page.locator("#id_approve-condition_1_due").fill("2027-01-31")
    page.locator("#decide-approve button[type=submit]").click()
    expect(page.get_by_text("Approved. The owner has been told.")).to_be_visible()
    ranking.refresh_from_db()
    assert ranking.status == "approved"
    assert ranking.decisions.get().actions.get().description == "Bias test on last year's hires"

    # Record a review of it.
    _decide(page, "Record a review")
    page.locator("#id_review-due_date").fill("2026-11-20")
    page.locator("#id_review-bias_checked").select_option("true")
    page.locator("#id_review-bias_groups").fill("Older applicants")
    page.locator("#id_review-outcome").select_option("continue")
    page.locator("#id_review-findings").fill("No difference found")
    page.locator("#decide-review button[type=submit]").click()
    expect(page.get_by_text("Review recorded. The next one is due on")).to_be_visible()
    screenshot("use-case-page")

    # Propose a downgrade of the chatbot: it waits for a second member.
    page.goto(f"{base}/admin/register/usecase/{chatbot.pk}/change/")
    _decide(page, "Classify differently (override)")
    page.locator("#id_override-risk_tier").select_option("limited")
    page.locator("#id_override-justification").fill("It only answers questions about vacancies")
    page.locator("#decide-override button[type=submit]").click()
    expect(page.get_by_text("It waits for a second committee member who is not the owner.")).to_be_visible()
    assert UseCase.objects.get(pk=chatbot.pk).risk_tier == "high_risk"
    _admin_logout(page)

    # The second member confirms it in their own session.
    _admin_login(page, base, "second")
    page.goto(f"{base}/admin/register/usecase/{chatbot.pk}/change/")
    _decide(page, "Confirm the downgrade (second committee member)")
    page.locator("#decide-confirm_downgrade button[type=submit]").click()
    expect(page.get_by_text("Downgrade confirmed")).to_be_visible()
    chatbot.refresh_from_db()
    assert (chatbot.risk_tier, chatbot.classification_status) == ("limited", "overridden")
    expect(page.get_by_text("Classified differently by the AI committee: Limited risk")).to_be_visible()

    # The list, the agenda and the dashboard.
    page.goto(f"{base}/admin/register/usecase/")
    expect(page.get_by_role("link", name="Stock forecast")).to_be_visible()
    screenshot("use-case-list")
    page.goto(f"{base}/admin/register/meeting/{meeting.pk}/agenda/")
    expect(page.get_by_role("heading").first).to_be_visible()
    screenshot("agenda")
    page.goto(f"{base}/admin/")
    expect(page.get_by_text("The register at a glance")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    screenshot("dashboard")
