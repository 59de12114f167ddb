"""Webhooks per business unit (issue 7): one JSON POST that Teams and Slack can show, signed
with the unit's secret. Only the transport: the reminder planner writes the rows, `register.outbox`
claims them, and a failure raised here is retried with the backoff kept in the row.

Receivers verify `X-Koers-Signature: sha256=<hex>`, an HMAC-SHA256 of the exact body bytes with
the unit's secret, and drop repeats by `X-Koers-Delivery` (the outbox row's id, the same on every
retry). Koers posts only to https URLs whose host resolves to public addresses, and connects to
the address it checked, so a name that changes its answer in between (DNS rebinding) cannot
point a post at the internal network."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from register.delivery import MaybeSent, NothingToSend
from register.models import BusinessUnit, Delivery, UseCase

SIGNATURE_HEADER = "X-Koers-Signature"
DELIVERY_HEADER = "X-Koers-Delivery"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(NothingToSend):
    """A URL Koers will not post to: skipped with the reason, never retried."""


class WebhookFailed(Exception):
    """The receiver did not take the message (an error status); the outbox retries it."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the addresses that passed) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[IPAddress, ...]


def post(delivery: Delivery) -> None:
    """Send one webhook row, or raise: NothingToSend (skipped) or anything else (retried)."""
    unit = _unit(delivery)
    target = check_url(delivery.recipient, allow_loopback=settings.KOERS_WEBHOOK_ALLOW_LOOPBACK)
    payload = body(delivery)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Koers-Webhook/1",
        DELIVERY_HEADER: str(delivery.pk),
    }
    # A unit without a secret still gets its message (Teams and Slack URLs carry their own token).
    if unit.webhook_secret:
        headers[SIGNATURE_HEADER] = "sha256=" + sign(payload, unit.webhook_secret)
    status = _request(target, payload, headers, timeout=float(settings.KOERS_WEBHOOK_TIMEOUT))
    if status >= 300:
        raise WebhookFailed(f"{target.host} answered HTTP {status}.")


def _use_case(delivery: Delivery) -> UseCase:
    if delivery.use_case is None:
        raise NothingToSend("A webhook needs its use-case: the business unit holds the URL and secret.")
    return delivery.use_case


def _unit(delivery: Delivery) -> BusinessUnit:
    """The unit whose URL and secret apply now; never an address the unit has since replaced."""
    unit = _use_case(delivery).business_unit
    if unit.webhook_url != delivery.recipient:
        raise NothingToSend("The business unit's webhook URL changed after this message was planned.")
    return unit


