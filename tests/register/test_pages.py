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
    html = member_a.get("/use-cases/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "<h1>My use-cases</h1>" in html
    User.objects.filter(username="member_a").update(language="nl")
    html = member_a.get("/use-cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Mijn toepassingen</h1>" in html


def test_it_links_staff_to_the_admin_and_members_to_their_use_cases(
    committee: Client, member_a: Client
) -> None:
    assert 'href="/admin/"' in committee.get("/").content.decode()
    assert member_a.get("/").headers["Location"] == "/use-cases/"
    assert 'href="/admin/"' not in member_a.get("/use-cases/").content.decode()


def test_it_reports_liveness_and_readiness(anonymous: Client) -> None:
    assert anonymous.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "sweep": "never",
        "last_sweep": None,
    }
    assert anonymous.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_it_turns_red_when_the_sweep_has_not_run_for_two_hours(anonymous: Client) -> None:
    import datetime as dt

    import time_machine

    from register.models import SweepRun

    start = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    SweepRun.objects.create(started_at=start, finished_at=start + dt.timedelta(seconds=3))
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        assert anonymous.get("/healthz").json() == {
            "status": "ok",
            "database": "ok",
            "broker": "ok",
            "sweep": "ok",
            "last_sweep": "2026-11-27T08:00:03+00:00",
        }
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=1), tick=False):
        response = anonymous.get("/healthz")
    assert (response.status_code, response.json()["status"], response.json()["sweep"]) == (
        503,
        "unavailable",
        "late",
    )


def test_it_names_an_unreachable_broker_in_the_health_check(
    anonymous: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from config.celery import app

    # A port nothing listens on (the discard port): the connection is refused at once.
    # Celery reads the environment's CELERY_BROKER_URL before its own settings (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")
    assert app.conf.broker_write_url == "redis://127.0.0.1:9/0"
    started = time.monotonic()
    response = anonymous.get("/healthz")
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unreachable",
        "sweep": "never",
        "last_sweep": None,
    }
    assert anonymous.get("/readyz").status_code == 200  # the web process still takes requests


