"""API tokens and what comes with them (issue 8): the access log of token requests, tokens
created, rotated and revoked in the admin (audited, the key shown once), and throttling."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from api import access_log
from api.throttling import UserThrottle
from register import services
from register.models import ApiAccess, AuditEvent, User
from tests.api.access_log_helpers import without_access_log
from tests.test_settings import PRODUCTION, _run

pytestmark = pytest.mark.django_db

MakePersona = Callable[[str], User]
EN = {"Accept-Language": "en"}
MOMENT = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)


class CsvStream(APIView):
    """A stand-in for the coming CSV exports: a streamed body behind token authentication."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> StreamingHttpResponse:
        return StreamingHttpResponse(iter([b"id,name\n", b"1,Chatbot\n"]), content_type="text/csv")


# Used by the streaming test only (@pytest.mark.urls): the project's URLs plus the stream.
urlpatterns = [path("test-stream/", CsvStream.as_view()), path("", include("config.urls"))]


def _token_client(key: str) -> Client:
    return Client(headers={"Authorization": f"Token {key}", **EN})


def _key_of(user: User) -> str:
    return services.api_token_create(acting_user=None, user=user)


@pytest.fixture
def auditor_key(make_persona: MakePersona) -> str:
    return _key_of(make_persona("auditor"))


def _log() -> list[tuple[str, str, str, int, str]]:
    return [
        (row.user.username, row.method, row.path, row.status_code, row.authenticated_by)
        for row in ApiAccess.objects.select_related("user").order_by("id")
    ]


# The access log


