"""The public transparency page (issue 9): publishing, the page, a page per use-case, the feed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from register import services
from register.choices import DecisionKind, ReviewOutcome
from register.models import AuditEvent, ExplanationRequest, Publication, UseCase, User
from tests import factories
from tests.conftest import _client_for

pytestmark = pytest.mark.django_db


def chair() -> User:
    return User.objects.filter(username="chair").first() or factories.committee_member("chair")


def owner() -> User:
    return factories.UserFactory.create(
        username="wilma", first_name="Wilma", last_name="Verhoeven", email="wilma.verhoeven@example.org"
    )


def approved(name: str = "Webshop chatbot", **fields: Any) -> UseCase:
    case = factories.use_case(
        name,
        owner=owner(),
        lifecycle_stage="production",
        notice="U chat met een computerprogramma.",
        overseers="Jan Jansen",
        escalation_path="Bel Piet de Vries op 06-12345678",
        **fields,
    )
    services.use_case_submit(acting_user=case.owner, use_case=case)
    services.decision_record(acting_user=chair(), use_case=case, kind=DecisionKind.APPROVE)
    return UseCase.objects.get(pk=case.pk)


def publish(case: UseCase, **words: str) -> Publication:
    return services.use_case_publish(
        acting_user=chair(),
        use_case=case,
        published=True,
        summary=words.get("summary", "Beantwoordt vragen over bestellingen, zodat u niet hoeft te wachten."),
        where_met=words.get("where_met", "In de chat op onze webwinkel."),
        contact=words.get("contact", "klantenservice@example.org"),
        how_to_reach=words.get("how_to_reach", "Typ 'medewerker' in de chat."),
    )


# -- the service --


def test_it_publishes_an_approved_use_case_and_audits_it() -> None:
    case = approved()
    publication = publish(case)
    assert publication.published is True
    assert publication.published_at is not None
    event = AuditEvent.objects.get(action="register.publication.published")
    assert (event.use_case_id, event.actor_id) == (case.pk, chair().pk)


def test_it_refuses_to_publish_a_use_case_that_is_not_approved() -> None:
    case = factories.use_case("Draft bot")
    with pytest.raises(ValidationError) as refused:
        publish(case)
    assert refused.value.code == "not_approved"
    assert not Publication.objects.exists()


def test_it_refuses_to_publish_a_retired_use_case() -> None:
    case = approved()
    services.review_record(
        acting_user=chair(), use_case=case, due_date=dt.date(2026, 6, 1), outcome=ReviewOutcome.RETIRE
    )
    with pytest.raises(ValidationError) as refused:
        publish(UseCase.objects.get(pk=case.pk))
    assert refused.value.code == "retired"


def test_it_refuses_a_persons_own_address_as_the_public_contact() -> None:
    case = approved()
    with pytest.raises(ValidationError) as refused:
        publish(case, contact="Wilma.Verhoeven@example.org")
    assert "contact" in refused.value.message_dict


def test_it_refuses_publishing_without_plain_words() -> None:
    with pytest.raises(ValidationError) as refused:
        publish(approved(), summary="  ")
    assert "summary" in refused.value.message_dict


def test_it_withdraws_and_keeps_the_words() -> None:
    case = approved()
    publish(case)
    services.use_case_publish(acting_user=chair(), use_case=case, published=False)
    publication = Publication.objects.get(use_case=case)
    assert publication.published is False
    assert publication.contact == "klantenservice@example.org"
    assert (
        AuditEvent.objects.filter(action="register.publication.withdrawn", use_case_id=case.pk).count() == 1
    )


def test_it_refuses_to_withdraw_what_was_never_published() -> None:
    with pytest.raises(ValidationError):
        services.use_case_publish(acting_user=chair(), use_case=approved(), published=False)


def test_it_keeps_the_pledge_in_one_audited_record() -> None:
    services.pledge_update(acting_user=chair(), text_nl="Wij zeggen het als u met AI praat.", text_en="")
    pledge = services.pledge_update(
        acting_user=chair(), text_nl="Wij zeggen het altijd.", text_en="We always tell you."
    )
    assert (pledge.pk, pledge.text("nl"), pledge.text("en")) == (
        1,
        "Wij zeggen het altijd.",
        "We always tell you.",
    )
    assert AuditEvent.objects.filter(action="register.pledge.changed").count() == 2


# -- the public page and the feed --


def test_it_shows_only_published_approved_use_cases(anonymous: Client) -> None:
    shown = approved("Webshop chatbot")
    publish(shown)
    approved("Rooster-assistent")  # approved, never published
    withdrawn = approved("Schade-inschatting")
    publish(withdrawn)
    services.use_case_publish(acting_user=chair(), use_case=withdrawn, published=False)
    sent_back = approved("Prijsadvies")
    publish(sent_back)
    services.use_case_update(
        acting_user=sent_back.owner, use_case=sent_back, version=sent_back.version, goal="Sneller"
    )

    page = anonymous.get("/transparency/", HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Webshop chatbot" in text
    assert "Rooster-assistent" not in text
    assert "Schade-inschatting" not in text
    assert "Prijsadvies" not in text  # edited back to the committee: off until approved again
    feed = anonymous.get("/transparency/feed.json?lang=nl").json()
    assert [entry["name"] for entry in feed["use_cases"]] == ["Webshop chatbot"]


def test_it_shows_no_staff_personal_data(anonymous: Client) -> None:
    case = approved()
    publish(case)
    pages = [
        anonymous.get("/transparency/").content.decode(),
        anonymous.get(f"/transparency/{case.reference}/").content.decode(),
        anonymous.get("/transparency/feed.json").content.decode(),
    ]
    for text in pages:
        for personal in ("Wilma", "Verhoeven", "wilma.verhoeven@example.org", "chair", "Jan Jansen", "Piet"):
            assert personal not in text
        assert "klantenservice@example.org" in text


def test_it_gives_each_use_case_a_page_and_404_when_unpublished(anonymous: Client) -> None:
    case = approved()
    assert anonymous.get(f"/transparency/{case.reference}/").status_code == 404
    publish(case)
    page = anonymous.get(f"/transparency/{case.reference}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "In the chat on our webshop." not in page.content.decode()  # the committee's words as given
    assert "In de chat op onze webwinkel." in page.content.decode()
    assert anonymous.get("/transparency/AI-1999-0001/").status_code == 404


def test_it_feeds_the_same_content_as_json(anonymous: Client, settings: object) -> None:
    settings.SITE_URL = "https://koers.example.org"  # type: ignore[attr-defined]
    case = approved()
    publish(case)
    services.review_record(
        acting_user=chair(), use_case=case, due_date=dt.date(2026, 6, 1), outcome=ReviewOutcome.CONTINUE
    )
    services.pledge_update(
        acting_user=chair(), text_nl="Wij zeggen het altijd.", text_en="We always tell you."
    )
    response = anonymous.get("/transparency/feed.json?lang=en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["language"] == "en"
    assert body["pledge"] == "We always tell you."
    entry = body["use_cases"][0]
    assert set(entry) == {
        "reference", "name", "url", "ask_url", "what_and_why", "where_met", "notice", "contact", "how_to_reach",
        "stage", "human_oversight", "human_oversight_words", "risk_tier", "risk_tier_words", "risk_tier_standing",
        "policy_tier_words", "last_review",
    }  # fmt: skip
    assert entry["url"] == f"https://koers.example.org/transparency/{case.reference}/"
    assert entry["ask_url"] == f"https://koers.example.org/transparency/{case.reference}/ask/"
    assert entry["human_oversight"] == "human_on_the_loop"
    assert entry["human_oversight_words"] == "A person watches how it works and can step in."
    assert entry["contact"] == "klantenservice@example.org"
    assert entry["notice"] == "U chat met een computerprogramma."
    assert entry["stage"] == "In use."
    assert entry["last_review"] is not None


def test_it_puts_the_pledge_on_top_in_the_visitors_language(anonymous: Client) -> None:
    services.pledge_update(
        acting_user=chair(), text_nl="Wij zeggen het altijd.", text_en="We always tell you."
    )
    assert (
        "Wij zeggen het altijd."
        in anonymous.get("/transparency/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    )
    assert (
        "We always tell you." in anonymous.get("/transparency/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


@pytest.mark.parametrize("url", ["/transparency/", "/transparency/feed.json"])
def test_it_refuses_posts_to_the_public_pages(anonymous: Client, url: str) -> None:
    assert anonymous.post(url).status_code == 405


# -- the admin --


def test_it_publishes_from_the_use_cases_admin_page(committee: Client) -> None:
    case = approved()
    path = f"/admin/register/usecase/{case.pk}/change/"
    page = committee.get(path)
    assert b'name="decision" value="publish"' in page.content
    response = committee.post(
        path,
        {
            "decision": "publish",
            "publish-version": case.version,
            "publish-summary": "Beantwoordt vragen over bestellingen.",
            "publish-where_met": "",
            "publish-contact": "klantenservice@example.org",
            "publish-how_to_reach": "",
        },
    )
    assert response.status_code == 302
    assert Publication.objects.get(use_case=case).published is True
    assert b'name="decision" value="withdraw"' in committee.get(path).content


def test_it_says_why_the_admin_refuses_a_persons_address(committee: Client) -> None:
    case = approved()
    response = committee.post(
        f"/admin/register/usecase/{case.pk}/change/",
        {
            "decision": "publish",
            "publish-version": case.version,
            "publish-summary": "Beantwoordt vragen.",
            "publish-contact": "wilma.verhoeven@example.org",
        },
    )
    assert response.status_code == 200
    assert not Publication.objects.exists()


def test_it_lets_the_committee_edit_the_pledge_in_the_admin(committee: Client) -> None:
    response = committee.post(
        "/admin/register/transparencypledge/add/", {"text_nl": "Wij zeggen het.", "text_en": "We say so."}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="register.pledge.changed").count() == 1
    assert committee.get("/admin/register/transparencypledge/add/").status_code == 403
    response = committee.post(
        "/admin/register/transparencypledge/1/change/", {"text_nl": "Anders.", "text_en": "Otherwise."}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="register.pledge.changed").count() == 2


# -- "Ask for an explanation or a person" --


@pytest.fixture(autouse=True)
def _empty_cache(own_cache: None) -> None:
    """The rate limit counts per address in the cache: a cache of this test's own."""


