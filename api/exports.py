"""Exports (issue 8): the register as CSV, JSON Lines and Excel, with the list's fields, filters
(`UseCaseFilter`, `as_of`) and visibility; and evidence packs (ZIP) of one use-case or of a
filtered set, as of an instant (register/evidence.py builds them).

The URL names the format. Content negotiation therefore always picks the URL's format (a client
sending `Accept: application/json` gets the file, never a 406), and every error is answered in
the one JSON error shape, whatever the URL's format."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice
from tempfile import SpooledTemporaryFile
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from api.filters import UseCaseFilter
from api.permissions import ScopedReadPermissions
from api.schema import KoersAutoSchema
from api.serializers import (
    AuditEventSerializer,
    DecisionSerializer,
    IncidentSerializer,
    ObligationSerializer,
    ReviewSerializer,
    RiskAssessmentSerializer,
    UseCaseDetailSerializer,
    UseCaseSerializer,
    for_listing,
    listed_use_case,
)
from api.use_cases import AS_OF, as_of_param
from api.views import RejectUnknownQueryParamsMixin
from register import as_of, evidence, selectors
from register.models import UseCase, User

# Rows read from the database and serialized at a time: memory stays flat however large the
# register is, and the query count grows by one per chunk at most (a server-side cursor on
# PostgreSQL fetches the chunks of one query).
CHUNK_SIZE = 500
# A pack is built before it is sent (its manifest lists every file): past this many use-cases
# the caller is asked to filter.
PACK_LIMIT = 1000
# Use-cases whose detail and records are read at once for a pack (a fixed number of queries each).
PACK_CHUNK = 100
# Files above this size move from memory to a temporary file on disk.
SPOOL_MAX_BYTES = 16 * 1024 * 1024

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DELIMITERS = {"comma": ",", "semicolon": ";"}

_T = TypeVar("_T")


# --- content types ------------------------------------------------------------------------------


class _FileRenderer(BaseRenderer):
    """Names a file format for content negotiation and the schema. The views write the bodies
    themselves (a stream, a file); errors go to the JSON renderer (`_FileView`), so `render` is
    only reached by mistake."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        raise TypeError(f"{type(self).__name__} renders no data; the view writes the file.")


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class JSONLinesRenderer(_FileRenderer):
    # JSON Lines has no registered type; application/x-ndjson is the one most tools send and
    # accept for a stream of JSON objects, one per line (README, API).
    media_type = "application/x-ndjson"
    format = "jsonl"
    charset = "utf-8"


class XLSXRenderer(_FileRenderer):
    media_type = XLSX
    format = "xlsx"
    charset = None


class ZipRenderer(_FileRenderer):
    media_type = "application/zip"
    format = "zip"
    charset = None


class FormatOfTheURL(BaseContentNegotiation):
    """The URL names the one format the view offers: the Accept header does not choose among
    formats, so no request is refused with 406 for what it accepts."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class FileSchema(KoersAutoSchema):
    """Documents errors as JSON (how they are answered), not in the format of the URL."""

    def _get_response_for_code(
        self, serializer: Any, status_code: str, media_types: Any = None, direction: Any = "response"
    ) -> Any:
        if media_types is None and not status_code.startswith("2"):
            media_types = [JSONRenderer.media_type]
        return super()._get_response_for_code(  # type: ignore[no-untyped-call]
            serializer, status_code, media_types, direction
        )


class _FileView(RejectUnknownQueryParamsMixin, GenericAPIView):  # type: ignore[type-arg]
    permission_classes = [ScopedReadPermissions]
    content_negotiation_class = FormatOfTheURL
    schema = FileSchema()
    pagination_class = None

    # The stubs say Response; the views here answer with streams and files (HttpResponseBase).
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if isinstance(response, Response):
            # Only errors (and OPTIONS) are DRF responses here: JSON in the one error shape, even
            # on a .csv URL, never a dict pushed through a file renderer.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]


# --- the register as rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    path: evidence.Path
    field: serializers.Field  # type: ignore[type-arg]


def columns_of(serializer: serializers.Serializer) -> list[Column]:  # type: ignore[type-arg]
    """One column per field; a nested object (not a list) becomes a column per field of it,
    with a dotted header (`owner.username`), also when it is null in every row."""
    columns: list[Column] = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns += [Column((name, *column.path), column.field) for column in columns_of(field)]
        else:
            columns.append(Column((name,), field))
    return columns


@cache
def register_columns() -> list[Column]:
    return columns_of(UseCaseSerializer())


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _serialized(use_cases: Iterable[UseCase]) -> Iterator[list[dict[str, Any]]]:
    """The list's JSON items, a chunk at a time."""
    for chunk in _chunks(use_cases, CHUNK_SIZE):
        yield [listed_use_case(use_case) for use_case in chunk]  # plain data, no serializer cycles