def test_it_logs_a_token_request_with_who_what_when_and_how_it_ended(
    auditor_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter([100.0, 100.25])  # the request arrives, then its response is sent
    monkeypatch.setattr(access_log, "monotonic", lambda: next(ticks))
    with time_machine.travel(MOMENT, tick=False):
        response = _token_client(auditor_key).get("/api/v1/audit-events/?page_size=5")
    assert response.status_code == 200
    row = ApiAccess.objects.get()
    assert (
        row.user.username,
        row.method,
        row.path,
        row.status_code,
        row.duration_ms,
        row.authenticated_by,
    ) == (
        "auditor",
        "GET",
        "/api/v1/audit-events/?page_size=5",
        200,
        250,
        "token",
    )
    assert row.occurred_at == MOMENT


def test_it_logs_token_requests_that_end_in_a_client_error(
    auditor_key: str, make_persona: MakePersona
) -> None:
    member_key = _key_of(make_persona("member_a"))
    _token_client(auditor_key).get("/api/v1/audit-events/999999999/")
    _token_client(auditor_key).get("/api/v1/audit-events/?colour=red")
    _token_client(member_key).get("/api/v1/audit-events/")
    assert _log() == [
        ("auditor", "GET", "/api/v1/audit-events/999999999/", 404, "token"),
        ("auditor", "GET", "/api/v1/audit-events/?colour=red", 400, "token"),
        ("member_a", "GET", "/api/v1/audit-events/", 403, "token"),
    ]


def test_it_does_not_log_requests_by_session_anonymous_or_a_wrong_token(
    auditor: Client, anonymous: Client
) -> None:
    assert auditor.get("/api/v1/audit-events/").status_code == 200
    assert anonymous.get("/api/v1/audit-events/").status_code == 401
    assert _token_client("0" * 40).get("/api/v1/audit-events/").status_code == 401
    assert _log() == []


def test_it_answers_in_full_when_the_log_cannot_be_written(
    auditor_key: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(ApiAccess, "save", broken)
    auditor_id = User.objects.get(username="auditor").pk
    with caplog.at_level(logging.ERROR, logger="api.access_log"):
        response = _token_client(auditor_key).get("/api/v1/audit-events/?page_size=1")
    assert response.status_code == 200
    assert response.json()["results"][0]["action"] == "register.user.role_granted"
    assert [record.getMessage() for record in caplog.records] == [
        f"Could not record API access GET /api/v1/audit-events/?page_size=1 by user {auditor_id}."
    ]


@pytest.mark.urls(__name__)
def test_it_logs_a_streamed_response_only_once_it_was_sent(auditor_key: str) -> None:
    response = _token_client(auditor_key).get("/test-stream/")
    assert response.status_code == 200
    assert _log() == []  # the body has not gone out yet
    assert b"".join(response.streaming_content) == b"id,name\n1,Chatbot\n"  # type: ignore[attr-defined]
    assert _log() == [("auditor", "GET", "/test-stream/", 200, "token")]


def test_it_leaves_the_log_out_inside_without_access_log(
    auditor_key: str, django_assert_num_queries: Callable[[int], AbstractContextManager[object]]
) -> None:
    client = _token_client(auditor_key)
    client.get("/api/v1/audit-events/")  # a first request fills Django's own caches
    # The token and its user, the person's permissions (register/backends.py), the page; the insert.
    with django_assert_num_queries(4):
        client.get("/api/v1/audit-events/")
    with without_access_log(), django_assert_num_queries(3):
        assert client.get("/api/v1/audit-events/").status_code == 200
    assert len(_log()) == 2


# Tokens in the admin


def test_it_creates_a_token_in_the_admin_and_shows_the_key_once(
    committee: Client, make_persona: MakePersona
) -> None:
    auditor = make_persona("auditor")
    page = committee.post("/admin/authtoken/tokenproxy/add/", {"user": auditor.pk})
    assert page.status_code == 200
    key = Token.objects.get(user=auditor).key
    assert page.content.decode().count(key) == 1
    assert "no-store" in page.headers["Cache-Control"]
    assert _token_client(key).get("/api/v1/audit-events/").status_code == 200
    listing = committee.get("/admin/authtoken/tokenproxy/").content.decode()
    assert f"{key[:4]}…" in listing
    assert key not in listing
    assert key not in committee.get(f"/admin/authtoken/tokenproxy/{auditor.pk}/change/").content.decode()
    event = AuditEvent.objects.get(action="register.api_token.created")
    assert (event.actor_label, event.subject_type, event.subject_id) == (
        "committee",
        "register.user",
        str(auditor.pk),
    )


def test_it_offers_only_people_without_a_token(committee: Client, make_persona: MakePersona) -> None:
    _key_of(make_persona("auditor"))
    make_persona("member_a")
    form = committee.get("/admin/authtoken/tokenproxy/add/").context["form"]
    assert [person.username for person in form.fields["user"].queryset] == ["committee", "member_a"]


def test_it_refuses_a_second_token_for_one_person(make_persona: MakePersona) -> None:
    auditor = make_persona("auditor")
    _key_of(auditor)
    with pytest.raises(
        ValidationError, match=r"^\['auditor heeft al een API-token; vervang dat in plaats daarvan\.'\]$"
    ):
        services.api_token_create(acting_user=None, user=auditor)


def test_it_revokes_a_token_at_once(committee: Client, make_persona: MakePersona) -> None:
    auditor = make_persona("auditor")
    key = _key_of(auditor)
    client = _token_client(key)
    assert client.get("/api/v1/audit-events/").status_code == 200
    confirm = committee.get(f"/admin/authtoken/tokenproxy/{auditor.pk}/revoke/")
    assert confirm.status_code == 200
    assert Token.objects.filter(user=auditor).exists()  # asking is not doing
    done = committee.post(f"/admin/authtoken/tokenproxy/{auditor.pk}/revoke/", follow=True)
    assert done.redirect_chain == [("/admin/authtoken/tokenproxy/", 302)]
    assert "Het API-token van auditor is ingetrokken: het werkt niet meer." in done.content.decode()
    refused = client.get("/api/v1/audit-events/")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["detail"] == "Invalid token."
    event = AuditEvent.objects.get(action="register.api_token.revoked")
    assert (event.actor_label, event.subject_id, event.snapshot) == (
        "committee",
        str(auditor.pk),
        {"user": auditor.pk, "token_created": None},
    )


def test_it_rotates_a_token_showing_the_new_key_once_and_keeping_keys_out_of_the_trail(
    committee: Client, make_persona: MakePersona
) -> None:
    auditor = make_persona("auditor")
    with time_machine.travel(MOMENT, tick=False):
        old_key = _key_of(auditor)
    with time_machine.travel(MOMENT + dt.timedelta(days=3), tick=False):
        page = committee.post(f"/admin/authtoken/tokenproxy/{auditor.pk}/rotate/")
    assert page.status_code == 200
    new_key = Token.objects.get(user=auditor).key
    assert new_key != old_key
    assert page.content.decode().count(new_key) == 1
    assert old_key not in page.content.decode()
    assert _token_client(old_key).get("/api/v1/audit-events/").status_code == 401
    assert _token_client(new_key).get("/api/v1/audit-events/").status_code == 200
    assert new_key not in committee.get(f"/admin/authtoken/tokenproxy/{auditor.pk}/change/").content.decode()
    events = AuditEvent.objects.filter(action__startswith="register.api_token.").order_by("id")
    assert [(e.action, e.snapshot) for e in events] == [
        ("register.api_token.created", {"user": auditor.pk, "token_created": "2026-11-27T09:30:00Z"}),
        ("register.api_token.rotated", {"user": auditor.pk, "token_created": "2026-11-30T09:30:00Z"}),
    ]
    trail = json.dumps([[e.snapshot, e.justification] for e in AuditEvent.objects.all()])
    assert old_key not in trail
    assert new_key not in trail


def test_it_keeps_drf_create_token_working_next_to_the_admin(
    committee: Client, make_persona: MakePersona
) -> None:
    auditor = make_persona("auditor")
    out = StringIO()
    call_command("drf_create_token", "auditor", stdout=out)
    key = Token.objects.get(user=auditor).key
    assert out.getvalue() == f"Generated token {key} for user auditor\n"
    assert _token_client(key).get("/api/v1/audit-events/").status_code == 200
    assert f"{key[:4]}…" in committee.get("/admin/authtoken/tokenproxy/").content.decode()


def test_it_does_not_delete_tokens_except_by_revoking(
    committee: Client, superuser: Client, make_persona: MakePersona
) -> None:
    auditor = make_persona("auditor")
    key = _key_of(auditor)
    assert (
        committee.post(f"/admin/authtoken/tokenproxy/{auditor.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert (
        superuser.post(f"/admin/authtoken/tokenproxy/{auditor.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert _token_client(key).get("/api/v1/audit-events/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("member_a", 302), ("auditor", 403), ("committee", 200), ("superuser", 200)],
    indirect=["persona"],
)
@pytest.mark.parametrize("page", ["", "add/", "{holder}/change/", "{holder}/rotate/", "{holder}/revoke/"])
def test_it_lets_only_the_committee_and_superusers_manage_tokens(
    persona: Client, expected: int, page: str, make_persona: MakePersona
) -> None:
    holder = make_persona("member_b")
    _key_of(holder)
    response = persona.get(f"/admin/authtoken/tokenproxy/{page.format(holder=holder.pk)}")
    assert response.status_code == expected
    if expected == 302:  # members are not staff: the admin sends them to its login page
        assert response.headers["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("member_a", 302), ("auditor", 403), ("committee", 200), ("superuser", 200)],
    indirect=["persona"],
)
def test_it_shows_the_access_log_to_the_committee_only(persona: Client, expected: int) -> None:
    assert persona.get("/admin/register/apiaccess/").status_code == expected


def test_it_lists_the_access_log_newest_first(committee: Client, auditor_key: str) -> None:
    client = _token_client(auditor_key)
    for day, query in ((1, "?page_size=1"), (2, "?page_size=2"), (3, "?colour=red")):
        with time_machine.travel(MOMENT + dt.timedelta(days=day), tick=False):
            client.get(f"/api/v1/audit-events/{query}")
    rows = committee.get("/admin/register/apiaccess/").context["cl"].result_list
    assert [(row.path, row.status_code) for row in rows] == [
        ("/api/v1/audit-events/?colour=red", 400),
        ("/api/v1/audit-events/?page_size=2", 200),
        ("/api/v1/audit-events/?page_size=1", 200),
    ]
    errors = committee.get("/admin/register/apiaccess/?status_code=400").context["cl"].result_list
    assert [row.path for row in errors] == ["/api/v1/audit-events/?colour=red"]


# Throttling


def test_it_answers_429_in_the_error_shape_past_the_rate(
    auditor_key: str, settings: pytest.FixtureRequest
) -> None:
    settings.KOERS_API_THROTTLE_USER = "3/hour"  # type: ignore[attr-defined]
    client = _token_client(auditor_key)
    with time_machine.travel(MOMENT, tick=False):
        statuses = [client.get("/api/v1/audit-events/").status_code for _ in range(3)]
        refused = client.get("/api/v1/audit-events/")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    assert refused.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "throttled",
                "detail": "Request was throttled. Expected available in 3600 seconds.",
                "attr": None,
            }
        ],
    }
    assert _log()[-1] == ("auditor", "GET", "/api/v1/audit-events/", 429, "token")


