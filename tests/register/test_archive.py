"""Nothing lost: `export_register` writes every row Koers keeps to one archive, and
`import_register` restores it into an empty, migrated database, all or nothing. The round trip
is compared row by row, column by column, for every table (register/archive.py)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection

from register import archive, roles, services
from register.choices import RiskTier
from register.models import Heartbeat, IncidentClockDone, OverrideProposal, UseCase, User
from tests.factories import UserFactory
from tests.test_url_matrix import World, _records  # noqa: F401  (the matrix's world: one of every record)
from tests.test_url_matrix import world as world  # a fixture, used by name

pytestmark = pytest.mark.django_db(transaction=True)


def _everything_else(world: World) -> None:
    """The few kinds of row the matrix's world does not make."""
    chair = User.objects.get(username="matrix-chair")
    chair.user_permissions.add(Permission.objects.get(codename="view_vendor"))  # a permission of one's own
    Heartbeat.objects.create()
    OverrideProposal.objects.create(
        use_case=world.use_case, risk_tier=RiskTier.MINIMAL, justification="Only a demo", proposed_by=chair
    )
    IncidentClockDone.objects.create(
        incident_id=world.records["incident"], clock="early_warning", reference="NCSC-1", done_by=chair
    )
    LogEntry.objects.log_actions(
        user_id=chair.pk,
        queryset=UseCase.objects.filter(pk=world.use_case.pk),
        action_flag=CHANGE,
        change_message="x",
    )
    services.meeting_record(acting_user=chair, held_on=dt.date(2027, 1, 7), title="January").attendees.add(
        chair
    )
    # A model since removed: Django keeps its content type and permissions until someone runs
    # remove_stale_contenttypes, and the admin's history and people's permissions may name them.
    stale = ContentType.objects.create(app_label="register", model="retiredthing")
    chair.user_permissions.add(
        Permission.objects.create(content_type=stale, codename="view_retiredthing", name="x")
    )
    LogEntry.objects.create(
        user=chair, content_type=stale, object_id="7", object_repr="gone", action_flag=CHANGE
    )


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every archived table as stored, keys to groups and permissions by name (their ids are the
    database's own)."""
    groups = dict(Group.objects.values_list("pk", "name"))
    permissions = {
        p.pk: (p.content_type.app_label, p.codename)
        for p in Permission.objects.select_related("content_type")
    }
    content_types = {ct.pk: (ct.app_label, ct.model) for ct in ContentType.objects.all()}
    named: dict[Any, dict[int, Any]] = {Group: groups, Permission: permissions, ContentType: content_types}
    found = {}
    for table in archive.tables():
        rows = []
        for row in table.model._base_manager.order_by("pk").values_list(*table.columns):
            rows.append(
                tuple(
                    named[f.related_model][v]
                    if f.is_relation and f.related_model in named and v is not None
                    else v
                    for f, v in zip(table.fields, row, strict=True)
                )
            )
        found[table.label] = rows
    return found


def _groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each group by name with its permissions by name."""
    return sorted(
        (group.name, sorted((p.content_type.app_label, p.codename) for p in group.permissions.all()))
        for group in Group.objects.prefetch_related("permissions__content_type")
    )


def _new_database() -> None:
    """As after `migrate` on a new database: no rows, the roles' groups made again (new ids)."""
    names = [t.model._meta.db_table for t in archive.tables()] + ["auth_group_permissions", "auth_group"]
    statements = connection.ops.sql_flush(no_style(), names, reset_sequences=True, allow_cascade=True)
    connection.ops.execute_sql_flush(statements)
    Group.objects.create(name="made-first")  # so the roles' groups cannot get their old ids back
    roles.sync_roles()


def _export(tmp_path: Path, name: str = "register.jsonl.gz") -> Path:
    path = tmp_path / name
    call_command("export_register", str(path), stdout=StringIO(), stderr=StringIO())
    return path


def test_an_archive_restores_every_row_of_every_table(world: World, tmp_path: Path) -> None:
    _everything_else(world)
    Group.objects.create(name="works council").permissions.add(
        Permission.objects.get(codename="view_usecase")
    )
    before, groups_before = _rows(), _groups()
    empty = sorted(label for label, rows in before.items() if not rows)
    assert empty == [], "the world should hold a row of every kind, or the comparison proves less"
    path = _export(tmp_path)
    _new_database()
    ContentType.objects.filter(model="retiredthing").delete()  # a new database never had it
    assert sum(len(rows) for rows in _rows().values()) == 0

    out = StringIO()
    call_command("import_register", str(path), stdout=out, stderr=StringIO())
    assert (
        f"Restored {sum(len(rows) for rows in before.values()):,} rows of {len(before)} tables"
        in out.getvalue()
    )

    after = _rows()
    # The roles' groups and one of the organisation's own (and the new database's own group).
    assert [group for group in _groups() if group[0] != "made-first"] == groups_before
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label
    # The database goes on from where the register was: new rows get new keys.
    services.vendor_create(acting_user=None, name="After the restore")
    assert UseCase.objects.count() == len(before["register.usecase"])
    chair = User.objects.get(username="matrix-chair")
    assert chair.has_perm("register.decide_usecase")  # through the committee's group, by name
    assert chair.has_perm("register.view_vendor")  # their own


def test_the_archive_is_versioned_and_closed_by_its_counts(world: World, tmp_path: Path) -> None:
    path = _export(tmp_path, "register.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    header, closing = json.loads(lines[0]), json.loads(lines[-1])
    assert (header["format"], header["version"]) == ("koers-register-archive", 1)
    assert header["migrations"]["register"] == archive.migrations_applied()["register"]
    assert closing["end"] == "archive"
    assert closing["tables"]["register.auditevent"] > 0
    assert closing["tables"]["register.delivery"] > 0
    # Instants to the microsecond (Django's JSON encoder would keep milliseconds).
    stored = UseCase.objects.values_list("created_at", flat=True).get(pk=world.use_case.pk)
    assert stored.isoformat() in path.read_text(encoding="utf-8")


def test_it_restores_nothing_into_a_database_that_holds_a_register(world: World, tmp_path: Path) -> None:
    path = _export(tmp_path)
    counts = {label: len(rows) for label, rows in _rows().items()}
    with pytest.raises(CommandError, match=r"The database is not empty.*register\.usecase"):
        call_command("import_register", str(path))
    assert {label: len(rows) for label, rows in _rows().items()} == counts


def _a_row_twice(lines: list[str]) -> list[str]:
    first = next(i for i, line in enumerate(lines) if line.startswith("["))
    return [*lines[: first + 1], lines[first], *lines[first + 1 :]]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: lines[: len(lines) // 2], "incomplete"),
        (lambda lines: [*lines[:-1], '{"end": "archive", "tables": {}}'], "closing line does not match"),
        (lambda lines: [lines[0], *lines[1:5], "[1, 2", *lines[5:]], "Line 6 is not JSON"),
        (
            lambda lines: [json.dumps({**json.loads(lines[0]), "version": 2}), *lines[1:]],
            "format version 2; this Koers reads version 1",
        ),
        (
            lambda lines: [
                json.dumps({**json.loads(lines[0]), "migrations": {"register": "0001_initial"}}),
                *lines[1:],
            ],
            "another version of Koers",
        ),
        (lambda lines: ["{}", *lines[1:]], "not a Koers register archive"),
        (lambda lines: [lines[0], '{"table": "register.heartbeat"}', *lines[1:]], "has no list of columns"),
        (lambda lines: [lines[0], '{"what": 1}', *lines[1:]], "neither a row nor a table"),
        (_a_row_twice, "do not fit this database"),
    ],
)
def test_it_refuses_a_damaged_or_foreign_archive_and_writes_nothing(
    world: World, tmp_path: Path, damage: Any, message: str
) -> None:
    path = _export(tmp_path)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(damage(lines)) + "\n", encoding="utf-8")
    _new_database()
    with pytest.raises(CommandError, match=message):
        call_command("import_register", str(damaged))
    assert sum(len(rows) for rows in _rows().values()) == 0


