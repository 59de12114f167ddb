"""Bad input at every form (issue 11): hypothesis throws random text, huge strings, control
characters, wrong types and HTML or script at each form a persona can open, found by walking the
URL matrix's pages. Never a 500 (the test client raises on one), and what is stored never comes
back as markup: the pages shown after it carry the payload escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.models import ExplanationRequest, Incident, Meeting, UseCase, Vendor
from tests.test_url_matrix import MATRIX, World, _records  # noqa: F401  (the matrix's world)
from tests.test_url_matrix import world as world  # a fixture, used by name

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('koers')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
MARKUP = (SCRIPT, IMAGE)
# Forms every page carries (the header's): tested once by their own tests, not on every page.
NAVIGATION = ("/accounts/logout/", "/i18n/setlang/")

NASTY = st.one_of(
    st.text(max_size=300),
    st.text(
        st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=20
    ),  # control characters, NUL too
    st.integers(min_value=5_000, max_value=200_000).map(lambda n: "é" * n),  # huge
    st.sampled_from(
        [
            *MARKUP,
            "{{ 7|add:7 }}",
            "' OR 1=1 --",
            "NaN",
            "-1",
            "1e309",
            "9" * 40,
            "2026-02-30",
            "0000-00-00",
            "true",
            "[]",
            "",
            " ",
        ]
    ),
)


class _Forms(HTMLParser):
    """The POST forms of a page: their action, field names (file fields apart), the values the
    page filled in, and which fields take free text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        form = self._form
        if tag == "form" and (named.get("method") or "").lower() == "post":
            self._form = {
                "action": named.get("action") or "",
                "fields": set(),
                "files": set(),
                "values": {},
                "text": set(),
            }
            self.forms.append(self._form)
        elif form is not None and tag == "option" and self._select and "selected" in named:
            form["values"][self._select] = named.get("value") or ""
        elif form is not None and tag in {"input", "textarea", "select"} and named.get("name"):
            name = str(named["name"])
            if name == "csrfmiddlewaretoken":
                return
            kind = (named.get("type") or "text").lower()
            (form["files"] if kind == "file" else form["fields"]).add(name)
            if tag == "select":
                self._select = name
            elif tag == "textarea":
                self._textarea = name
                form["values"][name] = ""
                form["text"].add(name)
            elif kind in {"checkbox", "radio"}:
                if "checked" in named:
                    form["values"][name] = named.get("value") or "on"
            elif kind != "file":
                form["values"][name] = named.get("value") or ""
                if kind in {"text", "search"}:
                    form["text"].add(name)

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["values"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _pages(world: World, persona: str) -> list[str]:
    """Every page the persona may open (the matrix's GET rows it gets a 200 on)."""
    return [
        url(world) if callable(url) else url
        for (_pattern, method), (url, expected) in sorted(MATRIX.items())
        if method == "GET" and expected[persona] == 200
    ]


def _form_pages(client: Client, world: World, persona: str) -> list[dict[str, Any]]:
    """Every POST form the persona can open: its page, where it posts, its fields."""
    found = []
    for page in _pages(world, persona):
        response = client.get(page)
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = form["action"] or page
            if action.startswith(NAVIGATION) or not form["fields"] | form["files"]:
                continue
            found.append({**form, "page": page, "action": action})
    return found


def _as_shown_now(client: Client, form: dict[str, Any]) -> dict[str, Any]:
    """The values the form's page fills in now (its first POST form posting where this one does)."""
    parser = _Forms()
    parser.feed(client.get(form["page"]).content.decode())
    same = [f for f in parser.forms if (f["action"] or form["page"]) == form["action"]]
    return dict(same[0]["values"]) if same else dict(form["values"])


def _no_markup_anywhere(client: Client, world: World, persona: str) -> None:
    """After everything stored: no page the persona can open shows any of it as markup."""
    for page in _pages(world, persona):
        response = client.get(page, HTTP_ACCEPT="text/html")  # the API as a person sees it too
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue  # JSON, CSV, iCalendar: data, not markup
        html = response.content.decode(errors="replace")
        assert not any(markup in html for markup in MARKUP), page


def _store_markup(client: Client, world: World, persona: str) -> None:
    """Markup stored through the forms that keep free text, each post otherwise valid (the rest as
    the page shows it), on the world as it was made; then checked that it was stored, or the
    sweep over every page afterwards would prove little."""
    pk, reference = world.use_case.pk, world.use_case.reference
    posts: dict[str, list[tuple[str, dict[str, str]]]] = {
        "member_a": [
            (f"/use-cases/{pk}/what/", {"name": SCRIPT, "purpose": IMAGE, "affected_people": SCRIPT}),
            (
                f"/use-cases/{pk}/incidents/new/",
                {
                    "what_happened": IMAGE,
                    "immediate_measures": SCRIPT,
                    "happened_at": "2026-11-01T10:00",
                    "aware_at": "2026-11-01T12:00",
                },
            ),
        ],
        "committee": [
            ("/admin/register/vendor/add/", {"name": SCRIPT, "product": IMAGE}),
            ("/admin/register/meeting/add/", {"held_on": "2027-02-04", "title": IMAGE}),
        ],
        "anonymous": [
            (
                f"/transparency/{reference}/ask/",
                {"kind": "explanation", "question": SCRIPT, "name": IMAGE, "email": "q@example.org"},
            ),
        ],
    }
    for page, values in posts[persona]:
        shown = _as_shown_now(client, {"page": page, "action": page, "values": {}})
        response = client.post(page, {**shown, **values})
        assert response.status_code == 302, (page, response.content.decode()[:3000])
    stored: dict[str, list[QuerySet[Any]]] = {
        "member_a": [
            UseCase.objects.filter(pk=pk, name=SCRIPT),
            Incident.objects.filter(what_happened=IMAGE),
        ],
        "committee": [Vendor.objects.filter(name=SCRIPT), Meeting.objects.filter(title=IMAGE)],
        "anonymous": [ExplanationRequest.objects.filter(question=SCRIPT)],
    }
    assert all(rows.exists() for rows in stored[persona])


def _throw(persona_client: Client, pages: list[dict[str, Any]], examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(data=st.data())
    def throw(data: st.DataObject) -> None:
        form = data.draw(st.sampled_from(pages), label="form")
        page, action, files = form["page"], form["action"], form["files"]
        posted: dict[str, Any] = {name: data.draw(NASTY, label=name) for name in sorted(form["fields"])}
        for name in sorted(files):
            posted[name] = SimpleUploadedFile("upload.csv", data.draw(st.binary(max_size=2000), label=name))
        with transaction.atomic():  # each example on the same world: shrinking replays it alike
            response = persona_client.post(action, posted)
            assert response.status_code < 500, (action, posted)
            shown = [page, action]
            if response.status_code in (301, 302) and response.headers["Location"].startswith("/"):
                shown.append(response.headers["Location"])
            for path in shown:
                html = persona_client.get(path).content.decode()
                assert not any(markup in html for markup in MARKUP), (path, action)
            transaction.set_rollback(True)

    throw()


@pytest.mark.parametrize(("persona", "examples"), [("member_a", 150), ("committee", 150), ("anonymous", 60)])
def test_no_form_answers_bad_input_with_a_500_or_shows_it_as_markup(
    persona: str, examples: int, world: World, request: pytest.FixtureRequest
) -> None:
    client: Client = request.getfixturevalue(persona)
    pages = _form_pages(client, world, persona)
    assert pages, f"no forms found for {persona}"
    _store_markup(client, world, persona)
    _throw(client, pages, examples)
    # What one kind of person stored, every kind reads: a public question reaches the committee.
    for viewer in {persona, "member_a", "committee"}:
        _no_markup_anywhere(request.getfixturevalue(viewer), world, viewer)
