"""The committee's dashboard on the admin index (issue 6): what needs them, at a glance.

`dashboard()` is the selector; every number it returns comes with the admin list that shows
exactly those records. The two charts are pure functions of its rows that return SVG drawn on
the server (no JavaScript), each with a title, a description and the numbers in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.signals import setting_changed
from django.db.models import Count, Q, Value
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from register import incident_alerts, selectors
from register.choices import ClassificationStatus, LifecycleStage, RiskTier, WorkflowStatus
from register.models import Action, BusinessUnit, Incident, User
from register.selectors import (
    action_past_due_q,
    due_between_q,
    due_soon_q,
    overdue_q,
    use_cases_visible_to,
)

CHART_MONTHS = 12
ROW = Value(1)
# The tiers in the order of the law's severity, then the use-cases not yet assessed (no tier).
TIERS: tuple[str, ...] = (*RiskTier.values, "")
# One business unit's counts from the dashboard's query, by key ("tier:limited", "month:0").
Row = dict[str, Any]


def chart_months(today: dt.date) -> list[dt.date]:
    """The first day of this month and of the eleven after it (calendar months, local)."""
    first = today.replace(day=1)
    return [first + relativedelta(months=n) for n in range(CHART_MONTHS)]


@dataclass(frozen=True)
class Tally:
    """One number on the dashboard and the admin list of exactly those records (None when that
    list does not exist)."""

    key: str
    label: str
    number: int
    url: str | None


@dataclass(frozen=True)
class UnitTiers:
    unit: Tally
    tiers: tuple[Tally, ...]  # in TIERS order


@dataclass(frozen=True)
class DueMonth:
    month: dt.date  # its first day
    tally: Tally


@dataclass(frozen=True)
class Sweep:
    """The last reminder sweep: "ok", "late" (red) or "never" (a fresh install)."""

    status: str
    last_clean: dt.datetime | None
    url: str | None


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    total: Tally
    by_tier: tuple[Tally, ...]
    by_unit: tuple[Tally, ...]
    by_stage: tuple[Tally, ...]
    by_classification: tuple[Tally, ...]
    overdue: Tally
    due_soon: Tally
    submitted: Tally
    prohibited_not_retired: Tally
    actions_past_due: Tally
    incidents_clock_open: Tally
    sweep: Sweep
    tier_by_unit: tuple[UnitTiers, ...]
    due_by_month: tuple[DueMonth, ...]


def _admin_url(name: str, query: Sequence[tuple[str, str]] = ()) -> str | None:
    url = _reversed(f"admin:{name}", get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if url is None:  # that model's admin is not there (yet): the number stands unlinked
        return None
    # The standard library's urlencode: Django's adds checks for values these pairs never hold.
    return f"{url}?{urlencode(query)}" if query else url


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "INSTALLED_APPS", "FORCE_SCRIPT_NAME"}:
        _reversed.cache_clear()


@lru_cache(maxsize=64)
def _reversed(name: str, prefix: str, urlconf: str) -> str | None:
    """reverse(), remembered for the URLs and prefix it was asked under: the dashboard links each
    of 200 units' tiers (1,400 reverses a page at 100,000 use-cases, BENCHMARKS.md)."""
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def _use_cases_url(*query: tuple[str, str]) -> str | None:
    return _admin_url("register_usecase_changelist", query)


def _tier_label(tier: str) -> str:
    return str(RiskTier(tier).label) if tier else str(ClassificationStatus.UNASSESSED.label)


def _counts(today: dt.date, months: Sequence[dt.date]) -> dict[str, Count]:
    """Every use-case number, as conditional counts for the one query in `_rows`. Rows are counted
    as COUNT(1), which reads no column (COUNT of the id: a fifth more time at 100,000)."""
    bounds = [*months, months[-1] + relativedelta(months=1)]
    return {
        "total": Count(ROW),
        **{f"tier:{t}": Count(ROW, filter=Q(risk_tier=t)) for t in TIERS},
        **{f"stage:{s}": Count(ROW, filter=Q(lifecycle_stage=s)) for s in LifecycleStage.values},
        **{
            f"classification:{c}": Count(ROW, filter=Q(classification_status=c))
            for c in ClassificationStatus.values
        },
        "overdue": Count(ROW, filter=overdue_q(today)),
        "due_soon": Count(ROW, filter=due_soon_q(today)),
        "submitted": Count(ROW, filter=Q(status=WorkflowStatus.SUBMITTED)),
        "prohibited_not_retired": Count(
            ROW, filter=Q(risk_tier=RiskTier.PROHIBITED) & ~Q(lifecycle_stage=LifecycleStage.RETIRED)
        ),
        **{
            f"month:{i}": Count(ROW, filter=due_between_q(bounds[i], bounds[i + 1]))
            for i in range(len(months))
        },
    }


