"""The business units' pages through the Django test client (the browser tests join later):
a registration from idea to submission in Dutch, with errors that keep the input."""

from __future__ import annotations

import pytest
from django.test import Client

from register.models import AuditEvent, Delivery, UseCase, User
from tests import factories

pytestmark = pytest.mark.django_db


_STEP1: dict[str, str | list[str]] = {
    "name": "FAQ-chatbot webwinkel",
    "purpose": "Vragen van klanten over bestellingen beantwoorden",
    "sector": "retail",
    "lifecycle_stage": "idea",
    "affected_people": "Klanten van de webwinkel",
    "dpia_needed": "no",
}


def _step1(client: Client, **extra: str | list[str]) -> str:
    unit = factories.business_unit("Unit A")
    me = User.objects.get(username="member_a")
    data = {**_STEP1, "business_unit": str(unit.pk), "owner": str(me.pk), **extra}
    response = client.post("/use-cases/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response.headers["Location"])


def _answer(client: Client, url: str, answers: dict[str, str]) -> str:
    """Answer step 2 until no new questions appear; returns where it led."""
    for _round in range(5):
        page = client.get(url)
        form_fields = page.context["form"].fields
        data = {code: answers.get(code, "false") for code in form_fields}
        response = client.post(url, data)
        assert response.status_code == 302
        if response.headers["Location"] != url:
            return str(response.headers["Location"])
    raise AssertionError("the questions never ended")


def test_it_registers_a_chatbot_from_idea_to_submission_in_dutch(member_a: Client, committee: Client) -> None:
    questions = _step1(member_a)
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    assert questions == f"/use-cases/{case.pk}/questions/"
    first = member_a.get(questions).content.decode()
    assert "Leert het van data of bepaalt het zelf uitkomsten" in first
    control = _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true", "ART50_1": "true"})
    assert control == f"/use-cases/{case.pk}/control/"
    case.refresh_from_db()
    response = member_a.post(
        control,
        {
            "version": str(case.version),
            "human_oversight": "human_on_the_loop",
            "goal": "Helft van de vragen zonder wachttijd beantwoord",
            "works_council_position": "not_applicable",
            "escalation_path": "Knop 'spreek een medewerker'",
        },
    )
    assert response.headers["Location"] == f"/use-cases/{case.pk}/check/"
    check = member_a.get(f"/use-cases/{case.pk}/check/").content.decode()
    assert "Beperkt risico" in check
    assert "De leverancier moet de AI melden of markeren (Art. 50(1)); controleer dat dat gebeurt." in check
    response = member_a.post(f"/use-cases/{case.pk}/check/")
    assert response.headers["Location"] == f"/use-cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.status, case.risk_tier) == ("submitted", "limited")
    assert Delivery.objects.filter(stage="submitted", recipient="committee@example.org").exists()
    page = member_a.get(f"/use-cases/{case.pk}/").content.decode()
    assert "Ingediend" in page


def test_it_keeps_every_value_when_something_is_missing(member_a: Client) -> None:
    factories.business_unit("Unit A")
    response = member_a.post("/use-cases/new/", {"name": "Roosterplanner", "affected_people": "Medewerkers"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Roosterplanner"' in html
    assert "Medewerkers</textarea>" in html
    assert "Dit veld is vereist." in html  # Django's own Dutch
    assert not UseCase.objects.filter(name="Roosterplanner").exists()


def test_it_resumes_with_nothing_lost(member_a: Client) -> None:
    questions = _step1(member_a)
    member_a.post(questions, {"AI_SYSTEM": "true", "GPAI_MODEL_PROVIDER": "false"})
    again = member_a.get(questions)
    assert again.context["form"].fields["AI_SYSTEM"].initial == "true"
    assert "ROLE_DEPLOYER" in again.context["form"].fields  # the next questions now apply


def test_it_says_plainly_when_the_practice_is_prohibited(member_a: Client) -> None:
    questions = _step1(member_a, name="Emotiescore medewerkers")
    _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true", "ART5_1_F": "true"})
    case = UseCase.objects.get(name="Emotiescore medewerkers")
    html = member_a.get(f"/use-cases/{case.pk}/").content.decode()
    assert "Verboden" in html
    assert "lijkt dit een verboden AI-praktijk" in html
    assert "Zet het gebruik stil en neem vandaag contact op met de AI-commissie" in html


def test_it_marks_a_dont_know_as_needing_legal_review(member_a: Client) -> None:
    questions = _step1(member_a, name="Ontslagbrieven")
    _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true", "ANNEX_III_4B": "unknown"})
    case = UseCase.objects.get(name="Ontslagbrieven")
    html = member_a.get(f"/use-cases/{case.pk}/check/").content.decode()
    assert "juridische toetsing nodig" in html
    assert "U gaf bij één of meer vragen &#x27;weet ik niet&#x27; aan." in html


def test_it_explains_why_a_vendors_cv_ranking_stays_high_risk(member_a: Client) -> None:
    from register.models import Vendor

    vendor = Vendor.objects.create(name="TalentRank", product="CV Screen")
    questions = _step1(member_a, name="Cv-rangschikking", vendor=str(vendor.pk))
    _answer(
        member_a,
        questions,
        {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true", "ANNEX_III_4A": "true", "ART6_3_D": "true"},
    )
    case = UseCase.objects.get(name="Cv-rangschikking")
    html = member_a.get(f"/use-cases/{case.pk}/check/").content.decode()
    assert "Hoog risico: werving en selectie, bijlage III punt 4(a)." in html
    assert "Zonder die onderbouwing geldt: hoog risico." in html


def test_it_says_someone_else_changed_it_and_keeps_the_input(member_a: Client) -> None:
    _step1(member_a)
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    old_version = case.version
    member_a.post(
        f"/use-cases/{case.pk}/control/",
        {"version": str(old_version), "goal": "Eerste doel", "works_council_position": "not_applicable"},
    )
    response = member_a.post(
        f"/use-cases/{case.pk}/control/",
        {"version": str(old_version), "goal": "Mijn eigen doel", "works_council_position": "not_applicable"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Iemand anders heeft deze toepassing gewijzigd" in html
    assert "Mijn eigen doel</textarea>" in html
    assert UseCase.objects.get(pk=case.pk).goal == "Eerste doel"


def test_it_ticks_off_a_duty_with_evidence(member_a: Client) -> None:
    questions = _step1(member_a)
    _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true"})
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    duty = case.obligations.get(code="ART4")
    response = member_a.post(
        f"/use-cases/{case.pk}/duties/{duty.pk}/done/", {"evidence_note": "E-learning gevolgd"}
    )
    assert response.headers["Location"] == f"/use-cases/{case.pk}/#duty-{duty.pk}"
    duty.refresh_from_db()
    assert (duty.status, duty.evidence_note) == ("done", "E-learning gevolgd")


def test_it_lists_the_units_use_cases_with_their_state(member_a: Client) -> None:
    _step1(member_a)
    factories.use_case("Elders", unit=factories.business_unit("Unit B"))
    html = member_a.get("/use-cases/").content.decode()
    assert "FAQ-chatbot webwinkel" in html
    assert "Elders" not in html
    assert "Nog niet beoordeeld" in html


def test_it_previews_the_next_questions_and_result_without_storing(member_a: Client) -> None:
    questions = _step1(member_a)
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    response = member_a.post(
        f"/use-cases/{case.pk}/questions/preview/",
        {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true", "ART50_1": "true", "GPAI_MODEL_PROVIDER": "false"},
    )
    html = response.content.decode()
    assert html.startswith('\n<div id="questions-block">')
    assert "Beperkt risico" in html
    assert 'name="ANNEX_III_4A"' in html  # questions that apply once it is an AI system
    assert case.assessments.count() == 0  # a preview stores nothing
    # Saving with the answers given in the preview keeps them all, also those not on the page yet.
    member_a.post(
        questions,
        {"AI_SYSTEM": "true", "GPAI_MODEL_PROVIDER": "false", "ROLE_DEPLOYER": "true", "ART50_1": "true"},
    )
    stored = case.assessments.get().answers
    assert (stored["ROLE_DEPLOYER"], stored["ART50_1"]) == (True, True)


def test_it_saves_part_of_the_answers_and_says_how_many_are_left(member_a: Client) -> None:
    questions = _step1(member_a)
    response = member_a.post(questions, {"AI_SYSTEM": "true"}, follow=True)
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    assert case.assessments.get().answers["AI_SYSTEM"] is True
    assert response.redirect_chain[-1][0] == questions
    assert "vragen wachten op een antwoord" in response.content.decode()


def test_it_records_the_ticked_groups_and_asks_about_the_works_council_only_for_employees(
    member_a: Client,
) -> None:
    questions = _step1(member_a, affected_people="", affected_groups=["customers", "patients"])
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    assert (case.affects_customers, case.affects_employees, case.affects_patients, case.affects_public) == (
        True,
        False,
        True,
        False,
    )
    assert questions.endswith("/questions/")
    control = member_a.get(f"/use-cases/{case.pk}/control/").content.decode()
    assert "works_council_position" not in control

    step1 = member_a.get(f"/use-cases/{case.pk}/what/").content.decode()
    assert "<legend>Wie heeft ermee te maken?</legend>" in step1
    assert 'value="customers" id="id_affected_groups_0" checked' in step1
    response = member_a.post(
        f"/use-cases/{case.pk}/what/",
        {
            "version": str(case.version),
            "name": case.name,
            "purpose": case.purpose,
            "owner": str(case.owner_id),
            "sector": "retail",
            "dpia_needed": "no",
            "affected_groups": ["customers", "employees"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert (case.affects_customers, case.affects_employees, case.affects_patients) == (True, True, False)
    control = member_a.get(f"/use-cases/{case.pk}/control/").content.decode()
    assert "Standpunt ondernemingsraad (WOR art. 27)" in control
    assert "Werknemers geïnformeerd (art. 26 lid 7)" in control


def test_it_cannot_submit_without_saying_who_is_affected(member_a: Client) -> None:
    questions = _step1(member_a, affected_people="")
    _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true"})
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    member_a.post(
        f"/use-cases/{case.pk}/control/",
        {"version": str(case.version), "human_oversight": "human_in_the_loop", "goal": "Minder wachttijd"},
    )
    response = member_a.post(f"/use-cases/{case.pk}/check/")
    assert list(response.context["missing"]) == ["affected_people"]
    assert "<li>Betrokken mensen</li>" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "draft"
    # One ticked group is enough.
    UseCase.objects.filter(pk=case.pk).update(affects_public=True)
    assert member_a.post(f"/use-cases/{case.pk}/check/").status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"


def test_it_adds_a_vendor_that_is_not_in_the_list_once(member_a: Client) -> None:
    from register.models import Vendor

    known = Vendor.objects.create(name="ChatDesk", product="FAQ Bot")
    _step1(member_a, name="Eerste", new_vendor="  chatdesk   faq bot ")
    _step1(member_a, name="Tweede", new_vendor="TalentRank")
    _step1(member_a, name="Derde", new_vendor="talentrank")
    assert UseCase.objects.get(name="Eerste").vendor == known
    added = Vendor.objects.get(name="TalentRank")
    assert UseCase.objects.get(name="Tweede").vendor == added
    assert UseCase.objects.get(name="Derde").vendor == added
    assert Vendor.objects.count() == 2
    assert AuditEvent.objects.filter(action="register.vendor.created").count() == 1
    # The name alone is enough when one vendor has it; with several products, the person picks.
    _step1(member_a, name="Vierde", new_vendor="CHATDESK")
    assert UseCase.objects.get(name="Vierde").vendor == known
    Vendor.objects.create(name="ChatDesk", product="Voice")
    me, unit = User.objects.get(username="member_a"), factories.business_unit("Unit A")
    response = member_a.post(
        "/use-cases/new/",
        {
            **_STEP1,
            "business_unit": str(unit.pk),
            "owner": str(me.pk),
            "name": "Vijfde",
            "new_vendor": "chatdesk",
        },
    )
    assert response.status_code == 200
    assert "Er staan meerdere producten van ChatDesk geregistreerd" in response.content.decode()
    assert 'value="chatdesk"' in response.content.decode()
    assert Vendor.objects.count() == 3
    assert not UseCase.objects.filter(name="Vijfde").exists()


def test_two_people_adding_the_same_new_vendor_at_once_get_one_vendor(
    member_a: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from register import services
    from register.models import Vendor
    from register.services import organisation

    first = services.vendor_find_or_add(acting_user=User.objects.get(username="member_a"), name="TalentRank")
    looked_up = iter([None])  # the second person's lookup ran before the first person's row existed
    real = organisation._known_vendor
    monkeypatch.setattr(organisation, "_known_vendor", lambda typed: next(looked_up, None) or real(typed))
    again = services.vendor_find_or_add(acting_user=User.objects.get(username="member_a"), name="TalentRank")
    assert again == first
    assert Vendor.objects.count() == 1


def test_it_refuses_a_picked_and_a_typed_vendor_together_and_keeps_both(member_a: Client) -> None:
    from register.models import Vendor

    known = Vendor.objects.create(name="ChatDesk", product="FAQ Bot")
    unit = factories.business_unit("Unit A")
    response = member_a.post(
        "/use-cases/new/",
        {
            "name": "Twijfelgeval",
            "purpose": "Vragen beantwoorden",
            "business_unit": str(unit.pk),
            "owner": str(User.objects.get(username="member_a").pk),
            "sector": "retail",
            "lifecycle_stage": "idea",
            "dpia_needed": "no",
            "vendor": str(known.pk),
            "new_vendor": "TalentRank",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kies een leverancier uit de lijst óf voeg een nieuwe toe, niet allebei" in html
    assert 'value="TalentRank"' in html
    assert f'<option value="{known.pk}" selected>' in html
    assert not UseCase.objects.filter(name="Twijfelgeval").exists()
    assert Vendor.objects.count() == 1


def test_it_groups_the_questions_under_headings(member_a: Client) -> None:
    questions = _step1(member_a)
    member_a.post(questions, {"AI_SYSTEM": "true"})
    html = member_a.get(questions).content.decode()
    assert '<h2 id="questions-scope">Is het AI?</h2>' in html
    assert '<h2 id="questions-prohibited">Verboden AI-praktijken (art. 5)</h2>' in html
    assert html.index("questions-scope") < html.index("questions-role") < html.index("questions-prohibited")


def test_it_shows_everything_entered_on_the_check_page_with_links_to_change_it(member_a: Client) -> None:
    questions = _step1(member_a, affected_groups=["customers"], personal_data="on", lawful_basis="consent")
    _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true"})
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    member_a.post(
        f"/use-cases/{case.pk}/control/",
        {
            "version": str(case.version),
            "human_oversight": "human_in_the_loop",
            "overseers": "Teamleider klantenservice",
            "overseers_can_stop": "true",
            "escalation_path": "Knop 'spreek een medewerker'",
            "notice": "U praat met een digitale assistent.",
            "goal": "Minder wachttijd",
        },
    )
    html = member_a.get(f"/use-cases/{case.pk}/check/").content.decode()
    for shown in (
        "Klanten; Klanten van de webwinkel",
        "Teamleider klantenservice (kunnen het stoppen)",
        "Knop &#x27;spreek een medewerker&#x27;",
        "U praat met een digitale assistent.",
        "Toestemming",
        "Detailhandel",
        f'href="/use-cases/{case.pk}/what/">Wijzigen',
        f'href="/use-cases/{case.pk}/control/">Wijzigen',
    ):
        assert shown in html, shown


@pytest.mark.parametrize("version", ["abc", "²", "1" * 5000, "-1", ""])
def test_it_treats_a_tampered_version_as_someone_elses_change(member_a: Client, version: str) -> None:
    _step1(member_a)
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    response = member_a.post(f"/use-cases/{case.pk}/control/", {"version": version, "goal": "Mijn doel"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Iemand anders heeft deze toepassing gewijzigd" in html
    assert "Mijn doel</textarea>" in html


def test_it_shows_the_committees_word_on_the_classification_instead_of_indicative(member_a: Client) -> None:
    from register import services

    questions = _step1(member_a, name="Cv-rangschikking")
    _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true", "ANNEX_III_4A": "true"})
    case = UseCase.objects.get(name="Cv-rangschikking")
    page = member_a.get(f"/use-cases/{case.pk}/").content.decode()
    assert "Nog niet vastgesteld door de AI-commissie" in page

    chair = factories.committee_member("chair", first_name="Ada", last_name="Jansen")
    services.use_case_confirm_classification(acting_user=chair, use_case=case)
    page = member_a.get(f"/use-cases/{case.pk}/").content.decode()
    assert "Vastgesteld door de AI-commissie op" in page
    assert "Nog niet vastgesteld door de AI-commissie" not in page

    second = factories.committee_member("second", first_name="Piet", last_name="de Vries")
    services.use_case_override(
        acting_user=chair,
        use_case=UseCase.objects.get(pk=case.pk),
        risk_tier="minimal",
        justification="Sorteert alleen op datum van binnenkomst",
        second_approver=second,
    )
    page = member_a.get(f"/use-cases/{case.pk}/").content.decode()
    assert (
        "Afwijkend vastgesteld door de AI-commissie: Minimaal risico (uitkomst vragenlijst: Hoog risico), "
        "door Ada Jansen en Piet de Vries op"
    ) in page
    assert "Reden: Sorteert alleen op datum van binnenkomst" in page
    assert "Wat de vragenlijst opleverde" in page


def test_it_says_what_a_use_case_with_the_committee_needs_when_an_edit_empties_it(member_a: Client) -> None:
    questions = _step1(member_a, affected_people="", affected_groups=["customers"])
    _answer(member_a, questions, {"AI_SYSTEM": "true", "ROLE_DEPLOYER": "true"})
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    member_a.post(
        f"/use-cases/{case.pk}/control/",
        {"version": str(case.version), "human_oversight": "human_in_the_loop", "goal": "Minder wachttijd"},
    )
    assert member_a.post(f"/use-cases/{case.pk}/check/").status_code == 302
    UseCase.objects.filter(pk=case.pk).update(status="changes_requested")
    case.refresh_from_db()
    response = member_a.post(
        f"/use-cases/{case.pk}/what/",
        {
            "version": str(case.version),
            "name": "Nieuwe naam",
            "purpose": case.purpose,
            "owner": str(case.owner_id),
            "sector": "retail",
            "dpia_needed": "no",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "wie ermee te maken heeft (een groep aangevinkt of anderen beschreven)" in html
    assert 'value="Nieuwe naam"' in html
    case.refresh_from_db()
    assert (case.name, case.affects_customers) == ("FAQ-chatbot webwinkel", True)


def test_typing_the_current_vendor_changes_nothing(member_a: Client) -> None:
    from register.models import Vendor

    known = Vendor.objects.create(name="ChatDesk", product="FAQ Bot")
    _step1(member_a, vendor=str(known.pk))
    case = UseCase.objects.get(name="FAQ-chatbot webwinkel")
    response = member_a.post(
        f"/use-cases/{case.pk}/what/",
        {
            "version": str(case.version),
            "name": case.name,
            "purpose": case.purpose,
            "owner": str(case.owner_id),
            "sector": "retail",
            "dpia_needed": "no",
            "affected_people": case.affected_people,
            "new_vendor": "ChatDesk",
        },
    )
    assert response.status_code == 302
    after = UseCase.objects.get(pk=case.pk)
    assert (after.vendor, after.version) == (known, case.version)  # nothing stored, nothing resubmitted
