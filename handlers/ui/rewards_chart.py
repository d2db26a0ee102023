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
    grouped_bars,
    new_figure,
    period_in_title,
    png,
    set_title,
    wrap,
)
from handlers.ui.kpi_render import SOURCE_NAMES
from handlers.ui.report_render import number
from services.reports.rewards import RewardsReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
    grouped_bars(axes, names, groups, number)
    set_title(
        axes, _("Vouchers by source, {period}").format(period=period_in_title(report.period))
    )
    return fit(figure)


def rewards_chart(report: RewardsReport) -> bytes:
    return png(rewards_figure(report))
