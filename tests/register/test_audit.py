from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError

from register.audit import audit_log
from register.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_records_who_what_when_why_and_the_record_after() -> None:
    actor = UserFactory.create(username="secretary")
    subject = UserFactory.create(username="subject", first_name="Fleur")
    with transaction.atomic():
        event = audit_log(actor=actor, action="register.user.changed", subject=subject, justification="typo")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_label, stored.action) == (actor, "secretary", "register.user.changed")
    assert (stored.subject_type, stored.subject_id, stored.justification) == (
        "register.user",
        str(subject.pk),
        "typo",
    )
    assert stored.snapshot["username"] == "subject"
    assert stored.snapshot["first_name"] == "Fleur"
    assert "password" not in stored.snapshot


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_write_outside_the_services_transaction() -> None:
    subject = UserFactory.create()
    with pytest.raises(RuntimeError, match="transaction"):
        audit_log(actor=None, action="register.user.changed", subject=subject)


def test_it_never_updates_or_deletes_an_event() -> None:
    subject = UserFactory.create()
    with transaction.atomic():
        event = audit_log(actor=None, action="register.user.changed", subject=subject)
    event.justification = "rewritten history"
    with pytest.raises(TypeError, match="never updated"):
        event.save()
    with pytest.raises(TypeError, match="never deleted"):
        event.delete()
    with pytest.raises(TypeError, match="never updated"):
        AuditEvent.objects.filter(pk=event.pk).update(justification="rewritten")
    with pytest.raises(TypeError, match="never deleted"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).justification == ""


def test_it_rejects_an_action_that_is_not_a_dotted_code() -> None:
    subject = UserFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        audit_log(actor=None, action="User changed", subject=subject)


def test_it_names_the_system_when_no_person_acted() -> None:
    subject = UserFactory.create()
    with transaction.atomic():
        event = audit_log(actor=None, action="register.user.changed", subject=subject)
    assert (event.actor, event.actor_label) == (None, "system")


@pytest.mark.pg_only
def test_it_reads_a_use_cases_history_through_its_index() -> None:
    subject = UserFactory.create()
    with transaction.atomic():
        for use_case_id in range(50):
            audit_log(actor=None, action="register.user.changed", subject=subject, use_case_id=use_case_id)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT * FROM register_auditevent WHERE use_case_id = 7 ORDER BY occurred_at, id"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "auditevent_use_case_time" in plan
