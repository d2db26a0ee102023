"""The chart of /kpi rewards: the period's vouchers by source (claimed, redeemed, lapsed, still
open at its end), labelled in the admin's language; chart_kit.py draws and fits it like the
other report charts (charts.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from handlers.ui.chart_kit import (
    BLUE,
    GREEN,
    GREY,
    RED,
    fit,
    new_figure,
    period_in_title,
    png,
    set_title,
    value_axis,
    wrap,
)
from handlers.ui.kpi_render import SOURCE_NAMES
from handlers.ui.report_render import number
from services.reports.rewards import RewardsReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH = 0.2  # of a bar; four side by side for each source


def rewards_figure(report: RewardsReport) -> Figure:
    """Four bars a source: claimed, redeemed, lapsed, still open (all vouchers in one group
    when there were none)."""
    figure, axes = new_figure()
    rows = report.sources or (report.vouchers,)
    names = [wrap(str(SOURCE_NAMES[c.source]) if c.source else _("Vouchers"), 16) for c in rows]
    groups = [
        ([c.claimed for c in rows], GREY, _("Claimed")),
        ([c.redeemed for c in rows], GREEN, _("Redeemed at the till")),
        ([c.lapsed for c in rows], RED, _("Lapsed")),
        ([c.open for c in rows], BLUE, _("Still open")),
    ]
    xs = range(len(rows))
    for offset, (heights, color, label) in enumerate(groups):
        positions = [x + (offset - 1.5) * WIDTH for x in xs]
        bars = axes.bar(positions, heights, WIDTH, color=color, label=label)
        axes.bar_label(bars, labels=[number(h) for h in heights], fontsize=9)
    axes.set_xticks(list(xs), names, fontsize=10)
    value_axis(axes, number)
    top = max([h for heights, _color, _label in groups for h in heights] + [1])
    axes.set_ylim(0, top * 1.45)  # room for the legend above the bars
    axes.legend(loc="upper left", fontsize=10, frameon=False, ncols=2)
    set_title(
        axes, _("Vouchers by source, {period}").format(period=period_in_title(report.period))
    )
    return fit(figure)


def rewards_chart(report: RewardsReport) -> bytes:
    return png(rewards_figure(report))
