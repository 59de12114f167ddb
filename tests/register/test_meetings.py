"""The committee's meetings: the agenda Koers builds from the register (each point, with what must
and must not be on it), the meeting admin (saved through the service, audited, no LogEntry), the
printable agenda and minutes, the CSV, and who may reach which page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import translation

from register import services
from register.agenda import Agenda, AgendaItem, agenda
from register.choices import DecisionKind, ReviewOutcome
from register.models import Action, AuditEvent, Incident, Meeting, ReviewSchedule, UseCase, User
from register.services.use_cases import ActionSpec
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# One hour after midnight UTC, 02:00 in Amsterdam: "today" is the organisation's 27 November.
NIGHT = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)
HIRING = {"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ANNEX_III_4A": True}
EN = {"accept-language": "en"}


@contextmanager
def at(when: dt.datetime) -> Iterator[None]:
    with time_machine.travel(when, tick=False):
        yield


def utc(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def tonight() -> Agenda:
    with at(NIGHT):
        return agenda(TODAY)


def listed(items: list[AgendaItem]) -> list[tuple[str, dt.date | None]]:
    return [(item.use_case.name, item.date) for item in items]


def chair() -> User:
    return User.objects.filter(username="chair").first() or factories.committee_member("chair")


def submitted(name: str) -> UseCase:
    case = factories.use_case(name)
    return services.use_case_submit(acting_user=case.owner, use_case=case)


def approved(name: str, actions: tuple[ActionSpec, ...] = (), meeting: Meeting | None = None) -> UseCase:
    case = submitted(name)
    services.decision_record(
        acting_user=chair(), use_case=case, kind=DecisionKind.APPROVE, actions=actions, meeting=meeting
    )
    return UseCase.objects.get(pk=case.pk)


def in_use(name: str, review_due: dt.date, stage: str = "production") -> UseCase:
    """A use-case whose next review is `review_due` (a recorded review sets it)."""
    case = factories.use_case(name, lifecycle_stage=stage)
    if stage not in {"pilot", "production"}:  # not reviewed, but a date may still stand (e.g. imported)
        ReviewSchedule.objects.update_or_create(use_case=case, defaults={"next_due": review_due})
        return case
    services.review_record(
        acting_user=chair(),
        use_case=case,
        due_date=dt.date(2026, 8, 1),
        outcome=ReviewOutcome.CONTINUE,
        next_due=review_due,
    )
    return case


# -- the agenda, point by point ----------------------------------------------------------------


def test_it_lists_submissions_waiting_oldest_first_from_when_each_went_to_the_committee() -> None:
    with at(utc(9, 1)):
        late = factories.use_case("Registered in September, submitted yesterday")
        factories.use_case("Still a draft")
        approved("Approved and left alone")
        edited = approved("Approved, then edited")
        rejected = submitted("Rejected")
        services.decision_record(
            acting_user=chair(), use_case=rejected, kind=DecisionKind.REJECT, justification="No goal"
        )
    with at(utc(11, 23, 23, 30)):  # 00:30 on the 24th in Amsterdam
        submitted("Submitted three days ago")
    with at(utc(11, 25)):
        services.use_case_update(
            acting_user=edited.owner, use_case=edited, version=edited.version, goal="Fewer complaints"
        )
    with at(utc(11, 26)):
        services.use_case_submit(acting_user=late.owner, use_case=late)
    assert listed(tonight().submissions) == [
        ("Submitted three days ago", dt.date(2026, 11, 24)),
        ("Approved, then edited", dt.date(2026, 11, 25)),
        ("Registered in September, submitted yesterday", dt.date(2026, 11, 26)),
    ]


def test_it_keeps_a_submission_waiting_since_it_went_in_when_it_is_edited_while_waiting() -> None:
    with at(utc(11, 20)):
        case = submitted("Edited while waiting")
    with at(utc(11, 25)):
        case.refresh_from_db()
        services.use_case_update(acting_user=case.owner, use_case=case, version=case.version, goal="Sharper")
    assert listed(tonight().submissions) == [("Edited while waiting", dt.date(2026, 11, 20))]


def test_it_lists_overdue_reviews_and_those_due_within_30_days_apart() -> None:
    with at(utc(9, 1)):
        in_use("Due in 30 days", dt.date(2026, 12, 27))
        in_use("Overdue by a day", dt.date(2026, 11, 26))
        in_use("Due today", TODAY)
        in_use("Due in 31 days", dt.date(2026, 12, 28))
        in_use("Overdue since October", dt.date(2026, 10, 1), stage="pilot")
        in_use("An idea, not in use", dt.date(2026, 11, 1), stage="idea")
        factories.use_case("Never scheduled", lifecycle_stage="production")
    result = tonight()
    assert listed(result.overdue_reviews) == [
        ("Overdue since October", dt.date(2026, 10, 1)),
        ("Overdue by a day", dt.date(2026, 11, 26)),
    ]
    assert listed(result.upcoming_reviews) == [
        ("Due today", TODAY),
        ("Due in 30 days", dt.date(2026, 12, 27)),
    ]


def test_it_lists_open_serious_incidents_and_leaves_out_closed_and_not_serious_ones() -> None:
    case = factories.use_case("Triage chatbot")

    def incident(what: str, aware: dt.datetime, seriousness: str, status: str = "open") -> None:
        services.incident_record(
            acting_user=case.owner,
            use_case=case,
            what_happened=what,
            happened_at=aware - dt.timedelta(hours=2),
            aware_at=aware,
            seriousness=seriousness,
            status=status,
        )

    incident("Told a patient to skip the doctor", utc(11, 20, 23, 30), "a", "investigating")
    incident("Refused a refund it should give", utc(11, 25), "c")
    incident("Typo in a greeting", utc(11, 24), "")
    incident("Advised wrong dosage, settled", utc(11, 1), "a", "closed")
    result = tonight()
    assert [(i.detail, i.date) for i in result.serious_incidents] == [
        ("Told a patient to skip the doctor", dt.date(2026, 11, 21)),  # 00:30 in Amsterdam
        ("Refused a refund it should give", dt.date(2026, 11, 25)),
    ]


def test_it_lists_incidents_since_the_previous_meeting_or_with_a_clock_open_with_their_clocks() -> None:
    case = factories.use_case("Triage chatbot")

    def incident(what: str, recorded: dt.datetime, **facts: object) -> Incident:
        with at(recorded):
            return services.incident_record(
                acting_user=case.owner,
                use_case=case,
                what_happened=what,
                happened_at=recorded - dt.timedelta(hours=1),
                aware_at=recorded,
                **facts,
            )

    old_breach = incident("Sent a list to the wrong address", utc(10, 1), personal_data_breach=True)
    old_done = incident("Leaked one name", utc(10, 2), personal_data_breach=True)
    with at(utc(10, 3)):
        services.incident_clock_done(
            acting_user=chair(), incident=old_done, clock="gdpr_breach", reference="AP 2026-17"
        )
    incident("Typo in a greeting, October", utc(10, 5))  # no clocks, before the previous meeting
    incident("Typo in a greeting", utc(11, 24))  # no clocks, since the previous meeting
    with at(NIGHT), translation.override("en"):
        result = agenda(TODAY, since=dt.date(2026, 11, 20))
        assert [(i.date, i.detail.splitlines()[0]) for i in result.incidents] == [
            (dt.date(2026, 10, 1), "Sent a list to the wrong address"),  # its clock is still open
            (dt.date(2026, 11, 24), "Typo in a greeting"),
        ]
        assert result.incidents[0].subject == old_breach
        assert result.incidents[0].detail.splitlines()[1] == (
            "Notify the personal data breach to the Dutch Data Protection Authority within 72 hours of "
            "awareness (GDPR Art. 33). — open, deadline Oct. 4, 2026, noon"
        )
        # without a previous meeting: only the ones with a clock open
        assert [i.subject for i in agenda(TODAY).incidents] == [old_breach]
        # the done clock shows its reference when its incident is on the agenda
        listed_done = agenda(TODAY, since=dt.date(2026, 10, 2)).incidents
        assert listed_done[1].detail.splitlines()[1].endswith("— done: AP 2026-17")


def test_the_meeting_page_lists_the_incidents_since_the_meeting_before(committee: Client) -> None:
    with at(utc(11, 1)):
        services.meeting_record(
            acting_user=chair(), held_on=dt.date(2026, 11, 2), title="November", attendees=[]
        )
        december = services.meeting_record(
            acting_user=chair(), held_on=dt.date(2026, 12, 3), title="December", attendees=[]
        )
    case = factories.use_case("Triage chatbot")
    with at(utc(11, 10)):
        services.incident_record(
            acting_user=case.owner,
            use_case=case,
            what_happened="Greeted in the wrong language",
            happened_at=utc(11, 9),
            aware_at=utc(11, 10),
        )
    with at(NIGHT):
        page = committee.get(f"/admin/register/meeting/{december.pk}/agenda/", headers=EN).content.decode()
        csv_text = committee.get(
            f"/admin/register/meeting/{december.pk}/agenda.csv", headers=EN
        ).content.decode()
    assert "5. Incidents since the previous meeting or with a clock open, and their clocks (1)" in page
    assert "Greeted in the wrong language" in page
    assert "Incidents since the previous meeting or with a clock open, and their clocks" in csv_text
    assert "Greeted in the wrong language" in csv_text


def test_it_lists_actions_past_their_due_date_that_are_not_done() -> None:
    owner = UserFactory.create(username="ann", first_name="Ann", last_name="de Wit")
    with at(utc(10, 1)):
        approved(
            "Staff rota planner",
            actions=(
                ActionSpec("Inform the works council", owner, dt.date(2026, 11, 26)),
                ActionSpec("Add the notice", owner, TODAY),
                ActionSpec("Check for bias", owner, dt.date(2026, 11, 2)),
                ActionSpec("Train the overseers", owner, dt.date(2026, 11, 20)),
            ),
        )
    bias = Action.objects.get(description="Check for bias")
    services.action_complete(acting_user=owner, action=bias)
    result = tonight()
    assert [(i.detail, i.date, i.person.username) for i in result.overdue_actions] == [
        ("Train the overseers", dt.date(2026, 11, 20), "ann"),
        ("Inform the works council", dt.date(2026, 11, 26), "ann"),
    ]


def test_it_lists_overrides_that_may_be_stale_and_not_the_others() -> None:
    cases = []
    for name in ("Stale override", "Current override", "Lifted override"):
        case = factories.use_case(name)
        services.use_case_classify(acting_user=case.owner, use_case=case, answers=HIRING)
        with at(utc(11, 2)):
            services.use_case_override(
                acting_user=chair(), use_case=case, risk_tier="prohibited", justification="Scores personality"
            )
        cases.append(case)
    stale, _current, lifted = cases
    for case in (stale, lifted):
        services.use_case_classify(acting_user=case.owner, use_case=case, answers={**HIRING, "ART50_1": True})
    services.use_case_lift_override(acting_user=chair(), use_case=lifted, justification="Vendor fixed it")
    result = tonight()
    assert [(i.use_case.name, i.date, i.detail) for i in result.stale_overrides] == [
        ("Stale override", dt.date(2026, 11, 2), "Scores personality"),
    ]


def test_an_empty_register_has_an_empty_agenda() -> None:
    result = tonight()
    assert result.today == TODAY
    assert [
        result.submissions,
        result.overdue_reviews,
        result.upcoming_reviews,
        result.serious_incidents,
        result.incidents,
        result.overdue_actions,
        result.stale_overrides,
    ] == [[], [], [], [], [], [], []]


# -- the meeting admin -------------------------------------------------------------------------


def test_the_committee_records_a_meeting_through_the_service_and_no_logentry(committee: Client) -> None:
    secretary = User.objects.get(username="committee")
    guest = UserFactory.create(username="guest")
    with at(NIGHT):
        response = committee.post(
            "/admin/register/meeting/add/",
            {
                "held_on": "2026-12-03",
                "title": "AI committee December",
                "attendees": [secretary.pk, guest.pk],
            },
            headers=EN,
        )
    assert response.status_code == 302, response.content
    meeting = Meeting.objects.get()
    assert response["Location"] == "/admin/register/meeting/"
    assert (meeting.held_on, meeting.title) == (dt.date(2026, 12, 3), "AI committee December")
    event = AuditEvent.objects.get(subject_type="register.meeting")
    assert (event.action, event.actor_label, event.subject_id, event.snapshot["attendees"]) == (
        "register.meeting.recorded",
        "committee",
        str(meeting.pk),
        ["committee", "guest"],
    )
    assert LogEntry.objects.count() == 0


def test_the_committee_corrects_a_meeting_and_the_change_is_audited(committee: Client) -> None:
    secretary = User.objects.get(username="committee")
    meeting = services.meeting_record(acting_user=secretary, held_on=dt.date(2026, 12, 3), title="December")
    guest = UserFactory.create(username="guest")
    response = committee.post(
        f"/admin/register/meeting/{meeting.pk}/change/",
        {"held_on": "2026-12-04", "title": "December", "attendees": [guest.pk], "agenda": ""},
        headers=EN,
    )
    assert response.status_code == 302, response.content
    event = AuditEvent.objects.get(action="register.meeting.changed")
    assert (event.justification, event.snapshot["held_on"], event.snapshot["attendees"]) == (
        "attendees, held_on",
        "2026-12-04",
        ["guest"],
    )
    assert list(Meeting.objects.get().attendees.values_list("username", flat=True)) == ["guest"]
    assert LogEntry.objects.count() == 0


def _meeting(held_on: dt.date, title: str = "AI committee") -> Meeting:
    return services.meeting_record(acting_user=chair(), held_on=held_on, title=title, attendees=[chair()])


def test_a_coming_meetings_page_shows_the_agenda_as_of_today(committee: Client) -> None:
    meeting = _meeting(dt.date(2026, 12, 3))
    with at(utc(11, 24)):
        submitted("Webshop chatbot")
    with at(NIGHT):
        response = committee.get(f"/admin/register/meeting/{meeting.pk}/change/", headers=EN)
    assert response.status_code == 200
    assert "minutes" not in response.context
    sections = {s.key: listed(s.items) for s in response.context["sections"]}
    assert sections["submissions"] == [("Webshop chatbot", dt.date(2026, 11, 24))]
    page = response.content.decode()
    assert "Agenda: the register as it stands on Nov. 27, 2026" in page
    assert "1. Submissions waiting for a decision (1)" in page
    assert "2. Reviews overdue (0)" in page
    assert f"/admin/register/meeting/{meeting.pk}/agenda/" in page


def test_a_past_meetings_page_and_printable_minutes_list_the_decisions_taken_in_it(committee: Client) -> None:
    owner = UserFactory.create(username="ann", first_name="Ann", last_name="de Wit")
    november, october = (
        _meeting(dt.date(2026, 11, 20), "November"),
        _meeting(dt.date(2026, 10, 16), "October"),
    )
    with at(utc(11, 20)):
        approved("Taken in November", (ActionSpec("Add the notice", owner, dt.date(2026, 11, 26)),), november)
        approved("Taken in October", (ActionSpec("Train the overseers", owner, TODAY),), october)
        approved("Decided in writing", (ActionSpec("Check for bias", owner, TODAY),))
    with at(NIGHT):
        page = committee.get(f"/admin/register/meeting/{november.pk}/change/", headers=EN)
        printable = committee.get(f"/admin/register/meeting/{november.pk}/minutes/", headers=EN)
    assert "sections" not in page.context
    for response in (page, printable):
        assert response.status_code == 200
        minutes = response.context["minutes"]
        assert [d.use_case.name for d in minutes.decisions] == ["Taken in November"]
        assert [(a.description, a.owner.username) for a in minutes.actions] == [("Add the notice", "ann")]
        text = response.content.decode()
        assert "Decisions taken in this meeting (1)" in text
        assert "Add the notice" in text
        assert "Ann de Wit" in text
        assert "(past due)" in text
        assert "Taken in October" not in text
        assert "Decided in writing" not in text
    assert 'href="/static/koers/print.css" media="print"' in printable.content.decode()


def test_the_printable_agenda_is_the_register_as_it_stands_without_admin_chrome_on_paper(
    committee: Client,
) -> None:
    meeting = services.meeting_record(
        acting_user=chair(),
        held_on=dt.date(2026, 12, 3),
        title="AI committee December",
        attendees=[chair(), UserFactory.create(username="dpo", first_name="Dana", last_name="Bakker")],
        agenda="Budget for the bias audit",
    )
    with at(utc(11, 24)):
        submitted("Webshop chatbot")
        factories.use_case("A draft")
    with at(NIGHT):
        response = committee.get(f"/admin/register/meeting/{meeting.pk}/agenda/", headers=EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>Agenda: AI committee December</h1>" in text
    assert "The register as it stands on Nov. 27, 2026." in text
    assert "Dana Bakker" in text
    assert "Webshop chatbot" in text
    assert "A draft" not in text
    assert "8. Other points" in text
    assert "Budget for the bias audit" in text
    assert 'href="/static/koers/print.css" media="print"' in text
    assert 'class="koers-screen-only help"' in text


def test_the_printable_agenda_of_a_past_meeting_says_it_is_todays_register(committee: Client) -> None:
    meeting = _meeting(dt.date(2026, 11, 20))
    with at(NIGHT):
        response = committee.get(f"/admin/register/meeting/{meeting.pk}/agenda/", headers=EN)
    assert "This meeting was held on Nov. 20, 2026. The points below are the register as it stands today" in (
        response.content.decode()
    )


# -- the CSV -------------------------------------------------------------------------------------


@pytest.fixture
def csv_register() -> Meeting:
    owner = UserFactory.create(username="ann", first_name="Ann", last_name="de Wit")
    with at(utc(11, 1)):
        approved("Webshop chatbot", (ActionSpec("Add the notice, in Dutch", owner, dt.date(2026, 11, 26)),))
    with at(utc(11, 23, 23, 30)):
        case = factories.use_case("=SUM(A1) forecaster", owner=owner)
        services.use_case_submit(acting_user=owner, use_case=case)
    return _meeting(dt.date(2026, 12, 3))


HEADER = "Agenda point,Reference,Use-case,Business unit,Risk,Date,What the date means,Who,Details"


def test_the_agenda_csv_has_a_bom_and_one_row_per_point(committee: Client, csv_register: Meeting) -> None:
    with at(NIGHT):
        response = committee.get(f"/admin/register/meeting/{csv_register.pk}/agenda.csv", headers=EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="agenda-2026-12-03.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").split("\r\n") == [
        HEADER,
        # A cell that a spreadsheet would run as a formula stays text.
        "Submissions waiting for a decision,AI-2026-0002,'=SUM(A1) forecaster,Unit A,Not yet assessed,"
        "2026-11-24,Waiting since,Ann de Wit,",
        "Actions past their due date,AI-2026-0001,Webshop chatbot,Unit A,Not yet assessed,2026-11-26,"
        'Action was due,Ann de Wit,"Add the notice, in Dutch"',
        "",
    ]


def test_the_agenda_csv_takes_semicolons_and_refuses_other_delimiters(
    committee: Client, csv_register: Meeting
) -> None:
    url = f"/admin/register/meeting/{csv_register.pk}/agenda.csv"
    with at(NIGHT):
        response = committee.get(url, {"delimiter": "semicolon"}, headers=EN)
        refused = [
            committee.get(url, query, headers=EN)
            for query in ({"delimiter": "tab"}, {"delimter": "semicolon"})
        ]
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == HEADER.replace(",", ";")
    assert lines[2] == (
        "Actions past their due date;AI-2026-0001;Webshop chatbot;Unit A;Not yet assessed;2026-11-26;"
        "Action was due;Ann de Wit;Add the notice, in Dutch"
    )
    assert [r.status_code for r in refused] == [400, 400]


# -- who may reach what ----------------------------------------------------------------------------

PAGES = {
    "list": "/admin/register/meeting/",
    "add": "/admin/register/meeting/add/",
    "change": "/admin/register/meeting/{pk}/change/",
    "agenda": "/admin/register/meeting/{pk}/agenda/",
    "csv": "/admin/register/meeting/{pk}/agenda.csv",
    "minutes": "/admin/register/meeting/{pk}/minutes/",
}
STAFF = {"list": 200, "add": 200, "change": 200, "agenda": 200, "csv": 200, "minutes": 200}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", dict.fromkeys(PAGES, 302)),
        ("outsider", dict.fromkeys(PAGES, 302)),
        ("member_a", dict.fromkeys(PAGES, 302)),
        ("committee", STAFF),
        ("auditor", {**STAFF, "add": 403}),
        ("superuser", STAFF),
    ],
    indirect=["persona"],
)
def test_who_may_reach_the_meeting_pages(persona: Client, expected: dict[str, int]) -> None:
    meeting = _meeting(dt.date(2026, 12, 3))
    statuses = {name: persona.get(url.format(pk=meeting.pk), headers=EN) for name, url in PAGES.items()}
    assert {name: r.status_code for name, r in statuses.items()} == expected
    for response in statuses.values():
        if response.status_code == 302:  # people without staff status: to the admin's login
            assert response["Location"].startswith("/admin/login/?next=/admin/register/meeting/")


def test_the_auditor_only_views_a_meeting(auditor: Client) -> None:
    meeting = _meeting(dt.date(2026, 12, 3), "December")
    page = auditor.get(f"/admin/register/meeting/{meeting.pk}/change/", headers=EN)
    assert (page.context["has_change_permission"], page.context["has_add_permission"]) == (False, False)
    assert "Attendees" in page.content.decode()
    assert "(chair)" in page.content.decode()  # the attendees by name, read-only
    posted = {"held_on": "2026-12-04", "title": "Renamed", "attendees": []}
    assert auditor.post(f"/admin/register/meeting/{meeting.pk}/change/", posted).status_code == 403
    assert auditor.post("/admin/register/meeting/add/", posted).status_code == 403
    assert auditor.post(f"/admin/register/meeting/{meeting.pk}/delete/", {"post": "yes"}).status_code == 403
    assert list(Meeting.objects.values_list("title", flat=True)) == ["December"]
    assert AuditEvent.objects.filter(subject_type="register.meeting").count() == 1


def test_the_extra_pages_answer_only_get(committee: Client, member_a: Client) -> None:
    meeting = _meeting(dt.date(2026, 12, 3))
    for page in ("agenda", "csv", "minutes"):
        url = PAGES[page].format(pk=meeting.pk)
        assert committee.post(url).status_code == 405, page
        assert member_a.post(url).status_code == 302, page
    assert committee.get(PAGES["agenda"].format(pk=meeting.pk + 1)).status_code == 404


def test_the_committee_may_add_and_gets_the_form_again_when_it_is_incomplete(committee: Client) -> None:
    response = committee.post("/admin/register/meeting/add/", {"title": ""}, headers=EN)
    assert response.status_code == 200
    assert sorted(response.context["adminform"].form.errors) == ["held_on", "title"]
    assert Meeting.objects.count() == 0
