"""The URL permission matrix: every pattern the project serves, by persona and method, with
the status each must get. A new URL without rows here fails `test_it_covers_every_pattern`, so no
view can ship without someone deciding who may reach it. Later issues add their rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.utils import timezone

from register import outbox, services
from register.choices import ReviewOutcome, Role
from register.models import AuditEvent, Delivery, UseCase, User
from tests import factories
from tests.conftest import PERSONAS
from tests.factories import UserFactory
from tests.inline_code import inline_code
from tests.urlwalk import served_patterns

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@dataclass(frozen=True)
class World:
    """Objects the parametrised URLs point at."""

    target: User
    event: AuditEvent
    user_type: int
    use_case: UseCase
    delivery: Delivery
    # One stored record per admin model (model name -> pk), for the generated admin rows.
    records: dict[str, int]
    calendar_token: str  # the target's secret calendar-feed token


Url = str | Callable[[World], str]


def _expect(
    anonymous: int,
    outsider: int,
    member: int,
    committee: int,
    auditor: int,
    superuser: int,
    member_b: int | None = None,
) -> dict[str, int]:
    """Statuses per persona; `member` is both members unless `member_b` says otherwise (the
    world's use-case belongs to unit A)."""
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member_a": member,
        "member_b": member if member_b is None else member_b,
        "committee": committee,
        "auditor": auditor,
        "superuser": superuser,
    }


PUBLIC = _expect(200, 200, 200, 200, 200, 200)
SIGNED_IN = _expect(302, 200, 200, 200, 200, 200)  # anonymous goes to the login page
ADMIN_VIEW = _expect(302, 302, 302, 200, 200, 200)  # non-staff go to the admin login
ADMIN_SUPERUSER_ONLY = _expect(302, 302, 302, 403, 403, 200)
ADMIN_NOBODY = _expect(302, 302, 302, 403, 403, 403)  # read-only models: no add, change, delete
ADMIN_REDIRECT = _expect(302, 302, 302, 302, 302, 302)
# Only members of the use-case's unit may edit; the committee and auditors see it, and are sent to
# its page (the committee works in the admin).
MEMBER_A_EDITS = _expect(302, 404, 200, 302, 302, 302, member_b=404)
API_READ = _expect(401, 403, 403, 200, 200, 200)
API_SIGNED_IN = _expect(401, 200, 200, 200, 200, 200)
# Read-only API: whoever is signed in learns the method is not offered (DRF's 405 wins).
API_WRITE = _expect(401, 405, 405, 405, 405, 405)

ADMIN_COMMITTEE_WRITES = _expect(302, 302, 302, 200, 403, 200)  # the committee saves through services
ADMIN_COMMITTEE_ONLY = ADMIN_COMMITTEE_WRITES  # the access log and API tokens: not the auditors'
# A record of (or belonging to) the world's use-case, in unit A: unit B and people without a unit
# do not learn it exists.
API_UNIT_A = _expect(401, 404, 200, 200, 200, 200, member_b=404)


def _api_rows(
    prefix: str,
    record: Callable[[World], int],
    *,
    one: dict[str, int] = API_UNIT_A,
    every: dict[str, int] = API_SIGNED_IN,
) -> dict[tuple[str, str], tuple[Url, dict[str, int]]]:
    """A read-only API resource: its list and one record, read and (refused) written."""
    detail = f"/api/v1/^{prefix}/(?P<pk>[^/.]+)/$"
    return {
        (f"/api/v1/^{prefix}/$", "GET"): (f"/api/v1/{prefix}/", every),
        (f"/api/v1/^{prefix}/$", "POST"): (f"/api/v1/{prefix}/", API_WRITE),
        (detail, "GET"): (lambda w: f"/api/v1/{prefix}/{record(w)}/", one),
        (detail, "PUT"): (lambda w: f"/api/v1/{prefix}/{record(w)}/", API_WRITE),
        (detail, "DELETE"): (lambda w: f"/api/v1/{prefix}/{record(w)}/", API_WRITE),
    }


