from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from register.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_audits_a_user_edited_in_the_admin_instead_of_django_logentry(superuser: Client) -> None:
    person = UserFactory.create(username="fleur")
    response = superuser.post(
        f"/admin/register/user/{person.pk}/change/",
        {
            "username": "fleur",
            "first_name": "Fleur",
            "last_name": "de Vries",
            "email": "fleur@example.org",
            "language": "en",
            "is_active": "on",
            "date_joined_0": "2026-11-27",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content
    event = AuditEvent.objects.get(action="register.user.changed")
    assert (event.actor_label, event.snapshot["last_name"], event.snapshot["language"]) == (
        "superuser",
        "de Vries",
        "en",
    )
    assert "language" in event.justification
    assert LogEntry.objects.count() == 0


def test_it_shows_an_objects_history_from_the_audit_trail(committee: Client) -> None:
    person = User.objects.get(username="committee")
    response = committee.get(f"/admin/register/user/{person.pk}/history/", follow=True)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [(row.action, row.subject_id) for row in rows] == [("register.user.role_granted", str(person.pk))]


def test_it_records_a_superusers_delete_with_the_record_as_it_stood(superuser: Client) -> None:
    person = UserFactory.create(username="leaver")
    response = superuser.post(f"/admin/register/user/{person.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username="leaver").exists()
    event = AuditEvent.objects.get(action="register.user.deleted")
    assert (event.actor_label, event.snapshot["username"]) == ("superuser", "leaver")


def test_it_grants_roles_through_the_admin_action(superuser: Client) -> None:
    person = UserFactory.create(username="newcomer")
    response = superuser.post(
        "/admin/register/user/", {"action": "grant_auditor", "_selected_action": [person.pk]}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff is True
    assert list(person.groups.values_list("name", flat=True)) == ["auditor"]


def test_it_offers_committee_members_no_way_to_change_people(committee: Client) -> None:
    person = UserFactory.create(username="someone")
    response = committee.post(f"/admin/register/user/{person.pk}/change/", {"username": "renamed"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.username == "someone"


def test_it_audits_a_password_set_in_the_admin(superuser: Client) -> None:
    person = UserFactory.create(username="forgetful")
    response = superuser.post(
        f"/admin/register/user/{person.pk}/password/",
        {
            "password1": "a new long passphrase",
            "password2": "a new long passphrase",
            "set_usable_password": "true",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("a new long passphrase")
    event = AuditEvent.objects.get(action="register.user.password_changed")
    assert (event.actor_label, event.subject_id, event.justification) == (
        "superuser",
        str(person.pk),
        "admin",
    )
    assert "password" not in event.snapshot
