"""Report charts as PNG images: matplotlib's Agg canvas, no pyplot (no global state, so two
charts can be drawn at once in worker threads), sized and lettered to be read on a phone,
labelled in the admin's language and the merchant's currency.

A day or month not over yet (today, this month) is drawn hatched and lighter, with a legend
note, so that its smaller figure does not read as a collapse. Every text is fitted inside the
picture after layout: long titles wrap, and what still does not fit is made smaller.

matplotlib is imported on first use: it costs about a second, which `loyalty-bot run` need
not pay until someone asks for a chart.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from aiogram.utils.i18n import gettext as _
from babel.dates import format_skeleton

from handlers.ui.render import date_locale, locale, money
from handlers.ui.report_render import WEEKDAYS, month_text, number, period_text
from services.reports.cohorts import Cohorts
from services.reports.periods import Period
from services.reports.points import PointsReport
from services.reports.ratings import Feedback
from services.reports.revenue import Series
from services.reports.stats import Snapshot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.text import Text

BLUE, GREEN, ORANGE, RED, GREY = "#2a6fdb", "#2e9e5b", "#f08c00", "#d9480f", "#868e96"
DARK_BLUE = "#0b3b8c"  # the heat map's top: white text on it stays readable
SIZE = (8, 6)  # inches at 150 dpi: 1200 x 900 pixels, sharp on a phone, small to send
DPI = 150
TITLE_CHARS = 52  # a 16-point bold title line across the 8-inch picture
LABEL_CHARS = 40  # an axis label along the 6-inch side
PARTIAL_HATCH = "///"
CUT_HATCH = "..."
PARTIAL_ALPHA = 0.45


def _figure(rows: int = 1, height_ratios: list[float] | None = None) -> tuple[Figure, Any]:
    from matplotlib import rcParams
    from matplotlib.figure import Figure

    rcParams["font.size"] = 13
    rcParams["axes.titlesize"] = 16
    rcParams["axes.titleweight"] = "bold"
    rcParams["axes.spines.top"] = False
    rcParams["axes.spines.right"] = False
    rcParams["hatch.linewidth"] = 1.5
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, 1, gridspec_kw={"height_ratios": height_ratios or [1] * rows})
    return figure, axes


def wrap(text: str, chars: int) -> str:
    """Lines of at most `chars` characters, broken between words."""
    return "\n".join(textwrap.wrap(text, chars, break_long_words=False)) or text


def _title(axes: Axes, text: str) -> None:
    axes.set_title(wrap(text, TITLE_CHARS))


def _period(period: Period) -> str:
    """The period of a title, kept on one line when the title wraps."""
    return period_text(period).replace(" ", "\u00a0")


def texts(figure: Figure) -> list[Text]:
    """Every text drawn in a figure: titles, axis and tick labels, legends, annotations."""
    from matplotlib.text import Text

    ticks: set[int] = set()  # every tick label, drawn or not
    drawn: set[int] = set()  # the tick labels of the ticks that are drawn
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks |= {id(tick.label1), id(tick.label2)}
            if axes.axison and axis.get_visible():
                # the ones in view (a private method, not in matplotlib's stubs)
                for tick in axis._update_ticks():  # type: ignore[union-attr]
                    drawn |= {id(tick.label1), id(tick.label2)}
    return [
        text
        for text in figure.findobj(Text)
        if isinstance(text, Text)
        and text.get_visible()
        and text.get_text()
        and (id(text) not in ticks or id(text) in drawn)
    ]


def renderer(figure: Figure) -> RendererBase:
    """Draw the figure (laying it out) and return the renderer that measured it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else None
    if canvas is None:
        canvas = FigureCanvasAgg(figure)
    # FigureCanvasAgg ships without annotations.
    canvas.draw()  # type: ignore[no-untyped-call]
    drawn: RendererBase = canvas.get_renderer()  # type: ignore[no-untyped-call]
    return drawn