def _admin_rows(
    model: str,
    *,
    add: dict[str, int] = ADMIN_NOBODY,
    delete: dict[str, int] = ADMIN_NOBODY,
    view: dict[str, int] = ADMIN_VIEW,
    app: str = "register",
) -> dict[tuple[str, str], tuple[Url, dict[str, int]]]:
    """The six URLs Django's admin serves for one model, for a record the world holds."""
    base = f"/admin/{app}/{model}/"

    def at(suffix: str) -> Url:
        return lambda w: f"{base}{w.records[model]}/{suffix}"

    return {
        (base, "GET"): (base, view),
        (f"{base}add/", "GET"): (f"{base}add/", add),
        (f"{base}<path:object_id>/history/", "GET"): (at("history/"), ADMIN_REDIRECT),
        (f"{base}<path:object_id>/delete/", "GET"): (at("delete/"), delete),
        (f"{base}<path:object_id>/change/", "GET"): (at("change/"), view),
        (f"{base}<path:object_id>/", "GET"): (at(""), ADMIN_REDIRECT),
    }


def _token_page(page: str) -> Url:
    return lambda w: f"/admin/authtoken/tokenproxy/{w.records['tokenproxy']}/{page}/"


def _meeting_page(page: str) -> Url:
    return lambda w: f"/admin/register/meeting/{w.records['meeting']}/{page}"


