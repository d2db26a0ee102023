"""The merchant's reports as chat text, in the admin's language and the merchant's currency.
Pure formatting of what services/reports/ computed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent

from handlers.ui.callbacks import KpiCb, StatsCb
from handlers.ui.push_render import segment_name
from handlers.ui.render import (
    date_locale,
    date_time,
    day_range,
    locale,
    money,
    points,
)
from services.dto import LevelInfo
from services.reports.campaigns import CampaignsReport
from services.reports.cohorts import Cohorts
from services.reports.figures import Nps, Ratio
from services.reports.periods import DEFAULT_DAYS, PERIODS, Period
from services.reports.points import PointsReport
from services.reports.ratings import Feedback
from services.reports.revenue import Series
from services.reports.stats import Dashboard, Snapshot

COMMENT_CHARS = 200
SOURCES_SHOWN = 8


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


KPI_NAMES = ("revenue", "cohorts", "ratings", "referrals", "points")
KPI_TITLES = {
    "revenue": __("📈 Revenue"),
    "cohorts": __("👥 Cohorts"),
    "ratings": __("⭐ Ratings"),
    "referrals": __("🤝 Referrals"),
    "points": __("🎁 Points"),
}
REASON_NAMES = {
    "welcome": __("welcome"),
    "cashback": __("cashback"),
    "referral": __("friends' purchases"),
    "referral_bonus": __("friends' first purchases"),
    "birthday": __("birthdays"),
    "manual": __("adjustments"),
}


def period_text(period: Period) -> str:
    return day_range(period.first_day, period.last_day, period.timezone)


def month_text(month: date, timezone: str | None = None) -> str:
    return format_skeleton("yMMM", month, locale=date_locale(timezone))


def number(value: float, digits: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale())


def share(ratio: Ratio) -> str:
    value = ratio.value
    return "–" if value is None else format_percent(value, locale=locale())


def mean_money(ratio: Ratio, currency: str) -> str:
    amount = ratio.minor
    return "–" if amount is None else money(amount, currency)


def nps_text(nps: Nps) -> str:
    score = nps.score
    return "–" if score is None else f"{score:+d}"


GOOD, BAD = "🟢", "🔴"


def _arrow(delta: float) -> str:
    return "↑" if delta > 0 else "↓" if delta < 0 else "→"


def _whole(value: float) -> int:
    """A change shown in whole units, rounded half away from zero, as it is printed."""
    return int(Decimal(str(abs(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _mark(delta: int, up_is_good: bool | None) -> str:
    """A green dot for a change good for the business, a red one for a bad change, whatever
    the arrow's direction (churn going up is bad); none for no change or a neutral figure."""
    if not delta or up_is_good is None:
        return ""
    return " " + (GOOD if (delta > 0) == up_is_good else BAD)


def trend(current: float | None, previous: float | None, up_is_good: bool | None = True) -> str:
    """Relative change of a count or an amount: ↑ 12% 🟢; no change: → 0%."""
    if current is None or previous is None:
        return ""
    if previous == 0:
        if current == 0:
            return ""
        return " " + _("↑ new") + _mark(1 if current > 0 else -1, up_is_good)
    delta = (current - previous) / abs(previous)
    whole = _whole(delta * 100) * (1 if delta >= 0 else -1)
    shown = format_percent(abs(whole) / 100, locale=locale())
    return f" {_arrow(whole)} {shown}{_mark(whole, up_is_good)}"


def trend_rate(current: Ratio, previous: Ratio, up_is_good: bool = True) -> str:
    """Change of a share in percentage points: ↓ 5 pp 🔴; no change: → 0 pp."""
    if current.value is None or previous.value is None:
        return ""
    delta = (current.value - previous.value) * 100
    whole = _whole(delta) * (1 if delta >= 0 else -1)
    return (
        " "
        + _("{arrow} {points} pp").format(arrow=_arrow(whole), points=number(abs(whole)))
        + _mark(whole, up_is_good)
    )


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


def stars_text(ratio: Ratio) -> str:
    return "–" if ratio.value is None else number(ratio.value, 2)


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
        "Which report? /kpi revenue, /kpi cohorts, /kpi ratings, /kpi referrals, /kpi points. "
        "Add a number of days for another period: /kpi revenue 90."
    )


def kpi_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=str(KPI_TITLES[n]), callback_data=KpiCb(name=n).pack())
                for n in KPI_NAMES[i : i + 3]
            ]
            for i in (0, 3)
        ]
    )


WEEKDAYS = (__("Mon"), __("Tue"), __("Wed"), __("Thu"), __("Fri"), __("Sat"), __("Sun"))