def _valid_filters(request: Request) -> dict[str, Any]:
    """The list's filters, checked as the list checks them (a 400 naming the parameter)."""
    filterset = UseCaseFilter(request.query_params, queryset=UseCase.objects.none(), request=request)
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return dict(filterset.form.cleaned_data)


def _as_of_rows(
    user: User | AnonymousUser, instant: dt.datetime, filters: Mapping[str, Any]
) -> Iterator[UseCase]:
    """The register as it stood at `instant` (as the list shows it with `as_of`), in the list's
    order, rebuilt a chunk of use-cases at a time so memory stays flat."""
    visible = selectors.use_cases_visible_to(user)
    today = timezone.localdate(instant)
    ids = visible.order_by("created_at", "id").values_list("pk", flat=True).iterator(chunk_size=CHUNK_SIZE)
    for chunk in _chunks(ids, CHUNK_SIZE):
        then = {u.pk: u for u in as_of.use_cases_as_of(visible.filter(pk__in=chunk), instant)}
        yield from (then[pk] for pk in chunk if pk in then and as_of.matches(then[pk], filters, today=today))


def _filename(stem: str, instant: dt.datetime | None, extension: str) -> str:
    """koers-use-cases-2026-03-12.csv: the organisation's date the contents are for."""
    return f"koers-{stem}-{timezone.localdate(instant or timezone.now()).isoformat()}.{extension}"


