"""The audit trail as people read it: for each event, what changed in its subject since that
subject's previous event (field, before, after), with field names in words. Pure: it takes
events and model classes, and runs no query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from register.models import AuditEvent

# Bookkeeping that moves with every save and tells a reader nothing.
QUIET_FIELDS = frozenset({"version", "updated_at", "created_at", "current_assessment_id"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    changes: tuple[FieldChange, ...]
    first: bool  # the subject's first event: its whole record, not a change


@cache  # asked for every field of every event on a page: the model's fields do not change
def _field(subject_type: str, attname: str) -> Any:
    try:
        model = apps.get_model(subject_type)
        return next(f for f in model._meta.concrete_fields if f.attname == attname)
    except (LookupError, ValueError, StopIteration, FieldDoesNotExist):
        return None


def _label(subject_type: str, attname: str) -> str:
    field = _field(subject_type, attname)
    return str(field.verbose_name) if field is not None else attname.replace("_", " ")


def _shown(subject_type: str, attname: str, value: Any) -> Any:
    """A stored choice as its label ("approved" → "Approved"); anything else as stored."""
    field = _field(subject_type, attname)
    if field is not None and field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    return value


def readable(events: Iterable[AuditEvent]) -> list[Entry]:
    """`events` oldest first; entries in the same order."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    entries = []
    for event in events:
        key = (event.subject_type, event.subject_id)
        record = {k: v for k, v in (event.snapshot or {}).items() if not isinstance(v, (dict, list))}
        previous = seen.get(key)
        changes = tuple(
            FieldChange(
                name,
                _label(event.subject_type, name),
                _shown(event.subject_type, name, (previous or {}).get(name)),
                _shown(event.subject_type, name, value),
            )
            for name, value in record.items()
            if name not in QUIET_FIELDS
            and _field(event.subject_type, name) is not None  # a stored field, not a note on the event
            and previous is not None
            and previous.get(name) != value
        )
        entries.append(Entry(event, changes, first=previous is None))
        seen[key] = {**(previous or {}), **record}
    return entries
