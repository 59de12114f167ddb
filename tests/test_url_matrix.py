"""The URL permission matrix: every pattern the project serves, by persona and method, with
the status each must get. A new URL without rows here fails `test_it_covers_every_pattern`, so no
view can ship without someone deciding who may reach it. Later issues add their rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client

from register import outbox, services
from register.choices import Role
from register.models import AuditEvent, Delivery, UseCase, User
from tests import factories
from tests.conftest import PERSONAS
from tests.factories import UserFactory
from tests.urlwalk import served_patterns


@dataclass(frozen=True)
class World:
    """Objects the parametrised URLs point at."""

    target: User
    event: AuditEvent
    user_type: int
    use_case: UseCase
    delivery: Delivery


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

# (pattern, method) -> (url, expected status per persona)
MATRIX: dict[tuple[str, str], tuple[Url, dict[str, int]]] = {
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
        lambda w: f"/use-cases/{w.use_case.pk}/duties/1/done/",
        _expect(405, 405, 405, 405, 405, 405),
    ),
    ("/use-cases/<int:pk>/duties/<int:item_pk>/done/", "POST"): (
        lambda w: f"/use-cases/{w.use_case.pk}/duties/1/done/",
        _expect(302, 404, 404, 404, 404, 404),  # no such duty on it: 404 even where the use-case is visible
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
    ("/admin/^(?P<app_label>register)/$", "GET"): ("/admin/register/", ADMIN_VIEW),
    ("/admin/(?P<url>.*)$", "GET"): ("/admin/no-such-page/", _expect(302, 302, 302, 404, 404, 404)),
    ("/api/v1/", "GET"): ("/api/v1/", API_SIGNED_IN),
    # The engine is stateless and open to everyone signed in (members use it through the form).
    ("/api/v1/classify/", "POST"): ("/api/v1/classify/", _expect(401, 400, 400, 400, 400, 400)),
    ("/api/v1/classify/", "GET"): ("/api/v1/classify/", API_WRITE),
    ("/api/v1/questionnaire/", "GET"): ("/api/v1/questionnaire/", API_SIGNED_IN),
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
def world(db: None) -> World:
    target = UserFactory.create(username="target", email="target@example.org")
    use_case = factories.use_case(owner=target, unit=factories.business_unit("Unit A"))
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
    return World(
        target=target,
        event=AuditEvent.objects.get(subject_type="register.user", subject_id=str(target.pk)),
        user_type=ContentType.objects.get_for_model(User).pk,
        use_case=use_case,
        delivery=delivery,
    )


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
