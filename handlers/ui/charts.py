"""Report charts as PNG images, labelled in the admin's language and the merchant's currency:
revenue, cohorts, ratings, the referral funnel, points (chart_kit.py draws and fits them).

A day or month not over yet (today, this month) is drawn hatched and lighter, with a legend
note, so that its smaller figure does not read as a collapse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _
from babel.dates import format_skeleton

from handlers.ui.chart_kit import (
    BLUE,
    CUT_HATCH,
    DARK_BLUE,
    GREEN,
    GREY,
    LABEL_CHARS,
    ORANGE,
    RED,
    TITLE_CHARS,
    contrast,
    fit,
    mark_partial,
    month_labels,
    new_figure,
    partial_handle,
    period_in_title,
    png,
    set_title,
    value_axis,
    wrap,
)
from handlers.ui.render import date_locale, money
from handlers.ui.report_render import WEEKDAYS, month_text, number
from services.reports.cohorts import Cohorts
from services.reports.points import PointsReport
from services.reports.ratings import Feedback
from services.reports.revenue import Series
from services.reports.stats import Snapshot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def revenue_figure(series: Series) -> Figure:
    """Revenue per day (or month) with purchases on a second axis; purchases by weekday."""
    figure, (top, bottom) = new_figure(2, [2, 1])
    cur = series.merchant.currency
    days = [d for d, _n, _r in series.points]
    if series.monthly:
        labels = month_labels(days)
    else:  # the years are in the title
        loc = date_locale(series.merchant.timezone)
        labels = [format_skeleton("MMMd", d, locale=loc) for d in days]
    xs = list(range(len(series.points)))
    bars = top.bar(xs, [r for _d, _n, r in series.points], color=BLUE, label=_("Revenue"))
    set_title(
        top, _("Revenue and purchases, {period}").format(period=period_in_title(series.period))
    )
    value_axis(top, lambda value: money(int(value), cur))
    top.set_ylabel(wrap(_("Revenue"), LABEL_CHARS), color=BLUE)
    step = 1 if series.monthly else max(1, len(labels) // 6)
    top.set_xticks(xs[::step], labels[::step], fontsize=10 if series.monthly else None)
    right = top.twinx()
    counts = [n for _d, n, _r in series.points]
    partial_last = series.partial and len(xs) > 0
    solid = len(xs) - 1 if partial_last else len(xs)
    right.plot(xs[:solid], counts[:solid], color=ORANGE, marker="o", markersize=3)
    handles = []
    if partial_last:
        # The day (month) so far: a dashed step to a hollow point, not a fall.
        right.plot(xs[-2:], counts[-2:], color=ORANGE, linestyle=":", linewidth=1.5)
        right.plot(
            xs[-1:], counts[-1:], color=ORANGE, marker="o", markersize=6, markerfacecolor="white"
        )
        mark_partial(top, bars, len(xs) - 1)
        note = _("month so far") if series.monthly else _("today so far")
        handles.append(partial_handle(note))
    if series.monthly and series.period.first_day.day != 1 and len(xs) > 1:
        mark_partial(top, bars, 0, CUT_HATCH)
        handles.append(partial_handle(_("part of the month"), CUT_HATCH))
    if handles:
        top.legend(handles=handles, loc="upper left", fontsize=10, frameon=False)
    right.set_ylabel(wrap(_("Purchases"), LABEL_CHARS), color=ORANGE)
    value_axis(right, number)
    right.set_ylim(bottom=0)
    top.set_ylim(top=max([r for _d, _n, r in series.points] + [1]) * 1.2)  # room for notes
    right.set_ylim(top=max([*counts, 1]) * 1.2)
    bottom.bar([str(w) for w in WEEKDAYS], [n for n, _r in series.weekdays], color=GREEN)
    set_title(bottom, _("Purchases by day of the week"))
    value_axis(bottom, number)
    return fit(figure)


def revenue_chart(series: Series) -> bytes:
    return png(revenue_figure(series))


def cohort_figure(cohorts: Cohorts) -> Figure:
    """A heat map: a row per month of joining, a column per month after it."""
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Rectangle

    figure, axes = new_figure()
    rows = [i for i, size in enumerate(cohorts.sizes) if size]
    width = max((len(cohorts.active[i]) for i in rows), default=1)  # the oldest cohort's age
    grid = [
        [cohorts.share(i, k).value if k < len(cohorts.active[i]) else None for k in range(width)]
        for i in rows
    ]
    set_title(axes, _("Share of each month's new members who bought"))
    if not rows:
        axes.text(0.5, 0.5, _("No members yet"), ha="center", va="center", fontsize=16)
        axes.set_axis_off()
        return fit(figure)
    cmap = LinearSegmentedColormap.from_list("retention", ["#f1f3f5", DARK_BLUE]).with_extremes(
        bad="white"
    )
    import numpy as np

    values = np.ma.masked_invalid(np.array(grid, dtype=float))
    axes.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    size = 13 if width <= 8 else 11
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            if value is None:
                continue
            if width <= 12:
                axes.text(
                    x,
                    y,
                    number(value * 100),
                    ha="center",
                    va="center",
                    fontsize=size,
                    fontweight="bold",
                    color=contrast(cmap(value)),
                )
            if x == len(cohorts.active[rows[y]]) - 1:  # this month, not over yet
                axes.add_patch(
                    Rectangle(
                        (x - 0.5, y - 0.5),
                        1,
                        1,
                        fill=False,
                        hatch="//",
                        edgecolor=(0.53, 0.56, 0.59, 0.6),
                        linewidth=0,
                    )
                )
    axes.legend(
        handles=[partial_handle(_("month so far"))],
        loc="lower right",
        fontsize=11,
        frameon=False,
    )
    axes.set_yticks(
        range(len(rows)),
        [
            f"{month_text(cohorts.months[i], cohorts.merchant.timezone)} ({cohorts.sizes[i]})"
            for i in rows
        ],
        fontsize=11,
    )
    axes.set_xticks(range(width), [str(k) for k in range(width)], fontsize=11)
    axes.set_xlabel(wrap(_("Months after joining (%)"), TITLE_CHARS))
    axes.spines[:].set_visible(False)
    return fit(figure)


def cohort_chart(cohorts: Cohorts) -> bytes:
    return png(cohort_figure(cohorts))


def ratings_figure(feedback: Feedback) -> Figure:
    """The stars of the period, and CSAT and NPS month by month."""
    figure, (top, bottom) = new_figure(2)
    counts = [feedback.stars.get(s, 0) for s in range(1, 6)]
    colors = [RED, ORANGE, GREY, GREEN, GREEN]
    top.bar([f"{s}★" for s in range(1, 6)], counts, color=colors)
    set_title(top, _("Ratings, {period}").format(period=period_in_title(feedback.period)))
    value_axis(top, number)
    months = month_labels([m for m, _c, _n in feedback.trend])
    if feedback.partial and months:
        months[-1] += "\n" + _("so far")
    xs = list(range(len(months)))
    _line(bottom, xs, [c.value for _m, c, _n in feedback.trend], BLUE, "o", _("CSAT (1–5)"))
    bottom.set_xticks(xs, months, fontsize=10)
    bottom.set_ylim(0, 5.2)
    set_title(bottom, _("CSAT and NPS by month"))
    right = bottom.twinx()
    _line(right, xs, [n.score for _m, _c, n in feedback.trend], ORANGE, "s", _("NPS"))
    right.set_ylim(-100, 100)
    right.set_ylabel(_("NPS"), color=ORANGE)
    bottom.set_ylabel(_("CSAT"), color=BLUE)
    return fit(figure)


def _line(
    axes: Axes, xs: list[int], values: Sequence[float | None], color: str, marker: str, label: str
) -> None:
    """A line through the months; a month without a value (no ratings) leaves a gap."""
    gapped = [v if v is not None else float("nan") for v in values]
    axes.plot(xs, gapped, color=color, marker=marker, label=label)


def ratings_chart(feedback: Feedback) -> bytes:
    return png(ratings_figure(feedback))


def funnel_figure(snapshot: Snapshot) -> Figure:
    """Joined through a friend's link, then bought, then bought again."""
    figure, axes = new_figure()
    joined = snapshot.referral_joins
    stages = [
        (_("Joined through a friend"), joined),
        (_("Made a first purchase"), snapshot.effective_referrals.num),
        (_("Bought again"), snapshot.referral_repeat.num),
    ]
    labels = [wrap(name, 18) for name, _n in stages][::-1]
    values = [n for _name, n in stages][::-1]
    axes.barh(labels, values, color=[GREY, BLUE, GREEN])
    for y, value in enumerate(values):
        text = number(value)
        if joined:
            text += f" ({number(100 * value / joined)}%)"
        axes.text(value, y, " " + text, va="center")
    set_title(axes, _("Referral funnel, {period}").format(period=period_in_title(snapshot.period)))
    axes.set_xlim(0, max([*values, 1]) * 1.45)
    axes.xaxis.set_visible(False)
    return fit(figure)


