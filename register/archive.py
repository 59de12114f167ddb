"""The whole register as one archive, and back (`export_register`, `import_register`).

An archive is JSON Lines (gzip-compressed when its name ends in `.gz`), written and read as a
stream, so its size is bounded by the disk, not by memory:

    {"format": "koers-register-archive", "version": 1, "created_at": …, "migrations": {…}}
    {"table": "register.usecase", "columns": ["id", "reference", …]}
    [1, "AI-2026-0001", …]                       one line per row, in key order
    {"end": "register.usecase", "rows": 1234}
    …
    {"end": "archive", "tables": {"register.usecase": 1234, …}}

It holds every row of every table Koers keeps, the audit trail, the outbox and the API access log
included, each column as stored (foreign keys as keys). Left out, because `migrate` makes them
again: content types and permissions (named by their natural keys where a row refers to one)
and the roles' groups (named by name; their permissions follow `register/roles.py`). Left out
as transient: sessions and django-axes' tables (sign-in attempts live in the cache).

`import_register` restores an archive into a database migrated to the same version and holding
no register rows, in one transaction: a truncated archive, another version or a database that
is not empty is refused with a message naming the problem, and nothing is written."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from register import roles

# What `--without-secrets` leaves out: the API tokens (their keys are the credential) and the
# password hashes (each replaced by an unusable one).
SECRET_TABLES = {"authtoken.token"}
SECRET_COLUMNS = {("register.user", "password")}

FORMAT = "koers-register-archive"
VERSION = 1
BATCH = 2000

# Made again by `migrate`: referred to by natural key, not archived.
_BY_NATURAL_KEY: dict[type[models.Model], str] = {
    ContentType: "content type",
    Permission: "permission",
    Group: "group",
}
_LEFT_OUT_APPS = {"contenttypes", "sessions", "axes"}


class ArchiveError(Exception):
    """An archive that cannot be restored here; the message says why."""


@dataclass(frozen=True)
class Table:
    label: str
    model: type[models.Model]
    fields: tuple[models.Field[Any, Any], ...]

    @property
    def columns(self) -> list[str]:
        return [field.attname for field in self.fields]


def tables() -> list[Table]:
    """Every archived table, parents before the tables that refer to them where that order exists
    (the restore defers its constraint checks, so cycles are allowed)."""
    found: list[Table] = []
    for model in _models_in_dependency_order():
        if model in _BY_NATURAL_KEY or model._meta.app_label in _LEFT_OUT_APPS:
            continue
        for table_model in (model, *_many_to_many_tables(model)):
            fields = tuple(f for f in table_model._meta.concrete_fields)
            found.append(Table(table_model._meta.label_lower, table_model, fields))
    return found


def _models_in_dependency_order() -> list[type[models.Model]]:
    from django.core.serializers import sort_dependencies

    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module is not None]
    ordered = sort_dependencies(app_list, allow_cycles=True)
    return [m for m in ordered if m._meta.managed and not m._meta.proxy]


def _many_to_many_tables(model: type[models.Model]) -> list[type[models.Model]]:
    through = [field.remote_field.through for field in model._meta.local_many_to_many]
    return [table for table in through if table is not None and table._meta.auto_created]


def migrations_applied() -> dict[str, str]:
    """Each app's latest applied migration: an archive restores only into the same schema."""
    latest: dict[str, str] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        latest[app] = max(latest.get(app, name), name)
    return latest


# Natural keys -----------------------------------------------------------------------------------


def _natural_keys() -> dict[type[models.Model], dict[Any, Any]]:
    """This database's keys to natural keys, for the tables made again by `migrate`."""
    return {
        ContentType: {ct.pk: [ct.app_label, ct.model] for ct in ContentType.objects.all()},
        Permission: _permission_keys(),
        Group: dict(Group.objects.values_list("pk", "name")),
    }


def _permission_keys() -> dict[int, list[str]]:
    return {
        pk: [app_label, model, codename]
        for pk, app_label, model, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "content_type__model", "codename"
        )
    }


