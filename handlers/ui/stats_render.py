"""/stats: the dashboard of every KPI against the period before, its period and chart buttons,
and the /kpi menu."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from handlers.ui.callbacks import KpiCb, StatsCb
from handlers.ui.render import money
from handlers.ui.report_render import (
    mean_money,
    nps_text,
    number,
    period_text,
    share,
    stars_text,
    trend,
    trend_rate,
)
from services.reports.periods import DEFAULT_DAYS, PERIODS
from services.reports.stats import Dashboard

KPI_NAMES = ("revenue", "cohorts", "ratings", "referrals", "points", "rewards", "coalition")
KPI_TITLES = {
    "revenue": __("📈 Revenue"),
    "cohorts": __("👥 Cohorts"),
    "ratings": __("⭐ Ratings"),
    "referrals": __("🤝 Referrals"),
    "points": __("🎁 Points"),
    "rewards": __("🎟 Rewards"),
    "coalition": __("🔗 Coalition"),
}


def dashboard_text(d: Dashboard) -> str:
    c, p, cur = d.current, d.previous, d.merchant.currency
    lines = [
        _("📊 <b>{merchant}</b> · {period}").format(
            merchant=escape(d.merchant.name), period=period_text(c.period)
        ),
        _("compared with {period}").format(period=period_text(p.period)),
        "",
        _("<b>Registration</b>"),
        _("Members: {n}").format(n=number(c.members)) + trend(c.members, p.members),
        _("New members: {n}").format(n=number(c.new_members))
        + trend(c.new_members, p.new_members),
        _("Opted in to news: {share} · reachable: {n}").format(
            share=share(c.opted_in), n=number(c.reachable)
        ),
        "",
        _("<b>Frequency</b>"),
        _("Customers who bought: {n}").format(n=number(c.active)) + trend(c.active, p.active),
        _("Purchases: {n}").format(n=number(c.purchases)) + trend(c.purchases, p.purchases),
        _("Revenue: {amount}").format(amount=money(c.revenue, cur)) + trend(c.revenue, p.revenue),
        _("Average check: {amount}").format(amount=mean_money(c.average_check, cur))
        + trend(c.average_check.value, p.average_check.value),
        "",
        _("<b>Conversion</b>"),
        _("First purchase within 30 days: {share}").format(share=share(c.first_purchase))
        + trend_rate(c.first_purchase, p.first_purchase),
        _("Repeat purchase rate: {share}").format(share=share(c.repeat_rate))
        + trend_rate(c.repeat_rate, p.repeat_rate),
        _("Retention: {share}").format(share=share(c.retention))
        + trend_rate(c.retention, p.retention),
        _("Churn (no purchase for 90 days): {share}").format(share=share(c.churn))
        + trend_rate(c.churn, p.churn, up_is_good=False),
        "",
        _("<b>Advocacy</b>"),
        _("Joined through friends: {n}, of them bought: {share}").format(
            n=number(c.referral_joins), share=share(c.effective_referrals)
        )
        + trend(c.referral_joins, p.referral_joins),
        _("CSAT: {stars} ★ ({share} rated 4–5)").format(
            stars=stars_text(c.csat), share=share(c.csat_good)
        )
        + trend(c.csat.value, p.csat.value),
        ngettext("NPS: {score} ({n} answer)", "NPS: {score} ({n} answers)", c.nps.answers).format(
            score=nps_text(c.nps), n=number(c.nps.answers)
        ),
        "",
        _("<b>Rewarding</b>"),
        _("Points issued: {issued} · redeemed: {redeemed} ({share})").format(
            issued=number(c.issued), redeemed=number(c.redeemed), share=share(c.redemption_rate)
        ),
        _("Points outstanding: {amount}").format(amount=money(c.liability_minor, cur))
        + trend(c.liability_minor, p.liability_minor, up_is_good=None),
        "",
        # One lifetime value: the historical one; the last year's spend is a labelled detail.
        _("Customer lifetime value: {clv} (average spend per customer so far)").format(
            clv=mean_money(c.clv, cur)
        ),
        _("↳ in the last 12 months: {year} per customer who bought").format(
            year=mean_money(c.value_12m, cur)
        ),
    ]
    return "\n".join(lines)


def stats_keyboard(days: int, report: Dashboard | None = None) -> InlineKeyboardMarkup:
    """Period buttons, and the charts of the period shown: `days` up to today, or (0) the
    report's typed dates."""
    labels = {7: _("7 days"), 30: _("30 days"), 90: _("90 days"), 365: _("1 year")}
    periods = [
        InlineKeyboardButton(
            text=("• " if n == days else "") + labels[n], callback_data=StatsCb(days=n).pack()
        )
        for n in PERIODS
    ]
    periods.append(InlineKeyboardButton(text=_("📅 Dates"), callback_data=StatsCb(days=0).pack()))
    period = report.current.period if report is not None else None
    if days or period is None:
        chart = {"days": days or DEFAULT_DAYS}
    else:
        chart = {"days": period.days, "until": period.last_day.toordinal()}
    kpis = [
        InlineKeyboardButton(
            text=str(KPI_TITLES[name]), callback_data=KpiCb(name=name, **chart).pack()
        )
        for name in KPI_NAMES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[periods, kpis[:3], kpis[3:]])


def kpi_menu_text() -> str:
    return _(
        "Which report? /kpi revenue, /kpi cohorts, /kpi ratings, /kpi referrals, /kpi points, "
        "/kpi rewards, /kpi coalition. Add a number of days for another period: /kpi revenue 90."
    )


def kpi_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=str(KPI_TITLES[n]), callback_data=KpiCb(name=n).pack())
                for n in KPI_NAMES[i : i + 3]
            ]
            for i in range(0, len(KPI_NAMES), 3)
        ]
    )


def report_refused(reason: str) -> str:
    if reason == "range":
        return _(
            "Send two dates like 01.10.2026 31.10.2026: the first not after the second, "
            "neither in the future, three years at most."
        )
    return kpi_menu_text()
