"""A business unit registers AI use-cases in a real browser, in Dutch."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from register.models import UseCase, User
from tests import factories
from tests.browser.conftest import check_accessibility, log_in

# PostgreSQL only: SQLite's shared in-memory test database cannot be flushed while the live
# server thread still holds it ("table is locked").
pytestmark = [pytest.mark.browser, pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]


def _answer_everything(page: Page, yes: set[str]) -> None:
    """Answer every question on the page, "Ja" for `yes`, else "Nee", as new ones appear."""
    for _round in range(6):
        names = page.eval_on_selector_all(
            "#questions-block input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
        )
        open_names = [n for n in names if not page.locator(f"input[name='{n}']:checked").count()]
        if not open_names:
            return
        for name in open_names:
            value = "true" if name in yes else "false"
            with page.expect_response(lambda r: "/questions/preview/" in r.url):
                page.locator(f"input[name='{name}'][value='{value}']").check()
            page.wait_for_timeout(30)  # let htmx swap the new block in
    raise AssertionError("questions kept appearing")


@pytest.fixture
def unit_a_member(member_a: object) -> User:
    return User.objects.get(username="member_a")


def test_it_registers_a_vendors_chatbot_pilot_in_dutch(
    page: Page, live_server: object, unit_a_member: User, screenshot: Callable[[str], None]
) -> None:
    from register.models import Vendor

    Vendor.objects.create(name="ChatDesk", product="FAQ Bot")
    base = str(live_server)
    navigations: list[str] = []
    log_in(page, base, "member_a")
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    expect(page.get_by_role("heading", name="Mijn toepassingen")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Nieuwe toepassing registreren").click()
    check_accessibility(page)
    page.get_by_label("Naam", exact=True).fill("FAQ-chatbot webwinkel")
    page.get_by_label("Doel").fill("Vragen van klanten over bestellingen beantwoorden")
    page.get_by_label("Bedrijfsonderdeel").select_option(label="Unit A")
    page.get_by_label("Fase").select_option("pilot")
    page.get_by_label("Leverancier", exact=True).select_option(label="ChatDesk FAQ Bot")
    page.get_by_label("Klantgericht").check()
    page.get_by_role("checkbox", name="Klanten", exact=True).check()
    screenshot("step1")
    page.get_by_role("button", name="Opslaan en verder").click()

    expect(page.get_by_text("Leert het van data of bepaalt het zelf uitkomsten")).to_be_visible()
    check_accessibility(page)
    _answer_everything(page, yes={"AI_SYSTEM", "ROLE_DEPLOYER", "ART50_1"})
    expect(page.locator("#questions-block")).to_contain_text("Beperkt risico")
    check_accessibility(page)
    screenshot("step2")
    page.get_by_role("button", name="Opslaan en verder").click()

    expect(page.get_by_role("heading", name="FAQ-chatbot webwinkel")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Menselijk toezicht").select_option("human_on_the_loop")
    page.get_by_label("Meetbaar doel").fill("Helft van de vragen zonder wachttijd beantwoord")
    page.get_by_label("Omvang van de pilot").fill("Twee vestigingen")
    page.get_by_label("Einddatum pilot").fill("2027-03-01")
    page.get_by_label("Stopcriteria").fill("Meer dan vijf klachten per week")
    page.get_by_role("button", name="Opslaan en verder").click()

    expect(page.get_by_text("Beperkt risico").first).to_be_visible()
    expect(
        page.get_by_text(
            "De leverancier moet de AI melden of markeren (Art. 50(1)); controleer dat dat gebeurt."
        )
    ).to_be_visible()
    expect(
        page.get_by_text("Zorg dat de AI-melding of -markering van de leverancier aanstaat en aan blijft")
    ).to_be_visible()
    check_accessibility(page)
    screenshot("check")
    page.get_by_role("button", name="Indienen bij de AI-commissie").click()

    expect(page.get_by_text("Ingediend. De AI-commissie is op de hoogte gebracht")).to_be_visible()
    check_accessibility(page)
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    assert (case.status, case.risk_tier, case.lifecycle_stage) == ("submitted", "limited", "pilot")
    assert len(navigations) <= 6, navigations


def test_it_hides_another_units_use_case(page: Page, live_server: object, member_b: object) -> None:
    case = factories.use_case("Roosterplanner", unit=factories.business_unit("Unit A"))
    log_in(page, str(live_server), "member_b")
    response = page.goto(f"{live_server}/use-cases/{case.pk}/")
    assert response is not None
    assert response.status == 404


def _start(page: Page, base: str, name: str, vendor: str | None = None) -> None:
    log_in(page, base, "member_a")
    page.get_by_role("link", name="Nieuwe toepassing registreren").click()
    page.get_by_label("Naam", exact=True).fill(name)
    page.get_by_label("Doel").fill(name)
    page.get_by_label("Bedrijfsonderdeel").select_option(label="Unit A")
    if vendor:
        page.get_by_label("Leverancier", exact=True).select_option(label=vendor)
    page.get_by_role("checkbox", name="Medewerkers", exact=True).check()
    page.get_by_role("button", name="Opslaan en verder").click()
    expect(page.get_by_text("Leert het van data of bepaalt het zelf uitkomsten")).to_be_visible()


def test_it_keeps_a_vendors_cv_ranking_high_risk_and_says_why(
    page: Page, live_server: object, unit_a_member: User, screenshot: Callable[[str], None]
) -> None:
    from register.models import Vendor

    Vendor.objects.create(name="TalentRank", product="CV Screen")
    _start(page, str(live_server), "Cv-rangschikking", vendor="TalentRank CV Screen")
    _answer_everything(page, yes={"AI_SYSTEM", "ROLE_DEPLOYER", "ANNEX_III_4A", "ART6_3_D"})
    block = page.locator("#questions-block")
    expect(block).to_contain_text("Hoog risico: werving en selectie, bijlage III punt 4(a).")
    expect(block).to_contain_text("Zonder die onderbouwing geldt: hoog risico.")
    check_accessibility(page)
    screenshot("result")


def test_it_says_plainly_that_emotion_scoring_of_staff_is_not_allowed(
    page: Page, live_server: object, unit_a_member: User
) -> None:
    _start(page, str(live_server), "Emotiescore medewerkers")
    _answer_everything(page, yes={"AI_SYSTEM", "ROLE_DEPLOYER", "ART5_1_F"})
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Dit is niet toegestaan. Stop er nu mee.")
    expect(page.locator("#questions-block")).to_contain_text("lijkt dit een verboden AI-praktijk")
    check_accessibility(page)


def test_it_shows_a_dont_know_as_needing_legal_review(
    page: Page, live_server: object, unit_a_member: User
) -> None:
    _start(page, str(live_server), "Ontslagbrieven")
    _answer_everything(page, yes={"AI_SYSTEM", "ROLE_DEPLOYER"})
    with page.expect_response(lambda r: "/questions/preview/" in r.url):
        page.locator("input[name='ANNEX_III_4B'][value='unknown']").check()
    page.wait_for_timeout(30)
    expect(page.locator("#questions-block")).to_contain_text("juridische toetsing nodig")
    check_accessibility(page)


def test_it_resumes_at_step_two_with_nothing_lost(
    page: Page, live_server: object, unit_a_member: User
) -> None:
    _start(page, str(live_server), "Roosterplanner")
    with page.expect_response(lambda r: "/questions/preview/" in r.url):
        page.locator("input[name='AI_SYSTEM'][value='true']").check()
    page.get_by_role("button", name="Opslaan en verder").click()  # saved; more questions follow
    page.goto(f"{live_server}/use-cases/")  # leave
    page.get_by_role("link", name="Roosterplanner").click()
    page.get_by_role("link", name="Wijzigen").click()
    page.get_by_role("link", name="2. De vragen van de AI-verordening").click()
    expect(page.locator("input[name='AI_SYSTEM'][value='true']")).to_be_checked()
    expect(page.locator("input[name='ROLE_DEPLOYER']").first).to_be_visible()


def test_it_keeps_the_values_after_a_validation_error(
    page: Page, live_server: object, unit_a_member: User
) -> None:
    log_in(page, str(live_server), "member_a")
    page.get_by_role("link", name="Nieuwe toepassing registreren").click()
    page.get_by_label("Naam", exact=True).fill("Roosterplanner")
    page.get_by_role("checkbox", name="Medewerkers", exact=True).check()
    page.get_by_label("Andere betrokkenen, of meer uitleg").fill("Sollicitanten")
    page.get_by_role("button", name="Opslaan en verder").click()
    expect(page.get_by_text("Dit veld is vereist.").first).to_be_visible()
    expect(page.get_by_label("Naam", exact=True)).to_have_value("Roosterplanner")
    expect(page.get_by_role("checkbox", name="Medewerkers", exact=True)).to_be_checked()
    expect(page.get_by_label("Andere betrokkenen, of meer uitleg")).to_have_value("Sollicitanten")
    check_accessibility(page)


def test_it_fits_a_phone_screen(browser: Browser, live_server: object, unit_a_member: User) -> None:
    """A ward manager on a phone: no page of the form scrolls sideways."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="nl-NL", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    case = factories.use_case("Roosterplanner", unit=unit_a_member.business_units.get())
    log_in(page, str(live_server), "member_a")
    for path in (
        "/use-cases/",
        "/use-cases/new/",
        f"/use-cases/{case.pk}/questions/",
        f"/use-cases/{case.pk}/",
    ):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px too wide on a phone"
    check_accessibility(page)
    context.close()