class _KeyFinder:
    """Natural keys back to this database's keys (made where this database lacks one)."""

    def __init__(self) -> None:
        self.permissions = {tuple(key): pk for pk, key in _permission_keys().items()}
        self.content_types = {(ct.app_label, ct.model): ct.pk for ct in ContentType.objects.all()}
        self.groups: dict[str, int] = dict(Group.objects.values_list("name", "pk"))

    def __call__(self, model: type[models.Model], key: Any) -> Any:
        if key is None:
            return None
        by_model: dict[type[models.Model], dict[Any, int]] = {
            Permission: self.permissions,
            ContentType: self.content_types,
            Group: self.groups,
        }
        found = by_model[model]
        if model is Group:
            wanted: Any = key if isinstance(key, str) else None
        else:
            wanted = tuple(key) if isinstance(key, list) and all(isinstance(k, str) for k in key) else None
        if wanted is None:
            raise ArchiveError(f"The archive names a {_BY_NATURAL_KEY[model]} wrongly: {key!r}.")
        if wanted not in found:
            found[wanted] = self._made_again(model, wanted)
        return found[wanted]

    def _made_again(self, model: type[models.Model], key: Any) -> int:
        """One the source still held though its model is gone (Django keeps stale content types
        until `remove_stale_contenttypes`): made here too, so the rows naming it are kept."""
        if model is ContentType and len(key) == 2:
            return ContentType.objects.get_or_create(app_label=key[0], model=key[1])[0].pk
        if model is Permission and len(key) == 3:
            content_type = self(ContentType, list(key[:2]))
            permission, _created = Permission.objects.get_or_create(
                content_type_id=content_type, codename=key[2], defaults={"name": key[2]}
            )
            return permission.pk
        if model is Group:
            return Group.objects.get_or_create(name=key)[0].pk
        raise ArchiveError(f"The archive names a {_BY_NATURAL_KEY[model]} wrongly: {list(key)!r}.")


def _natural_column(field: models.Field[Any, Any]) -> type[models.Model] | None:
    related = field.related_model if field.is_relation else None
    return related if related in _BY_NATURAL_KEY else None


# Export -----------------------------------------------------------------------------------------


@contextmanager
def _open(path: Path) -> Iterator[IO[str]]:
    opener: Callable[..., IO[str]] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="\n") as handle:
        yield handle