def test_it_counts_each_person_on_their_own(
    auditor_key: str, make_persona: MakePersona, settings: pytest.FixtureRequest
) -> None:
    settings.KOERS_API_THROTTLE_USER = "1/hour"  # type: ignore[attr-defined]
    committee_key = _key_of(make_persona("committee"))
    assert _token_client(auditor_key).get("/api/v1/audit-events/").status_code == 200
    assert _token_client(auditor_key).get("/api/v1/audit-events/").status_code == 429
    assert _token_client(committee_key).get("/api/v1/audit-events/").status_code == 200


class DownCache:
    def get(self, key: str, default: object = None) -> object:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_it_lets_requests_through_when_the_cache_is_down(
    auditor_key: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(UserThrottle, "cache", DownCache())
    with caplog.at_level(logging.ERROR, logger="api.throttling"):
        response = _token_client(auditor_key).get("/api/v1/audit-events/")
    assert response.status_code == 200
    assert [record.getMessage() for record in caplog.records] == [
        "API throttling skipped: the cache did not answer."
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KOERS_API_THROTTLE_USER", "lots"),
        ("KOERS_API_THROTTLE_USER", "2000/fortnight"),
        ("KOERS_API_THROTTLE_USER", "0/hour"),
        ("KOERS_API_THROTTLE_ANON", "60"),
    ],
)
def test_it_refuses_to_start_with_a_malformed_rate(name: str, value: str) -> None:
    result = _run({**PRODUCTION, name: value}, "check")
    assert result.returncode != 0
    assert f"{name} must be a number of requests per second, minute, hour or day" in result.stderr
    assert "Traceback" not in result.stderr
