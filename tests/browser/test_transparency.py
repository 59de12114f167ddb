"""The public transparency page in a real browser, in Dutch, without an account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from register import services
from register.choices import DecisionKind
from tests import factories
from tests.browser.conftest import check_accessibility

# PostgreSQL only: SQLite's shared in-memory test database cannot be flushed while the live
# server thread still holds it ("table is locked").
pytestmark = [pytest.mark.browser, pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_public_page_in_dutch_to_anyone(
    page: Page, live_server: object, screenshot: Callable[[str], None]
) -> None:
    chair = factories.committee_member("chair")
    owner = factories.UserFactory.create(username="wilma", first_name="Wilma", last_name="Verhoeven")
    case = factories.use_case("Webshop-chatbot", owner=owner, notice="U chat met een computerprogramma.")
    services.use_case_submit(acting_user=owner, use_case=case)
    services.decision_record(acting_user=chair, use_case=case, kind=DecisionKind.APPROVE)
    services.use_case_publish(
        acting_user=chair,
        use_case=case,
        published=True,
        summary="Beantwoordt vragen over bestellingen, zodat u niet hoeft te wachten.",
        where_met="In de chat op onze webwinkel.",
        contact="klantenservice@example.org",
        how_to_reach="Typ 'medewerker' in de chat.",
    )
    services.pledge_update(
        acting_user=chair,
        text_nl="Wij zeggen het altijd als u met AI te maken hebt.",
        text_en="We always say so.",
    )
    case.refresh_from_db()
    base = str(live_server)

    page.goto(f"{base}/transparency/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_text("Wij zeggen het altijd als u met AI te maken hebt.")).to_be_visible()
    expect(page.get_by_role("link", name="Webshop-chatbot", exact=True)).to_be_visible()
    expect(page.get_by_text("klantenservice@example.org")).to_be_visible()
    assert "Wilma" not in page.content()
    check_accessibility(page)
    screenshot("index")

    page.get_by_role("link", name="Webshop-chatbot", exact=True).click()
    expect(page).to_have_url(f"{base}/transparency/{case.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Webshop-chatbot")
    expect(page.get_by_text("In de chat op onze webwinkel.")).to_be_visible()
    check_accessibility(page)
    screenshot("detail")


def test_it_takes_a_question_from_the_public_page(
    page: Page, live_server: object, screenshot: Callable[[str], None]
) -> None:
    from register.models import ExplanationRequest

    chair = factories.committee_member("chair")
    case = factories.use_case("Webshop-chatbot")
    services.use_case_submit(acting_user=case.owner, use_case=case)
    services.decision_record(acting_user=chair, use_case=case, kind=DecisionKind.APPROVE)
    services.use_case_publish(
        acting_user=chair,
        use_case=case,
        published=True,
        summary="Beantwoordt vragen.",
        contact="klantenservice@example.org",
    )
    case.refresh_from_db()
    base = str(live_server)

    page.goto(f"{base}/transparency/{case.reference}/")
    page.locator(f"a[href='/transparency/{case.reference}/ask/']").click()
    check_accessibility(page)
    # Names, not labels: the wording is translated separately.
    page.locator("input[name=kind][value=person]").check()
    page.locator("textarea[name=question]").fill("Ik wil graag iemand spreken over mijn bestelling.")
    page.locator("input[name=email]").fill("klant@example.net")
    screenshot("ask")
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page).to_have_url(f"{base}/transparency/{case.reference}/ask/sent/")
    check_accessibility(page)
    screenshot("sent")
    asked = ExplanationRequest.objects.get()
    assert (asked.kind, asked.email) == ("person", "klant@example.net")