def test_it_names_what_is_wrong_with_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="There is no archive at"):
        call_command("import_register", str(tmp_path / "missing.jsonl"))
    (tmp_path / "taken.jsonl").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="exists already"):
        call_command("export_register", str(tmp_path / "taken.jsonl"))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_register", str(tmp_path / "no-folder" / "a.jsonl"))
    (tmp_path / "binary.jsonl.gz").write_bytes(b"\x00\x01 not gzip")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_register", str(tmp_path / "binary.jsonl.gz"))


def test_it_refuses_an_archive_cut_short_in_its_compression(world: World, tmp_path: Path) -> None:
    whole = _export(tmp_path).read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    _new_database()
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_register", str(cut))
    assert sum(len(rows) for rows in _rows().values()) == 0


# Every table in the database is archived, or left out by name for a reason (register/archive.py).
LEFT_OUT = {
    "django_migrations": "the schema's own record: migrate writes it",
    "django_content_type": "made by migrate; rows name content types by natural key",
    "auth_permission": "made by migrate; rows name permissions by natural key",
    "auth_group": "in the header, by name, with each group's permissions",
    "auth_group_permissions": "in the header, by name, with each group's permissions",
    "django_session": "transient: sign-ins",
}


def test_every_table_in_the_database_is_archived_or_left_out_by_name() -> None:
    archived = {table.model._meta.db_table for table in archive.tables()}
    present = set(connection.introspection.table_names())
    axes = {name for name in present if name.startswith("axes_")}  # attempts live in the cache
    assert present - archived - axes == set(LEFT_OUT)


def test_without_secrets_a_copy_holds_no_token_and_no_password(world: World, tmp_path: Path) -> None:
    key = services.api_token_create(acting_user=None, user=UserFactory.create(username="auditor-copy"))
    hashed = User.objects.get(username="auditor-copy").password
    path = tmp_path / "for-the-regulator.jsonl"
    call_command("export_register", str(path), "--without-secrets", stdout=StringIO(), stderr=StringIO())
    text = path.read_text(encoding="utf-8")
    assert key not in text
    assert hashed not in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # its owner's only
    _new_database()
    call_command("import_register", str(path), stdout=StringIO(), stderr=StringIO())
    assert not User.objects.get(username="auditor-copy").has_usable_password()
    assert UseCase.objects.filter(pk=world.use_case.pk).exists()


def test_a_failed_export_leaves_the_earlier_archive_as_it_was(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _export(tmp_path)
    earlier = path.read_bytes()

    def broken() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(archive, "_natural_keys", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        call_command("export_register", str(path), "--force", stdout=StringIO(), stderr=StringIO())
    assert path.read_bytes() == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no half-written file left
