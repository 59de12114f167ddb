"""Schemathesis against our own schema, in-process, as an auditor (README, API). Every operation
the schema lists gets generated requests, valid and invalid; every default check applies: no 5xx,
status codes, content types, bodies and headers as documented, invalid input refused, valid input
accepted. Later endpoints join by themselves.

One check is switched off where a 400 comes from a rule the schema cannot express:
`positive_data_acceptance` for `classify` (a carve-out answered true without its point is
refused: the schema cannot say "this key only when that key is true") and for any request that
carries a `cursor` (a cursor is an opaque string the server issued; a made-up one is refused)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, seed, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import positive_data_acceptance

from register import services
from register.choices import Role
from tests.factories import UserFactory

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = WSGIHandler()


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    # Like Django's test client: a request must not close the connection that holds the
    # test's transaction (it would on PostgreSQL, where autocommit differs inside the test).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auditor_token(db: None, _keep_the_test_connection: None) -> str:
    auditor = UserFactory.create(username="schema-auditor")
    services.role_grant(acting_user=None, user=auditor, role=Role.AUDITOR)
    # Something to page through and to fetch by id.
    services.role_grant(acting_user=None, user=UserFactory.create(), role=Role.MEMBER)
    return str(Token.objects.create(user=auditor).key)


@schema.parametrize()
@seed(20261127)
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_it_keeps_every_operation_to_its_schema(case: Any, auditor_token: str) -> None:
    opaque = case.operation.path == "/api/v1/classify/" or "cursor" in (case.query or {})
    case.call_and_validate(
        headers={"Authorization": f"Token {auditor_token}"},
        excluded_checks=[positive_data_acceptance] if opaque else [],
    )