def _rows(user: User | AnonymousUser, today: dt.date, months: Sequence[dt.date]) -> list[Row]:
    """One scan: every count per business unit (conditional aggregation, grouped by the unit's
    id; the names come after, from the units table, not grouped and sorted with every row). The
    totals are the units' sums, so the units always add up to them."""
    rows: list[Row] = [
        dict(row)
        for row in use_cases_visible_to(user)
        .order_by()
        .values("business_unit_id")
        .annotate(**_counts(today, months))
    ]
    by_unit = {row["business_unit_id"]: row for row in rows}
    units = BusinessUnit.objects.filter(pk__in=by_unit).order_by("name", "pk").values_list("pk", "name")
    for pk, name in units:  # in the database's order of names (its collation), as before
        by_unit[pk]["business_unit__name"] = name
    return [by_unit[pk] for pk, _name in units]


def _sum(rows: Sequence[Row], key: str) -> int:
    return sum(int(row[key]) for row in rows)


def actions_past_due(user: User | AnonymousUser, today: dt.date) -> int:
    """Follow-up actions past due (selectors.action_past_due_q) on use-cases the person sees."""
    return (
        selectors.held_by_visible(Action, user, "decision__use_case").filter(action_past_due_q(today)).count()
    )


def incidents_clock_open(user: User | AnonymousUser) -> int:
    """Incidents with a clock not yet marked done (incident_alerts.clock_open) on use-cases the
    person sees."""
    visible = Incident.objects.filter(use_case__in=use_cases_visible_to(user))
    return incident_alerts.clock_open(visible).count()


def last_sweep(now: dt.datetime) -> Sweep:
    """/healthz's reading of the last sweep (selectors.last_sweep), with its list's link."""
    state = selectors.last_sweep(now)
    return Sweep(state.status, state.last_clean, _admin_url("register_sweeprun_changelist"))


def _unit_tiers(row: Row, unit: Tally, labels: dict[str, str]) -> UnitTiers:
    unit_id = str(row["business_unit_id"])
    return UnitTiers(
        unit,
        tuple(
            Tally(
                f"tier:{t}",
                labels[t],
                int(row[f"tier:{t}"]),
                _use_cases_url(("risk_tier__exact", t), ("business_unit__id__exact", unit_id)),
            )
            for t in TIERS
        ),
    )


def _by_unit(rows: Sequence[Row]) -> list[UnitTiers]:
    labels = {t: _tier_label(t) for t in TIERS}
    units = []
    for row in rows:
        unit_id = str(row["business_unit_id"])
        unit = Tally(
            f"unit:{row['business_unit__name']}",
            str(row["business_unit__name"]),
            int(row["total"]),
            _use_cases_url(("business_unit__id__exact", unit_id)),
        )
        units.append(_unit_tiers(row, unit, labels))
    return units


def _due_by_month(rows: Sequence[Row], months: Sequence[dt.date]) -> tuple[DueMonth, ...]:
    return tuple(
        DueMonth(
            month,
            Tally(
                f"month:{month:%Y-%m}",
                date_format(month, "YEAR_MONTH_FORMAT"),
                _sum(rows, f"month:{i}"),
                _use_cases_url(("review_due_month", f"{month:%Y-%m}")),
            ),
        )
        for i, month in enumerate(months)
    )


