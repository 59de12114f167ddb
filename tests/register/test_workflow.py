"""Every workflow and lifecycle move, legal and illegal; no database."""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation

from register import workflow
from register.choices import LifecycleStage, WorkflowStatus

LEGAL_STATUS = {
    ("draft", "submitted"),
    ("submitted", "approved"),
    ("submitted", "changes_requested"),
    ("submitted", "rejected"),
    ("changes_requested", "submitted"),
    ("approved", "submitted"),
    ("rejected", "draft"),
}
LEGAL_STAGE = {
    ("idea", "pilot"),
    ("idea", "production"),
    ("idea", "suspended"),
    ("idea", "retired"),
    ("pilot", "production"),
    ("pilot", "suspended"),
    ("pilot", "retired"),
    ("production", "suspended"),
    ("production", "retired"),
    ("suspended", "pilot"),
    ("suspended", "production"),
    ("suspended", "retired"),
}


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(WorkflowStatus.values, repeat=2)))
def test_it_allows_exactly_the_status_moves_in_the_table(current: str, wanted: str) -> None:
    if (current, wanted) in LEGAL_STATUS:
        workflow.check_status(current, wanted)
    else:
        with pytest.raises(workflow.InvalidTransition):
            workflow.check_status(current, wanted)


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(LifecycleStage.values, repeat=2)))
def test_it_allows_exactly_the_stage_moves_in_the_table(current: str, wanted: str) -> None:
    if (current, wanted) in LEGAL_STAGE:
        workflow.check_stage(current, wanted)
    else:
        with pytest.raises(workflow.InvalidTransition):
            workflow.check_stage(current, wanted)


def test_it_says_what_move_was_refused() -> None:
    with (
        translation.override("en"),
        pytest.raises(workflow.InvalidTransition, match="from Retired to Production"),
    ):
        workflow.check_stage("retired", "production")
    with (
        translation.override("nl"),
        pytest.raises(workflow.InvalidTransition, match="van Beëindigd naar Productie"),
    ):
        workflow.check_stage("retired", "production")