# (pattern, method) -> (url, expected status per persona)
MATRIX: dict[tuple[str, str], tuple[Url, dict[str, int]]] = {
    **_admin_rows("decision"),
    **_admin_rows("action"),
    **_admin_rows("review"),
    **_admin_rows("incident", add=ADMIN_COMMITTEE_WRITES),  # the committee records incidents too
    ("/admin/register/incident/add/", "POST"): ("/admin/register/incident/add/", ADMIN_COMMITTEE_WRITES),
    **_admin_rows("obligationitem"),
    **_admin_rows("riskassessment"),
    **_admin_rows("legalentity"),
    **_admin_rows("businessunit"),
    **_admin_rows("membership"),
    **_admin_rows("sweeprun"),
    **_admin_rows("vendor", add=ADMIN_COMMITTEE_WRITES, delete=ADMIN_SUPERUSER_ONLY),
    **_admin_rows("meeting", add=ADMIN_COMMITTEE_WRITES, delete=ADMIN_SUPERUSER_ONLY),
    **{
        (f"/admin/register/meeting/<path:object_id>/{page}", method): (
            _meeting_page(page),
            ADMIN_VIEW if method == "GET" else _expect(302, 302, 302, 405, 405, 405),
        )
        for page in ("agenda/", "agenda.csv", "minutes/")
        for method in ("GET", "POST")
    },
    # Who called the API with a token: the committee's to see, written by the API only.
    **_admin_rows("apiaccess", view=ADMIN_COMMITTEE_ONLY),
    # The public page's records: published through the use-case's page, questions answered there.
    **_admin_rows("publication"),
    **_admin_rows("explanationrequest", delete=ADMIN_SUPERUSER_ONLY),
    # One pledge: once it exists, it is changed, not added again.
    **_admin_rows("transparencypledge", delete=ADMIN_SUPERUSER_ONLY),
    # API tokens: the committee and superusers create, rotate and revoke them (each audited); the
    # key is never shown again. Delete is refused to all in favour of revoke. The record's id is
    # the token holder's user id.
    **_admin_rows("tokenproxy", app="authtoken", view=ADMIN_COMMITTEE_ONLY, add=ADMIN_COMMITTEE_ONLY),
    ("/admin/authtoken/tokenproxy/add/", "POST"): ("/admin/authtoken/tokenproxy/add/", ADMIN_COMMITTEE_ONLY),
    **{
        (f"/admin/authtoken/tokenproxy/<path:object_id>/{page}/", method): (
            _token_page(page),
            _expect(302, 302, 302, 302, 403, 302)
            if (page, method) == ("revoke", "POST")
            else ADMIN_COMMITTEE_ONLY,
        )
        for page in ("rotate", "revoke")
        for method in ("GET", "POST")
    },
    ("/admin/^(?P<app_label>register|authtoken)/$", "GET"): ("/admin/register/", ADMIN_VIEW),
    # The import: the committee (add_usecase) and superusers; an empty POST shows the form again.
    ("/admin/register/usecase/import/", "GET"): ("/admin/register/usecase/import/", ADMIN_COMMITTEE_WRITES),
    ("/admin/register/usecase/import/", "POST"): ("/admin/register/usecase/import/", ADMIN_COMMITTEE_WRITES),
    ("/admin/register/usecase/queue/", "GET"): ("/admin/register/usecase/queue/", ADMIN_VIEW),
    # Decisions are posted with a `decision` field (tests/register/test_admin_use_cases.py); a
    # bare POST is Django's own change form, which is read-only for everyone.
    # Marking an incident's clock done (the committee, through the service; an empty POST is
    # refused with a message and sent back to the page).
    ("/admin/register/incident/<path:object_id>/change/", "POST"): (
        lambda w: f"/admin/register/incident/{w.records['incident']}/change/",
        _expect(302, 302, 302, 302, 403, 302),
    ),
    ("/admin/register/usecase/<path:object_id>/change/", "POST"): (
        lambda w: f"/admin/register/usecase/{w.use_case.pk}/change/",
        _expect(302, 302, 302, 403, 403, 403),
    ),
    # Members land on their use-cases (a redirect); staff on the start page.
    ("/", "GET"): ("/", _expect(302, 302, 302, 200, 200, 200)),
    ("/use-cases/", "GET"): ("/use-cases/", SIGNED_IN),
    ("/use-cases/new/", "GET"): ("/use-cases/new/", SIGNED_IN),
    ("/use-cases/new/", "POST"): (
        "/use-cases/new/",
        _expect(302, 200, 200, 200, 200, 200),
    ),  # invalid: shown again
    # The world's use-case is in unit A: outsiders, unit B and anonymous cannot see it (404 / login).
    ("/use-cases/<int:pk>/", "GET"): (
        lambda w: f"/use-cases/{w.use_case.pk}/",
        _expect(302, 404, 200, 200, 200, 200, member_b=404),
    ),
    ("/use-cases/<int:pk>/what/", "GET"): (lambda w: f"/use-cases/{w.use_case.pk}/what/", MEMBER_A_EDITS),
    ("/use-cases/<int:pk>/questions/", "GET"): (
        lambda w: f"/use-cases/{w.use_case.pk}/questions/",
        MEMBER_A_EDITS,
    ),
    ("/use-cases/<int:pk>/questions/preview/", "GET"): (
        lambda w: f"/use-cases/{w.use_case.pk}/questions/preview/",
        _expect(405, 405, 405, 405, 405, 405),
    ),
    ("/use-cases/<int:pk>/questions/preview/", "POST"): (
        lambda w: f"/use-cases/{w.use_case.pk}/questions/preview/",
        MEMBER_A_EDITS,
    ),
    ("/use-cases/<int:pk>/control/", "GET"): (
        lambda w: f"/use-cases/{w.use_case.pk}/control/",
        MEMBER_A_EDITS,
    ),
    ("/use-cases/<int:pk>/check/", "GET"): (lambda w: f"/use-cases/{w.use_case.pk}/check/", MEMBER_A_EDITS),
    ("/use-cases/<int:pk>/duties/<int:item_pk>/done/", "GET"): (
        lambda w: f"/use-cases/{w.use_case.pk}/duties/999999999/done/",
        _expect(405, 405, 405, 405, 405, 405),
    ),
    ("/use-cases/<int:pk>/duties/<int:item_pk>/done/", "POST"): (
        lambda w: f"/use-cases/{w.use_case.pk}/duties/999999999/done/",
        _expect(302, 404, 404, 404, 404, 404),  # no such duty on it: 404 even where the use-case is visible
    ),
    # The public transparency page, its feed, a published use-case's page and the question form:
    # anonymous (PRODUCT.md); an empty question is shown again with its errors.
    ("/transparency/", "GET"): ("/transparency/", PUBLIC),
    ("/transparency/", "POST"): ("/transparency/", _expect(405, 405, 405, 405, 405, 405)),
    ("/transparency/feed.json", "GET"): ("/transparency/feed.json", PUBLIC),
    ("/transparency/feed.json", "POST"): ("/transparency/feed.json", _expect(405, 405, 405, 405, 405, 405)),
    ("/transparency/<str:reference>/", "GET"): (lambda w: f"/transparency/{w.use_case.reference}/", PUBLIC),
    ("/transparency/<str:reference>/", "POST"): (
        lambda w: f"/transparency/{w.use_case.reference}/",
        _expect(405, 405, 405, 405, 405, 405),
    ),
    ("/transparency/<str:reference>/ask/", "GET"): (
        lambda w: f"/transparency/{w.use_case.reference}/ask/",
        PUBLIC,
    ),
    ("/transparency/<str:reference>/ask/", "POST"): (
        lambda w: f"/transparency/{w.use_case.reference}/ask/",
        PUBLIC,
    ),
    ("/transparency/<str:reference>/ask/sent/", "GET"): (
        lambda w: f"/transparency/{w.use_case.reference}/ask/sent/",
        PUBLIC,
    ),
    # The answer-by date of a question: the use-case's unit and the committee (auditors read only).
    ("/use-cases/<int:pk>/requests/<int:request_pk>/deadline/", "GET"): (
        lambda w: f"/use-cases/{w.use_case.pk}/requests/{w.records['explanationrequest']}/deadline/",
        _expect(405, 405, 405, 405, 405, 405),
    ),
    ("/use-cases/<int:pk>/requests/<int:request_pk>/deadline/", "POST"): (
        lambda w: f"/use-cases/{w.use_case.pk}/requests/{w.records['explanationrequest']}/deadline/",
        _expect(302, 404, 302, 302, 403, 302, member_b=404),
    ),
    # Reporting an incident: members of the use-case's unit only (others do not learn it exists);
    # an empty POST shows the form again with its errors.
    ("/use-cases/<int:pk>/incidents/new/", "GET"): (
        lambda w: f"/use-cases/{w.use_case.pk}/incidents/new/",
        _expect(302, 404, 200, 404, 404, 404, member_b=404),
    ),
    ("/use-cases/<int:pk>/incidents/new/", "POST"): (
        lambda w: f"/use-cases/{w.use_case.pk}/incidents/new/",
        _expect(302, 404, 200, 404, 404, 404, member_b=404),
    ),
    # The calendar: its page (and making a new address) for anyone signed in; the feed for whoever
    # holds the secret address, signed in or not (calendar apps have no session).
    # Each person's own settings (a valid POST saves and goes back to the page).
    ("/settings/", "GET"): ("/settings/", SIGNED_IN),
    ("/settings/", "POST"): ("/settings/", _expect(302, 302, 302, 302, 302, 302)),
    ("/calendar/", "GET"): ("/calendar/", SIGNED_IN),
    ("/calendar/", "POST"): ("/calendar/", _expect(302, 200, 200, 200, 200, 200)),
    ("/calendar/<str:token>.ics", "GET"): (lambda w: f"/calendar/{w.calendar_token}.ics", PUBLIC),
    ("/calendar/<str:token>.ics", "POST"): (
        lambda w: f"/calendar/{w.calendar_token}.ics",
        _expect(405, 405, 405, 405, 405, 405),
    ),
    ("/healthz", "GET"): ("/healthz", PUBLIC),
    ("/readyz", "GET"): ("/readyz", PUBLIC),
    ("/accounts/login/", "GET"): ("/accounts/login/", PUBLIC),
    ("/accounts/logout/", "GET"): ("/accounts/logout/", _expect(405, 405, 405, 405, 405, 405)),
    ("/accounts/logout/", "POST"): ("/accounts/logout/", _expect(302, 302, 302, 302, 302, 302)),
    ("/accounts/password_change/", "GET"): ("/accounts/password_change/", SIGNED_IN),
    ("/accounts/password_change/done/", "GET"): ("/accounts/password_change/done/", SIGNED_IN),
    ("/accounts/password_reset/", "GET"): ("/accounts/password_reset/", PUBLIC),
    ("/accounts/password_reset/done/", "GET"): ("/accounts/password_reset/done/", PUBLIC),
    ("/accounts/reset/<uidb64>/<token>/", "GET"): ("/accounts/reset/MQ/bad-token/", PUBLIC),
    ("/accounts/reset/done/", "GET"): ("/accounts/reset/done/", PUBLIC),
    # Django's language switch answers with a redirect back to the page (or "/").
    ("/i18n/setlang/", "GET"): ("/i18n/setlang/", _expect(302, 302, 302, 302, 302, 302)),
    ("/i18n/setlang/", "POST"): ("/i18n/setlang/", _expect(302, 302, 302, 302, 302, 302)),
    ("/admin/", "GET"): ("/admin/", ADMIN_VIEW),
    ("/admin/login/", "GET"): ("/admin/login/", _expect(200, 200, 200, 302, 302, 302)),
    ("/admin/logout/", "GET"): ("/admin/logout/", _expect(302, 302, 302, 405, 405, 405)),
    ("/admin/password_change/", "GET"): ("/admin/password_change/", ADMIN_VIEW),
    ("/admin/password_change/done/", "GET"): ("/admin/password_change/done/", ADMIN_VIEW),
    # Without its query parameters the autocomplete refuses everyone who reaches it.
    ("/admin/autocomplete/", "GET"): ("/admin/autocomplete/", _expect(302, 302, 302, 403, 403, 403)),
    ("/admin/jsi18n/", "GET"): ("/admin/jsi18n/", ADMIN_VIEW),
    # "View on site": users have no public page.
    ("/admin/r/<path:content_type_id>/<path:object_id>/", "GET"): (
        lambda w: f"/admin/r/{w.user_type}/{w.target.pk}/",
        _expect(302, 302, 302, 404, 404, 404),
    ),
    ("/admin/register/auditevent/", "GET"): ("/admin/register/auditevent/", ADMIN_VIEW),
    ("/admin/register/auditevent/add/", "GET"): ("/admin/register/auditevent/add/", ADMIN_NOBODY),
    ("/admin/register/auditevent/<path:object_id>/history/", "GET"): (
        lambda w: f"/admin/register/auditevent/{w.event.pk}/history/",
        _expect(302, 302, 302, 302, 302, 302),
    ),
    ("/admin/register/auditevent/<path:object_id>/delete/", "GET"): (
        lambda w: f"/admin/register/auditevent/{w.event.pk}/delete/",
        ADMIN_NOBODY,
    ),
    ("/admin/register/auditevent/<path:object_id>/change/", "GET"): (
        lambda w: f"/admin/register/auditevent/{w.event.pk}/change/",
        ADMIN_VIEW,
    ),
    ("/admin/register/auditevent/<path:object_id>/", "GET"): (
        lambda w: f"/admin/register/auditevent/{w.event.pk}/",
        ADMIN_REDIRECT,
    ),
    ("/admin/register/delivery/", "GET"): ("/admin/register/delivery/", ADMIN_VIEW),
    ("/admin/register/delivery/add/", "GET"): ("/admin/register/delivery/add/", ADMIN_NOBODY),
    ("/admin/register/delivery/<path:object_id>/history/", "GET"): (
        lambda w: f"/admin/register/delivery/{w.delivery.pk}/history/",
        ADMIN_REDIRECT,
    ),
    ("/admin/register/delivery/<path:object_id>/delete/", "GET"): (
        lambda w: f"/admin/register/delivery/{w.delivery.pk}/delete/",
        ADMIN_NOBODY,
    ),
    ("/admin/register/delivery/<path:object_id>/change/", "GET"): (
        lambda w: f"/admin/register/delivery/{w.delivery.pk}/change/",
        ADMIN_VIEW,
    ),
    ("/admin/register/delivery/<path:object_id>/", "GET"): (
        lambda w: f"/admin/register/delivery/{w.delivery.pk}/",
        ADMIN_REDIRECT,
    ),
    ("/admin/register/usecase/", "GET"): ("/admin/register/usecase/", ADMIN_VIEW),
    ("/admin/register/usecase/add/", "GET"): ("/admin/register/usecase/add/", ADMIN_NOBODY),
    ("/admin/register/usecase/<path:object_id>/history/", "GET"): (
        lambda w: f"/admin/register/usecase/{w.use_case.pk}/history/",
        ADMIN_REDIRECT,
    ),
    ("/admin/register/usecase/<path:object_id>/delete/", "GET"): (
        lambda w: f"/admin/register/usecase/{w.use_case.pk}/delete/",
        ADMIN_NOBODY,
    ),
    ("/admin/register/usecase/<path:object_id>/change/", "GET"): (
        lambda w: f"/admin/register/usecase/{w.use_case.pk}/change/",
        ADMIN_VIEW,
    ),
    ("/admin/register/usecase/<path:object_id>/", "GET"): (
        lambda w: f"/admin/register/usecase/{w.use_case.pk}/",
        ADMIN_REDIRECT,
    ),
    ("/admin/register/user/", "GET"): ("/admin/register/user/", ADMIN_VIEW),
    ("/admin/register/user/add/", "GET"): ("/admin/register/user/add/", ADMIN_SUPERUSER_ONLY),
    ("/admin/register/user/<id>/password/", "GET"): (
        lambda w: f"/admin/register/user/{w.target.pk}/password/",
        ADMIN_SUPERUSER_ONLY,
    ),
    ("/admin/register/user/<path:object_id>/history/", "GET"): (
        lambda w: f"/admin/register/user/{w.target.pk}/history/",
        ADMIN_REDIRECT,
    ),
    ("/admin/register/user/<path:object_id>/delete/", "GET"): (
        lambda w: f"/admin/register/user/{w.target.pk}/delete/",
        ADMIN_SUPERUSER_ONLY,
    ),
    ("/admin/register/user/<path:object_id>/change/", "GET"): (
        lambda w: f"/admin/register/user/{w.target.pk}/change/",
        ADMIN_VIEW,
    ),
    ("/admin/register/user/<path:object_id>/", "GET"): (
        lambda w: f"/admin/register/user/{w.target.pk}/",
        ADMIN_REDIRECT,
    ),
    ("/admin/(?P<url>.*)$", "GET"): ("/admin/no-such-page/", _expect(302, 302, 302, 404, 404, 404)),
    ("/api/v1/", "GET"): ("/api/v1/", API_SIGNED_IN),
    # The engine is stateless and open to everyone signed in (members use it through the form).
    ("/api/v1/classify/", "POST"): ("/api/v1/classify/", _expect(401, 400, 400, 400, 400, 400)),
    ("/api/v1/classify/", "GET"): ("/api/v1/classify/", API_WRITE),
    ("/api/v1/questionnaire/", "GET"): ("/api/v1/questionnaire/", API_SIGNED_IN),
    **_api_rows("use-cases", lambda w: w.use_case.pk),
    ("/api/v1/^use-cases/(?P<pk>[^/.]+)/history/$", "GET"): (
        lambda w: f"/api/v1/use-cases/{w.use_case.pk}/history/",
        API_UNIT_A,
    ),
    ("/api/v1/^use-cases/(?P<pk>[^/.]+)/history/$", "POST"): (
        lambda w: f"/api/v1/use-cases/{w.use_case.pk}/history/",
        API_WRITE,
    ),
    **_api_rows("assessments", lambda w: w.records["riskassessment"]),
    **_api_rows("decisions", lambda w: w.records["decision"]),
    **_api_rows("actions", lambda w: w.records["action"]),
    **_api_rows("reviews", lambda w: w.records["review"]),
    **_api_rows("obligations", lambda w: w.records["obligationitem"]),
    **_api_rows("incidents", lambda w: w.records["incident"]),
    # Unit B belongs to the same legal entity as unit A: its members see the entity, not the unit.
    **_api_rows(
        "legal-entities", lambda w: w.records["legalentity"], one=_expect(401, 404, 200, 200, 200, 200)
    ),
    **_api_rows("business-units", lambda w: w.records["businessunit"]),
    **_api_rows("vendors", lambda w: w.records["vendor"]),  # the vendor of the world's use-case
    **_api_rows("deliveries", lambda w: w.delivery.pk, one=API_READ, every=API_READ),
    # Exports: what the person may see (someone without a unit gets an empty file).
    **{
        (f"/api/v1/export/{name}", method): (
            f"/api/v1/export/{name}",
            API_SIGNED_IN if method == "GET" else API_WRITE,
        )
        for name in ("use-cases.csv", "use-cases.jsonl", "use-cases.xlsx", "evidence-pack.zip")
        for method in ("GET", "POST")
    },
    # The outside standards' exports: what the person may see (someone without a unit, no records).
    ("/api/v1/export/standards/<str:standard>.json", "GET"): (
        "/api/v1/export/standards/algoritmeregister.json",
        API_SIGNED_IN,
    ),
    ("/api/v1/export/standards/<str:standard>.json", "POST"): (
        "/api/v1/export/standards/algoritmeregister.json",
        API_WRITE,
    ),
    ("/api/v1/use-cases/<int:pk>/evidence-pack.zip", "GET"): (
        lambda w: f"/api/v1/use-cases/{w.use_case.pk}/evidence-pack.zip",
        API_UNIT_A,
    ),
    ("/api/v1/use-cases/<int:pk>/evidence-pack.zip", "POST"): (
        lambda w: f"/api/v1/use-cases/{w.use_case.pk}/evidence-pack.zip",
        API_WRITE,
    ),
    ("/api/v1/stats/", "GET"): ("/api/v1/stats/", API_SIGNED_IN),
    ("/api/v1/stats/", "POST"): ("/api/v1/stats/", API_WRITE),
    ("/api/v1/^audit-events/$", "GET"): ("/api/v1/audit-events/", API_READ),
    ("/api/v1/^audit-events/$", "POST"): ("/api/v1/audit-events/", API_WRITE),
    ("/api/v1/^audit-events/(?P<pk>[^/.]+)/$", "GET"): (
        lambda w: f"/api/v1/audit-events/{w.event.pk}/",
        API_READ,
    ),
    ("/api/v1/^audit-events/(?P<pk>[^/.]+)/$", "DELETE"): (
        lambda w: f"/api/v1/audit-events/{w.event.pk}/",
        API_WRITE,
    ),
    ("/api/schema/", "GET"): ("/api/schema/", API_SIGNED_IN),
    ("/api/docs/", "GET"): ("/api/docs/", SIGNED_IN),  # a page for people: anonymous to the login page
}