def dashboard(user: User | AnonymousUser, *, now: dt.datetime) -> Dashboard:
    """The dashboard as `user` may see it, at `now`; "today" is the organisation's local day."""
    today = timezone.localdate(now)
    months = chart_months(today)
    rows = _rows(user, today, months)
    units = _by_unit(rows)

    def tally(key: str, label: str, *query: tuple[str, str]) -> Tally:
        return Tally(key, label, _sum(rows, key), _use_cases_url(*query))

    return Dashboard(
        today=today,
        total=tally("total", _("All use-cases")),
        by_tier=tuple(tally(f"tier:{t}", _tier_label(t), ("risk_tier__exact", t)) for t in TIERS),
        by_unit=tuple(unit.unit for unit in units),
        by_stage=tuple(
            tally(f"stage:{value}", str(label), ("lifecycle_stage__exact", value))
            for value, label in LifecycleStage.choices
        ),
        by_classification=tuple(
            tally(f"classification:{value}", str(label), ("classification_status__exact", value))
            for value, label in ClassificationStatus.choices
        ),
        overdue=tally("overdue", _("Reviews overdue"), ("review", "overdue")),
        due_soon=tally("due_soon", _("Reviews due within 30 days"), ("review", "due30")),
        submitted=tally("submitted", _("Submissions waiting"), ("status__exact", WorkflowStatus.SUBMITTED)),
        prohibited_not_retired=tally(
            "prohibited_not_retired",
            _("Prohibited, not retired"),
            ("risk_tier__exact", RiskTier.PROHIBITED),
            ("retired", "no"),
        ),
        actions_past_due=Tally(
            "actions_past_due",
            _("Actions past due"),
            actions_past_due(user, today),
            _admin_url("register_action_changelist", [("past_due", "yes")]),
        ),
        incidents_clock_open=Tally(
            "incidents_clock_open",
            _("Incidents with a clock open"),
            incidents_clock_open(user),
            _admin_url("register_incident_changelist", [("clock_open", "yes")]),
        ),
        sweep=last_sweep(now),
        tier_by_unit=tuple(units),
        due_by_month=_due_by_month(rows, months),
    )


def stats(user: User | AnonymousUser, *, now: dt.datetime) -> dict[str, Any]:
    """The dashboard's numbers for the API (/api/v1/stats/): the same query, the same keys."""
    today = timezone.localdate(now)
    rows = _rows(user, today, chart_months(today))

    def counts(keys: Sequence[tuple[str, Any]], prefix: str) -> list[dict[str, Any]]:
        return [
            {"key": value or "unassessed", "label": str(label), "count": _sum(rows, f"{prefix}:{value}")}
            for value, label in keys
        ]

    return {
        "today": today,
        "total": _sum(rows, "total"),
        "by_risk_tier": counts([(t, _tier_label(t)) for t in TIERS], "tier"),
        "by_business_unit": [
            {
                "id": row["business_unit_id"],
                "key": str(row["business_unit_id"]),
                "label": row["business_unit__name"],
                "count": int(row["total"]),
            }
            for row in rows
        ],
        "by_lifecycle_stage": counts(LifecycleStage.choices, "stage"),
        "by_classification_status": counts(ClassificationStatus.choices, "classification"),
        "review_overdue": _sum(rows, "overdue"),
        "review_due_soon": _sum(rows, "due_soon"),
        "submitted": _sum(rows, "submitted"),
        "prohibited_not_retired": _sum(rows, "prohibited_not_retired"),
        "actions_past_due": actions_past_due(user, today),
    }


# The charts. Fills are fixed (the SVG stands on its own); text takes the page's colour.
TIER_FILLS = {
    "prohibited": "#8b0000",
    "high_risk": "#d4541a",
    "limited": "#e0b100",
    "minimal": "#3d8c40",
    "out_of_scope": "#7b8794",
    "": "#c9ced6",
}
BAR_FILL = "#417690"  # the admin's own blue


def _short(label: str, length: int = 22) -> str:
    return label if len(label) <= length else f"{label[: length - 1]}…"


def _join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


@dataclass
class _Chart:
    """A chart being drawn: the picture (role="img", with a title and a description) and, on top
    of it, a layer with the bars' links for pointer users. Links inside role="img" would be
    controls hidden from assistive technology (axe: nested-interactive), so the layer is
    aria-hidden and out of the tab order; keyboards and screen readers follow the same links in
    the table under the chart."""

    width: int
    drawing: list[SafeString]
    links: list[SafeString]

    def bar(
        self, x: float, y: float, width: float, height: float, fill: str, tally: Tally, title: str
    ) -> None:
        # Plain f-strings with the text escaped (format_html per bar cost 40 ms for 200 units'
        # bars, BENCHMARKS.md); the numbers are formatted here and need no escaping.
        box = f'x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}"'
        self.drawing.append(SafeString(f'<rect {box} fill="{conditional_escape(fill)}"></rect>'))
        if tally.url is not None:
            self.links.append(
                SafeString(
                    f'<a href="{conditional_escape(tally.url)}" tabindex="-1"><rect {box} fill="transparent">'
                    f"<title>{conditional_escape(title)}</title></rect></a>"
                )
            )

    def render(self, prefix: str, height: int, title: str, desc: str) -> SafeString:
        return format_html(
            '<div class="koers-chart-box">'
            '<svg xmlns="http://www.w3.org/2000/svg" class="koers-chart" viewBox="0 0 {} {}" role="img" '
            'aria-labelledby="{}-title" aria-describedby="{}-desc">'
            '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>'
            '<svg xmlns="http://www.w3.org/2000/svg" class="koers-chart-links" viewBox="0 0 {} {}" '
            'aria-hidden="true">{}</svg></div>',
            self.width,
            height,
            prefix,
            prefix,
            prefix,
            title,
            prefix,
            desc,
            _join(self.drawing),
            self.width,
            height,
            _join(self.links),
        )


