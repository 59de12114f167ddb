"""Sign-in throttling (django-axes, config/settings.py): after five wrong passwords for one
username from one address, that pair is paused for 15 minutes, on the sign-in page and the
admin's, counted in the shared cache. Tests elsewhere sign in with force_login."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests/factories.py
LOGIN = "/accounts/login/"
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _own_cache(own_cache: None) -> Iterator[None]:
    """Counts of this test's own (a fresh key prefix in the shared cache). django-axes keeps the
    cache it found first, so it is made to look again."""
    AxesProxyHandler.implementation = None
    yield
    AxesProxyHandler.implementation = None


def _sign_in(
    username: str, password: str, *, address: str = "192.0.2.10", url: str = LOGIN, **headers: Any
) -> Any:
    return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password}, **headers)


def _fail(username: str, times: int, **kwargs: Any) -> list[int]:
    """Statuses of wrong passwords: the form again with its error (200), then paused (429)."""
    return [_sign_in(username, "wrong", **kwargs).status_code for _ in range(times)]


def test_it_pauses_sign_in_after_five_wrong_passwords_and_says_for_how_long() -> None:
    UserFactory.create(username="ann")
    assert _fail("ann", 5) == [200, 200, 200, 200, 429]  # the fifth is told at once
    refused = _sign_in("ann", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")  # even the right password
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "Too many wrong passwords for this account from your address" in text
    assert "try again in 15 minutes" in text
    assert "sessionid" not in refused.cookies
    assert refused.headers["Retry-After"] == "900"
    dutch = _sign_in("ann", PASSWORD, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Te vaak een verkeerd wachtwoord voor dit account vanaf uw adres" in dutch
    assert "over 15 minuten opnieuw" in dutch


def test_it_counts_per_username_and_address() -> None:
    UserFactory.create(username="ann")
    UserFactory.create(username="bob")
    _fail("ann", 5)
    assert _sign_in("ann", PASSWORD).status_code == 429
    assert _sign_in("bob", PASSWORD).status_code == 302  # someone else at the same address
    assert _sign_in("ann", PASSWORD, address="198.51.100.7").status_code == 302  # ann, elsewhere


def test_a_right_password_starts_the_count_again() -> None:
    UserFactory.create(username="ann")
    assert _fail("ann", 4) == [200] * 4
    assert _sign_in("ann", PASSWORD).status_code == 302
    assert _fail("ann", 4) == [200] * 4
    assert _sign_in("ann", PASSWORD).status_code == 302


def test_the_admins_sign_in_is_counted_too() -> None:
    UserFactory.create(username="chair", is_staff=True)
    assert _fail("chair", 3, url="/admin/login/") == [200] * 3
    assert _fail("chair", 2) == [200, 429]  # one count for both forms
    assert _sign_in("chair", PASSWORD, url="/admin/login/").status_code == 429


def test_the_count_lives_in_the_shared_cache_and_ends_with_the_cool_off(settings: Any) -> None:
    # A local cache of this test's own, so that time can pass for it (Redis keeps its own clock).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "axes"}
    }
    UserFactory.create(username="ann")
    with time_machine.travel(T0, tick=False) as clock:
        _fail("ann", 5)
        assert _sign_in("ann", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=14))
        assert _sign_in("ann", "wrong").status_code == 429  # an attempt during the pause...
        clock.shift(dt.timedelta(minutes=2))  # ...does not make it longer: 16 minutes after it began
        assert _sign_in("ann", PASSWORD).status_code == 302
        _fail("ann", 5)
        assert _sign_in("ann", PASSWORD).status_code == 429
    cache.clear()  # what every web process reads: nothing counted, nothing paused
    assert _sign_in("ann", PASSWORD).status_code == 302


def test_an_operator_lifts_a_pause_with_axes_reset_ip_username() -> None:
    UserFactory.create(username="ann")
    _fail("ann", 5)
    assert _sign_in("ann", PASSWORD).status_code == 429
    out = StringIO()
    call_command(
        "axes_reset_ip_username", "192.0.2.10", "ann", stdout=out
    )  # README, "What every response carries"
    assert "1 attempts removed" in out.getvalue()
    assert _sign_in("ann", PASSWORD).status_code == 302


def test_behind_a_proxy_it_counts_the_address_the_proxy_saw(settings: Any) -> None:
    settings.KOERS_PROXY_COUNT = 1
    UserFactory.create(username="ann")
    proxy = "10.0.0.2"
    # The proxy appends the address it saw; what the client wrote before it is not believed.
    assert _fail("ann", 5, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9") == [200] * 4 + [429]
    forged = _sign_in("ann", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert forged.status_code == 429  # the same person, a forged address in front
    colleague = _sign_in("ann", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert colleague.status_code == 302  # the same proxy, another address behind it


def test_a_new_password_ends_the_pause_at_that_address() -> None:
    ann = UserFactory.create(username="ann")
    _fail("ann", 5)
    assert _sign_in("ann", PASSWORD).status_code == 429
    browser = Client(REMOTE_ADDR="192.0.2.10")
    link = f"/accounts/reset/{urlsafe_base64_encode(force_bytes(ann.pk))}/{default_token_generator.make_token(ann)}/"
    form_url = browser.get(link).headers["Location"]
    saved = browser.post(
        form_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    )
    assert saved.headers["Location"] == "/accounts/reset/done/"
    assert _sign_in("ann", "a brand new passphrase").status_code == 302