def _spills(figure: Figure) -> list[tuple[Text, float]]:
    """The texts whose drawn extent is not wholly inside the picture, each with the share
    of the picture's width it takes."""
    drawn = renderer(figure)
    box = figure.bbox
    spilled = []
    for text in texts(figure):
        extent = text.get_window_extent(drawn)
        if extent.width == 0 and extent.height == 0:
            continue
        if (
            extent.x0 < box.x0 - 0.5
            or extent.y0 < box.y0 - 0.5
            or extent.x1 > box.x1 + 0.5
            or extent.y1 > box.y1 + 0.5
        ):
            spilled.append((text, extent.width / box.width))
    return spilled


def outside(figure: Figure) -> list[Text]:
    """The texts whose drawn extent is not wholly inside the picture."""
    return [text for text, _share in _spills(figure)]


def fit(figure: Figure, passes: int = 8) -> Figure:
    """Wrap, then shrink, any text that spills out of the picture, until everything fits."""
    for _pass in range(passes):
        spilled = _spills(figure)
        if not spilled:
            break
        for text, share in spilled:
            content = text.get_text()
            longest = max(len(line) for line in content.splitlines())
            chars = max(8, int(longest * min(0.8, 0.9 / max(share, 0.01))))
            wrapped = wrap(content.replace("\n", " "), chars)
            if _pass < 4 and wrapped.count("\n") > content.count("\n"):
                text.set_text(wrapped)
            else:
                # get_fontsize() is typed "float | str"; the size in points is always a float
                size = text.get_fontproperties().get_size_in_points()
                text.set_fontsize(max(6.0, size * 0.85))
    return figure


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


def month_labels(months: Sequence[date]) -> list[str]:
    """Short month names; with the year under the first month and each January when the
    months span two years or more."""
    loc = locale()
    if len({m.year for m in months}) <= 1:
        return [format_skeleton("MMM", m, locale=loc) for m in months]
    return [
        format_skeleton("MMM", m, locale=loc) + (f"\n{m.year}" if i == 0 or m.month == 1 else "")
        for i, m in enumerate(months)
    ]


def _partial_bars(axes: Axes, bars: Any, index: int, hatch: str = PARTIAL_HATCH) -> None:
    """Draw one bar of a series as not complete: lighter, hatched, outlined."""
    if not 0 <= index < len(bars):
        return
    bar = bars[index]
    color = bar.get_facecolor()
    bar.set_alpha(PARTIAL_ALPHA)
    bar.set_hatch(hatch)
    bar.set_edgecolor((*color[:3], 1.0))


def _partial_handle(label: str, hatch: str = PARTIAL_HATCH) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor="white", edgecolor=GREY, hatch=hatch, label=label)


def revenue_figure(series: Series) -> Figure:
    """Revenue per day (or month) with purchases on a second axis; purchases by weekday."""
    figure, (top, bottom) = _figure(2, [2, 1])
    cur = series.merchant.currency
    days = [d for d, _n, _r in series.points]
    if series.monthly:
        labels = month_labels(days)
    else:  # the years are in the title
        loc = date_locale(series.merchant.timezone)
        labels = [format_skeleton("MMMd", d, locale=loc) for d in days]
    xs = list(range(len(series.points)))
    bars = top.bar(xs, [r for _d, _n, r in series.points], color=BLUE, label=_("Revenue"))
    _title(top, _("Revenue and purchases, {period}").format(period=_period(series.period)))
    _money_axis(top, cur)
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
        _partial_bars(top, bars, len(xs) - 1)
        note = _("month so far") if series.monthly else _("today so far")
        handles.append(_partial_handle(note))
    if series.monthly and series.period.first_day.day != 1 and len(xs) > 1:
        _partial_bars(top, bars, 0, CUT_HATCH)
        handles.append(_partial_handle(_("part of the month"), CUT_HATCH))
    if handles:
        top.legend(handles=handles, loc="upper left", fontsize=10, frameon=False)
    right.set_ylabel(wrap(_("Purchases"), LABEL_CHARS), color=ORANGE)
    _count_axis(right)
    right.set_ylim(bottom=0)
    top.set_ylim(top=max([r for _d, _n, r in series.points] + [1]) * 1.2)  # room for notes
    right.set_ylim(top=max([*counts, 1]) * 1.2)
    bottom.bar([str(w) for w in WEEKDAYS], [n for n, _r in series.weekdays], color=GREEN)
    _title(bottom, _("Purchases by day of the week"))
    _count_axis(bottom)
    return fit(figure)


