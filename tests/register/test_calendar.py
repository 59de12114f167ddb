"""The secret calendar feed (issue 7): the token, the feed's contents and format, the page."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client

from register import services
from register.calendar_feed import escape_text, fold
from register.models import AuditEvent, BusinessUnit, ReviewSchedule, UseCase, User
from register.services.calendar import calendar_token_rotate
from tests import factories

pytestmark = pytest.mark.django_db
NOV_27 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)

MakePersona = Callable[[str], User | None]
PILOT: dict[str, Any] = {
    "pilot_scope": "One shop",
    "pilot_end_date": dt.date(2027, 3, 31),
    "stop_criteria": "Complaints",
}


def _person(make_persona: MakePersona, name: str) -> User:
    user = make_persona(name)
    assert user is not None
    User.objects.filter(pk=user.pk).update(language="en")
    user.refresh_from_db()
    return user


def _scheduled(name: str, unit: BusinessUnit, stage: str, due: dt.date | None) -> UseCase:
    """A submitted use-case (so it has a reference) in `stage`, its review due on `due`."""
    case = factories.use_case(name=name, unit=unit, **PILOT)
    case = services.use_case_submit(acting_user=case.owner, use_case=case)
    UseCase.objects.filter(pk=case.pk).update(lifecycle_stage=stage)  # test data, not a workflow step
    ReviewSchedule.objects.filter(use_case=case).update(next_due=due)
    return case


@dataclass(frozen=True)
class Register:
    chatbot: UseCase  # unit A, pilot, due 15 January 2027
    rota: UseCase  # unit A, suspended, due 1 December 2026
    triage: UseCase  # unit B, production, due 1 February 2027


@pytest.fixture
def register() -> Register:
    unit_a, unit_b = factories.business_unit("Unit A"), factories.business_unit("Unit B")
    with time_machine.travel(NOV_27, tick=False):
        chatbot = _scheduled("Webshop chatbot", unit_a, "pilot", dt.date(2027, 1, 15))
        rota = _scheduled("Rota planner", unit_a, "suspended", dt.date(2026, 12, 1))
        triage = _scheduled("Triage assistant", unit_b, "production", dt.date(2027, 2, 1))
        # Not in any feed: an idea, a retired one, one without a scheduled review.
        _scheduled("Idea with a date", unit_a, "idea", dt.date(2027, 3, 1))
        _scheduled("Retired with a date", unit_a, "retired", dt.date(2027, 3, 1))
        _scheduled("Nothing scheduled", unit_a, "production", None)
    return Register(chatbot, rota, triage)


def _parse(body: bytes) -> list[dict[str, str]]:
    """Check the physical lines (CRLF, at most 75 octets, BEGIN/END balanced) and return the
    events, each a dict of its unfolded properties (the alarm's under "VALARM.<name>")."""
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical)
    lines: list[str] = []
    for raw in physical:
        if raw.startswith(b" "):
            lines[-1] += raw[1:].decode()
        else:
            lines.append(raw.decode())
    stack: list[str] = []
    events: list[dict[str, str]] = []
    for line in lines:
        name, _sep, value = line.partition(":")
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        elif stack[-1] in {"VEVENT", "VALARM"}:
            events[-1][name if stack[-1] == "VEVENT" else f"VALARM.{name}"] = value
    assert stack == []
    assert (lines[0], lines[-1]) == ("BEGIN:VCALENDAR", "END:VCALENDAR")
    return events


def _feed(token: str) -> bytes:
    with time_machine.travel(NOV_27, tick=False):
        response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    return response.content


def test_it_stores_only_a_hash_of_the_token_and_an_audit_event(make_persona: MakePersona) -> None:
    member = _person(make_persona, "member_a")
    token = calendar_token_rotate(acting_user=member, user=member)
    stored = User.objects.get(pk=member.pk).calendar_token_hash
    assert len(token) == 43
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    event = AuditEvent.objects.filter(action="register.user.calendar_token_rotated").get()
    assert (event.actor, event.subject_type, event.subject_id) == (member, "register.user", str(member.pk))
    assert "calendar_token_hash" not in event.snapshot
    assert [secret for secret in (token, stored) if secret in str(event.snapshot)] == []


def test_it_lists_a_members_own_units_scheduled_reviews_and_nothing_else(
    make_persona: MakePersona, register: Register
) -> None:
    member = _person(make_persona, "member_a")
    events = _parse(_feed(calendar_token_rotate(acting_user=member, user=member)))
    rota, chatbot = register.rota.pk, register.chatbot.pk
    assert events == [
        {
            "UID": f"review-{rota}-20261201@koers",
            "DTSTAMP": "20261127T100000Z",
            "DTSTART;VALUE=DATE": "20261201",
            "DTEND;VALUE=DATE": "20261202",
            "SUMMARY": "Review due: AI-2026-0002",
            "URL": f"http://127.0.0.1:8000/use-cases/{rota}/",
            "TRANSP": "TRANSPARENT",
            "VALARM.ACTION": "DISPLAY",
            "VALARM.DESCRIPTION": "Review due: AI-2026-0002",
            "VALARM.TRIGGER": "-PT15H",
        },
        {
            "UID": f"review-{chatbot}-20270115@koers",
            "DTSTAMP": "20261127T100000Z",
            "DTSTART;VALUE=DATE": "20270115",
            "DTEND;VALUE=DATE": "20270116",
            "SUMMARY": "Review due: AI-2026-0001",
            "URL": f"http://127.0.0.1:8000/use-cases/{chatbot}/",
            "TRANSP": "TRANSPARENT",
            "VALARM.ACTION": "DISPLAY",
            "VALARM.DESCRIPTION": "Review due: AI-2026-0001",
            "VALARM.TRIGGER": "-PT15H",
        },
    ]


