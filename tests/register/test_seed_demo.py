"""The one test that runs the demo (fixtures/ are inputs; no other test loads them)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from register.models import AuditEvent, Decision, Delivery, Review, RiskAssessment, UseCase

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (UseCase, RiskAssessment, Decision, Review, Delivery, AuditEvent))


def test_it_builds_the_demo_through_the_services_once(settings: Any) -> None:
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    assert "winkel       member     Pieter Jansen" in out.getvalue()
    states = set(
        UseCase.objects.values_list("status", "lifecycle_stage", "risk_tier", "classification_status")
    )
    assert ("draft", "suspended", "prohibited", "indicative") in states  # call-centre emotion scoring
    assert ("draft", "idea", "", "unassessed") in states  # imported from the spreadsheet
    assert ("approved", "production", "high_risk", "confirmed") in states
    assert ("approved", "production", "high_risk", "overridden") in states
    assert ("approved", "retired", "limited", "indicative") in states
    statuses = {status for status, *_rest in states}
    assert statuses == {"draft", "submitted", "changes_requested", "approved", "rejected"}
    stages = {stage for _status, stage, *_rest in states}
    assert stages == {"idea", "pilot", "production", "suspended", "retired"}
    assert UseCase.objects.count() >= 15
    assert UseCase.objects.get(name="Triage-ondersteuning SEH").fria_required is True
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert _counts() == first


def test_it_refuses_with_debug_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
