"""Reading and checking the committee's spreadsheet of last year's use-cases (CSV or XLSX).

Nothing is written here: the file is read into rows, the headers are mapped onto the use-case's
facts, and each row is checked and resolved (business unit, owner, vendor) into a plan, or told
what is wrong with it in plain words. `register.services.use_cases_import` stores the plans.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from register.choices import LifecycleStage
from register.models import BusinessUnit, UseCase, User, Vendor
from register.services.organisation import _known_vendor

# Bounds for one file: the admin keeps the upload in the session between the dry run and the
# import, and the whole import runs in one transaction.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

Cell = str | int | float | bool | dt.date | None

# The columns a file may have, in the order the report names them: the use-case's facts, plus
# the legal entity, which only tells apart business units with the same name.
REQUIRED = ("name", "business_unit", "owner")
FACTS = (
    "purpose", "description", "sector", "vendor", "customer_facing", "affects_customers",
    "affects_employees", "affects_patients", "affects_public", "affected_people", "personal_data",
    "special_categories", "lawful_basis", "processing_register_ref", "dpia_needed", "dpia_status",
    "dpia_link", "dpo_advice", "automated_decisions", "human_oversight", "overseers",
    "overseers_can_stop", "escalation_path", "notice", "goal", "pilot_scope", "pilot_end_date",
    "stop_criteria", "works_council_position", "workers_informed", "review_cadence_months",
)  # fmt: skip
COLUMNS = (*REQUIRED, "legal_entity", "lifecycle_stage", *FACTS)

# Words spreadsheets use for the columns, besides the field names and their labels in English
# and Dutch (the model's verbose names, from the catalogue). Compared after `_plain`.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("use case", "use case name", "title", "titel", "toepassing", "naam use case"),
    "business_unit": ("unit", "department", "afdeling", "onderdeel", "organisatieonderdeel"),
    "legal_entity": ("entity", "juridische entiteit", "entiteit"),
    "owner": ("owner username", "owner email", "owner e mail", "eigenaar", "verantwoordelijke"),
    "lifecycle_stage": ("stage", "fase"),
    "purpose": ("doel",),
    "description": ("beschrijving",),
    "vendor": ("supplier", "leverancier"),
    "customer_facing": ("klantcontact",),
    "affects_customers": ("customers", "klanten"),
    "affects_employees": ("employees", "medewerkers"),
    "affects_patients": ("patients", "patienten", "clienten"),
    "affects_public": ("public", "publiek"),
    "affected_people": ("others affected", "other affected people", "betrokkenen", "overige betrokkenen"),
    "personal_data": ("persoonsgegevens",),
    "special_categories": ("special categories", "bijzondere persoonsgegevens"),
    "human_oversight": ("oversight", "toezicht"),
    "overseers": ("toezichthouders",),
    "goal": ("doelstelling",),
    "pilot_scope": ("scope",),
    "pilot_end_date": ("einddatum pilot", "einddatum"),
    "stop_criteria": ("stopcriteria",),
    "escalation_path": ("escalatiepad",),
    "notice": ("kennisgeving",),
}

TRUE_WORDS = frozenset({"yes", "ja", "true", "waar", "1", "x", "y", "j"})
FALSE_WORDS = frozenset({"no", "nee", "false", "onwaar", "0", "n", ""})
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
STARTING_STAGES = (LifecycleStage.IDEA, LifecycleStage.PILOT, LifecycleStage.PRODUCTION)


class ImportFileError(Exception):
    """The file as a whole cannot be used (format, size, header); the message says why."""


@dataclass(frozen=True)
class Table:
    """A sheet as read: the header row, and each other non-empty row with its row number."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]


@dataclass(frozen=True)
class PlannedUseCase:
    """A row that passed every check: what `use_case_create` is called with."""

    row: int
    business_unit: BusinessUnit
    owner: User
    name: str
    lifecycle_stage: str
    facts: dict[str, Any]

    @property
    def key(self) -> tuple[int, str]:
        return use_case_key(self.business_unit.pk, self.name)

    @property
    def stage_label(self) -> str:
        return str(LifecycleStage(self.lifecycle_stage).label)


@dataclass(frozen=True)
class RowCheck:
    row: int
    name: str
    business_unit: str
    problems: tuple[str, ...] = ()
    planned: PlannedUseCase | None = None
    existing: bool = False  # already in the register: skipped, never doubled