def ask(client: Client, case: UseCase, **fields: str) -> object:
    data = {"kind": "explanation", "question": "Waarom kreeg ik geen korting?", "email": "klant@example.net"}
    return client.post(f"/transparency/{case.reference}/ask/", {**data, **fields}, HTTP_ACCEPT_LANGUAGE="nl")


def test_it_takes_a_question_without_an_account(django_capture_on_commit_callbacks: object) -> None:
    from register.models import Delivery

    case = approved()
    publish(case)
    client = Client(enforce_csrf_checks=True)
    form_page = client.get(f"/transparency/{case.reference}/ask/")
    assert form_page.status_code == 200
    assert "86" in form_page.content.decode()  # it may be a right: the page says under which article
    token = form_page.cookies["csrftoken"].value
    response = client.post(
        f"/transparency/{case.reference}/ask/",
        {
            "kind": "person",
            "question": "Ik wil iemand spreken.",
            "phone": "020-1234567",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/transparency/{case.reference}/ask/sent/"
    assert client.get(response["Location"]).status_code == 200
    request = ExplanationRequest.objects.get()
    assert (request.kind, request.phone, request.status) == ("person", "020-1234567", "open")
    assert (
        AuditEvent.objects.filter(action="register.explanation_request.received", use_case_id=case.pk).count()
        == 1
    )
    # The owner hears of it (no committee address is configured; the chair is a committee member).
    recipients = set(
        Delivery.objects.filter(stage="explanation_received").values_list("recipient", flat=True)
    )
    assert "wilma.verhoeven@example.org" in recipients
    # The link leads to the use-case page, which an owner without admin access can open.
    paths = {row.context["path"] for row in Delivery.objects.filter(stage="explanation_received")}
    assert paths == {f"/use-cases/{case.pk}/#request-{request.pk}"}
    assert not Delivery.objects.filter(stage="explanation_confirmation").exists()  # no e-mail given


def test_it_confirms_by_e_mail_when_one_is_given(anonymous: Client) -> None:
    from register.models import Delivery

    case = approved()
    publish(case)
    assert ask(anonymous, case).status_code == 302  # type: ignore[attr-defined]
    confirmation = Delivery.objects.get(stage="explanation_confirmation")
    assert confirmation.recipient == "klant@example.net"
    assert "owner" not in confirmation.context
    assert "Wilma" not in json.dumps(confirmation.context)


def test_it_refuses_a_question_without_a_way_to_answer(anonymous: Client) -> None:

    case = approved()
    publish(case)
    response = ask(anonymous, case, email="", phone="")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()  # type: ignore[attr-defined]
    assert not ExplanationRequest.objects.exists()
    assert ask(anonymous, case, question="").status_code == 200  # type: ignore[attr-defined]
    assert ask(anonymous, case, email="geen-adres").status_code == 200  # type: ignore[attr-defined]
    assert not ExplanationRequest.objects.exists()


def test_it_refuses_csrf_less_posts() -> None:
    case = approved()
    publish(case)
    client = Client(enforce_csrf_checks=True)
    assert ask(client, case).status_code == 403  # type: ignore[attr-defined]


def test_it_limits_questions_per_address() -> None:
    # Addresses of this test's own: the count lives in the shared cache, which other tests (and,
    # in CI, another worker process) also write to from 127.0.0.1.
    run = uuid.uuid4().hex[:4]
    case = approved()
    publish(case)
    visitor = Client(REMOTE_ADDR=f"2001:db8::{run}:1")
    for _n in range(5):
        assert ask(visitor, case).status_code == 302  # type: ignore[attr-defined]
    assert ask(visitor, case).status_code == 429  # type: ignore[attr-defined]
    assert ExplanationRequest.objects.count() == 5
    other = Client(REMOTE_ADDR=f"2001:db8::{run}:2")
    assert ask(other, case).status_code == 302  # type: ignore[attr-defined]


def test_it_has_no_form_for_unpublished_use_cases(anonymous: Client) -> None:
    case = approved()
    assert anonymous.get(f"/transparency/{case.reference}/ask/").status_code == 404
    assert ask(anonymous, case).status_code == 404  # type: ignore[attr-defined]


def _received(case: UseCase) -> ExplanationRequest:
    return services.explanation_request_create(
        acting_user=None, use_case=case, kind="explanation", question="Waarom?", email="klant@example.net"
    )


def test_it_reminds_before_the_answer_is_due_and_not_after_an_answer(settings: object) -> None:
    import time_machine

    from register import outbox
    from register.models import Delivery

    settings.KOERS_COMMITTEE_EMAIL = "ai-commissie@example.org"  # type: ignore[attr-defined]
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        case = approved()
        publish(case)
        request = _received(case)
        services.explanation_request_set_deadline(
            acting_user=chair(),
            request=request,
            respond_by=dt.date(2026, 11, 20),
        )
    reminders = Delivery.objects.filter(stage="explanation_due").order_by("recipient")
    assert [r.recipient for r in reminders] == ["ai-commissie@example.org", "wilma.verhoeven@example.org"]
    # Two days before, at the send hour in Amsterdam (08:00 CET = 07:00 UTC).
    assert {r.next_attempt_at for r in reminders} == {dt.datetime(2026, 11, 18, 7, 0, tzinfo=dt.UTC)}
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        assert outbox.deliver_one(reminders[0].pk) is None  # not yet: it waits for its day
        services.explanation_request_answer(
            acting_user=chair(), request=request, note="Gebeld op 10 november."
        )
    with time_machine.travel(dt.datetime(2026, 11, 18, 7, 1, tzinfo=dt.UTC), tick=False):
        assert outbox.deliver_one(reminders[0].pk) is None
    assert Delivery.objects.get(pk=reminders[0].pk).status == "skipped"


def test_it_refuses_a_deadline_in_the_past() -> None:
    case = approved()
    publish(case)
    request = _received(case)
    with pytest.raises(ValidationError):
        services.explanation_request_set_deadline(
            acting_user=chair(),
            request=request,
            respond_by=dt.date(2000, 1, 1),
        )


def test_it_lets_the_committee_set_the_deadline_in_the_admin(committee: Client) -> None:

    case = approved()
    publish(case)
    request = _received(case)
    path = f"/admin/register/explanationrequest/{request.pk}/change/"
    assert committee.get(path).status_code == 200
    response = committee.post(path, {"respond_by": "2099-01-31", "answer_note": ""})
    assert response.status_code == 302
    assert ExplanationRequest.objects.get().respond_by == dt.date(2099, 1, 31)
    assert committee.post(path, {"respond_by": "2000-01-01", "answer_note": ""}).status_code == 200
    response = committee.post(path, {"respond_by": "2099-01-31", "answer_note": "Gemaild."})
    assert response.status_code == 302
    assert ExplanationRequest.objects.get().status == "answered"


def test_it_shows_questions_to_the_unit_and_lets_it_set_the_date(
    member_a: Client, member_b: Client, auditor: Client
) -> None:

    case = approved()
    publish(case)
    request = _received(case)
    page = member_a.get(f"/use-cases/{case.pk}/").content.decode()
    assert "Waarom?" in page
    assert "klant@example.net" not in page  # the requester's address: for the owner and the committee
    services.membership_add(acting_user=None, user=case.owner, business_unit=case.business_unit)
    owners_page = _client_for(case.owner).get(f"/use-cases/{case.pk}/").content.decode()
    assert "klant@example.net" in owners_page
    path = f"/use-cases/{case.pk}/requests/{request.pk}/deadline/"
    assert member_b.post(path, {"respond_by": "2099-02-01"}).status_code == 404
    assert auditor.post(path, {"respond_by": "2099-02-01"}).status_code == 403  # reads, never writes
    response = member_a.post(path, {"respond_by": "2099-02-01"})
    assert response.status_code == 302
    assert ExplanationRequest.objects.get().respond_by == dt.date(2099, 2, 1)
    assert member_a.post(path, {"respond_by": "not a date"}).status_code == 302
    assert ExplanationRequest.objects.get().respond_by == dt.date(2099, 2, 1)
    assert member_a.get(path).status_code == 405
