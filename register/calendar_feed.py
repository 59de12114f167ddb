"""The secret calendar feed (issue 7): one person's scheduled reviews as iCalendar (RFC 5545),
written by hand because the format needs little: all-day events, escaped text, folded lines.
Only a reference, a name and a link leave Koers this way: no people, no risk details, because a
feed URL ends up in calendar apps and their sync services."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from register.choices import LifecycleStage
from register.models import UseCase, User
from register.selectors import use_cases_visible_to

# Reviews are scheduled for systems in use, and for suspended ones (reviewed before they resume).
SCHEDULED_STAGES = frozenset({LifecycleStage.PILOT, LifecycleStage.PRODUCTION, LifecycleStage.SUSPENDED})

# RFC 5545 §3.1: content lines are at most 75 octets, not counting the CRLF.
LINE_OCTETS = 75


def calendar_token_hash(token: str) -> str:
    """The one statement of how a feed token is stored and looked up (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_owner(token: str) -> User | None:
    """The active person whose feed this token opens, or None (an unknown or rotated token)."""
    return User.objects.filter(is_active=True, calendar_token_hash=calendar_token_hash(token)).first()


def scheduled_reviews_for(user: User) -> QuerySet[UseCase]:
    """The use-cases this person may see (use_cases_visible_to: a member only their own units')
    whose next review is scheduled, soonest first."""
    return (
        use_cases_visible_to(user)
        .filter(schedule__next_due__isnull=False, lifecycle_stage__in=SCHEDULED_STAGES)
        .order_by("schedule__next_due", "id")
    )


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash first, so the escapes added after it stay."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, each continuation starting with
    one space (which counts); never inside a UTF-8 character."""
    pieces: list[str] = []
    current, size = "", 0
    for char in line:
        octets = len(char.encode())
        if size + octets > LINE_OCTETS:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += octets
    pieces.append(current)
    return "\r\n".join(pieces)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(use_case: UseCase, due: dt.date, stamp: str) -> Iterator[str]:
    # The reference only (SECURITY.md): calendar services fetch and keep the feed, and a secret
    # address can travel; the link leads to the rest, behind sign-in.
    summary = escape_text(
        _("Review due: %(use_case)s") % {"use_case": use_case.reference or f"#{use_case.pk}"}
    )
    yield from (
        "BEGIN:VEVENT",
        f"UID:review-{use_case.pk}-{due:%Y%m%d}@koers",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{due:%Y%m%d}",
        f"DTEND;VALUE=DATE:{due + dt.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{summary}",
        f"URL:{settings.SITE_URL}{reverse('use_case_detail', args=[use_case.pk])}",
        "TRANSP:TRANSPARENT",  # a review date does not make anyone busy
        # 09:00 the day before (the event starts at midnight, local to whoever reads it).
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{summary}",
        "TRIGGER:-PT15H",
        "END:VALARM",
        "END:VEVENT",
    )


def _lines(use_cases: Iterable[UseCase], now: dt.datetime) -> Iterator[str]:
    yield from (
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Koers//Review calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(_('Koers reviews'))}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    )
    stamp = _utc(now)
    for use_case in use_cases:
        due = use_case.schedule.next_due
        if due is not None:  # filtered already; this keeps the type checker honest
            yield from _event(use_case, due, stamp)
    yield "END:VCALENDAR"


def calendar_for(user: User, *, now: dt.datetime) -> str:
    """The whole feed, in the person's language (Koers's own when they follow the browser:
    calendar apps ask for no language)."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return "".join(f"{fold(line)}\r\n" for line in _lines(scheduled_reviews_for(user), now))