@dataclass(frozen=True)
class ImportReport:
    filename: str
    checks: tuple[RowCheck, ...]
    ignored_columns: tuple[str, ...] = ()

    @property
    def bad(self) -> list[RowCheck]:
        return [check for check in self.checks if check.problems]

    @property
    def existing(self) -> list[RowCheck]:
        return [check for check in self.checks if check.existing]

    @property
    def planned(self) -> list[PlannedUseCase]:
        """Every good row, also those already in the register (the import skips them itself)."""
        return [check.planned for check in self.checks if check.planned is not None]

    @property
    def new(self) -> list[PlannedUseCase]:
        return [check.planned for check in self.checks if check.planned is not None and not check.existing]


# Reading the file -------------------------------------------------------------------------------


def read_table(content: bytes, filename: str) -> Table:
    """The first sheet of an XLSX file, or a CSV file (UTF-8 with or without BOM; comma,
    semicolon or tab)."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB; split it into smaller files."))
    if not content.strip():
        raise ImportFileError(_("The file is empty."))
    if content.startswith(b"PK\x03\x04"):  # a zip archive: an XLSX workbook
        return _table(_xlsx_rows(content))
    if content.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith((".xls", ".xlsx")):
        raise ImportFileError(
            _("This is not an Excel workbook Koers can read; save it as .xlsx or as CSV and upload that.")
        )
    return _table(_csv_rows(_decode(content)))


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")  # Excel's "Unicode text"
    if b"\x00" in content:
        raise ImportFileError(_("This does not look like a CSV or XLSX file."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel's plain "CSV" (Dutch: "gescheiden door lijstscheidingsteken") is Windows-1252.
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            _('The file\'s text could not be read; save it as "CSV UTF-8" and upload it again.')
        ) from None


def _delimiter(text: str) -> str:
    """The separator of the header line: Dutch Excel writes semicolons, others commas."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max((";", ",", "\t"), key=header.count) if any(d in header for d in ";,\t") else ","