def revenue_text(s: Series, snapshot: Snapshot) -> str:
    cur = s.merchant.currency
    busiest = max(range(7), key=lambda d: (s.weekdays[d][0], -d))
    lines = [
        _("📈 <b>Revenue</b> · {period}").format(period=period_text(s.period)),
        _("Revenue: {amount} · purchases: {n} · average check: {check}").format(
            amount=money(snapshot.revenue, cur),
            n=number(snapshot.purchases),
            check=mean_money(snapshot.average_check, cur),
        ),
        _("Purchases per customer: {n} · days between purchases: {days}").format(
            n="–" if snapshot.frequency.value is None else number(snapshot.frequency.value, 2),
            days="–" if s.mean_gap_days.value is None else number(s.mean_gap_days.value, 1),
        ),
    ]
    if snapshot.purchases:
        lines.append(_("Busiest day of the week: {day}").format(day=str(WEEKDAYS[busiest])))
        by_day = " · ".join(f"{WEEKDAYS[d]} {number(s.weekdays[d][0])}" for d in range(7))
        lines.append(by_day)
    return "\n".join(lines)


def cohorts_text(c: Cohorts) -> str:
    lines = [
        _(
            "👥 <b>Cohort retention</b>: the share of each month's new members who bought in "
            "the months after joining."
        ),
    ]
    for index, month in enumerate(c.months):
        if not c.sizes[index]:
            continue
        cells = " ".join(share(c.share(index, k)) for k in range(min(4, len(c.active[index]))))
        lines.append(
            _("{month}: {n} joined · {cells}").format(
                month=month_text(month, c.merchant.timezone),
                n=number(c.sizes[index]),
                cells=cells,
            )
        )
    if len(lines) == 1:
        lines.append(_("Nobody has joined in the last 12 months yet."))
    return "\n".join(lines)


def referrals_text(s: Snapshot) -> str:
    return "\n".join(
        [
            _("🤝 <b>Referrals</b> · {period}").format(period=period_text(s.period)),
            _("Joined through a friend's link: {n}").format(n=number(s.referral_joins)),
            _("Made a first purchase (effective referrals): {share}").format(
                share=share(s.effective_referrals)
            ),
            _("Bought again: {share}").format(share=share(s.referral_repeat)),
            _("New members by source: {sources}").format(sources=sources_text(s)),
        ]
    )


def sources_text(s: Snapshot) -> str:
    if not s.new_by_source:
        return "–"
    names = {"referral": _("friends"), "": _("no tag")}
    shown = s.new_by_source[:SOURCES_SHOWN]  # tags come from links anyone can make up
    text = ", ".join(f"{escape(names.get(source, source))} {number(n)}" for source, n in shown)
    if len(s.new_by_source) > SOURCES_SHOWN:
        text += ", …"
    return text


def points_text(r: PointsReport) -> str:
    s = r.snapshot
    cur = r.merchant.currency
    issued = ", ".join(
        f"{REASON_NAMES.get(reason, _('other'))} {number(n)}"
        for reason, n in s.issued_by_reason
        if n
    )
    return "\n".join(
        [
            _("🎁 <b>Points</b> · {period}").format(period=period_text(s.period)),
            _("Issued: {n}").format(n=points(s.issued)) + (f" ({issued})" if issued else ""),
            _("Redeemed: {n} ({share} of issued)").format(
                n=points(s.redeemed), share=share(s.redemption_rate)
            ),
            _("Expired: {n}").format(n=points(s.expired)),
            _("Outstanding now: {n} = {amount}").format(
                n=points(s.liability), amount=money(s.liability_minor, cur)
            ),
            _(
                "Birthday gifts and pushes: {n}; revenue of those members 30 days before: "
                "{before}, after: {after}"
            ).format(
                n=number(r.uplift.rewards),
                before=money(r.uplift.before, cur),
                after=money(r.uplift.after, cur),
            ),
        ]
    )


def feedback_text(f: Feedback) -> str:
    lines = [
        _("⭐ <b>Ratings</b> · {period}").format(period=period_text(f.period)),
        ngettext(
            "CSAT: {stars} ★ from {n} rating, {share} rated 4–5",
            "CSAT: {stars} ★ from {n} ratings, {share} rated 4–5",
            f.csat.den,
        ).format(stars=stars_text(f.csat), n=number(f.csat.den), share=share(f.csat_good)),
        ngettext(
            "NPS: {score} from {n} answer", "NPS: {score} from {n} answers", f.nps.answers
        ).format(score=nps_text(f.nps), n=number(f.nps.answers)),
        "",
        _("<b>By month</b>"),
    ]
    for month, csat, nps in f.trend:
        lines.append(
            _("{month}: CSAT {stars} · NPS {score}").format(
                month=month_text(month, f.merchant.timezone),
                stars=stars_text(csat),
                score=nps_text(nps),
            )
        )
    lines += ["", _("<b>Latest low ratings</b>")]
    if not f.low:
        lines.append(_("None in this period. 🎉"))
    for low in f.low:
        when = date_time(low.rated_at, f.merchant.timezone) if low.rated_at else ""
        lines.append(
            _("{stars} {when} · {amount} · {staff}").format(
                stars="★" * low.stars,
                when=when,
                amount=money(low.amount, f.merchant.currency),
                staff=escape(low.staff_name or "–"),
            )
        )
        if low.comment:  # ten of them must fit in one message (4096 characters)
            lines.append(f"   <i>{escape(shorten(low.comment, COMMENT_CHARS))}</i>")
    return "\n".join(lines)


