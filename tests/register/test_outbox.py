"""The outbox: rows written with the change, claimed before sending, sent at most once; crashes
leave evidence; failures retry with backoff; a broker that is down loses nothing."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from register import delivery as transport
from register import outbox, services, tasks
from register.choices import DecisionKind, Role
from register.models import Delivery, SweepRun, UseCase, User
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOV_27 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def committee_people(db: None) -> list[User]:
    people = [
        UserFactory.create(username="fleur", email="fleur@koers.example", language="nl"),
        UserFactory.create(username="sam", email="sam@koers.example", language="en"),
    ]
    for person in people:
        services.role_grant(acting_user=None, user=person, role=Role.COMMITTEE)
    return people


def _submitted(name: str = "Webshop chatbot") -> UseCase:
    case = factories.use_case(name)
    return services.use_case_submit(acting_user=case.owner, use_case=case)


@time_machine.travel(NOV_27, tick=False)
def test_it_writes_a_row_per_committee_member_with_the_submission(
    committee_people: list[User], django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[attr-defined]
        case = _submitted()
    rows = Delivery.objects.order_by("recipient")
    assert [(r.recipient, r.language, r.stage, r.status, r.template) for r in rows] == [
        ("fleur@koers.example", "nl", "submitted", "queued", "use_case_submitted"),
        ("sam@koers.example", "en", "submitted", "queued", "use_case_submitted"),
    ]
    assert rows[0].context["reference"] == case.reference == "AI-2026-0001"
    assert len(callbacks) == 2  # after commit: one fast delivery each


@time_machine.travel(NOV_27, tick=False)
def test_it_sends_each_message_at_most_once_in_the_recipients_language(committee_people: list[User]) -> None:
    _submitted()
    for row in Delivery.objects.all():
        tasks.deliver(row.pk)
        tasks.deliver(row.pk)  # a redelivered task message: the claim makes it a no-op
    outbox.sweep(time_limit=5)
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "New AI use-case to review: AI-2026-0001 Webshop chatbot",
        "Nieuwe AI-toepassing om te beoordelen: AI-2026-0001 Webshop chatbot",
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    english = next(m for m in mail.outbox if m.to == ["sam@koers.example"])
    assert "http://127.0.0.1:8000/admin/register/usecase/" in english.body
    assert isinstance(english, EmailMultiAlternatives)
    assert english.alternatives[0][1] == "text/html"


def test_it_leaves_evidence_when_a_worker_died_while_sending(committee_people: list[User]) -> None:
    _submitted()
    row = Delivery.objects.first()
    assert row is not None
    assert outbox.claim(row.pk)  # the worker claimed it, then died before finishing
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=20)):
        run = outbox.sweep(time_limit=5)
    row.refresh_from_db()
    assert (row.status, row.attempts, run.marked_unknown) == ("unknown", 1, 1)
    assert [m.to for m in mail.outbox] == [["sam@koers.example"]]  # the other row; never the unknown one


def test_it_retries_a_failure_after_its_backoff_and_gives_up_at_last(
    committee_people: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    _submitted()
    row = Delivery.objects.get(recipient="fleur@koers.example")
    Delivery.objects.exclude(pk=row.pk).update(status="sent")

    def refuse(delivery: Delivery) -> None:
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("register.delivery.send", refuse)
    start = dt.datetime.now(tz=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert outbox.deliver_one(row.pk) is False
        row.refresh_from_db()
        assert (row.status, row.attempts, row.next_attempt_at - start) == (
            "failed",
            1,
            dt.timedelta(minutes=5),
        )
        assert row.last_error == "SMTPServerDisconnected: mail server went away"
        assert outbox.sweep(time_limit=5).failed == 0  # still waiting for its backoff
    for minutes in (6, 16, 36, 76, 156):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            outbox.sweep(time_limit=5)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("gave_up", 6)
    monkeypatch.undo()
    outbox.sweep(time_limit=5)
    assert mail.outbox == []  # given up is final: the committee sees it, nobody resends silently


@pytest.mark.django_db(transaction=True)
def test_it_saves_the_change_when_the_broker_is_down_and_delivers_later(
    committee_people: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(*args: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", broker_down)
    case = _submitted()  # commits; the after-commit delivery fails and is only logged
    assert UseCase.objects.get(pk=case.pk).status == "submitted"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"queued"}
    run = outbox.sweep(time_limit=5)
    assert (run.delivered, run.failed, len(mail.outbox)) == (2, 0, 2)
    assert SweepRun.objects.latest("started_at").finished_at is not None


def test_it_escalates_a_prohibited_use_case_to_owner_lead_and_committee(committee_people: list[User]) -> None:
    lead = UserFactory.create(username="lead", email="lead@koers.example")
    unit = factories.business_unit("Call centre")
    unit.lead = lead
    unit.save()
    owner = UserFactory.create(username="owner", email="owner@koers.example", language="en")
    case = factories.use_case("Agent mood scoring", unit=unit, owner=owner)
    services.use_case_classify(
        acting_user=owner, use_case=case, answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART5_1_F": True}
    )
    assert sorted(Delivery.objects.filter(stage="prohibited").values_list("recipient", "language")) == [
        ("fleur@koers.example", "nl"),
        ("lead@koers.example", "nl"),
        ("owner@koers.example", "en"),
        ("sam@koers.example", "en"),
    ]


def test_it_tells_the_owner_of_a_decision_in_their_language(committee_people: list[User]) -> None:
    case = _submitted()
    User.objects.filter(pk=case.owner.pk).update(language="en")
    case.refresh_from_db()
    services.decision_record(
        acting_user=committee_people[0],
        use_case=case,
        kind=DecisionKind.REQUEST_CHANGES,
        justification="Name the overseers",
    )
    row = Delivery.objects.get(stage="decision")
    assert (row.recipient, row.context["decision"], row.context["justification"]) == (
        case.owner.email,
        "Request changes",
        "Name the overseers",
    )


def test_it_tells_the_committee_of_every_submission_even_twice_a_day(committee_people: list[User]) -> None:
    case = _submitted()
    chair = committee_people[0]
    services.decision_record(acting_user=chair, use_case=case, kind=DecisionKind.APPROVE)
    case.refresh_from_db()
    services.use_case_update(acting_user=case.owner, use_case=case, version=case.version, goal="Sharper goal")
    assert Delivery.objects.filter(stage="submitted").count() == 4  # two members, two submissions


def test_it_never_overwrites_an_unknown_outcome(
    committee_people: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    _submitted()
    row = Delivery.objects.get(recipient="fleur@koers.example")

    def slow_send(delivery: Delivery) -> None:
        # While this send hangs, a sweep decides the worker died and marks the row unknown.
        outbox.mark_interrupted(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1))
        raise smtplib.SMTPServerDisconnected("finally gave up")

    monkeypatch.setattr("register.delivery.send", slow_send)
    outbox.deliver_one(row.pk)
    row.refresh_from_db()
    assert row.status == "unknown"
    assert outbox.deliver_one(row.pk) is None  # and nobody sends it again


def test_it_records_a_send_cut_off_mid_way_as_unknown(
    committee_people: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    _submitted()
    row = Delivery.objects.get(recipient="fleur@koers.example")

    def cut_off(delivery: Delivery) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("register.delivery.send", cut_off)
    with pytest.raises(SoftTimeLimitExceeded):
        outbox.deliver_one(row.pk)
    row.refresh_from_db()
    assert row.status == "unknown"


def test_it_keeps_the_record_of_a_sweep_that_crashed(
    committee_people: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("register.outbox._deliver_due", crash)
    with pytest.raises(RuntimeError):
        outbox.sweep(time_limit=5)
    run = SweepRun.objects.get()
    assert (run.error, run.finished_at is not None) == ("RuntimeError: database went away", True)


def test_it_writes_plain_text_without_html_escapes(committee_people: list[User]) -> None:
    _submitted("R&D's assistant")
    row = Delivery.objects.get(recipient="sam@koers.example")
    tasks.deliver(row.pk)
    assert "R&D's assistant" in mail.outbox[0].subject
    assert "R&D's assistant" in mail.outbox[0].body


def test_it_scrubs_a_leavers_address_and_name_from_the_outbox(committee_people: list[User]) -> None:
    leaver = UserFactory.create(
        username="leaver", first_name="Jan", last_name="Jansen", email="jan@koers.example"
    )
    case = factories.use_case(owner=leaver)
    services.use_case_submit(acting_user=leaver, use_case=case)
    services.decision_record(acting_user=committee_people[0], use_case=case, kind=DecisionKind.APPROVE)
    services.use_case_reassign_owner(acting_user=None, use_case=case, owner=committee_people[1])
    services.user_deactivate(acting_user=None, user=leaver)
    services.user_pseudonymise(acting_user=None, user=leaver)
    stored = " ".join(f"{r.recipient} {r.context}" for r in Delivery.objects.all())
    assert "jan@koers.example" not in stored
    assert "Jan Jansen" not in stored


def test_a_sweep_sends_every_due_row_once_across_its_batches(
    committee_people: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More rows than one batch (50), all due at the same instant: each is sent once (the batches
    follow on by id), and one that fails is tried once."""
    for n in range(65):
        _submitted(f"Tool {n}")
    Delivery.objects.update(next_attempt_at=NOV_27)  # all due, in one instant (ties broken by id)
    first = Delivery.objects.order_by("id").first()
    assert first is not None
    calls: list[int] = []
    real_send = transport.send

    def send(delivery: Delivery) -> None:
        calls.append(delivery.pk)
        if delivery.pk == first.pk:
            raise smtplib.SMTPServerDisconnected("mail server went away")
        real_send(delivery)

    monkeypatch.setattr(transport, "send", send)
    with CaptureQueriesContext(connection) as queries:
        run = outbox.sweep(time_limit=60)
    # Each batch is found from where the last one ended, not by excluding every row tried so far
    # (a NOT IN list that grew to 10,000 ids in one run, BENCHMARKS.md).
    assert not [q for q in queries.captured_queries if 'NOT ("register_delivery"."id" IN' in q["sql"]]
    assert (run.delivered, run.failed) == (129, 1)  # 65 submissions, 2 committee members each
    assert sorted(calls) == sorted(set(calls))
    assert len(mail.outbox) == 129


