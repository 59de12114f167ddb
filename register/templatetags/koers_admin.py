"""The committee's dashboard on the admin index (templates/admin/index.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from register.dashboard import Tally, UnitTiers, dashboard, due_by_month_svg, tier_by_unit_svg

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
    """The number, linked to its list; the link's name says what it counts. A plain f-string with
    the text escaped: the dashboard writes 1,600 of these for 200 business units, and
    format_html's cost per call was a third of the page's (BENCHMARKS.md)."""
    if tally.url is None:
        return SafeString(str(tally.number))
    return SafeString(
        f'<a href="{conditional_escape(tally.url)}" aria-label="{conditional_escape(tally.label)}: '
        f'{tally.number}">{tally.number}</a>'
    )


@register.simple_tag
def unit_tier_cells(row: UnitTiers) -> SafeString:
    """A business unit's row in the table under the tier chart: a cell per tier, then its total
    (written in one go; the template's loop over 200 units' 1,400 cells cost more)."""
    return SafeString("".join(f"<td>{tally_number(tally)}</td>" for tally in (*row.tiers, row.unit)))
