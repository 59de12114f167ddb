"""The API conventions every endpoint inherits (STYLE.md §13, README "API")."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import time_machine
from django import forms
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from api.filters import AuditEventFilter
from register import services
from register.audit import audit_log
from register.choices import Role
from register.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = dt.timezone(dt.timedelta(hours=1))
EN = {"Accept-Language": "en"}


def _event(subject: User, when: dt.datetime, action: str = "register.user.changed") -> AuditEvent:
    with time_machine.travel(when, tick=False), transaction.atomic():
        return audit_log(actor=None, action=action, subject=subject, justification="why not")


def test_it_serialises_an_audit_event_completely(auditor: Client) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC), tick=False):
        subject = UserFactory.create(
            username="fleur", first_name="Fleur", last_name="de Vries", email="fleur@example.org"
        )
    event = _event(subject, dt.datetime(2026, 3, 12, 9, 30, tzinfo=AMSTERDAM))
    response = auditor.get(f"/api/v1/audit-events/{event.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": event.pk,
        "occurred_at": "2026-03-12T09:30:00+01:00",
        "actor": "system",
        "action": "register.user.changed",
        "subject_type": "register.user",
        "subject_id": str(subject.pk),
        "use_case_id": None,
        "justification": "why not",
        "snapshot": {
            "id": subject.pk,
            "username": "fleur",
            "first_name": "Fleur",
            "last_name": "de Vries",
            "email": "fleur@example.org",
            "is_staff": False,
            "is_active": True,
            "is_superuser": False,
            "last_login": None,
            "date_joined": "2026-03-01T08:00:00Z",
            "language": "",
            "weekly_digest": False,
        },
    }


def test_it_answers_401_in_the_error_shape_without_credentials(anonymous: Client) -> None:
    response = anonymous.get("/api/v1/audit-events/", headers=EN)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }


def test_it_answers_in_dutch_by_default(anonymous: Client) -> None:
    detail = anonymous.get("/api/v1/audit-events/").json()["errors"][0]["detail"]
    assert detail == "Authenticatiegegevens zijn niet opgegeven."


def test_it_accepts_a_token_and_refuses_a_wrong_one() -> None:
    auditor = UserFactory.create(username="auditor")
    services.role_grant(acting_user=None, user=auditor, role=Role.AUDITOR)
    token = Token.objects.create(user=auditor)
    client = Client()
    assert client.get("/api/v1/audit-events/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    wrong = client.get("/api/v1/audit-events/", HTTP_AUTHORIZATION="Token not-a-real-key")
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["code"] == "authentication_failed"


def test_it_answers_403_to_a_signed_in_person_without_the_view_permission(member_a: Client) -> None:
    response = member_a.get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


@pytest.mark.parametrize("query", ["risk_teir=high_risk", "page=2", "ordering=-id"])
def test_it_refuses_unknown_query_parameters_by_name(auditor: Client, query: str) -> None:
    response = auditor.get(f"/api/v1/audit-events/?{query}", headers=EN)
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": "invalid", "detail": "Unknown query parameter.", "attr": name}],
    }


@pytest.mark.parametrize("size", ["501", "0", "-1", "abc", "1.5"])
def test_it_refuses_a_page_size_outside_1_to_500(auditor: Client, size: str) -> None:
    response = auditor.get(f"/api/v1/audit-events/?page_size={size}", headers=EN)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["detail"]) == ("page_size", "Must be a whole number from 1 to 500.")


def test_it_accepts_the_largest_page_size(auditor: Client) -> None:
    assert auditor.get("/api/v1/audit-events/?page_size=500").status_code == 200


@pytest.mark.parametrize(
    "cursor",
    ["garbage", base64.b64encode(b"p=not-a-date").decode(), base64.b64encode(b"o=x").decode()],
)
def test_it_refuses_a_cursor_it_cannot_read(auditor: Client, cursor: str) -> None:
    response = auditor.get("/api/v1/audit-events/", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "cursor"


def test_it_pages_through_the_trail_oldest_first(auditor: Client) -> None:
    subject = UserFactory.create(username="subject")
    for day in (3, 1, 2):
        _event(subject, dt.datetime(2026, 1, day, 12, tzinfo=dt.UTC), action=f"register.user.day{day}")
    seen: list[str] = []
    url: str | None = "/api/v1/audit-events/?page_size=2"
    while url:
        body = auditor.get(url).json()
        seen += [row["action"] for row in body["results"]]
        url = body["next"]
    # The persona fixtures wrote their own role events first (real time, after 2026-01).
    assert [a for a in seen if "day" in a] == [
        "register.user.day1",
        "register.user.day2",
        "register.user.day3",
    ]
    assert len(seen) == AuditEvent.objects.count()


def test_it_filters_and_names_a_bad_filter_value(auditor: Client) -> None:
    subject = UserFactory.create(username="subject")
    _event(subject, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), action="register.user.early")
    _event(subject, dt.datetime(2026, 6, 1, tzinfo=dt.UTC), action="register.user.late")
    body = auditor.get("/api/v1/audit-events/?occurred_before=2026-03-01T00:00:00Z").json()
    assert [row["action"] for row in body["results"]] == ["register.user.early"]
    bad = auditor.get("/api/v1/audit-events/?occurred_before=yesterday")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "occurred_before"


def test_it_speaks_json_only(auditor: Client) -> None:
    response = auditor.options("/api/v1/audit-events/")
    assert response.status_code == 200
    assert response.json()["parses"] == ["application/json"]


def test_it_answers_unknown_api_urls_in_the_error_shape(auditor: Client) -> None:
    response = auditor.get("/api/v1/no-such-thing/", headers=EN)
    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


def test_it_documents_the_error_shape_in_the_schema(auditor: Client) -> None:
    schema = auditor.get("/api/schema/?format=json").json()
    responses = schema["paths"]["/api/v1/audit-events/"]["get"]["responses"]
    assert {"200", "400", "401", "403"} <= set(responses)
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].startswith(
        "#/components/schemas/"
    )
    assert "ErrorResponse401" in schema["components"]["schemas"]


def test_it_serves_the_docs_without_a_cdn(auditor: Client) -> None:
    html = auditor.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    ("query", "count"),
    [
        # Valid ISO 8601 instants that fall outside what Python holds in UTC: the first and the
        # last instant there is (found by schemathesis), not a 400.
        ("occurred_after=0001-01-01T00:00:00%2B14:00", 1),
        ("occurred_before=9999-12-31T23:59:59-14:00", 1),
        ("occurred_before=0001-01-01T00:00:00%2B14:00", 0),
    ],
)
def test_it_reads_an_instant_beyond_utc_as_the_edge_of_time(auditor: Client, query: str, count: int) -> None:
    response = auditor.get(f"/api/v1/audit-events/?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == count  # the auditor's own role, granted today


def test_it_accepts_any_offset_iso_8601_allows(auditor: Client) -> None:
    # Python accepts offsets up to 24 hours, PostgreSQL only up to 16: found by schemathesis.
    response = auditor.get("/api/v1/audit-events/?occurred_after=2896-07-14T04:43:36%2B21:37")
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("use_case=1.5", "use_case"),
        ("use_case=seven", "use_case"),
    ],
)
def test_it_refuses_filter_values_it_cannot_use(auditor: Client, query: str, name: str) -> None:
    response = auditor.get(f"/api/v1/audit-events/?{query}")
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [name]


@pytest.mark.parametrize("url", ["/api/v1/?foo=1", "/api/schema/?foo=1"])
def test_it_refuses_unknown_parameters_outside_the_resources_too(auditor: Client, url: str) -> None:
    response = auditor.get(url, headers={**EN, "Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "foo"


def test_it_answers_unknown_api_urls_in_dutch_by_default(auditor: Client) -> None:
    response = auditor.get("/api/v1/no-such-thing/")
    assert response.json()["errors"][0]["detail"] == "Niet gevonden."


def test_it_sends_an_anonymous_browser_from_the_docs_to_the_login_page(anonymous: Client) -> None:
    response = anonymous.get("/api/docs/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/api/docs/"


def test_it_builds_no_filter_set_for_a_page_that_asks_no_filter(
    auditor: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[object] = []
    original = AuditEventFilter.__init__

    def counted(self: AuditEventFilter, *args: object, **kwargs: object) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(AuditEventFilter, "__init__", counted)
    plain = auditor.get("/api/v1/audit-events/?page_size=2")
    assert plain.status_code == 200
    assert plain.json()["results"]
    assert built == []  # a fixed cost of every plain page, skipped
    filtered = auditor.get("/api/v1/audit-events/?page_size=2&action=register.no.such")
    assert filtered.json()["results"] == []
    assert len(built) == 1


def test_every_filters_parameter_is_its_name() -> None:
    # The list skips the filter set when no parameter names one of its filters: a filter read from
    # other parameters (a range's _min and _max) would then go unapplied.
    from api.urls import router

    filtersets = {
        viewset.filterset_class
        for _prefix, viewset, _name in router.registry
        if hasattr(viewset, "filterset_class")
    }
    assert len(filtersets) >= 4
    for filterset in filtersets:
        for name, declared in filterset.base_filters.items():
            assert not isinstance(declared.field.widget, forms.MultiWidget), f"{filterset.__name__}.{name}"