def _csv_rows(text: str) -> Iterator[list[Cell]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from reader
    except csv.Error as error:
        raise ImportFileError(
            _("Line %(line)d of the file could not be read as CSV: %(problem)s")
            % {"line": reader.line_num, "problem": error}
        ) from None


def _xlsx_rows(content: bytes) -> Iterator[list[Cell]]:
    _check_unpacked_size(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign zip raises many kinds; the person needs one sentence
        raise ImportFileError(_("The file could not be read as an Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size, which would cut rows off
        for values in sheet.iter_rows(min_row=1, values_only=True):
            yield [_cell(value) for value in values]
    except Exception:
        raise ImportFileError(_("The file could not be read as an Excel workbook (.xlsx).")) from None
    finally:
        workbook.close()


def _check_unpacked_size(content: bytes) -> None:
    """A workbook is a zip archive: refuse one that would unpack to far more than a sheet of
    5,000 rows could need, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(_("The file could not be read as an Excel workbook (.xlsx).")) from None
    if unpacked > 20 * MAX_BYTES:
        raise ImportFileError(_("The workbook is too large when unpacked; split it into smaller files."))


def _cell(value: object) -> Cell:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | bool | dt.date):
        return value
    return str(value)


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(rows: Iterable[list[Cell]]) -> Table:
    """Header = the first non-empty row; empty rows are skipped; numbers are as in the sheet."""
    headers: list[str] | None = None
    kept: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(rows, start=1):
        if all(_blank(cell) for cell in cells):
            continue
        if headers is None:
            headers = ["" if _blank(cell) else str(cell).strip() for cell in cells]
            continue
        if len(kept) == MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)d rows; split it into smaller files.") % {"max": MAX_ROWS}
            )
        kept.append((number, cells))
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    return Table(headers=headers, rows=kept)


# Headers ----------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Case, accents, punctuation and spacing do not matter: "Klant-gericht?" = "klant gericht"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", " ", bare).strip()


def _model_field(column: str) -> models.Field[Any, Any]:
    if column == "legal_entity":
        return BusinessUnit._meta.get_field("legal_entity")
    return UseCase._meta.get_field(column)  # type: ignore[return-value]  # COLUMNS are concrete fields


def column_label(column: str) -> str:
    """The column's name for people, in the active language."""
    return str(_model_field(column).verbose_name)


@cache
def header_names() -> dict[str, str]:
    """Every accepted header (plain) -> column. Earlier spellings win: the field name, the
    aliases, then the English and the Dutch label."""
    names: dict[str, str] = {}
    spellings: list[tuple[str, str]] = [(column, column) for column in COLUMNS]
    spellings += [(alias, column) for column, aliases in ALIASES.items() for alias in aliases]
    for language in ("en", "nl"):
        with translation.override(language):
            spellings += [(column_label(column), column) for column in COLUMNS]
    for spelling, column in spellings:
        names.setdefault(_plain(spelling), column)
    return names


def map_headers(headers: Sequence[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> column, and the headers that name nothing Koers knows (ignored)."""
    known = header_names()
    mapping: dict[int, str] = {}
    first_header: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        column = known.get(_plain(header))
        if column is None:
            if header:
                ignored.append(header)
            continue
        if column in first_header:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both give the %(column)s; keep one of them.")
                % {"first": first_header[column], "second": header, "column": column_label(column)}
            )
        first_header[column] = header
        mapping[index] = column
    missing = [column_label(column) for column in REQUIRED if column not in first_header]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(missing)s. Columns found: %(found)s.")
            % {"missing": ", ".join(missing), "found": ", ".join(h for h in headers if h) or "-"}
        )
    return mapping, ignored


# Values -----------------------------------------------------------------------------------------


def _quoted(value: Cell) -> str:
    text = str(value).strip()
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


def _text(value: Cell) -> str:
    if _blank(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _boolean(column: str, value: Cell, nullable: bool) -> bool | None:
    if isinstance(value, bool):
        return value
    word = _plain(_text(value))
    if word == "" and nullable:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        _("%(value)s is not yes or no for %(column)s; write yes, no, ja, nee, 1, 0 or x, or leave it empty.")
        % {"value": _quoted(value), "column": column_label(column)}
    )


@cache
def _choice_words(column: str) -> dict[str, str]:
    """A choice's code and its labels in English and Dutch (plain) -> the code."""
    words: dict[str, str] = {}
    for code, label in _model_field(column).choices or ():
        for language in ("en", "nl"):
            with translation.override(language):
                words.setdefault(_plain(str(label)), str(code))
        words[_plain(str(code))] = str(code)
    return words


def _choice(column: str, value: Cell, allowed: Sequence[str] | None = None) -> str:
    """A choice by its code, or its label in English or Dutch."""
    code = _choice_words(column).get(_plain(_text(value)))
    options = [(str(c), str(label)) for c, label in _model_field(column).choices or ()]
    if allowed is not None:
        options = [(c, label) for c, label in options if c in allowed]
    if code is None or code not in {c for c, _label in options}:
        raise ValueError(
            _("%(value)s is not a known %(column)s; use one of: %(choices)s.")
            % {
                "value": _quoted(value),
                "column": column_label(column),
                "choices": ", ".join(label for _c, label in options),
            }
        )
    return code


def _date(column: str, value: Cell) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(_text(value), pattern).date()
        except ValueError:
            continue
    raise ValueError(
        _("%(value)s is not a date for %(column)s; write it as 2026-12-31 or 31-12-2026.")
        % {"value": _quoted(value), "column": column_label(column)}
    )


def _months(column: str, value: Cell) -> int:
    text = _text(value)
    if not isinstance(value, bool) and text.isdigit() and int(text) >= 1:
        return int(text)
    raise ValueError(
        _("%(value)s is not a whole number of months (1 or more) for %(column)s.")
        % {"value": _quoted(value), "column": column_label(column)}
    )


def parse_fact(column: str, value: Cell) -> Any:
    """One cell as the use-case stores it; ValueError says, in plain words, what is wrong."""
    model_field = _model_field(column)
    if isinstance(model_field, models.BooleanField):
        return _boolean(column, value, nullable=model_field.null)
    if _blank(value):
        return None  # not given: the model's default
    if model_field.choices:
        return _choice(column, value)
    if isinstance(model_field, models.DateField):
        return _date(column, value)
    if isinstance(model_field, models.PositiveSmallIntegerField):
        return _months(column, value)
    return _text(value)


# Looking up units, people and vendors -------------------------------------------------------------


def use_case_key(business_unit_id: int, name: str) -> tuple[int, str]:
    """What makes a row the same use-case: its unit and its name (spacing and case aside)."""
    return business_unit_id, " ".join(name.split()).casefold()


def existing_keys(business_unit_ids: Iterable[int]) -> set[tuple[int, str]]:
    """The keys of the use-cases already registered in those units."""
    pairs = UseCase.objects.filter(business_unit_id__in=set(business_unit_ids)).values_list(
        "business_unit_id", "name"
    )
    return {use_case_key(unit_id, name) for unit_id, name in pairs}


@dataclass
class _Directory:
    """The units, people and vendors the file names, each looked up once."""

    units: dict[str, list[BusinessUnit]] = field(default_factory=lambda: defaultdict(list))
    people: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    vendors: dict[str, Vendor | str] = field(default_factory=dict)  # typed name -> vendor or problem

    @classmethod
    def load(cls, owners: set[str]) -> _Directory:
        directory = cls()
        for unit in BusinessUnit.objects.select_related("legal_entity").order_by("pk"):
            directory.units[_plain(unit.name)].append(unit)
        # Usernames and addresses in any case, compared as the database lowers them.
        people = User.objects.annotate(lower_username=Lower("username"), lower_email=Lower("email"))
        wanted = {owner.lower() for owner in owners if owner}
        for person in people.filter(models.Q(lower_username__in=wanted) | models.Q(lower_email__in=wanted)):
            for handle in {person.username.lower(), person.email.lower()} & wanted:
                directory.people[handle].append(person)
        return directory

    def unit(self, name: str, entity: str) -> BusinessUnit:
        units = self.units.get(_plain(name), [])
        if entity:
            units = [unit for unit in units if _plain(unit.legal_entity.name) == _plain(entity)]
            if not units:
                raise ValueError(
                    _("No business unit %(unit)s in %(entity)s.")
                    % {"unit": _quoted(name), "entity": _quoted(entity)}
                )
        if not units:
            raise ValueError(_("No business unit is called %(unit)s.") % {"unit": _quoted(name)})
        if len(units) > 1:
            entities = ", ".join(unit.legal_entity.name for unit in units)
            raise ValueError(
                _("Several business units are called %(unit)s (in %(entities)s); add a legal entity column.")
                % {"unit": _quoted(name), "entities": entities}
            )
        return units[0]

    def owner(self, handle: str) -> User:
        people = self.people.get(handle.lower(), [])
        if not people:
            raise ValueError(
                _("Nobody has the username or e-mail address %(owner)s.") % {"owner": _quoted(handle)}
            )
        if len(people) > 1:
            raise ValueError(
                _("Several people have the e-mail address %(owner)s; give the username.")
                % {"owner": _quoted(handle)}
            )
        if not people[0].is_active:
            raise ValueError(
                _("%(owner)s is no longer active; the accountable owner must be an active person.")
                % {"owner": _quoted(handle)}
            )
        return people[0]

    def vendor(self, typed: str) -> Vendor:
        if typed not in self.vendors:
            self.vendors[typed] = self._find_vendor(typed)
        found = self.vendors[typed]
        if isinstance(found, str):
            raise ValueError(found)
        return found

    @staticmethod
    def _find_vendor(typed: str) -> Vendor | str:
        # The form's rule for a typed vendor (name and product, or a name that is unique); unlike
        # the form, the import does not add vendors: the committee records them first.
        try:
            found = _known_vendor(" ".join(typed.split()))
        except ValidationError:
            return _("Several products of %(vendor)s are recorded; write the name with the product.") % {
                "vendor": _quoted(typed)
            }
        if found is None:
            return _(
                "No vendor %(vendor)s is recorded; add it in the admin first, or leave the vendor empty."
            ) % {"vendor": _quoted(typed)}
        return found


# Checking rows ----------------------------------------------------------------------------------


def _stage(value: Cell) -> str:
    if _blank(value):
        return LifecycleStage.IDEA
    return _choice("lifecycle_stage", value, allowed=STARTING_STAGES)


def _model_problems(instance: UseCase, exclude: set[str]) -> list[str]:
    """The model's own field checks (lengths, links), without database queries."""
    try:
        instance.full_clean(exclude=sorted(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            _("%(column)s: %(problem)s") % {"column": column_label(name), "problem": message}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def _resolve(column: str, values: dict[str, Cell], directory: _Directory) -> Any:
    """One column of a row as `use_case_create` takes it (None: not given)."""
    value = values.get(column)
    if column == "business_unit":
        return directory.unit(_text(value), _text(values.get("legal_entity")))
    if column == "owner":
        return directory.owner(_text(value))
    if column == "lifecycle_stage":
        return _stage(value)
    if column == "vendor":
        return None if _blank(value) else directory.vendor(_text(value))
    return parse_fact(column, value)


def _check_row(number: int, values: dict[str, Cell], directory: _Directory) -> RowCheck:
    """Every problem of one row, in plain words; or, when there is none, its plan."""
    name = " ".join(_text(values.get("name")).split())
    unit_name = _text(values.get("business_unit"))
    problems: list[str] = []
    resolved: dict[str, Any] = {}
    for column in ("name", "business_unit", "owner", "lifecycle_stage", *FACTS):
        if column in REQUIRED and _blank(values.get(column)):
            problems.append(_("The %(column)s is missing.") % {"column": column_label(column)})
            continue
        try:
            value = name if column == "name" else _resolve(column, values, directory)
        except ValueError as error:
            problems.append(str(error))
            continue
        if value is not None:
            resolved[column] = value
    facts = {column: resolved[column] for column in FACTS if column in resolved}
    unchecked = {"business_unit", "owner", "vendor", *(c for c in COLUMNS if c not in resolved)}
    problems += _model_problems(UseCase(name=name, **facts), unchecked)
    if problems:
        return RowCheck(row=number, name=name, business_unit=unit_name, problems=tuple(problems))
    planned = PlannedUseCase(
        row=number,
        business_unit=resolved["business_unit"],
        owner=resolved["owner"],
        name=name,
        lifecycle_stage=resolved["lifecycle_stage"],
        facts=facts,
    )
    return RowCheck(row=number, name=name, business_unit=unit_name, planned=planned)


def _row_values(cells: Sequence[Cell], mapping: dict[int, str], width: int) -> tuple[dict[str, Cell], int]:
    values = {column: cells[index] for index, column in mapping.items() if index < len(cells)}
    beyond = sum(1 for cell in cells[width:] if not _blank(cell))
    return values, beyond


def check_table(table: Table, filename: str) -> ImportReport:
    """Every row checked: its problems, or its plan; repeats within the file and use-cases
    already in the register are found here, so importing a file twice creates nothing."""
    mapping, ignored = map_headers(table.headers)
    owner_index = next(index for index, column in mapping.items() if column == "owner")
    directory = _Directory.load(
        {_text(cells[owner_index]) for _n, cells in table.rows if owner_index < len(cells)}
    )
    checks: list[RowCheck] = []
    for number, cells in table.rows:
        values, beyond = _row_values(cells, mapping, len(table.headers))
        check = _check_row(number, values, directory)
        if beyond:
            extra = ngettext(
                "There is %(count)d value beyond the last named column; a value may contain the "
                "separator (put such values in quotes).",
                "There are %(count)d values beyond the last named column; a value may contain the "
                "separator (put such values in quotes).",
                beyond,
            ) % {"count": beyond}
            check = RowCheck(check.row, check.name, check.business_unit, (*check.problems, extra))
        checks.append(check)
    return ImportReport(
        filename=filename, checks=tuple(_mark_repeats(checks)), ignored_columns=tuple(ignored)
    )


def _mark_repeats(checks: list[RowCheck]) -> Iterator[RowCheck]:
    """A second row for the same unit and name is a problem; one already registered is skipped."""
    planned = [check.planned for check in checks if check.planned is not None]
    registered = existing_keys(plan.business_unit.pk for plan in planned)
    first_row: dict[tuple[int, str], int] = {}
    for check in checks:
        if check.planned is None:
            yield check
            continue
        key = check.planned.key
        if key in first_row:
            repeat = _("Repeats row %(row)d (the same business unit and name).") % {"row": first_row[key]}
            yield RowCheck(check.row, check.name, check.business_unit, (repeat,))
            continue
        first_row[key] = check.row
        yield RowCheck(
            check.row, check.name, check.business_unit, planned=check.planned, existing=key in registered
        )


def check_file(content: bytes, filename: str) -> ImportReport:
    """Read and check a whole file; ImportFileError when the file itself cannot be used."""
    return check_table(read_table(content, filename), filename)
