"""The one table of allowed moves for a use-case's workflow status and lifecycle stage
(STYLE.md §5). Pure: no ORM. Anything not in a table raises `InvalidTransition`, which screens
show as a message, never as a 500."""

from __future__ import annotations

from django.utils.translation import gettext as _

from register.choices import LifecycleStage as Stage
from register.choices import WorkflowStatus as Status
from register.choices import WorksCouncilPosition as Council

STATUS_MOVES: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.APPROVED, Status.CHANGES_REQUESTED, Status.REJECTED}),
    Status.CHANGES_REQUESTED: frozenset({Status.SUBMITTED}),
    # An edit of an approved use-case sends it back for a new decision.
    Status.APPROVED: frozenset({Status.SUBMITTED}),
    # A rejected use-case can be reworked as a new draft.
    Status.REJECTED: frozenset({Status.DRAFT}),
}

STAGE_MOVES: dict[str, frozenset[str]] = {
    Stage.IDEA: frozenset({Stage.PILOT, Stage.PRODUCTION, Stage.SUSPENDED, Stage.RETIRED}),
    Stage.PILOT: frozenset({Stage.PRODUCTION, Stage.SUSPENDED, Stage.RETIRED}),
    Stage.PRODUCTION: frozenset({Stage.SUSPENDED, Stage.RETIRED}),
    Stage.SUSPENDED: frozenset({Stage.PILOT, Stage.PRODUCTION, Stage.RETIRED}),
    Stage.RETIRED: frozenset(),
}

# Stages in which an AI system is in use: these are reviewed and can be overdue.
ACTIVE_STAGES = frozenset({Stage.PILOT, Stage.PRODUCTION})


def _label(value: str) -> str:
    for choices in (Status, Stage):
        if value in choices.values:
            return str(choices(value).label)
    return value


class InvalidTransition(Exception):
    def __init__(self, what: str, current: str, wanted: str) -> None:
        self.what, self.current, self.wanted = what, current, wanted
        super().__init__(
            _("A use-case cannot go from %(current)s to %(wanted)s.")
            % {"current": _label(current), "wanted": _label(wanted)}
        )


def check_status(current: str, wanted: str) -> None:
    if wanted not in STATUS_MOVES[current]:
        raise InvalidTransition("status", current, wanted)


def check_stage(current: str, wanted: str) -> None:
    if wanted not in STAGE_MOVES[current]:
        raise InvalidTransition("lifecycle stage", current, wanted)


def go_live_blockers(
    *, affects_employees: bool, works_council_position: str, workers_informed: bool
) -> list[str]:
    """Why a use-case may not move to production yet (empty: it may). The go-live gate: where
    employees are affected, the works council must have consented (WOR art. 27(1)(k), a
    personnel monitoring or assessment system) and the workers must have been informed
    (AI Act Art. 26(7)) first."""
    if not affects_employees:
        return []
    blockers = []
    if works_council_position in {Council.NOT_APPLICABLE, Council.PENDING}:
        blockers.append(_("the works council's position (WOR art. 27) is not recorded yet"))
    elif works_council_position == Council.REFUSED:
        blockers.append(_("the works council refused (WOR art. 27); it cannot go live without its consent"))
    if not workers_informed:
        blockers.append(_("the workers have not been informed yet (Art. 26(7))"))
    return blockers