def funnel_chart(snapshot: Snapshot) -> bytes:
    return png(funnel_figure(snapshot))


def points_figure(report: PointsReport) -> Figure:
    """Points issued, redeemed and expired per month (left axis, in points), and the value of
    the points outstanding (right axis, in money). The last month is the current one."""
    figure, axes = new_figure()
    months = month_labels([m.month for m in report.months])
    xs = range(len(months))
    width = 0.28
    groups = [
        ([x - width for x in xs], [m.issued for m in report.months], GREEN, _("Issued")),
        (list(xs), [m.redeemed for m in report.months], BLUE, _("Redeemed")),
        ([x + width for x in xs], [m.expired for m in report.months], GREY, _("Expired")),
    ]
    for positions, heights, color, label in groups:
        bars = axes.bar(positions, heights, width, color=color, label=label)
        mark_partial(axes, bars, len(months) - 1)
    axes.set_xticks(list(xs), months, fontsize=10)
    value_axis(axes, number)
    axes.set_ylabel(wrap(_("Points per month"), LABEL_CHARS))
    right = axes.twinx()
    right.plot(
        xs,
        [m.outstanding for m in report.months],
        color=ORANGE,
        marker="o",
        label=_("Outstanding"),
    )
    value_axis(right, lambda value: money(int(value), report.merchant.currency))
    right.set_ylim(bottom=0)
    right.set_ylabel(wrap(_("Value of the points outstanding"), LABEL_CHARS), color=ORANGE)
    top = max([m.issued for m in report.months] + [m.redeemed for m in report.months] + [1])
    axes.set_ylim(0, top * 1.45)  # room for the legend above the bars
    right.set_ylim(0, max([m.outstanding for m in report.months] + [1]) * 1.45)
    handles = axes.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    if months:
        handles.append(partial_handle(_("month so far")))
    axes.legend(handles=handles, loc="upper left", fontsize=10, frameon=False, ncols=3)
    set_title(axes, _("Points by month"))
    return fit(figure)


def points_chart(report: PointsReport) -> bytes:
    return png(points_figure(report))