def _attachment(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _RegisterExport(_FileView):
    """The list's use-cases: its filters, `as_of`, its visibility and its order."""

    filterset_class = UseCaseFilter
    serializer_class = UseCaseSerializer

    def get_queryset(self) -> QuerySet[UseCase]:
        today = timezone.localdate()
        return for_listing(selectors.use_cases_listed(self.request.user, today)).order_by("created_at", "id")

    def allowed_query_params(self) -> frozenset[str]:
        # Not `format`: the URL names the format.
        return frozenset({*UseCaseFilter.base_filters, "as_of"})

    def use_cases(self) -> tuple[Iterator[UseCase], dt.datetime | None]:
        """Filters and `as_of` are checked now, so they are a 400 before anything is sent; the
        rows are read while the response goes out (a failure then can only cut it short).

        `iterator()` keeps select_related (the joins are part of the one query); a prefetch would
        run once per chunk, and Django 5 refuses one without `chunk_size`. The listed queryset
        has none: one query, however many rows."""
        instant = as_of_param(self.request)
        if instant is None:
            return self.filter_queryset(self.get_queryset()).iterator(chunk_size=CHUNK_SIZE), None
        return _as_of_rows(self.request.user, instant, _valid_filters(self.request)), instant


# --- CSV and JSON Lines: streamed ---------------------------------------------------------------

DELIMITER = OpenApiParameter(
    "delimiter",
    OpenApiTypes.STR,
    enum=list(DELIMITERS),
    default="comma",
    description="Between fields: `comma`, or `semicolon` for Excel set to Dutch.",
)
FILTERED = "Same fields, filters (`as_of` included) and visibility as the list, in its order."


def _csv_stream(use_cases: Iterable[UseCase], delimiter: str) -> Iterator[bytes]:
    """A BOM (Excel then reads UTF-8), the header, then the rows a chunk at a time."""
    paths = [column.path for column in register_columns()]
    yield ("\ufeff" + evidence.csv_text([evidence.header(paths)], delimiter)).encode()
    for records in _serialized(use_cases):
        yield evidence.csv_text((evidence.csv_row(record, paths) for record in records), delimiter).encode()


def _delimiter(request: Request) -> str:
    name = request.query_params.get("delimiter", "comma")
    if name not in DELIMITERS:
        raise ValidationError({"delimiter": [_("Must be comma or semicolon.")]})
    return DELIMITERS[name]


class UseCasesCsv(_RegisterExport):
    renderer_classes = [CSVRenderer]

    def allowed_query_params(self) -> frozenset[str]:
        return super().allowed_query_params() | {"delimiter"}

    @extend_schema(
        operation_id="export_use_cases_csv",
        summary="The register as CSV (UTF-8 with BOM), streamed.",
        description=FILTERED + " Nested objects have dotted headers (`owner.username`); lists are "
        "joined by a space; booleans are true/false; null is empty. Text starting with = + - @, "
        "a tab or a carriage return gets a leading ' (so a spreadsheet does not run it).",
        filters=True,
        parameters=[AS_OF, DELIMITER],
        responses=OpenApiResponse(OpenApiTypes.STR, description="The register, one use-case a row."),
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        delimiter = _delimiter(request)
        use_cases, instant = self.use_cases()
        response = StreamingHttpResponse(
            _csv_stream(use_cases, delimiter), content_type="text/csv; charset=utf-8"
        )
        return _attachment(response, _filename("use-cases", instant, "csv"))


def _jsonl_stream(use_cases: Iterable[UseCase]) -> Iterator[bytes]:
    for records in _serialized(use_cases):
        # As DRF's JSONRenderer writes the list: the same values, compact.
        lines = (json.dumps(r, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")) for r in records)
        yield "".join(line + "\n" for line in lines).encode()


class UseCasesJsonLines(_RegisterExport):
    renderer_classes = [JSONLinesRenderer]

    @extend_schema(
        operation_id="export_use_cases_jsonl",
        summary="The register as JSON Lines, streamed.",
        description=FILTERED + " One JSON object a line, exactly the list's items.",
        filters=True,
        parameters=[AS_OF],
        responses=OpenApiResponse(OpenApiTypes.STR, description="One use-case (as in the list) a line."),
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        use_cases, instant = self.use_cases()
        response = StreamingHttpResponse(
            _jsonl_stream(use_cases), content_type="application/x-ndjson; charset=utf-8"
        )
        return _attachment(response, _filename("use-cases", instant, "jsonl"))


# --- Excel ------------------------------------------------------------------------------------------


def _xlsx_value(sheet: WriteOnlyWorksheet, value: Any, field: serializers.Field) -> Any:  # type: ignore[type-arg]
    """Dates and times as Excel dates (times in the organisation's zone, as the API writes
    them: Excel has no zones), booleans and numbers as such, everything else as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(field, serializers.DateTimeField):
        return dt.datetime.fromisoformat(value).replace(tzinfo=None)
    if isinstance(field, serializers.DateField):
        return dt.date.fromisoformat(value)
    # Always a text cell: openpyxl would store "=..." as a formula. Control characters cannot be
    # stored in a worksheet at all.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", evidence.as_text(value)))
    cell.data_type = "s"
    return cell


def _header_cell(sheet: WriteOnlyWorksheet, name: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=name)
    cell.font = Font(bold=True)
    return cell


def _workbook(use_cases: Iterable[UseCase]) -> SpooledTemporaryFile[bytes]:
    """openpyxl's write-only mode keeps the rows in a temporary file, not in memory."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="use-cases")
    columns = register_columns()
    sheet.append([_header_cell(sheet, name) for name in evidence.header([c.path for c in columns])])
    for records in _serialized(use_cases):
        for record in records:
            sheet.append([_xlsx_value(sheet, evidence.pick(record, c.path), c.field) for c in columns])
    # Closed (and removed) by the FileResponse once sent.
    out: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out


class UseCasesXlsx(_RegisterExport):
    renderer_classes = [XLSXRenderer]

    @extend_schema(
        operation_id="export_use_cases_xlsx",
        summary="The register as an Excel workbook.",
        description=FILTERED + " One sheet, a header row, dates as dates.",
        filters=True,
        parameters=[AS_OF],
        responses=OpenApiResponse(OpenApiTypes.BINARY, description="An .xlsx workbook."),
    )
    def get(self, request: Request) -> FileResponse:
        use_cases, instant = self.use_cases()
        filename = _filename("use-cases", instant, "xlsx")
        return FileResponse(_workbook(use_cases), as_attachment=True, filename=filename, content_type=XLSX)


# --- evidence packs ---------------------------------------------------------------------------------


def _details(user: User | AnonymousUser, ids: Sequence[int], instant: dt.datetime | None) -> list[UseCase]:
    """These use-cases (those `user` may see) with everything their detail shows, as the
    detail reads them: now, or as they stood at `instant`. In the order of `ids`."""
    use_cases = selectors.use_cases_in_full(selectors.use_cases_listed(user, timezone.localdate()))
    use_cases = use_cases.filter(pk__in=ids)
    found = list(use_cases) if instant is None else as_of.use_cases_as_of(use_cases, instant, detail=True)
    by_pk = {use_case.pk: use_case for use_case in found}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _table(
    name: str, serializer: type[serializers.ModelSerializer[Any]], records: Sequence[Any]
) -> evidence.Table:
    data = serializer(records, many=True).data
    return evidence.Table(name, [c.path for c in columns_of(serializer())], data)  # type: ignore[arg-type]


def _folder(use_case: UseCase, held: evidence.Holdings) -> evidence.Folder:
    """A use-case's folder: its detail and, per kind of record, what the API shows of each."""
    tables = [
        _table("assessments", RiskAssessmentSerializer, held.assessments),
        _table("decisions", DecisionSerializer, held.decisions),
        # As the detail holds them (at the instant, with `as_of`): duties with their evidence.
        _table("obligations", ObligationSerializer, use_case.obligation_list),  # type: ignore[attr-defined]
        _table("reviews", ReviewSerializer, held.reviews),
        _table("incidents", IncidentSerializer, held.incidents),
        _table("audit-events", AuditEventSerializer, held.audit_events),
    ]
    detail = UseCaseDetailSerializer(use_case).data
    return evidence.Folder(use_case.pk, use_case.reference, detail, tables)


def _detail_chunks(
    user: User | AnonymousUser, ids: Sequence[int], instant: dt.datetime | None
) -> Iterator[list[UseCase]]:
    for chunk in _chunks(ids, PACK_CHUNK):
        yield _details(user, chunk, instant)


def _pack(
    request: Request, chunks: Iterable[list[UseCase]], instant: dt.datetime | None
) -> SpooledTemporaryFile[bytes]:
    """The pack, built in a temporary file a chunk of use-cases (with their details) at a time."""
    now = timezone.now()
    at = instant or now  # without `as_of`, the pack shows what held when it was made
    out: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115
    pack = evidence.EvidencePack(out, generated_at=now)
    for use_cases in chunks:
        held = evidence.holdings_at([use_case.pk for use_case in use_cases], at)
        for use_case in use_cases:
            pack.add(_folder(use_case, held[use_case.pk]))
    pack.finish(_about(request, generated_at=now, at=at))
    out.seek(0)
    return out


def _about(request: Request, *, generated_at: dt.datetime, at: dt.datetime) -> dict[str, Any]:
    """The manifest's account of the pack: when, by whom, as of when, for which filters."""
    user = request.user
    return {
        "what": "koers.evidence_pack",
        "generated_at": timezone.localtime(generated_at).isoformat(),
        "generated_by": {"id": user.pk, "username": user.get_username()},
        "as_of": timezone.localtime(at).isoformat(),
        "filters": {name: values for name, values in request.query_params.lists() if name != "as_of"},
    }


def _zip_response(out: SpooledTemporaryFile[bytes], filename: str) -> FileResponse:
    return FileResponse(out, as_attachment=True, filename=filename, content_type=ZipRenderer.media_type)


PACK = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="A ZIP: per use-case a folder (named by its reference, or use-case-<id> for a draft) "
    "with use-case.json (its detail) and, for assessments, decisions with their actions, "
    "obligations with their evidence, reviews, incidents and audit events, a .json and a .csv "
    "file of what existed at the instant; at the root manifest.json (when, by whom, as of when, "
    "the filters, and every file's SHA-256 and size) and SHA256SUMS (`sha256sum -c SHA256SUMS`).",
)


class UseCaseEvidencePack(_FileView):
    renderer_classes = [ZipRenderer]
    queryset = UseCase.objects.none()  # for the schema: the path's id is a use-case's

    def allowed_query_params(self) -> frozenset[str]:
        return frozenset({"as_of"})

    @extend_schema(
        operation_id="use_cases_evidence_pack",
        summary="One use-case's evidence pack, now or as of an instant.",
        parameters=[AS_OF],
        responses=PACK,
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        instant = as_of_param(request)
        if not selectors.use_cases_visible_to(request.user).filter(pk=pk).exists():
            raise NotFound  # to this person, it does not exist
        found = _details(request.user, [pk], instant)
        if not found:  # it was not there yet at the instant
            raise NotFound
        name = evidence.Folder(pk, found[0].reference, {}, []).name
        return _zip_response(_pack(request, [found], instant), _filename(f"evidence-{name}", instant, "zip"))


class EvidencePackExport(_RegisterExport):
    renderer_classes = [ZipRenderer]

    @extend_schema(
        operation_id="export_evidence_pack",
        summary="The evidence pack of a filtered set of use-cases, now or as of an instant.",
        description=f"The list's filters and visibility; at most {PACK_LIMIT} use-cases (more is a 400).",
        filters=True,
        parameters=[AS_OF],
        responses=PACK,
    )
    def get(self, request: Request) -> FileResponse:
        use_cases, instant = self.use_cases()
        ids = [use_case.pk for use_case in islice(use_cases, PACK_LIMIT + 1)]
        if len(ids) > PACK_LIMIT:
            raise ValidationError(
                _("More than %(limit)d use-cases for one pack: narrow the set down with the filters.")
                % {"limit": PACK_LIMIT},
                code="too_many",
            )
        chunks = _detail_chunks(request.user, ids, instant)
        return _zip_response(_pack(request, chunks, instant), _filename("evidence-pack", instant, "zip"))