def test_it_covers_every_pattern() -> None:
    served = set(served_patterns())
    declared = {pattern for pattern, _method in MATRIX}
    assert sorted(served - declared) == [], "URL patterns without rows in the permission matrix"
    assert sorted(declared - served) == [], "rows for URL patterns the project no longer serves"
    without_get = sorted(p for p in served if (p, "GET") not in MATRIX)
    assert without_get == [], "every pattern needs at least its GET row"


@pytest.fixture
def world(db: None, settings: Any) -> World:
    # Every persona posts the public question form from 127.0.0.1: no limit in the way here
    # (tests/register/test_transparency.py holds the limit).
    settings.KOERS_TRANSPARENCY_ASKS_PER_HOUR = 10**6
    target = UserFactory.create(username="target", email="target@example.org")
    vendor = services.vendor_create(acting_user=None, name="ChatDesk")
    use_case = factories.use_case(
        owner=target, unit=factories.business_unit("Unit A"), lifecycle_stage="production", vendor=vendor
    )
    with transaction.atomic():
        delivery = outbox.enqueue(
            subject=use_case,
            use_case=use_case,
            due_date=dt.date(2026, 11, 27),
            stage="submitted",
            recipient=target.email,
            template="use_case_submitted",
            context={},
        )
    assert delivery is not None
    services.role_grant(acting_user=None, user=target, role=Role.MEMBER)
    records = _records(use_case, target)
    use_case.refresh_from_db()  # submitted on the way: it has its reference now
    return World(
        target=target,
        event=AuditEvent.objects.filter(subject_type="register.user", subject_id=str(target.pk)).earliest(
            "id"
        ),
        user_type=ContentType.objects.get_for_model(User).pk,
        use_case=use_case,
        delivery=delivery,
        records=records,
        calendar_token=services.calendar_token_rotate(acting_user=None, user=target),
    )


