"""Where a request comes from: the one rule for the limits counted per address (sign-in pauses,
the public question form).

Without a proxy, the peer's address (`REMOTE_ADDR`). Behind KOERS_PROXY_COUNT proxies that each
append to `X-Forwarded-For`, the address the outermost trusted proxy saw: that many entries from
the right. Entries further left are whatever the client wrote, and are never trusted."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    peer = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.KOERS_PROXY_COUNT
    if not proxies:
        return peer
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    # Each trusted proxy appended the address it saw; the first of them saw the client.
    return forwarded[-proxies] if len(forwarded) >= proxies else peer
