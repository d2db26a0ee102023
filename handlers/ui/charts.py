"""Report charts as PNG images: matplotlib's Agg canvas, no pyplot (no global state, so two
charts can be drawn at once in worker threads), sized and lettered to be read on a phone,
labelled in the admin's language and the merchant's currency.

matplotlib is imported on first use: it costs about a second, which `loyalty-bot run` need
not pay until someone asks for a chart.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from aiogram.utils.i18n import gettext as _
from babel.dates import format_skeleton

from handlers.ui.render import locale, money
from handlers.ui.report_render import WEEKDAYS, number, period_text
from services.reports import Cohorts, Feedback, PointsReport, Series, Snapshot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BLUE, GREEN, ORANGE, RED, GREY = "#2a6fdb", "#2e9e5b", "#f08c00", "#d9480f", "#868e96"
SIZE = (8, 6)  # inches at 150 dpi: 1200 x 900 pixels, sharp on a phone, small to send
DPI = 150


def _figure(rows: int = 1, height_ratios: list[float] | None = None) -> tuple[Figure, Any]:
    from matplotlib import rcParams
    from matplotlib.figure import Figure

    rcParams["font.size"] = 13
    rcParams["axes.titlesize"] = 16
    rcParams["axes.titleweight"] = "bold"
    rcParams["axes.spines.top"] = False
    rcParams["axes.spines.right"] = False
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, 1, gridspec_kw={"height_ratios": height_ratios or [1] * rows})
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _money_axis(axes: Axes, currency: str) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: money(int(value), currency)))


def _count_axis(axes: Axes) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: number(value)))


def revenue_chart(series: Series) -> bytes:
    """Revenue per day (or month) with purchases on a second axis; purchases by weekday."""
    figure, (top, bottom) = _figure(2, [2, 1])
    cur = series.merchant.currency
    skeleton = "MMM" if series.monthly else "MMMd"  # the years are in the title
    labels = [format_skeleton(skeleton, d, locale=locale()) for d, _n, _r in series.points]
    xs = range(len(series.points))
    top.bar(xs, [r for _d, _n, r in series.points], color=BLUE, label=_("Revenue"))
    top.set_title(_("Revenue and purchases, {period}").format(period=period_text(series.period)))
    _money_axis(top, cur)
    step = 1 if series.monthly else max(1, len(labels) // 6)
    top.set_xticks(list(xs)[::step], labels[::step], fontsize=10 if series.monthly else None)
    right = top.twinx()
    right.plot(xs, [n for _d, n, _r in series.points], color=ORANGE, marker="o", markersize=3)
    right.set_ylabel(_("Purchases"), color=ORANGE)
    _count_axis(right)
    right.set_ylim(bottom=0)
    bottom.bar([str(w) for w in WEEKDAYS], [n for n, _r in series.weekdays], color=GREEN)
    bottom.set_title(_("Purchases by day of the week"))
    _count_axis(bottom)
    return _png(figure)


def cohort_chart(cohorts: Cohorts) -> bytes:
    """A heat map: a row per month of joining, a column per month after it."""
    from matplotlib.colors import LinearSegmentedColormap

    figure, axes = _figure()
    rows = [i for i, size in enumerate(cohorts.sizes) if size]
    width = max((len(cohorts.active[i]) for i in rows), default=1)  # the oldest cohort's age
    grid = [
        [cohorts.share(i, k).value if k < len(cohorts.active[i]) else None for k in range(width)]
        for i in rows
    ]
    axes.set_title(_("Share of each month's new members who bought"))
    if not rows:
        axes.text(0.5, 0.5, _("No members yet"), ha="center", va="center", fontsize=16)
        axes.set_axis_off()
        return _png(figure)
    cmap = LinearSegmentedColormap.from_list("retention", ["#f1f3f5", BLUE]).with_extremes(
        bad="white"
    )
    import numpy as np

    values = np.ma.masked_invalid(np.array(grid, dtype=float))
    axes.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            if value is not None and width <= 12:
                axes.text(
                    x,
                    y,
                    number(value * 100),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if value > 0.5 else "black",
                )
    axes.set_yticks(
        range(len(rows)),
        [
            f"{format_skeleton('yMMM', cohorts.months[i], locale=locale())} ({cohorts.sizes[i]})"
            for i in rows
        ],
        fontsize=10,
    )
    axes.set_xticks(range(width), [str(k) for k in range(width)], fontsize=10)
    axes.set_xlabel(_("Months after joining (%)"))
    axes.spines[:].set_visible(False)
    return _png(figure)


def ratings_chart(feedback: Feedback) -> bytes:
    """The stars of the period, and CSAT and NPS month by month."""
    figure, (top, bottom) = _figure(2)
    counts = [feedback.stars.get(s, 0) for s in range(1, 6)]
    colors = [RED, ORANGE, GREY, GREEN, GREEN]
    top.bar([f"{s}★" for s in range(1, 6)], counts, color=colors)
    top.set_title(_("Ratings, {period}").format(period=period_text(feedback.period)))
    _count_axis(top)
    months = [format_skeleton("MMM", m, locale=locale()) for m, _c, _n in feedback.trend]
    csat = [c.value for _m, c, _n in feedback.trend]
    nps = [n.score for _m, _c, n in feedback.trend]
    bottom.plot(
        months,
        [v if v is not None else float("nan") for v in csat],
        color=BLUE,
        marker="o",
        label=_("CSAT (1–5)"),
    )
    bottom.set_ylim(0, 5.2)
    bottom.set_title(_("CSAT and NPS by month"))
    right = bottom.twinx()
    right.plot(
        months,
        [v if v is not None else float("nan") for v in nps],
        color=ORANGE,
        marker="s",
        label=_("NPS"),
    )
    right.set_ylim(-100, 100)
    right.set_ylabel(_("NPS"), color=ORANGE)
    bottom.set_ylabel(_("CSAT"), color=BLUE)
    return _png(figure)


def funnel_chart(snapshot: Snapshot) -> bytes:
    """Joined through a friend's link, then bought, then bought again."""
    figure, axes = _figure()
    joined = snapshot.referral_joins
    stages = [
        (_("Joined through a friend"), joined),
        (_("Made a first purchase"), snapshot.effective_referrals.num),
        (_("Bought again"), snapshot.referral_repeat.num),
    ]
    labels = [name for name, _n in stages][::-1]
    values = [n for _name, n in stages][::-1]
    axes.barh(labels, values, color=[GREY, BLUE, GREEN])
    for y, value in enumerate(values):
        text = number(value)
        if joined:
            text += f" ({number(100 * value / joined)}%)"
        axes.text(value, y, " " + text, va="center")
    axes.set_title(_("Referral funnel, {period}").format(period=period_text(snapshot.period)))
    axes.set_xlim(0, max([*values, 1]) * 1.35)
    axes.xaxis.set_visible(False)
    return _png(figure)


def points_chart(report: PointsReport) -> bytes:
    """Points issued, redeemed and expired per month, and the outstanding balance."""
    figure, axes = _figure()
    months = [format_skeleton("MMM", m.month, locale=locale()) for m in report.months]
    xs = range(len(months))
    width = 0.28
    axes.bar(
        [x - width for x in xs],
        [m.issued for m in report.months],
        width,
        color=GREEN,
        label=_("Issued"),
    )
    axes.bar(xs, [m.redeemed for m in report.months], width, color=BLUE, label=_("Redeemed"))
    axes.bar(
        [x + width for x in xs],
        [m.expired for m in report.months],
        width,
        color=GREY,
        label=_("Expired"),
    )
    axes.set_xticks(list(xs), months, fontsize=10)
    _count_axis(axes)
    right = axes.twinx()
    right.plot(
        xs,
        [m.outstanding for m in report.months],
        color=ORANGE,
        marker="o",
        label=_("Outstanding"),
    )
    _money_axis(right, report.merchant.currency)
    right.set_ylim(bottom=0)
    handles = axes.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="upper left", fontsize=10, frameon=False)
    axes.set_title(_("Points by month"))
    return _png(figure)