def test_a_broker_that_never_answers_is_unreachable_within_seconds(
    anonymous: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import time

    from config.celery import app

    # It takes the connection (the kernel completes it) and then says nothing, as a host behind a
    # firewall that drops packets would: the check must not wait for the operating system.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("CELERY_BROKER_URL", f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        assert app.conf.broker_write_url.startswith("redis://127.0.0.1:")
        started = time.monotonic()
        response = anonymous.get("/healthz")
        elapsed = time.monotonic() - started
    assert (response.status_code, response.json()["broker"]) == (503, "unreachable")
    assert elapsed < 6  # BROKER_CHECK_SECONDS is 2


def test_it_names_an_unreachable_database_in_the_health_check(
    anonymous: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.db.utils import OperationalError

    def broken_cursor() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "broker": "ok",
        "sweep": "unknown",
        "last_sweep": None,
    }


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


def test_it_audits_a_password_changed_by_its_owner(member_a: Client) -> None:
    from register.models import AuditEvent

    response = member_a.post(
        "/accounts/password_change/",
        {
            "old_password": "correct horse battery staple",
            "new_password1": "an even longer passphrase",
            "new_password2": "an even longer passphrase",
        },
    )
    assert response.status_code == 302
    assert member_a.get("/use-cases/").status_code == 200  # still signed in after the change
    event = AuditEvent.objects.get(action="register.user.password_changed")
    assert (event.actor_label, event.justification) == ("member_a", "self-service")


def test_it_audits_a_password_set_through_a_reset_link(anonymous: Client) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from register.models import AuditEvent
    from tests.factories import UserFactory

    person = UserFactory.create(username="locked-out")
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    form_url = anonymous.get(f"/accounts/reset/{uid}/{token}/").headers["Location"]
    response = anonymous.post(
        form_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/reset/done/"
    person.refresh_from_db()
    assert person.check_password("a brand new passphrase")
    event = AuditEvent.objects.get(action="register.user.password_changed")
    assert (event.actor_label, event.justification) == ("locked-out", "reset link")


def test_it_names_each_language_in_its_own_words(anonymous: Client) -> None:
    html = anonymous.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="nl" lang="nl">Nederlands</option>' in html
    assert '<option value="en" lang="en" selected>English</option>' in html


def test_it_turns_red_when_every_sweep_crashes(anonymous: Client) -> None:
    import datetime as dt

    import time_machine

    from register.models import SweepRun

    start = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    SweepRun.objects.create(started_at=start, finished_at=start, error="RuntimeError: boom")
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        SweepRun.objects.create(finished_at=dt.datetime.now(tz=dt.UTC), error="RuntimeError: boom")
        response = anonymous.get("/healthz")
    assert (response.status_code, response.json()["sweep"]) == (503, "late")


def test_a_person_chooses_the_weekly_digest_and_their_language(member_a: Client) -> None:
    from register.models import AuditEvent

    page = member_a.get("/settings/").content.decode()
    assert "Wekelijks overzicht" in page
    response = member_a.post("/settings/", {"language": "en", "weekly_digest": "on"}, follow=True)
    # Said in the language the page was asked in.
    assert "Uw instellingen zijn opgeslagen." in response.content.decode()
    person = User.objects.get(username="member_a")
    assert (person.language, person.weekly_digest) == ("en", True)
    event = AuditEvent.objects.filter(action="register.user.changed").latest("id")
    assert (event.actor_label, event.justification) == ("member_a", "language, weekly_digest")


def test_an_unreachable_database_is_a_clean_503_for_pages_and_the_api(
    member_a: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.db.utils import OperationalError

    from register import services
    from register.models import User

    key = services.api_token_create(acting_user=None, user=User.objects.get(username="member_a"))
    member_a.raise_request_exception = False  # as a browser meets it, through Django's handler

    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    page = member_a.get("/use-cases/", HTTP_ACCEPT_LANGUAGE="en")
    assert (page.status_code, page["Retry-After"]) == (503, "5")
    assert (
        "Koers cannot reach its database just now. Nothing was changed; try again in a moment."
        in page.content.decode()
    )
    api = member_a.get("/api/v1/use-cases/")
    assert (api.status_code, api.json()["errors"][0]["code"]) == (503, "database_unavailable")
    # With a token the first query is inside the API view, where drf-standardized-errors answers.
    by_token = Client(raise_request_exception=False).get(
        "/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert (by_token.status_code, by_token["Retry-After"]) == (503, "5")
    assert by_token.json()["errors"][0]["code"] == "database_unavailable"
    monkeypatch.undo()
    assert member_a.get("/use-cases/").status_code == 200  # and back, without anything restarting


def test_a_fault_inside_the_database_stays_a_500_not_a_wait(
    member_a: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A statement over one of PostgreSQL's limits (class 54) is a fault to fix, not a moment to wait.
    import psycopg
    from django.db import connection
    from django.db.utils import OperationalError

    from api.errors import database_unreachable

    def over_a_limit(*args: object, **kwargs: object) -> None:
        raise OperationalError("index row size exceeds maximum") from psycopg.errors.ProgramLimitExceeded(
            "54000"
        )

    member_a.raise_request_exception = False
    monkeypatch.setattr(connection, "cursor", over_a_limit)
    assert member_a.get("/use-cases/").status_code == 500
    monkeypatch.undo()
    refused = OperationalError("connection refused")
    refused.__cause__ = psycopg.OperationalError("connection failed")  # no SQLSTATE: no server answered
    shutting_down = OperationalError("terminating connection")
    shutting_down.__cause__ = psycopg.errors.AdminShutdown("57P01")
    assert (database_unreachable(refused), database_unreachable(shutting_down)) == (True, True)


def test_a_save_cut_off_by_the_database_says_it_may_have_been_stored(
    member_a: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.db.utils import OperationalError

    def gone(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    member_a.raise_request_exception = False
    monkeypatch.setattr(connection, "cursor", gone)
    response = member_a.post("/settings/", {"language": "en"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "your change may or may not be stored" in response.content.decode()