def _one_row_lookups_walking_the_pending_index(captured: list[dict[str, str]]) -> list[str]:
    """The captured queries that name one delivery by its id and yet read `delivery_pending`."""
    walking = []
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if '"register_delivery"."id" = ' not in sql or not sql.startswith(("SELECT", "UPDATE")):
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if "delivery_pending" in plan:
                walking.append(f"{sql}\n{plan}")
    return walking


@pytest.fixture
def fresh_delivery_statistics() -> Iterator[None]:
    """ANALYZE's row estimate outlives the test's rollback: take it again afterwards."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM register_delivery")
        cursor.execute("ANALYZE register_delivery")


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_claim_reads_its_row_by_key_while_thousands_are_pending(fresh_delivery_statistics: None) -> None:
    """10,000 reminders due at once made every claim walk the pending index, which PostgreSQL's
    statistics (taken when hardly anything was pending) said was empty (BENCHMARKS.md, sweep):
    the claim and the digest's lock read their one row by its key."""
    from register import reminders

    def rows(status: str, n: int, offset: int) -> list[Delivery]:
        return [
            Delivery(
                subject_type="register.usecase",
                subject_id=str(offset + i),
                due_date=dt.date(2026, 11, 27),
                stage="due",
                recipient=f"p{offset + i}@koers.example",
                template="use_case_submitted",
                status=status,
                next_attempt_at=NOV_27 - dt.timedelta(days=1),
            )
            for i in range(n)
        ]

    Delivery.objects.bulk_create(rows("sent", 4000, 0))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE register_delivery")  # statistics: nothing pending
    Delivery.objects.bulk_create(rows("queued", 2000, 4000))
    row = Delivery.objects.filter(status="queued").order_by("-id").first()
    assert row is not None
    # The sensitivity check: these statistics do lead PostgreSQL to the pending index for a row
    # named by its key when the status is tested in the same WHERE clause, as the claim once did.
    due = Q(status="queued", next_attempt_at__lte=NOV_27) | Q(status="failed", next_attempt_at__lte=NOV_27)
    assert "delivery_pending" in Delivery.objects.filter(Q(pk=row.pk) & due).explain()
    reader = UserFactory.create(email="reader@koers.example", weekly_digest=True)
    with time_machine.travel(NOV_27), CaptureQueriesContext(connection) as queries:
        claimed = outbox.claim(row.pk)
        again = outbox.claim(row.pk)
        with transaction.atomic():  # as in the planner, per schedule
            reminders._digest_for(reader, dt.date(2026, 11, 30))
    assert _one_row_lookups_walking_the_pending_index(queries.captured_queries) == []
    assert claimed is not None
    assert (claimed.pk, claimed.status, claimed.attempts) == (row.pk, "sending", 1)
    assert not again  # claimed once only


@pytest.mark.django_db(transaction=True)
def test_a_claim_is_never_made_inside_a_callers_transaction(committee_people: list[User]) -> None:
    """A claim is committed before anything is sent: inside a transaction that could still roll
    back after the send (and so free the row for a second send), it is refused outright."""
    _submitted()
    row = Delivery.objects.first()
    assert row is not None
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        outbox.claim(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 0)
    assert outbox.claim(row.pk) is not None  # on its own, it takes the row