def _records(use_case: UseCase, person: User) -> dict[str, int]:
    """One record of each kind the admin lists, made the way Koers makes them."""
    from register.choices import DecisionKind
    from register.models import ApiAccess, Incident, Membership, SweepRun
    from register.services.use_cases import ActionSpec

    chair = factories.committee_member("matrix-chair")
    services.use_case_classify(
        acting_user=person, use_case=use_case, answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True}
    )
    services.use_case_submit(acting_user=person, use_case=use_case)
    decision = services.decision_record(
        acting_user=chair,
        use_case=use_case,
        kind=DecisionKind.APPROVE,
        actions=[ActionSpec(description="Check the notice", owner=person, due_date=dt.date(2027, 1, 1))],
    )
    review = services.review_record(
        acting_user=chair, use_case=use_case, due_date=dt.date(2026, 11, 1), outcome=ReviewOutcome.CONTINUE
    )
    now = timezone.now()
    incident = Incident.objects.create(
        use_case=use_case, what_happened="Wrong answer", happened_at=now, aware_at=now
    )
    return {
        "decision": decision.pk,
        "action": decision.actions.get().pk,
        "review": review.pk,
        "incident": incident.pk,
        "obligationitem": use_case.obligations.first().pk,  # type: ignore[union-attr]
        "riskassessment": use_case.assessments.first().pk,  # type: ignore[union-attr]
        "legalentity": use_case.business_unit.legal_entity_id,
        "businessunit": use_case.business_unit_id,
        "membership": Membership.objects.create(user=person, business_unit=use_case.business_unit).pk,
        "sweeprun": SweepRun.objects.create().pk,
        "vendor": use_case.vendor_id,  # type: ignore[dict-item]  # the world's use-case has one
        "tokenproxy": _with_token(chair, person),
        **_transparency(chair, use_case),
        "apiaccess": ApiAccess.objects.create(
            user=person,
            method="GET",
            path="/api/v1/",
            status_code=200,
            duration_ms=3,
            authenticated_by="token",
        ).pk,
        "meeting": services.meeting_record(
            acting_user=chair, held_on=dt.date(2026, 12, 3), title="December"
        ).pk,
    }


