"""The API docs (Swagger UI) work under the Content Security Policy: their script and styles come
from files, nothing inline (the conftest fails the test on anything the browser refuses)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from register import services
from register.choices import Role
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_show_the_api_under_the_content_security_policy(page: Page, live_server: Any) -> None:
    auditor = UserFactory.create(username="inez")
    services.role_grant(acting_user=None, user=auditor, role=Role.AUDITOR)
    log_in(page, live_server.url, "inez")
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Rendered by Swagger UI's script from the schema: the script ran, and read the schema.
    expect(page.get_by_text("/api/v1/use-cases/", exact=True).first).to_be_visible()
