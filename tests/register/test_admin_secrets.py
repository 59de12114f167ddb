"""Secrets stay secret in the admin: no filter in the URL can probe them a character at a time,
and a business unit's webhook secret is not shown to those who read the register."""

from __future__ import annotations

import pytest
from django.test import Client

from register import services
from register.models import BusinessUnit, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/authtoken/tokenproxy/?key__startswith=a",
        "/admin/authtoken/tokenproxy/?user__auth_token__key__startswith=a",
        "/admin/register/businessunit/?webhook_secret__startswith=a",
        "/admin/register/user/?calendar_token_hash__startswith=a",
        "/admin/register/user/?password__startswith=md5",
    ],
)
def test_it_refuses_a_filter_on_a_secret(committee: Client, url: str) -> None:
    assert committee.get(url).status_code == 400


def test_it_still_filters_tokens_by_person(committee: Client, make_persona: object) -> None:
    chair = User.objects.get(username="committee")
    auditor = factories.UserFactory.create(username="inez")
    services.api_token_create(acting_user=chair, user=auditor)
    response = committee.get(f"/admin/authtoken/tokenproxy/?user__id__exact={auditor.pk}")
    assert response.status_code == 200
    assert "inez" in response.content.decode()


def test_it_does_not_show_a_units_webhook_secret(auditor: Client) -> None:
    unit = factories.business_unit("Webshop")
    BusinessUnit.objects.filter(pk=unit.pk).update(
        webhook_url="https://hooks.example.org/koers", webhook_secret="s3cr3t-signing-key"
    )
    page = auditor.get(f"/admin/register/businessunit/{unit.pk}/change/").content.decode()
    assert "hooks.example.org" in page
    assert "s3cr3t-signing-key" not in page
