"""Writes for the spreadsheet import: the rows `register.importing` found good become draft
use-cases, not yet assessed, each audited as created and as imported."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction

# The module, not its names: register.importing itself imports from register.services.
from register import importing as spreadsheet
from register.audit import audit_log, snapshot_of
from register.models import BusinessUnit, User
from register.services.use_cases import use_case_create


@dataclass(frozen=True)
class ImportOutcome:
    created: int  # with `dry_run`: would be created
    skipped: int  # already in the register when the import ran
    dry_run: bool


@transaction.atomic
def use_cases_import(
    *,
    acting_user: User | None,
    rows: Sequence[spreadsheet.PlannedUseCase],
    dry_run: bool,
    source: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Create a use-case for each planned row not yet in the register (same unit and name), all
    or none. A dry run writes nothing and says how many would be created."""
    unit_ids = sorted({row.business_unit.pk for row in rows})
    if not dry_run:
        # Two imports of the same file queue on their units' rows, so the second one sees what
        # the first created and skips it (never doubling). FOR NO KEY UPDATE: the form can still
        # add use-cases to these units meanwhile.
        list(BusinessUnit.objects.select_for_update(no_key=True).filter(pk__in=unit_ids).values_list("pk"))
    taken = spreadsheet.existing_keys(unit_ids)
    fresh = []
    for row in rows:
        if row.key not in taken:
            taken.add(row.key)
            fresh.append(row)
    if not dry_run:
        for number, row in enumerate(fresh, start=1):
            _create(acting_user, row, source)
            if progress is not None:
                progress(number, len(fresh))
    return ImportOutcome(created=len(fresh), skipped=len(rows) - len(fresh), dry_run=dry_run)


def _create(acting_user: User | None, row: spreadsheet.PlannedUseCase, source: str) -> None:
    use_case = use_case_create(
        acting_user=acting_user,
        business_unit=row.business_unit,
        owner=row.owner,
        name=row.name,
        lifecycle_stage=row.lifecycle_stage,
        **row.facts,
    )
    audit_log(
        actor=acting_user,
        action="register.use_case.imported",
        subject=use_case,
        use_case_id=use_case.pk,
        justification=f"{source}, row {row.row}" if source else f"row {row.row}",
        snapshot={**snapshot_of(use_case), "import_source": source, "import_row": row.row},
    )
