"""The chart of /kpi coalition: the business's certificates by the partner that handed them
out (handed out, redeemed) and the new customers each brought, labelled in the admin's
language; chart_kit.py draws and fits it like the other report charts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from handlers.ui.chart_kit import (
    BLUE,
    GREEN,
    GREY,
    fit,
    grouped_bars,
    new_figure,
    period_in_title,
    png,
    set_title,
    wrap,
)
from handlers.ui.coalition_render import PARTNERS_SHOWN
from handlers.ui.report_render import number
from services.reports.coalition import CoalitionReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def coalition_figure(report: CoalitionReport) -> Figure:
    """Three bars a partner: its certificates handed out, redeemed, and the new customers
    it brought."""
    figure, axes = new_figure()
    rows = report.partners[:PARTNERS_SHOWN] or (report.total,)
    names = [wrap(p.partner or _("Partners"), 16) for p in rows]
    groups = [
        ([p.issued for p in rows], GREY, _("Handed out")),
        ([p.redeemed for p in rows], GREEN, _("Redeemed at the till")),
        ([p.new_customers for p in rows], BLUE, _("New customers")),
    ]
    grouped_bars(axes, names, groups, number, legend_columns=3)
    set_title(
        axes,
        _("Your certificates by partner, {period}").format(period=period_in_title(report.period)),
    )
    return fit(figure)


def coalition_chart(report: CoalitionReport) -> bytes:
    return png(coalition_figure(report))
