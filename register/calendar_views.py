"""The calendar feed (anonymous: the secret token is the credential) and the page where a person
makes or replaces their feed address (issue 7)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_safe

from register.calendar_feed import calendar_for, calendar_owner
from register.models import User
from register.services.calendar import calendar_token_rotate


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Calendar apps sign in to nothing: an unknown or replaced token is a plain 404, never a
    redirect to the login page."""
    user = calendar_owner(token)
    if user is None:
        raise Http404
    response = HttpResponse(
        calendar_for(user, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="koers-reviews.ics"'
    response["X-Robots-Tag"] = "noindex"  # the address is a secret; keep it out of any index
    return response


@require_http_methods(["GET", "POST"])
@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """GET explains the feed; POST makes a new address and shows it this once (only its hash is
    kept), so that response must not be cached anywhere."""
    user: User = request.user  # type: ignore[assignment]
    feed_url = ""
    if request.method == "POST":
        token = calendar_token_rotate(acting_user=user, user=user)
        feed_url = settings.SITE_URL + reverse("calendar_feed", kwargs={"token": token})
    context = {
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed_url else "",
        "has_feed": bool(user.calendar_token_hash),
    }
    response = render(request, "register/calendar.html", context)
    if feed_url:
        add_never_cache_headers(response)
    return response