def tier_by_unit_desc(rows: Sequence[UnitTiers]) -> str:
    """The chart in words: each unit with the number per tier (tiers with none left out)."""
    if not rows:
        return _("No use-cases yet.")
    parts = []
    for row in rows:
        tiers = ", ".join(f"{t.label} {t.number}" for t in row.tiers if t.number)
        parts.append(f"{row.unit.label}: {row.unit.number} ({tiers})")
    return "; ".join(parts) + "."


def tier_by_unit_svg(rows: Sequence[UnitTiers], *, prefix: str = "koers-tier-chart") -> SafeString:
    """Stacked horizontal bars: one per business unit, a segment per tier, the total at the end,
    and a legend of the tiers below."""
    label_w, bar_w, row_h, top = 170, 400, 28, 8
    widest = max((row.unit.number for row in rows), default=0) or 1
    chart = _Chart(label_w + bar_w + 50, [], [])
    for i, row in enumerate(rows):
        y, x = top + i * row_h, float(label_w)
        chart.drawing.append(
            SafeString(
                f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="currentColor">'
                f"<title>{conditional_escape(row.unit.label)}</title>{conditional_escape(_short(row.unit.label))}</text>"
            )
        )
        for tier_key, tier in zip(TIERS, row.tiers, strict=True):
            if tier.number:
                width = bar_w * tier.number / widest
                title = f"{row.unit.label}, {tier.label}: {tier.number}"
                chart.bar(x, y + 4, width, row_h - 8, TIER_FILLS[tier_key], tier, title)
                x += width
        chart.drawing.append(
            SafeString(f'<text x="{x + 6:.1f}" y="{y + 17}" fill="currentColor">{row.unit.number}</text>')
        )
    legend_y = top + len(rows) * row_h + 12
    for i, tier_key in enumerate(TIERS):
        lx, ly = (i % 3) * 200, legend_y + (i // 3) * 20
        chart.drawing.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"></rect>'
                '<text x="{}" y="{}" fill="currentColor" font-size="12">{}</text>',
                lx,
                ly,
                TIER_FILLS[tier_key],
                lx + 18,
                ly + 11,
                _tier_label(tier_key),
            )
        )
    return chart.render(prefix, legend_y + 44, _("Risk tiers by business unit"), tier_by_unit_desc(rows))


def _month_label(month: dt.date, first: bool) -> SafeString:
    """The month's short name, with the year under the first month and every January."""
    if first or month.month == 1:
        return format_html('{}<tspan x="0" dy="14">{}</tspan>', date_format(month, "M"), month.year)
    return format_html("{}", date_format(month, "M"))


def due_by_month_desc(months: Sequence[DueMonth]) -> str:
    return "; ".join(f"{m.tally.label}: {m.tally.number}" for m in months) + "."


def due_by_month_svg(months: Sequence[DueMonth], *, prefix: str = "koers-month-chart") -> SafeString:
    """Vertical bars, one per calendar month, the number above each bar."""
    col_w, plot_h, top, left = 50, 120, 20, 10
    highest = max((m.tally.number for m in months), default=0) or 1
    chart = _Chart(left * 2 + len(months) * col_w, [], [])
    base = top + plot_h
    for i, due in enumerate(months):
        x = left + i * col_w
        height = plot_h * due.tally.number / highest
        if due.tally.number:
            title = f"{due.tally.label}: {due.tally.number}"
            chart.bar(x + 8, base - height, col_w - 16, height, BAR_FILL, due.tally, title)
        chart.drawing.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" fill="currentColor">{}</text>',
                x + col_w / 2,
                f"{base - height - 5:.1f}",
                due.tally.number,
            )
        )
        label = _month_label(due.month, first=i == 0)
        chart.drawing.append(
            format_html(
                '<g transform="translate({} {})"><text x="0" y="0" text-anchor="middle" fill="currentColor" '
                'font-size="12">{}</text></g>',
                x + col_w / 2,
                base + 16,
                label,
            )
        )
    chart.drawing.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"></line>',
            left,
            base,
            left + len(months) * col_w,
            base,
        )
    )
    return chart.render(prefix, base + 44, _("Reviews due per month"), due_by_month_desc(months))