def _transparency(chair: User, use_case: UseCase) -> dict[str, int]:
    """The world's use-case on the public page, the pledge above it, and a question about it."""
    publication = services.use_case_publish(
        acting_user=chair,
        use_case=use_case,
        published=True,
        summary="Answers questions about orders",
        where_met="The webshop's chat",
        contact="ai@example.org",
        how_to_reach="Ask for a person in the chat",
    )
    pledge = services.pledge_update(
        acting_user=chair, text_nl="Wij zeggen waar AI werkt.", text_en="We say where AI works."
    )
    request = services.explanation_request_create(
        acting_user=None,
        use_case=use_case,
        kind="explanation",
        question="Why this answer?",
        email="q@example.net",
    )
    return {"publication": publication.pk, "transparencypledge": pledge.pk, "explanationrequest": request.pk}


def _with_token(chair: User, person: User) -> int:
    services.api_token_create(acting_user=chair, user=person)
    return person.pk


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("pattern", "method"), sorted(MATRIX))
def test_it_answers_each_persona_as_declared(
    persona: Client, world: World, pattern: str, method: str, request: pytest.FixtureRequest
) -> None:
    url, expected = MATRIX[(pattern, method)]
    path = url(world) if callable(url) else url
    response = persona.generic(method, path)
    persona_name = request.node.callspec.params["persona"]
    assert response.status_code == expected[persona_name], f"{method} {path} as {persona_name}"
    # Every answer carries the Content Security Policy, and no page holds code it would refuse.
    assert _directives(response.headers["Content-Security-Policy"]) == POLICY
    if response.headers.get("Content-Type", "").startswith("text/html"):
        html = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        assert inline_code(html.decode()) == [], f"{method} {path} as {persona_name}"


def test_the_browsable_api_holds_no_inline_code(world: World, committee: Client) -> None:
    """The API answers people in HTML too (Django REST framework's browsable API): every read,
    as HTML, holds nothing the Content Security Policy would refuse."""
    reads = [(pattern, url) for (pattern, method), (url, _expected) in MATRIX.items() if method == "GET"]
    api = [
        (pattern, url(world) if callable(url) else url)
        for pattern, url in reads
        if pattern.startswith("/api/v1/")
    ]
    assert len(api) > 20
    for pattern, path in api:
        response = committee.get(path, HTTP_ACCEPT="text/html")
        if response.headers.get("Content-Type", "").startswith("text/html"):
            assert inline_code(response.content.decode()) == [], pattern


def test_a_form_that_fails_its_csrf_check_gets_a_page_without_inline_code() -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Koers could not check that this form came from its own page, so nothing was saved." in html
    assert inline_code(html) == []
