"""Unit webhooks against a real HTTP server on 127.0.0.1: the signed body, the idempotency
header, no personal data, retries with the backoff kept in the row, timeouts, and the URLs Koers
refuses (skipped with the reason, never retried)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine

from register import outbox, webhooks
from register.models import BusinessUnit, Delivery, UseCase
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DEC_1 = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
SECRET = "unit-secret-for-the-tests"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the local server got, and how it answers the next request."""

    url: str = ""
    status: int = 200
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is what some tests are about


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.KOERS_WEBHOOK_ALLOW_LOOPBACK = True
    settings.SITE_URL = "https://koers.example"
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/koers?channel=7"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def case() -> UseCase:
    owner = UserFactory.create(
        username="fleur", first_name="Fleur", last_name="de Vries", email="fleur@koers.example"
    )
    return factories.use_case("Webshop chatbot", unit=factories.business_unit("Winkels"), owner=owner)


def _hook(case: UseCase, url: str, secret: str = SECRET) -> None:
    BusinessUnit.objects.filter(pk=case.business_unit_id).update(webhook_url=url, webhook_secret=secret)


def _row(case: UseCase, url: str) -> Delivery:
    """A row as the reminder planner writes it, plus a person's name and address in the context
    that must never reach the body; the review it is about is still due."""
    from register.models import ReviewSchedule

    ReviewSchedule.objects.update_or_create(use_case=case, defaults={"next_due": dt.date(2026, 12, 1)})
    UseCase.objects.filter(pk=case.pk).update(lifecycle_stage="production")  # in use: it is reviewed
    return Delivery.objects.create(
        subject_type="register.usecase",
        subject_id=str(case.pk),
        use_case=case,
        due_date=dt.date(2026, 12, 1),
        stage="due",
        recipient=url,
        channel="webhook",
        language="en",
        template="review_due",
        context={
            "reference": "AI-2026-0042",
            "name": "Webshop chatbot",
            "unit": "Winkels",
            "owner": "Fleur de Vries",
            "owner_email": "fleur@koers.example",
            "stage": "due",
            "repeat": "0",
            "due_date": "2026-12-01",
            "due": "1 December 2026",
            "path": f"/use-cases/{case.pk}/",
        },
    )


@time_machine.travel(DEC_1, tick=False)
def test_it_posts_a_signed_body_without_personal_data(receiver: Receiver, case: UseCase) -> None:
    _hook(case, receiver.url)
    row = _row(case, receiver.url)

    assert outbox.deliver_one(row.pk) is True

    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, DEC_1)
    [request] = receiver.requests
    assert request.path == "/hooks/koers?channel=7"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Koers-Delivery"] == str(row.pk)
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Koers-Signature"], expected)
    url = f"https://koers.example/use-cases/{case.pk}/"
    assert json.loads(request.body) == {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": "Ethics review of AI-2026-0042 is due today, Dec. 1, 2026.",
        "title": "Koers · AI-2026-0042",
        "text": f"Ethics review of AI-2026-0042 is due today, Dec. 1, 2026. {url}",
        "koers": {
            "event": "review_due",
            "reference": "AI-2026-0042",
            "stage": "due",
            "due_date": "2026-12-01",
            "url": url,
            "sent_at": "2026-12-01T07:00:00+00:00",
        },
    }
    for personal in (b"Fleur", b"Vries", b"fleur@koers.example"):
        assert personal not in request.body
    for detail in (b"Webshop", b"chatbot", b"Winkels"):  # nothing about the use-case but its reference
        assert detail not in request.body
    assert re.search(rb"[\w.+-]+@[\w-]+\.", request.body) is None  # no e-mail address at all


def test_it_leaves_the_signature_out_when_the_unit_has_no_secret(receiver: Receiver, case: UseCase) -> None:
    _hook(case, receiver.url, secret="")
    row = _row(case, receiver.url)

    assert outbox.deliver_one(row.pk) is True

    [request] = receiver.requests
    assert "X-Koers-Signature" not in request.headers
    assert request.headers["X-Koers-Delivery"] == str(row.pk)


def test_it_retries_an_error_status_after_the_backoff_kept_in_the_row(
    receiver: Receiver, case: UseCase
) -> None:
    _hook(case, receiver.url)
    receiver.status = 500
    with time_machine.travel(DEC_1, tick=False) as traveller:
        row = _row(case, receiver.url)

        assert outbox.deliver_one(row.pk) is False
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("failed", 1)
        assert row.next_attempt_at == DEC_1 + dt.timedelta(minutes=5)
        assert row.last_error == "WebhookFailed: 127.0.0.1 answered HTTP 500."
        assert outbox.deliver_one(row.pk) is None  # not before the backoff has passed

        receiver.status = 200
        traveller.shift(dt.timedelta(minutes=6))
        assert outbox.deliver_one(row.pk) is True

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert [r.headers["X-Koers-Delivery"] for r in receiver.requests] == [str(row.pk), str(row.pk)]


@time_machine.travel(DEC_1, tick=False)
def test_a_post_without_an_answer_may_have_arrived_and_is_never_sent_again(
    receiver: Receiver, case: UseCase, settings: Any
) -> None:
    settings.KOERS_WEBHOOK_TIMEOUT = 0.2
    receiver.delay = 1.0
    _hook(case, receiver.url)
    row = _row(case, receiver.url)

    assert outbox.deliver_one(row.pk) is False

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("unknown", 1)  # at most once: shown, not resent
    assert "did not answer" in row.last_error
    assert outbox.deliver_one(row.pk) is None