def campaigns_text(r: CampaignsReport, levels: Sequence[LevelInfo] = ()) -> str:
    cur = r.merchant.currency
    lines = [_("📣 <b>Campaigns</b> · {period}").format(period=period_text(r.period)), ""]
    if not r.pushes:
        lines.append(_("No pushes in this period."))
    for push in r.pushes:
        lines.append(
            _("<b>Push of {when}</b> ({segment})").format(
                when=date_time(push.created_at, r.merchant.timezone),
                segment=segment_name(push.segment, levels),
            )
        )
        lines.append(
            _("Recipients {n} · delivered {sent} · blocked {blocked} · failed {failed}").format(
                n=number(push.recipients),
                sent=number(push.delivered),
                blocked=number(push.blocked),
                failed=number(push.failed),
            )
        )
        lines.append(
            ngettext(
                "Brought within 7 days: {n} purchase, {amount}",
                "Brought within 7 days: {n} purchases, {amount}",
                push.purchases,
            ).format(n=number(push.purchases), amount=money(push.revenue, cur))
        )
    names = {"birthday": _("🎂 Birthday offers"), "cart_reminder": _("🛒 Cart reminders")}
    for auto in r.automatic:
        lines += [
            "",
            f"<b>{names.get(auto.kind, _('Other'))}</b>",
            _("Queued {n} · delivered {sent} · blocked {blocked}").format(
                n=number(auto.queued), sent=number(auto.delivered), blocked=number(auto.blocked)
            ),
            _("Purchases within 7 days after: {n}").format(n=number(auto.purchases)),
        ]
    lines.append(
        _("Carts checked out within 48 hours of a reminder: {share} ({n} of {total})").format(
            share=share(r.cart_recovery),
            n=number(r.cart_recovery.num),
            total=number(r.cart_recovery.den),
        )
    )
    return "\n".join(lines)


def _timezone(d: dict[str, object]) -> str | None:
    timezone = d.get("timezone")
    return timezone if isinstance(timezone, str) else None


def digest_text(merchant: str, currency: str, d: dict[str, object]) -> str:
    """The Monday digest, from the figures the job stored in the outbox row."""
    c = d["current"]
    p = d["previous"]
    assert isinstance(c, dict) and isinstance(p, dict)
    first = date.fromisoformat(str(d["first_day"]))
    last = date.fromisoformat(str(d["last_day"]))

    def pair(key: str) -> tuple[float | None, float | None]:
        return c.get(key), p.get(key)

    csat = c.get("csat")
    nps = c.get("nps")
    retention = c.get("retention")
    lines = [
        _("🗓 <b>{merchant}</b>: your week, {period}").format(
            merchant=escape(merchant), period=day_range(first, last, _timezone(d))
        ),
        "",
        _("Revenue: {amount}").format(amount=money(int(c["revenue"] or 0), currency))
        + trend(*pair("revenue")),
        _("Purchases: {n}").format(n=number(int(c["purchases"] or 0))) + trend(*pair("purchases")),
        _("Customers who bought: {n}").format(n=number(int(c["active"] or 0)))
        + trend(*pair("active")),
        _("New members: {n}").format(n=number(int(c["new_members"] or 0)))
        + trend(*pair("new_members")),
        _("Retention: {share}").format(
            share="–" if retention is None else format_percent(retention, locale=locale())
        ),
        _("CSAT: {stars} ★ · NPS: {score}").format(
            stars="–" if csat is None else number(float(csat), 2),
            score="–" if nps is None else f"{int(nps):+d}",
        ),
        _("Points issued: {issued} · redeemed: {redeemed}").format(
            issued=number(int(c["issued"] or 0)), redeemed=number(int(c["redeemed"] or 0))
        ),
        "",
        _("More in /stats."),
    ]
    return "\n".join(lines)


def export_caption(kind: str, rows: int, personal: bool) -> str:
    names = {"members": _("Members"), "purchases": _("Purchases"), "ledger": _("Points ledger")}
    text = ngettext("{name}: {n} row", "{name}: {n} rows", rows).format(
        name=names[kind], n=number(rows)
    )
    if kind == "members" and not personal:
        text += "\n" + _("Names, phones and birthdays are only in the owners' export.")
    return text


def report_refused(reason: str) -> str:
    if reason == "range":
        return _(
            "Send two dates like 01.10.2026 31.10.2026: the first not after the second, "
            "neither in the future, three years at most."
        )
    return kpi_menu_text()


def admins_only() -> str:
    return _("Reports are for the owners and admins of this place.")
