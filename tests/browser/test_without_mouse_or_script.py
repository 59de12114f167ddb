"""The whole registration without JavaScript, and with the keyboard only: the form is plain
HTML that htmx improves, and every control is reached with Tab and worked with Space, arrows
and Enter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from register.models import UseCase, User, Vendor
from tests.browser.conftest import SCREENSHOTS, check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unit_a_member(member_a: object) -> User:
    return User.objects.get(username="member_a")


@pytest.fixture
def page_without_script(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """A browser with JavaScript switched off. axe-core needs JavaScript, so these pages are
    checked for accessibility by the tests that walk the same pages with it on."""
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "without-script-last.png", full_page=True)
    context.close()


def _open_questions(page: Page) -> list[str]:
    """The questions on the page that have no answer yet, in page order."""
    names: list[str] = []
    radios = page.locator("#questions-block input[type=radio]")
    for index in range(radios.count()):
        name = radios.nth(index).get_attribute("name") or ""
        if name not in names and not page.locator(f"input[name='{name}']:checked").count():
            names.append(name)
    return names


def test_it_registers_a_use_case_with_javascript_off(
    page_without_script: Page, live_server: object, unit_a_member: User
) -> None:
    page = page_without_script
    Vendor.objects.create(name="ChatDesk", product="FAQ Bot")
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("member_a")
    page.get_by_label("Wachtwoord").fill("correct horse battery staple")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Nieuwe toepassing registreren").click()

    page.get_by_label("Naam", exact=True).fill("FAQ-chatbot webwinkel")
    page.get_by_label("Doel").fill("Vragen van klanten over bestellingen beantwoorden")
    page.get_by_label("Bedrijfsonderdeel").select_option(label="Unit A")
    page.get_by_label("Fase").select_option("pilot")
    page.get_by_label("Of voeg een leverancier toe").fill("chatdesk faq bot")  # typed: found, not doubled
    page.get_by_label("Klantgericht").check()
    page.get_by_role("checkbox", name="Klanten", exact=True).check()
    page.get_by_role("button", name="Opslaan en verder").click()

    yes = {"AI_SYSTEM", "ROLE_DEPLOYER", "ART50_1"}
    rounds = 0
    while "/questions/" in page.url:
        rounds += 1
        assert rounds <= 6, "the questions never ended"
        for name in _open_questions(page):
            page.locator(f"input[name='{name}'][value='{'true' if name in yes else 'false'}']").check()
        page.get_by_role("button", name="Opslaan en verder").click()
    assert rounds >= 2  # without script, new questions appear after saving, and nothing is lost

    page.get_by_label("Menselijk toezicht").select_option("human_on_the_loop")
    page.get_by_label("Meetbaar doel").fill("Helft van de vragen zonder wachttijd beantwoord")
    page.get_by_label("Omvang van de pilot").fill("Twee vestigingen")
    page.get_by_label("Einddatum pilot").fill("2027-03-01")
    page.get_by_label("Stopcriteria").fill("Meer dan vijf klachten per week")
    page.get_by_role("button", name="Opslaan en verder").click()

    expect(page.get_by_text("Beperkt risico").first).to_be_visible()
    expect(page.get_by_text("ChatDesk FAQ Bot")).to_be_visible()
    page.get_by_role("button", name="Indienen bij de AI-commissie").click()
    expect(page.get_by_text("Ingediend. De AI-commissie is op de hoogte gebracht")).to_be_visible()

    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    assert (case.status, case.risk_tier, case.lifecycle_stage) == ("submitted", "limited", "pilot")
    assert Vendor.objects.count() == 1
    assert str(case.vendor) == "ChatDesk FAQ Bot"


def _tab_to(page: Page, selector: str, limit: int = 400) -> None:
    """Press Tab until the focused element matches `selector` (reading the focus is all the
    script does; every action is a key press)."""
    for _press in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reaches {selector}")


def _enter_and_wait(page: Page) -> None:
    """Enter on a link or a submit button: the next page loads."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _unanswered(page: Page) -> list[str]:
    return list(
        page.evaluate(
            """() => [...new Set([...document.querySelectorAll('#questions-block input[type=radio]')]
                .map(e => e.name))].filter(n => !document.querySelector(`input[name="${n}"]:checked`))"""
        )
    )


def test_it_registers_a_use_case_with_the_keyboard_only(
    page: Page, live_server: object, unit_a_member: User, screenshot: Callable[[str], None]
) -> None:
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    _tab_to(page, "#id_username")
    page.keyboard.type("member_a")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    _enter_and_wait(page)
    expect(page.get_by_role("heading", name="Mijn toepassingen")).to_be_visible()

    _tab_to(page, "a[href='/use-cases/new/']")
    _enter_and_wait(page)
    _tab_to(page, "#id_name")
    page.keyboard.type("Roosterplanner")
    _tab_to(page, "#id_purpose")
    page.keyboard.type("Roosters maken uit de beschikbaarheid van medewerkers")
    _tab_to(page, "#id_business_unit")
    page.keyboard.press("ArrowDown")  # the first unit after the empty choice
    expect(page.get_by_label("Bedrijfsonderdeel")).to_have_value(str(unit_a_member.business_units.get().pk))
    _tab_to(page, "#id_affected_groups_1")  # employees
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Medewerkers", exact=True)).to_be_checked()
    _tab_to(page, "form.stack button[type=submit]")
    _enter_and_wait(page)

    expect(page.get_by_role("heading", name="Is het AI?")).to_be_visible()
    yes = {"AI_SYSTEM", "ROLE_DEPLOYER"}
    for _answer in range(80):
        open_names = _unanswered(page)
        if not open_names:
            break
        name = open_names[0]
        _tab_to(page, f"input[name='{name}']")
        with page.expect_response(lambda r: "/questions/preview/" in r.url):
            # Space takes "Yes" (the first choice); an arrow moves to "No" and takes it.
            page.keyboard.press("Space" if name in yes else "ArrowDown")
        page.wait_for_timeout(30)  # let htmx swap the new block in
    else:
        raise AssertionError("questions kept appearing")
    expect(page.locator("#questions-block")).to_contain_text("Minimaal risico")
    check_accessibility(page)
    screenshot("step2")
    _tab_to(page, "form.questions > button[type=submit]")
    _enter_and_wait(page)

    _tab_to(page, "#id_human_oversight")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "#id_goal")
    page.keyboard.type("Minder gaten in het rooster, gemeten per maand")
    _tab_to(page, "#id_works_council_position")  # employees are affected: the works council is asked
    page.keyboard.press("ArrowDown")
    _tab_to(page, "form.stack button[type=submit]")
    _enter_and_wait(page)

    expect(page.get_by_role("heading", name="Roosterplanner")).to_be_visible()
    _tab_to(page, "main form button[type=submit]")
    _enter_and_wait(page)
    expect(page.get_by_text("Ingediend. De AI-commissie is op de hoogte gebracht")).to_be_visible()
    case = UseCase.objects.get(name="Roosterplanner")
    assert (case.status, case.risk_tier, case.affects_employees) == ("submitted", "minimal", True)
    assert case.human_oversight == "human_in_the_loop"
    assert case.works_council_position == "pending"
