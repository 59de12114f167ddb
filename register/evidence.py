"""Evidence packs (issue 8): a ZIP an auditor can check without trusting Koers afterwards. Per
use-case a folder with its record and what it holds as JSON and CSV; at the root a manifest and
`SHA256SUMS`, so `sha256sum -c SHA256SUMS` proves nothing changed since it was made.

Pure of HTTP and of the API's serializers: the caller hands in records already serialized (the
API's own JSON, so a pack says exactly what the API says) and the columns of their CSV. Also
the one statement of how a record becomes a CSV row (`csv_row`), which the CSV export shares.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone

from register.models import Action, AuditEvent, Decision, Incident, Review, RiskAssessment

# Excel and LibreOffice treat a cell starting with one of these as a formula (CSV injection,
# OWASP): a leading apostrophe makes it text again. A leading "-" in text is therefore
# prefixed too; numbers are written as numbers and never guarded.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Path = tuple[str, ...]  # a column: the keys leading to its value ("owner", "username")


def header(columns: Sequence[Path]) -> list[str]:
    return [".".join(path) for path in columns]


def pick(record: Mapping[str, Any] | None, path: Path) -> Any:
    """The value at `path`; None when an object on the way is null (a use-case without vendor)."""
    value: Any = record
    for key in path:
        if value is None:
            return None
        value = value[key]
    return value


def as_text(value: Any) -> str:
    """Booleans as true/false, null empty, a list of plain values joined by a space, anything
    structured (answers, a decision's actions) as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return " ".join(as_text(item) for item in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    return str(value)


def csv_cell(value: Any) -> str:
    """`as_text`, with text guarded against being run as a formula (numbers are numbers)."""
    text = as_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(record: Mapping[str, Any], columns: Sequence[Path]) -> list[str]:
    return [csv_cell(pick(record, path)) for path in columns]


def csv_text(rows: Iterable[Sequence[str]], delimiter: str = ",") -> str:
    """Rows as CSV (RFC 4180: CRLF, quotes where needed)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


# --- what a use-case held at an instant ----------------------------------------------------------


@dataclass
class Holdings:
    """A use-case's records that existed at the instant, oldest first."""

    assessments: list[RiskAssessment] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    audit_events: list[AuditEvent] = field(default_factory=list)


def holdings_at(use_case_ids: Sequence[int], instant: dt.datetime) -> dict[int, Holdings]:
    """What these use-cases held at `instant`: records created, decided, recorded or that
    occurred at or before it, in the order of their API resources. Six queries, however many
    use-cases."""
    ids = list(use_case_ids)
    reads: dict[str, Iterable[Any]] = {
        "assessments": RiskAssessment.objects.filter(use_case_id__in=ids, created_at__lte=instant)
        .select_related("author", "second_approver")
        .order_by("created_at", "id"),
        "decisions": _decisions(ids, instant),
        "reviews": Review.objects.filter(use_case_id__in=ids, recorded_at__lte=instant)
        .select_related("reviewer")
        .order_by("recorded_at", "id"),
        "incidents": Incident.objects.filter(use_case_id__in=ids, created_at__lte=instant).order_by(
            "created_at", "id"
        ),
        "audit_events": AuditEvent.objects.filter(use_case_id__in=ids, occurred_at__lte=instant).order_by(
            "occurred_at", "id"
        ),
    }
    held: defaultdict[int, Holdings] = defaultdict(Holdings)
    for name, records in reads.items():
        for record in records:
            getattr(held[record.use_case_id], name).append(record)
    return {pk: held[pk] for pk in ids}


def _decisions(use_case_ids: Sequence[int], instant: dt.datetime) -> list[Decision]:
    actions = Prefetch("actions", Action.objects.select_related("owner"), to_attr="action_list")
    decisions: list[Decision] = list(
        Decision.objects.filter(use_case_id__in=use_case_ids, decided_at__lte=instant)
        .select_related("decided_by")
        .prefetch_related(actions)
        .order_by("decided_at", "id")
    )
    for decision in decisions:
        for action in decision.action_list:  # type: ignore[attr-defined]
            # An action is made with its decision; one done after the instant was still open then
            # (in memory only: nothing is saved).
            if action.done_at is not None and action.done_at > instant:
                action.done_at = None
    return decisions


# --- the ZIP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One kind of record of one use-case: `<name>.json` (the records) and `<name>.csv`."""

    name: str
    columns: Sequence[Path]
    records: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Folder:
    use_case_id: int
    reference: str | None
    use_case: Mapping[str, Any]  # use-case.json
    tables: Sequence[Table]

    @property
    def name(self) -> str:
        """The reference where it is a safe file name (always, for those Koers hands out); a
        draft has none and goes by its id."""
        if self.reference and _SAFE_NAME.fullmatch(self.reference):
            return self.reference
        return f"use-case-{self.use_case_id}"


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n").encode()


class EvidencePack:
    """Writes a pack into `out` (a file opened for binary writing): folders one by one, so only
    one use-case's records are in memory at a time, then `finish` adds the manifest and sums."""

    def __init__(self, out: IO[bytes], *, generated_at: dt.datetime) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        local = timezone.localtime(generated_at)
        self._stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second)
        self._files: list[dict[str, Any]] = []
        self._folders: list[dict[str, Any]] = []

    def add(self, folder: Folder) -> None:
        self._write(f"{folder.name}/use-case.json", json_bytes(folder.use_case))
        for table in folder.tables:
            self._write(f"{folder.name}/{table.name}.json", json_bytes(list(table.records)))
            rows = [header(table.columns), *(csv_row(r, table.columns) for r in table.records)]
            # With a BOM, as the CSV export: Excel then reads it as UTF-8.
            self._write(f"{folder.name}/{table.name}.csv", ("\ufeff" + csv_text(rows)).encode())
        self._folders.append({"id": folder.use_case_id, "reference": folder.reference, "folder": folder.name})

    def finish(self, about: Mapping[str, Any]) -> None:
        """The manifest (`about` plus the use-cases and every file's hash and size), then
        SHA256SUMS over every file including the manifest."""
        manifest = {**about, "use_cases": self._folders, "files": list(self._files)}
        self._write("manifest.json", json_bytes(manifest))
        sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in self._files)  # `sha256sum` text mode
        self._zip.writestr(self._info("SHA256SUMS"), sums.encode())
        self._zip.close()

    def _write(self, path: str, content: bytes) -> None:
        self._zip.writestr(self._info(path), content)
        self._files.append(
            {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        )

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # a plain readable file once unpacked
        return info
