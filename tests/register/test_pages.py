from __future__ import annotations

import pytest
from django.test import Client

from register.models import User

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_the_login_page(anonymous: Client) -> None:
    response = anonymous.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/"


def test_it_shows_the_login_page_in_dutch_first(anonymous: Client) -> None:
    html = anonymous.get("/accounts/login/").content.decode()
    assert '<html lang="nl">' in html
    assert "Inloggen bij Koers" in html
    assert '<label for="id_username">Gebruikersnaam</label>' in html


def test_it_shows_the_login_page_in_english_when_the_browser_asks(anonymous: Client) -> None:
    html = anonymous.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in to Koers" in html


def test_it_prefers_the_language_a_person_chose_over_the_browsers(member_a: Client) -> None:
    User.objects.filter(username="member_a").update(language="en")
    html = member_a.get("/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Welcome to Koers" in html
    User.objects.filter(username="member_a").update(language="nl")
    html = member_a.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Welkom bij Koers" in html


def test_it_links_staff_to_the_admin_and_not_members(committee: Client, member_a: Client) -> None:
    assert 'href="/admin/"' in committee.get("/").content.decode()
    assert 'href="/admin/"' not in member_a.get("/").content.decode()


def test_it_reports_liveness_and_readiness(anonymous: Client) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    assert anonymous.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_it_reports_not_ready_when_the_database_is_gone(
    anonymous: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.db.utils import OperationalError

    def broken_cursor() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