def test_it_counts_a_refused_connection_as_a_failure(receiver: Receiver, case: UseCase) -> None:
    with socket.socket() as unused:  # a port nobody listens on once it is closed
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    _hook(case, url)
    row = _row(case, url)

    assert outbox.deliver_one(row.pk) is False

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("ConnectionRefusedError")


@pytest.mark.parametrize(
    ("production_url", "reason"),
    [
        ("http://127.0.0.1:{port}/hook", "Webhook URL refused: only https is allowed."),
        (
            "https://127.0.0.1:{port}/hook",
            "Webhook URL refused: 127.0.0.1 resolves to 127.0.0.1, a private, loopback, link-local, "
            "multicast or reserved address.",
        ),
        (
            "https://10.20.30.40/hook",
            "Webhook URL refused: 10.20.30.40 resolves to 10.20.30.40, a private, loopback, link-local, "
            "multicast or reserved address.",
        ),
    ],
)
def test_it_skips_urls_refused_in_production(
    receiver: Receiver, case: UseCase, settings: Any, production_url: str, reason: str
) -> None:
    settings.KOERS_WEBHOOK_ALLOW_LOOPBACK = False
    url = production_url.format(port=receiver.url.split(":")[2].split("/")[0])
    _hook(case, url)
    row = _row(case, url)

    assert outbox.deliver_one(row.pk) is None

    row.refresh_from_db()
    assert (row.status, row.last_error) == ("skipped", reason)
    assert receiver.requests == []


def test_it_skips_a_row_whose_unit_has_changed_its_url(receiver: Receiver, case: UseCase) -> None:
    row = _row(case, receiver.url)
    _hook(case, receiver.url.replace("/hooks/koers", "/hooks/new"))

    assert outbox.deliver_one(row.pk) is None

    row.refresh_from_db()
    assert row.status == "skipped"
    assert row.last_error == "The business unit's webhook URL changed after this message was planned."
    assert receiver.requests == []


def test_it_connects_to_the_address_it_checked(
    receiver: Receiver, case: UseCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One lookup, checked, then used: a name that answers differently the second time
    (DNS rebinding) is never asked again."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.koers.test":
            return real(host, *args, **kwargs)
        lookups.append(host)
        answer = "127.0.0.1" if len(lookups) == 1 else "10.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    url = f"http://hooks.koers.test:{port}/hook"
    _hook(case, url)
    row = _row(case, url)

    assert outbox.deliver_one(row.pk) is True

    assert lookups == ["hooks.koers.test"]
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.koers.test:{port}"


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.10/hook",
        "https://127.0.0.1/hook",
        "https://127.8.9.10/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://240.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[2002:a00:1::]/hook",
        "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 around 169.254.169.254
        "https://[64:ff9b:1::a00:1]/hook",
        "https://[fec0::1]/hook",  # site-local
        "https://[::ffff:0:7f00:1]/hook",  # IPv4-translated 127.0.0.1
        "https://localhost/hook",
    ],
)
def test_it_refuses_private_loopback_link_local_multicast_and_reserved_addresses(url: str) -> None:
    with pytest.raises(
        webhooks.Refused, match="a private, loopback, link-local, multicast or reserved address"
    ):
        webhooks.check_url(url, allow_loopback=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "Webhook URL refused: only https is allowed."),
        ("ftp://93.184.215.14/hook", "Webhook URL refused: it must be an absolute https URL."),
        ("/hooks/relative", "Webhook URL refused: it must be an absolute https URL."),
        (
            "https://user:pw@93.184.215.14/hook",
            "Webhook URL refused: credentials in the URL are not supported.",
        ),
        (
            "https://93.184.215.14:99999/hook",
            "Webhook URL refused: the port is not a number from 1 to 65535.",
        ),
    ],
)
def test_it_refuses_anything_but_https(url: str, reason: str) -> None:
    with pytest.raises(webhooks.Refused) as refused:
        webhooks.check_url(url, allow_loopback=False)
    assert str(refused.value) == reason


def test_it_allows_a_public_address() -> None:
    target = webhooks.check_url("https://93.184.215.14/hooks/koers?channel=7", allow_loopback=False)

    assert target == webhooks.Target(
        scheme="https",
        host="93.184.215.14",
        port=443,
        path="/hooks/koers?channel=7",
        addresses=(ipaddress.IPv4Address("93.184.215.14"),),
    )


def test_it_checks_every_address_a_name_resolves_to(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.0.7", 443)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)

    with pytest.raises(webhooks.Refused, match=r"hooks\.koers\.test resolves to 192\.168\.0\.7"):
        webhooks.check_url("https://hooks.koers.test/hook", allow_loopback=False)


def test_it_allows_loopback_and_plain_http_to_it_only_when_the_setting_says_so() -> None:
    assert webhooks.check_url("http://127.0.0.1:8080/hook", allow_loopback=True).port == 8080
    assert webhooks.check_url("https://[::1]/hook", allow_loopback=True).host == "::1"
    with pytest.raises(webhooks.Refused, match="plain http is allowed only to a loopback address"):
        webhooks.check_url("http://93.184.215.14/hook", allow_loopback=True)
    with pytest.raises(webhooks.Refused, match=r"resolves to 10\.0\.0\.1"):
        webhooks.check_url("https://10.0.0.1/hook", allow_loopback=True)


def test_it_skips_a_row_without_a_use_case(receiver: Receiver, case: UseCase) -> None:
    _hook(case, receiver.url)
    row = _row(case, receiver.url)
    Delivery.objects.filter(pk=row.pk).update(use_case=None)

    assert outbox.deliver_one(row.pk) is None

    row.refresh_from_db()
    assert row.status == "skipped"
    assert row.last_error == "A webhook needs its use-case: the business unit holds the URL and secret."
    assert receiver.requests == []