@contextmanager
def _written_in_place(path: Path) -> Iterator[IO[str]]:
    """A file only its owner reads (it holds personal data, and secrets unless left out), written
    beside `path` and put in its place when complete: a failed export leaves any earlier archive
    as it was."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(descriptor, "wb") as raw:
            binary: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb") if path.suffix == ".gz" else raw  # type: ignore[assignment]
            with binary, io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as text:
                yield text
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def export(
    path: Path,
    progress: Callable[[str, int], None] = lambda label, rows: None,
    *,
    secrets: bool = True,
) -> dict[str, int]:
    """Write the archive to `path`, in one REPEATABLE READ snapshot on PostgreSQL (every table as
    of one instant); returns the rows written per table. Without `secrets`, no API token and no
    password hash: the people are there, but nobody can sign in or call the API with the copy."""
    encoder = _Encoder(ensure_ascii=False, separators=(",", ":"))
    counts: dict[str, int] = {}
    outermost = not connection.in_atomic_block
    with transaction.atomic(), _written_in_place(path) as out:
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        natural_keys = _natural_keys()
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "migrations": migrations_applied(),
            "groups": _groups(),
            "secrets": secrets,
        }
        out.write(encoder.encode(header) + "\n")
        for table in tables():
            natural = {i: m for i, f in enumerate(table.fields) if (m := _natural_column(f)) is not None}
            secret = [i for i, f in enumerate(table.fields) if (table.label, f.attname) in SECRET_COLUMNS]
            out.write(encoder.encode({"table": table.label, "columns": table.columns}) + "\n")
            rows = 0
            query = table.model._base_manager.order_by("pk").values_list(*table.columns)
            if not secrets and table.label in SECRET_TABLES:
                query = query.none()
            for row in query.iterator(chunk_size=BATCH):
                values = list(row)
                for i, model in natural.items():
                    values[i] = None if values[i] is None else natural_keys[model][values[i]]
                for i in secret if not secrets else ():
                    values[i] = make_password(None)  # unusable, as Django marks a password never set
                out.write(encoder.encode(values) + "\n")
                rows += 1
                if rows % 50_000 == 0:
                    progress(table.label, rows)
            out.write(encoder.encode({"end": table.label, "rows": rows}) + "\n")
            counts[table.label] = rows
            progress(table.label, rows)
        out.write(encoder.encode({"end": "archive", "tables": counts}) + "\n")
    return counts


def _groups() -> dict[str, list[list[str]]]:
    """The groups by name, each with its permissions by natural key."""
    keys = _permission_keys()
    return {
        group.name: sorted(keys[pk] for pk in group.permissions.values_list("pk", flat=True))
        for group in Group.objects.order_by("name")
    }


class _Encoder(DjangoJSONEncoder):
    """Django's, but instants and times to the microsecond: its own cuts them to milliseconds,
    and an archive loses nothing."""

    def default(self, o: Any) -> Any:
        if isinstance(o, (dt.datetime, dt.time)):
            return o.isoformat()
        return super().default(o)


# Import -----------------------------------------------------------------------------------------


def restore(path: Path, progress: Callable[[str, int], None] = lambda label, rows: None) -> dict[str, int]:
    """Restore the archive at `path` into this (migrated, empty) database, all or nothing."""
    known = {table.label: table for table in tables()}
    with _open(path) as lines:
        header = _header(next(lines, ""))
        _check_schema(header)
        with transaction.atomic():
            _check_empty(known.values())
            keys = _restore_groups(header.get("groups", {}))
            try:
                with connection.constraint_checks_disabled():
                    counts = _restore_tables(lines, known, keys, progress)
            except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:  # not gzip, cut short
                raise ArchiveError(
                    f"The archive cannot be read to its end ({error}). Nothing was restored."
                ) from None
            except IntegrityError as error:  # a key twice, a value missing
                raise ArchiveError(
                    f"The archive's rows do not fit this database: {error}. Nothing was restored."
                ) from None
            try:
                connection.check_constraints(
                    table_names=[known[label].model._meta.db_table for label in counts]
                )
            except IntegrityError as error:
                raise ArchiveError(
                    f"The archive's rows do not fit together: {error}. Nothing was restored."
                ) from None
            _reset_sequences([known[label].model for label in counts])
    return counts


def _header(line: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArchiveError("This is not a Koers register archive (its first line does not say so).")
    if header.get("version") != VERSION:
        raise ArchiveError(
            f"This archive is of format version {header.get('version')!r}; this Koers reads version {VERSION}."
        )
    return header


def _check_schema(header: dict[str, Any]) -> None:
    here, there = migrations_applied(), header.get("migrations", {})
    differ = sorted(app for app in set(here) | set(there) if here.get(app) != there.get(app))
    if differ:
        detail = "; ".join(f"{app}: archive {there.get(app)}, database {here.get(app)}" for app in differ)
        raise ArchiveError(
            "The archive comes from another version of Koers than this database is migrated to "
            f"({detail}). Restore it with the Koers version that wrote it, then upgrade."
        )


def _check_empty(known: Any) -> None:
    holding = [t.label for t in known if t.model._base_manager.exists()]
    if holding:
        raise ArchiveError(
            "The database is not empty; an archive is restored only into a new, migrated database. "
            f"Rows found in: {', '.join(holding)}."
        )


def _restore_groups(groups: Any) -> _KeyFinder:
    """The archive's groups, by name: made where missing, their permissions as archived; then the
    roles' groups as `register/roles.py` states them (the one statement of what a role may do)."""
    if not isinstance(groups, dict):
        raise ArchiveError("The archive's header names its groups wrongly.")
    keys = _KeyFinder()
    for name, permissions in groups.items():
        if not isinstance(permissions, list):
            raise ArchiveError(f"The archive's header lists the permissions of group {name!r} wrongly.")
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([keys(Permission, key) for key in permissions])
    roles.sync_roles()
    return _KeyFinder()