def test_it_gives_the_other_unit_only_its_own(make_persona: MakePersona, register: Register) -> None:
    member = _person(make_persona, "member_b")
    events = _parse(_feed(calendar_token_rotate(acting_user=member, user=member)))
    assert [event["SUMMARY"] for event in events] == ["Review due: AI-2026-0003"]


@pytest.mark.parametrize("name", ["committee", "auditor"])
def test_it_gives_the_committee_and_auditors_every_scheduled_review(
    make_persona: MakePersona, register: Register, name: str
) -> None:
    person = _person(make_persona, name)
    events = _parse(_feed(calendar_token_rotate(acting_user=person, user=person)))
    assert [event["SUMMARY"] for event in events] == [
        "Review due: AI-2026-0002",
        "Review due: AI-2026-0001",
        "Review due: AI-2026-0003",
    ]


def test_it_gives_someone_without_a_unit_an_empty_calendar(
    make_persona: MakePersona, register: Register
) -> None:
    outsider = _person(make_persona, "outsider")
    body = _feed(calendar_token_rotate(acting_user=outsider, user=outsider))
    assert _parse(body) == []
    assert body.decode().split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Koers//Review calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Koers reviews",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "END:VCALENDAR",
        "",
    ]


def test_it_answers_with_a_private_cacheable_calendar(make_persona: MakePersona) -> None:
    member = _person(make_persona, "member_a")
    response = Client().get(f"/calendar/{calendar_token_rotate(acting_user=member, user=member)}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300"


def test_it_stops_the_old_address_when_the_token_is_rotated(make_persona: MakePersona) -> None:
    member = _person(make_persona, "member_a")
    old = calendar_token_rotate(acting_user=member, user=member)
    new = calendar_token_rotate(acting_user=member, user=member)
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/calendar/{new}.ics").status_code == 200


@pytest.mark.parametrize("token", ["no-such-token", "", "x" * 43])
def test_it_answers_an_unknown_token_with_404_not_the_login_page(
    make_persona: MakePersona, token: str
) -> None:
    member = _person(make_persona, "member_a")
    calendar_token_rotate(acting_user=member, user=member)
    User.objects.filter(pk=member.pk).update(calendar_token_hash="")  # nobody has an empty token either
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_it_closes_the_feed_of_someone_who_left(make_persona: MakePersona) -> None:
    member = _person(make_persona, "member_a")
    token = calendar_token_rotate(acting_user=member, user=member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_it_names_a_use_case_by_its_reference_only(make_persona: MakePersona) -> None:
    # Calendar services fetch the feed and keep it, and a secret address can travel: the name and
    # everything else about the use-case stay behind the link (SECURITY.md).
    member = _person(make_persona, "member_a")
    name = "Chatbot that screens job applicants; answers questions about the shop floor"
    with time_machine.travel(NOV_27, tick=False):
        _scheduled(name, factories.business_unit("Unit A"), "production", dt.date(2027, 1, 15))
    body = _feed(calendar_token_rotate(acting_user=member, user=member))
    assert _parse(body)[0]["SUMMARY"] == "Review due: AI-2026-0001"
    for detail in (b"Chatbot", b"applicants", b"Unit A"):
        assert detail not in body


def test_it_escapes_newlines_and_folds_between_characters() -> None:
    assert escape_text("a\\b;c,d\r\ne\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    line = "SUMMARY:" + "é" * 40  # 8 + 80 octets: no two-octet character may be split
    assert fold(line) == "SUMMARY:" + "é" * 33 + "\r\n " + "é" * 7
    assert fold("X" * 75) == "X" * 75
    assert fold("X" * 76) == "X" * 75 + "\r\n X"


def test_it_sends_anonymous_visitors_of_the_page_to_the_login(anonymous: Client) -> None:
    response = anonymous.get("/calendar/")
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login/?next=/calendar/")
    response = anonymous.post("/calendar/")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="register.user.calendar_token_rotated").exists()


def test_it_explains_the_feed_and_shows_a_new_address_once(member_a: Client) -> None:
    User.objects.filter(username="member_a").update(language="en")
    html = member_a.get("/calendar/").content.decode()
    assert "<h1>Review calendar</h1>" in html
    assert "You have no feed address yet." in html
    assert "/calendar/" in member_a.get("/use-cases/").content.decode()

    response = member_a.post("/calendar/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response.headers["Cache-Control"]
    stored = User.objects.get(username="member_a").calendar_token_hash
    start = html.index('value="http://127.0.0.1:8000/calendar/') + len('value="')
    url = html[start : html.index('"', start)]
    token = url.removeprefix("http://127.0.0.1:8000/calendar/").removesuffix(".ics")
    assert hashlib.sha256(token.encode()).hexdigest() == stored
    assert "Copy it now: Koers will not show it again." in html
    assert f'href="webcal://127.0.0.1:8000/calendar/{token}.ics"' in html

    html = member_a.get("/calendar/").content.decode()
    assert token not in html
    assert "You already have a feed address." in html


def test_it_refuses_a_rotation_without_the_csrf_token(make_persona: MakePersona) -> None:
    member = _person(make_persona, "member_a")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post("/calendar/").status_code == 403
    assert User.objects.get(pk=member.pk).calendar_token_hash == ""