def sign(payload: bytes, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def _sentence(template: str, values: dict[str, str]) -> str:
    """One plain line in the row's language (the planner's templates; others a general line)."""
    if template == "review_upcoming":
        return _("Ethics review of %(use_case)s is due on %(due)s.") % values
    if template == "review_due":
        return _("Ethics review of %(use_case)s is due today, %(due)s.") % values
    if template == "review_overdue":
        return _("Ethics review of %(use_case)s is overdue since %(due)s.") % values
    return _("%(use_case)s: %(event)s, %(due)s.") % values


def body(delivery: Delivery) -> bytes:
    """The JSON body: `text` for Slack, `summary`/`title` for a Teams card, `koers` for machines.
    Minimal (SECURITY.md): the use-case by its reference and a link, the date, what fell due; no
    person's name or address, and not the use-case's name or anything else about it, which a
    chat channel's members and its provider need not read. Fields are picked one by one."""
    context: dict[str, Any] = delivery.context
    use_case = _use_case(delivery)
    reference = str(context.get("reference") or use_case.reference or "")
    path = str(context.get("path") or reverse("use_case_detail", args=[use_case.pk]))
    url = settings.SITE_URL + path
    label = reference or f"#{use_case.pk}"  # a draft has no reference yet
    with translation.override(delivery.language):
        sentence = _sentence(
            delivery.template,
            {
                "use_case": label,
                "due": formats.date_format(delivery.due_date, "DATE_FORMAT"),
                "event": delivery.template,
            },
        )
    payload = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": sentence,
        "title": f"Koers · {label}",
        "text": f"{sentence} {url}",
        "koers": {
            "event": delivery.template,
            "reference": reference,
            "stage": delivery.stage,
            "due_date": delivery.due_date.isoformat(),
            "url": url,
            "sent_at": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check_url(url: str, *, allow_loopback: bool) -> Target:
    """Refuse anything but https to public addresses; every address the host resolves to must
    pass. `allow_loopback` (tests, local receivers) also lets plain http reach 127.0.0.1 or ::1."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise Refused("Webhook URL refused: it must be an absolute https URL.")
    if parts.username or parts.password:
        raise Refused("Webhook URL refused: credentials in the URL are not supported.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused("Webhook URL refused: the port is not a number from 1 to 65535.") from None
    if scheme == "http" and not allow_loopback:
        raise Refused("Webhook URL refused: only https is allowed.")
    addresses = _resolve(parts.hostname, port)
    for address in addresses:
        if _is_loopback(address) and allow_loopback:
            continue
        if not _is_public(address):
            raise Refused(
                f"Webhook URL refused: {parts.hostname} resolves to {address}, a private, loopback, "
                "link-local, multicast or reserved address."
            )
    if scheme == "http" and not all(_is_loopback(address) for address in addresses):
        raise Refused("Webhook URL refused: plain http is allowed only to a loopback address.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port, path, addresses)


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:  # often passing (the resolver is down): retried with backoff
        raise WebhookFailed(f"Cannot resolve {host}: {exc}.") from exc
    addresses: list[IPAddress] = []
    for *_ignored, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise WebhookFailed(f"Cannot resolve {host}: no address.")
    return tuple(addresses)


def _embedded(address: IPAddress) -> IPAddress | None:
    """The IPv4 address inside an IPv4-mapped or 6to4 IPv6 address, judged on its own."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour
    return None


def _is_loopback(address: IPAddress) -> bool:
    inner = _embedded(address)
    return inner.is_loopback if inner is not None else address.is_loopback


def _is_public(address: IPAddress) -> bool:
    inner = _embedded(address)
    if inner is not None:
        return _is_public(inner)
    if isinstance(address, ipaddress.IPv6Address) and any(address in net for net in NAT64):
        return _is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))  # the IPv4 inside
    # is_global leaves out private, shared (100.64/10), loopback, link-local and reserved ranges;
    # multicast is "global" to the ipaddress module, so it is refused by name, like the others
    # some Python versions still count as global.
    return address.is_global and not (
        address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
        or (isinstance(address, ipaddress.IPv6Address) and address in IPV4_TRANSLATED)
    )


# NAT64 prefixes carry an IPv4 address in their last 32 bits (RFC 6052, RFC 8215); ::ffff:0:0/96
# is IPv4-translated (RFC 2765).
NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


def _request(target: Target, payload: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST to the checked addresses (no redirects followed) and return the status code. A
    failure before the request is sent is retried later; after it, it may have arrived."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, timeout)
    else:
        connection = _PinnedHTTPConnection(target, timeout)
    try:
        connection.connect()  # connection errors: nothing went out, retried with backoff
        connection.request("POST", target.path, body=payload, headers=headers)
        deadline = time.monotonic() + timeout  # for the whole answer, not each read
        if connection.sock is not None:
            connection.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            return connection.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            raise MaybeSent(f"{target.host} did not answer: {type(exc).__name__}.") from exc
    finally:
        connection.close()


def _open(target: Target, timeout: float | None) -> socket.socket:
    """A TCP connection to the first checked address that answers (never a fresh lookup)."""
    error: OSError | None = None
    for address in target.addresses:
        try:
            return socket.create_connection((str(address), target.port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError(f"{target.host}: no address to connect to.")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = _open(self.target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; TLS still verifies the certificate for the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target = target

    def connect(self) -> None:
        self.sock = self.tls.wrap_socket(_open(self.target, self.timeout), server_hostname=self.target.host)
