"""The committee's dashboard on the admin index (templates/admin/index.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from register.dashboard import Tally, dashboard, due_by_month_svg, tier_by_unit_svg

register = template.Library()


@register.inclusion_tag("admin/_dashboard.html", takes_context=True)
def koers_dashboard(context: template.Context) -> dict[str, Any]:
    """The dashboard for the signed-in person; nothing for someone who may not see use-cases."""
    user = context["request"].user
    if not user.has_perm("register.view_usecase"):
        return {"board": None}
    board = dashboard(user, now=timezone.now())
    return {
        "board": board,
        "cards": [
            board.overdue,
            board.due_soon,
            board.submitted,
            board.prohibited_not_retired,
            board.actions_past_due,
            board.incidents_clock_open,
        ],
        "tables": [
            (_("By risk tier"), board.by_tier),
            (_("By business unit"), board.by_unit),
            (_("By lifecycle stage"), board.by_stage),
            (_("By classification status"), board.by_classification),
        ],
        "tier_chart": tier_by_unit_svg(board.tier_by_unit),
        "month_chart": due_by_month_svg(board.due_by_month),
    }


@register.simple_tag
def tally_number(tally: Tally) -> SafeString:
    """The number, linked to its list; the link's name says what it counts."""
    if tally.url is None:
        return format_html("{}", tally.number)
    return format_html(
        '<a href="{}" aria-label="{}: {}">{}</a>', tally.url, tally.label, tally.number, tally.number
    )