def revenue_chart(series: Series) -> bytes:
    return _png(revenue_figure(series))


def _contrast(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a cell of this colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "white" if luminance < 0.2 else "black"


def cohort_figure(cohorts: Cohorts) -> Figure:
    """A heat map: a row per month of joining, a column per month after it."""
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Rectangle

    figure, axes = _figure()
    rows = [i for i, size in enumerate(cohorts.sizes) if size]
    width = max((len(cohorts.active[i]) for i in rows), default=1)  # the oldest cohort's age
    grid = [
        [cohorts.share(i, k).value if k < len(cohorts.active[i]) else None for k in range(width)]
        for i in rows
    ]
    _title(axes, _("Share of each month's new members who bought"))
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
                    color=_contrast(cmap(value)),
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
        handles=[_partial_handle(_("month so far"))],
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
    return _png(cohort_figure(cohorts))


def ratings_figure(feedback: Feedback) -> Figure:
    """The stars of the period, and CSAT and NPS month by month."""
    figure, (top, bottom) = _figure(2)
    counts = [feedback.stars.get(s, 0) for s in range(1, 6)]
    colors = [RED, ORANGE, GREY, GREEN, GREEN]
    top.bar([f"{s}★" for s in range(1, 6)], counts, color=colors)
    _title(top, _("Ratings, {period}").format(period=_period(feedback.period)))
    _count_axis(top)
    months = month_labels([m for m, _c, _n in feedback.trend])
    if feedback.partial and months:
        months[-1] += "\n" + _("so far")
    xs = list(range(len(months)))
    csat = [c.value for _m, c, _n in feedback.trend]
    nps = [n.score for _m, _c, n in feedback.trend]
    bottom.plot(
        xs,
        [v if v is not None else float("nan") for v in csat],
        color=BLUE,
        marker="o",
        label=_("CSAT (1–5)"),
    )
    bottom.set_xticks(xs, months, fontsize=10)
    bottom.set_ylim(0, 5.2)
    _title(bottom, _("CSAT and NPS by month"))
    right = bottom.twinx()
    right.plot(
        xs,
        [v if v is not None else float("nan") for v in nps],
        color=ORANGE,
        marker="s",
        label=_("NPS"),
    )
    right.set_ylim(-100, 100)
    right.set_ylabel(_("NPS"), color=ORANGE)
    bottom.set_ylabel(_("CSAT"), color=BLUE)
    return fit(figure)


def ratings_chart(feedback: Feedback) -> bytes:
    return _png(ratings_figure(feedback))


def funnel_figure(snapshot: Snapshot) -> Figure:
    """Joined through a friend's link, then bought, then bought again."""
    figure, axes = _figure()
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
    _title(axes, _("Referral funnel, {period}").format(period=_period(snapshot.period)))
    axes.set_xlim(0, max([*values, 1]) * 1.45)
    axes.xaxis.set_visible(False)
    return fit(figure)


def funnel_chart(snapshot: Snapshot) -> bytes:
    return _png(funnel_figure(snapshot))


def points_figure(report: PointsReport) -> Figure:
    """Points issued, redeemed and expired per month (left axis, in points), and the value of
    the points outstanding (right axis, in money). The last month is the current one."""
    figure, axes = _figure()
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
        _partial_bars(axes, bars, len(months) - 1)
    axes.set_xticks(list(xs), months, fontsize=10)
    _count_axis(axes)
    axes.set_ylabel(wrap(_("Points per month"), LABEL_CHARS))
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
    right.set_ylabel(wrap(_("Value of the points outstanding"), LABEL_CHARS), color=ORANGE)
    top = max([m.issued for m in report.months] + [m.redeemed for m in report.months] + [1])
    axes.set_ylim(0, top * 1.45)  # room for the legend above the bars
    right.set_ylim(0, max([m.outstanding for m in report.months] + [1]) * 1.45)
    handles = axes.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    if months:
        handles.append(_partial_handle(_("month so far")))
    axes.legend(handles=handles, loc="upper left", fontsize=10, frameon=False, ncols=3)
    _title(axes, _("Points by month"))
    return fit(figure)


def points_chart(report: PointsReport) -> bytes:
    return _png(points_figure(report))
