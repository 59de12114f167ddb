"""The reference for the physical limit: the first page of `/api/v1/use-cases/` built by one
hand-written `json_agg` query, behind the same gunicorn and middleware as Koers.

It returns the same JSON as Koers's list for the same page size (the fields of
`api.serializers.UseCaseSerializer`, timestamps in the organisation's zone as DRF writes them,
and a `next` link in the shape of DRF's cursor), so `bench.run` can check the two agree before
timing them. What it leaves out on purpose: authentication, permissions, throttling, filters and
the cursor of later pages. It answers the first page only, which is what the bench requests."""

from __future__ import annotations

import datetime as dt
import json
from base64 import b64encode
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.utils.urls import replace_query_param

from api.pagination import MAX_PAGE_SIZE
from register.workflow import ACTIVE_STAGES


def _iso(column: str) -> str:
    """SQL for DRF's rendering of an aware datetime: ISO 8601 in the current zone, microseconds
    only when there are any, `Z` for UTC."""
    local = f"({column} AT TIME ZONE %(tz)s)"
    offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
    return (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_part('microseconds', {column})::int %% 1000000 = 0 THEN ''"
        f" ELSE to_char({local}, '.US') END"
        f" || CASE WHEN {offset} = interval '0' THEN 'Z'"
        f" WHEN {offset} > interval '0' THEN '+' || to_char({offset}, 'HH24:MI')"
        f" ELSE '-' || to_char(-{offset}, 'HH24:MI') END"
    )


PAGE_SQL = f"""
WITH page AS (
    SELECT u.*, row_number() OVER (ORDER BY u.created_at, u.id) AS rn
    FROM register_usecase u
    ORDER BY u.created_at, u.id
    LIMIT %(limit)s
)
SELECT
    coalesce(json_agg(json_build_object(
        'id', u.id,
        'reference', u.reference,
        'name', u.name,
        'legal_entity', json_build_object('id', le.id, 'name', le.name),
        'business_unit', json_build_object('id', bu.id, 'name', bu.name),
        'owner', json_build_object(
            'id', o.id,
            'username', o.username,
            'name', coalesce(nullif(trim(o.first_name || ' ' || o.last_name), ''), o.username)
        ),
        'vendor', CASE WHEN v.id IS NULL THEN NULL
                  ELSE json_build_object('id', v.id, 'name', v.name, 'product', v.product) END,
        'sector', u.sector,
        'lifecycle_stage', u.lifecycle_stage,
        'status', u.status,
        'classification_status', u.classification_status,
        'risk_tier', nullif(u.risk_tier, ''),
        'policy_tier', nullif(u.policy_tier, ''),
        'override_may_be_stale', u.override_may_be_stale,
        'needs_legal_review', a.id IS NOT NULL AND NOT a.complete,
        'legal_basis', coalesce(a.result -> 'legal_basis', '[]'::jsonb),
        'fria_required', u.fria_required,
        'human_oversight', nullif(u.human_oversight, ''),
        'customer_facing', u.customer_facing,
        'personal_data', u.personal_data,
        'special_categories', u.special_categories,
        'next_review_due', s.next_due,
        'review_overdue', coalesce(u.lifecycle_stage = ANY(%(active)s) AND s.next_due < %(today)s, false),
        'created_at', {_iso("u.created_at")},
        'updated_at', {_iso("u.updated_at")}
    ) ORDER BY u.rn) FILTER (WHERE u.rn <= %(page_size)s), '[]'::json)::text,
    array_agg(u.created_at ORDER BY u.rn)
FROM page u
JOIN register_businessunit bu ON bu.id = u.business_unit_id
JOIN register_legalentity le ON le.id = bu.legal_entity_id
JOIN register_user o ON o.id = u.owner_id
LEFT JOIN register_vendor v ON v.id = u.vendor_id
LEFT JOIN register_riskassessment a ON a.id = u.current_assessment_id
LEFT JOIN register_reviewschedule s ON s.use_case_id = u.id
"""  # noqa: S608 (constant fragments; every value is a parameter)


def _next_link(request: HttpRequest, created: list[dt.datetime], page_size: int) -> str | None:
    """DRF's CursorPagination.get_next_link for a first page ordered by created_at."""
    if len(created) <= page_size:
        return None
    compare = str(created[page_size])  # the first row of the next page
    offset = 0
    position = compare
    for at in reversed(created[:page_size]):
        position = str(at)
        if position != compare:
            break
        offset += 1
    tokens = {"o": str(offset)} if offset else {}
    tokens["p"] = position
    encoded = b64encode(urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
    return replace_query_param(request.build_absolute_uri(), "cursor", encoded)


def use_cases_reference(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("page_size", "100")
    page_size = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE_SIZE else 100
    params: dict[str, Any] = {
        "tz": settings.TIME_ZONE,
        "limit": page_size + 1,
        "page_size": page_size,
        "active": sorted(str(stage) for stage in ACTIVE_STAGES),
        "today": timezone.localdate(),
    }
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, params)
        row = cursor.fetchone()
    results, created = row if row else ("[]", [])
    # The page leaves PostgreSQL as JSON text and goes out as it is: no parsing, no re-encoding.
    link = json.dumps(_next_link(request, list(created or []), page_size))
    body = f'{{"next":{link},"previous":null,"results":{results}}}'
    return HttpResponse(body, content_type="application/json")
