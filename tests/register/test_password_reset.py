"""A forgotten password: the e-mail goes through the outbox (claimed, sent at most once), the
row holds no usable link, and the link it sends sets a new password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from register import outbox
from register.models import AuditEvent, Delivery, User
from register.services.people import PASSWORD_RESETS_PER_DAY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ask(client: Client, email: str) -> str:
    response = client.post("/accounts/password_reset/", {"email": email})
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_it_queues_the_reset_mail_in_the_outbox_and_sends_a_working_link(anonymous: Client) -> None:
    person = UserFactory.create(username="locked-out", email="locked-out@example.org", language="nl")
    assert _ask(anonymous, "Locked-Out@example.org") == "/accounts/password_reset/done/"
    assert mail.outbox == []  # nothing is sent during the request
    row = Delivery.objects.get(stage="password_reset")
    assert (row.recipient, row.template, row.language, row.status) == (
        "locked-out@example.org",
        "password_reset",
        "nl",
        "queued",
    )
    assert row.context == {"user_id": person.pk}  # no token rests in the database
    assert AuditEvent.objects.filter(action="register.user.password_reset_requested").count() == 1

    assert outbox.deliver_one(row.pk) is True
    assert outbox.deliver_one(row.pk) is None  # at most once
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Nieuw wachtwoord voor Koers"
    assert "locked-out" in str(message.body)
    assert "De link werkt één keer en 3 dagen lang." in str(message.body)
    link = re.search(r"https?://\S+/accounts/reset/\S+/", str(message.body))
    assert link is not None, message.body

    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    form_url = anonymous.get(f"/{path}").headers["Location"]
    form = anonymous.get(form_url).content.decode()
    assert "Nieuw wachtwoord instellen" in form
    response = anonymous.post(
        form_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    )
    assert response.headers["Location"] == "/accounts/reset/done/"
    person.refresh_from_db()
    assert person.check_password("a brand new passphrase")
    assert "Wachtwoord opgeslagen" in anonymous.get("/accounts/reset/done/").content.decode()
    # The link works once.
    again = anonymous.get(f"/{path}", follow=True).content.decode()
    assert "Deze link werkt niet meer" in again


def test_it_answers_the_same_for_an_unknown_address_and_sends_nothing(anonymous: Client) -> None:
    UserFactory.create(username="gone", email="gone@example.org", is_active=False)
    assert _ask(anonymous, "nobody@example.org") == "/accounts/password_reset/done/"
    assert _ask(anonymous, "gone@example.org") == "/accounts/password_reset/done/"
    assert not Delivery.objects.exists()
    page = anonymous.get("/accounts/password_reset/done/").content.decode()
    assert "Als een account dat adres gebruikt" in page


def test_it_sends_each_request_but_not_more_than_a_few_a_day(anonymous: Client) -> None:
    UserFactory.create(username="forgetful", email="forgetful@example.org")
    for _attempt in range(PASSWORD_RESETS_PER_DAY + 2):
        _ask(anonymous, "forgetful@example.org")
    rows = Delivery.objects.filter(stage="password_reset").order_by("repeat")
    assert list(rows.values_list("repeat", flat=True)) == list(range(PASSWORD_RESETS_PER_DAY))
    requested = AuditEvent.objects.filter(action="register.user.password_reset_requested")
    assert requested.count() == PASSWORD_RESETS_PER_DAY  # only what was queued is recorded


def test_it_says_what_is_wrong_with_a_bad_address_and_keeps_it(anonymous: Client) -> None:
    response = anonymous.post("/accounts/password_reset/", {"email": "not-an-address"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Voer een geldig e-mailadres in." in html
    assert 'value="not-an-address"' in html
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"is_active": False}, "no longer active"),
        ({"email": "new-address@example.org"}, "e-mail address changed"),
        ({"password": "!unusable"}, "no password to reset"),
    ],
)
def test_it_skips_the_link_when_the_account_changed_after_asking(
    anonymous: Client, change: dict[str, object], reason: str
) -> None:
    person = UserFactory.create(username="leaver", email="leaver@example.org")
    _ask(anonymous, "leaver@example.org")
    User.objects.filter(pk=person.pk).update(**change)
    row = Delivery.objects.get(stage="password_reset")
    assert outbox.deliver_one(row.pk) is None
    row.refresh_from_db()
    assert row.status == "skipped"  # not retried: there is nothing to send any more
    assert reason in row.last_error
    assert mail.outbox == []


def test_it_says_how_long_a_short_lived_link_works(anonymous: Client, settings: object) -> None:
    settings.PASSWORD_RESET_TIMEOUT = 2 * 3600  # type: ignore[attr-defined]
    UserFactory.create(username="hasty", email="hasty@example.org", language="en")
    _ask(anonymous, "hasty@example.org")
    outbox.deliver_one(Delivery.objects.get(stage="password_reset").pk)
    assert "The link works once and for 2 hours." in str(mail.outbox[0].body)
