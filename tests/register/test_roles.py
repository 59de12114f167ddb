from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from register import roles, services
from register.choices import Role
from register.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _perms(group: str) -> list[str]:
    return sorted(
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


READ_ALL = [
    "register.view_action",
    "register.view_auditevent",
    "register.view_businessunit",
    "register.view_decision",
    "register.view_delivery",
    "register.view_explanationrequest",
    "register.view_incident",
    "register.view_incidentclockdone",
    "register.view_legalentity",
    "register.view_meeting",
    "register.view_membership",
    "register.view_obligationitem",
    "register.view_overrideproposal",
    "register.view_publication",
    "register.view_review",
    "register.view_reviewschedule",
    "register.view_riskassessment",
    "register.view_sweeprun",
    "register.view_transparencypledge",
    "register.view_usecase",
    "register.view_user",
    "register.view_vendor",
]


def test_it_creates_the_three_groups_on_migrate() -> None:
    assert sorted(Group.objects.values_list("name", flat=True)) == ["auditor", "committee", "member"]
    assert _perms("auditor") == READ_ALL
    # The committee's writes, each through a service that audits it; and the API's access log.
    assert _perms("committee") == sorted(
        [
            *READ_ALL,
            "register.add_meeting",
            "register.add_transparencypledge",
            "register.add_usecase",
            "register.add_vendor",
            "register.change_explanationrequest",
            "register.change_meeting",
            "register.change_transparencypledge",
            "register.change_vendor",
            "register.decide_usecase",
            "register.manage_api_tokens",
            "register.view_apiaccess",
        ]
    )
    assert _perms("member") == []


def test_it_gives_no_group_a_delete_permission() -> None:
    deleting = Permission.objects.filter(group__isnull=False, codename__startswith="delete_")
    assert list(deleting.values_list("codename", flat=True)) == []


def test_it_puts_back_what_the_table_says_when_someone_edited_a_group() -> None:
    auditor = Group.objects.get(name="auditor")
    auditor.permissions.add(Permission.objects.get(codename="delete_user"))
    Group.objects.get(name="member").delete()
    roles.sync_roles()
    assert _perms("auditor") == READ_ALL
    assert Group.objects.filter(name="member").exists()


def test_it_refuses_a_table_that_grants_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, Role.COMMITTEE, frozenset({"register.delete_user"}))
    with pytest.raises(ValueError, match="delete"):
        roles.sync_roles()


@pytest.mark.parametrize(
    ("role", "staff"), [(Role.COMMITTEE, True), (Role.AUDITOR, True), (Role.MEMBER, False)]
)
def test_it_gives_staff_status_with_the_roles_that_work_in_the_admin(role: Role, staff: bool) -> None:
    secretary = UserFactory.create(username="secretary", is_superuser=True, is_staff=True)
    person = UserFactory.create(username="person")
    services.role_grant(acting_user=secretary, user=person, role=role)
    person.refresh_from_db()
    assert person.is_staff is staff
    assert list(person.groups.values_list("name", flat=True)) == [role.value]
    event = AuditEvent.objects.get(action="register.user.role_granted")
    assert (event.actor_label, event.subject_id, event.snapshot["roles"]) == (
        "secretary",
        str(person.pk),
        [role.value],
    )


def test_it_takes_staff_status_away_with_the_last_admin_role() -> None:
    person = UserFactory.create()
    services.role_grant(acting_user=None, user=person, role=Role.COMMITTEE)
    services.role_grant(acting_user=None, user=person, role=Role.AUDITOR)
    services.role_revoke(acting_user=None, user=person, role=Role.COMMITTEE)
    person.refresh_from_db()
    assert person.is_staff is True
    services.role_revoke(acting_user=None, user=person, role=Role.AUDITOR)
    assert User.objects.get(pk=person.pk).is_staff is False
    assert AuditEvent.objects.filter(action="register.user.role_revoked").count() == 2