def _restore_tables(
    lines: Iterator[str], known: dict[str, Table], keys: _KeyFinder, progress: Callable[[str, int], None]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    table: Table | None = None
    columns: list[models.Field[Any, Any]] = []
    natural: dict[int, type[models.Model]] = {}
    batch: list[models.Model] = []
    for number, line in enumerate(lines, start=2):
        item = _json(line, number)
        if isinstance(item, list):
            if table is None or len(item) != len(columns):
                raise ArchiveError(
                    f"Line {number}: a row outside a table, or with the wrong number of columns."
                )
            batch.append(_row(table, columns, natural, keys, item, number))
            if len(batch) >= BATCH:
                _insert(table, batch)
                batch = []
            continue
        if table is not None and item.get("end") != table.label:  # a marker inside a table: its end
            raise ArchiveError(f"Line {number}: a new table before the end of {table.label}.")
        if "table" in item:
            if item["table"] not in known:
                raise ArchiveError(f"Line {number}: this Koers keeps no table {item['table']!r}.")
            table = known[item["table"]]
            by_name = {f.attname: f for f in table.fields}
            listed = item.get("columns")
            if not isinstance(listed, list) or not all(isinstance(c, str) for c in listed):
                raise ArchiveError(f"Line {number}: the table {table.label} has no list of columns.")
            missing = [c for c in listed if c not in by_name]
            if missing or len(set(listed)) != len(by_name):
                raise ArchiveError(f"Line {number}: the columns of {table.label} do not match this Koers's.")
            columns = [by_name[c] for c in item["columns"]]
            natural = {i: m for i, f in enumerate(columns) if (m := _natural_column(f)) is not None}
            counts[table.label] = 0
        elif item.get("end") == "archive":
            _check_counts(item.get("tables", {}), counts)
            return counts
        elif "end" in item:
            if table is None:
                raise ArchiveError(f"Line {number}: the end of a table that was not begun.")
            if batch:
                _insert(table, batch)
                batch = []
            counts[table.label] = _written(table, item, counts)
            progress(table.label, counts[table.label])
            table = None
        else:
            raise ArchiveError(f"Line {number}: neither a row nor a table's beginning or end.")
    raise ArchiveError("The archive is incomplete: it stops before its last line. Nothing was restored.")


def _insert(table: Table, rows: list[models.Model]) -> None:
    """The rows as they were: a raw insert, as `loaddata` makes, so that no field fills itself in
    (`auto_now_add` would stamp today on a token made last year, as `bulk_create` does)."""
    fields = list(table.fields)
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    for start in range(0, len(rows), size):
        table.model._base_manager._insert(rows[start : start + size], fields=fields, raw=True)  # type: ignore[attr-defined]


def _written(table: Table, end: dict[str, Any], counts: dict[str, int]) -> int:
    rows = int(table.model._base_manager.count())
    if rows != end.get("rows"):
        raise ArchiveError(f"{table.label}: the archive says {end.get('rows')} rows, {rows} were read.")
    return rows


def _check_counts(said: dict[str, int], counts: dict[str, int]) -> None:
    if said != counts:
        raise ArchiveError(
            "The archive's closing line does not match the tables it holds. Nothing was restored."
        )


def _json(line: str, number: int) -> Any:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise ArchiveError(
            f"Line {number} is not JSON ({error.msg}): the archive is damaged or incomplete."
        ) from None
    if not isinstance(item, (list, dict)):
        raise ArchiveError(f"Line {number}: expected a row or a table's marker.")
    return item


def _row(
    table: Table,
    columns: list[models.Field[Any, Any]],
    natural: dict[int, type[models.Model]],
    keys: _KeyFinder,
    values: list[Any],
    number: int,
) -> models.Model:
    data: dict[str, Any] = {}
    for i, field in enumerate(columns):
        value = values[i]
        if i in natural:
            value = keys(natural[i], value)
        elif value is not None and not isinstance(field, models.JSONField):
            try:
                value = field.to_python(value)
            except (ValidationError, ValueError, TypeError) as error:
                raise ArchiveError(f"Line {number}: {table.label}.{field.attname}: {error}") from None
        data[field.attname] = value
    return table.model(**data)


def _reset_sequences(restored: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), restored)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
