"""The /kpi reports as text beside their charts (revenue, cohorts, referrals, points), the
rewards report, and /ratings."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal, format_percent

from handlers.ui.render import date_time, locale, money, points
from handlers.ui.report_render import (
    WEEKDAYS,
    mean_money,
    month_text,
    nps_text,
    number,
    period_text,
    share,
    shorten,
    stars_text,
)
from services.reports.cohorts import Cohorts
from services.reports.points import PointsReport
from services.reports.ratings import Feedback
from services.reports.revenue import Series
from services.reports.rewards import PromotionFigures, RewardsReport, VoucherCounts
from services.reports.stats import Snapshot

COMMENT_CHARS = 200
SOURCES_SHOWN = 8


REASON_NAMES = {
    "welcome": __("welcome"),
    "cashback": __("cashback"),
    "referral": __("friends' purchases"),
    "referral_bonus": __("friends' first purchases"),
    "birthday": __("birthdays"),
    "manual": __("adjustments"),
    "adjustment": __("adjustments"),
    "goodwill": __("goodwill"),
    "promotion": __("promotions"),
    "friend_gift": __("friends' gifts"),
}


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
    by_name: dict[str, int] = {}  # the operator's and the staff's adjustments read as one
    for reason, n in s.issued_by_reason:
        if n:
            name = str(REASON_NAMES.get(reason, _("other")))
            by_name[name] = by_name.get(name, 0) + n
    issued = ", ".join(f"{name} {number(n)}" for name, n in by_name.items())
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


SOURCE_NAMES = {
    "claim": __("catalogue"),
    "stamps": __("stamp cards"),
    "welcome": __("welcome gifts"),
    "friend": __("friends' gifts"),
}
PROMOTIONS_SHOWN = 10


def _voucher_counts(c: VoucherCounts) -> str:
    counts = [
        ngettext("{n} claimed", "{n} claimed", c.claimed).format(n=number(c.claimed)),
        ngettext("{n} redeemed", "{n} redeemed", c.redeemed).format(n=number(c.redeemed)),
        ngettext("{n} lapsed", "{n} lapsed", c.lapsed).format(n=number(c.lapsed)),
        ngettext("{n} still open", "{n} still open", c.open).format(n=number(c.open)),
    ]
    if c.cancelled:  # so the counts add up to the claims
        counts.append(
            ngettext("{n} cancelled", "{n} cancelled", c.cancelled).format(n=number(c.cancelled))
        )
    return " · ".join(counts)


def _signed_share(percent: int) -> str:
    sign = "+" if percent >= 0 else "−"
    return sign + format_percent(abs(percent) / 100, locale=locale())


def _promotion_line(p: PromotionFigures, currency: str) -> str:
    gives = []
    if p.multiplier_pct > 100:
        gives.append("×" + format_decimal(p.multiplier_pct / 100, "#,##0.##", locale=locale()))
    if p.extra_stamps:
        gives.append(
            ngettext("+{n} stamp", "+{n} stamps", p.extra_stamps).format(n=number(p.extra_stamps))
        )
    uplift = p.hours.percent
    return _("{name} ({gives}): {purchases}, {revenue}; its hours: {uplift}").format(
        name=escape(p.name),
        gives=", ".join(gives) or "–",
        purchases=ngettext("{n} purchase", "{n} purchases", p.purchases).format(
            n=number(p.purchases)
        ),
        revenue=money(p.revenue, currency),
        uplift=(
            _("not enough data")
            if uplift is None
            else _("{change} purchases an hour against the 4 weeks before").format(
                change=_signed_share(uplift)
            )
        ),
    )


def rewards_text(r: RewardsReport) -> str:
    v, cur = r.vouchers, r.merchant.currency
    lines = [
        _("🎟 <b>Rewards</b> · {period}").format(period=period_text(r.period)),
        _("Vouchers: {counts}").format(counts=_voucher_counts(v)),
    ]
    lines += [f"• {SOURCE_NAMES[c.source]}: {_voucher_counts(c)}" for c in r.sources if c.source]
    lines += [
        _("Redeemed of those settled (redeemed or lapsed): {share}").format(
            share=share(v.redemption_rate)
        ),
        _("Points spent on rewards: {n} = {amount}").format(
            n=points(v.spent), amount=money(r.spent_minor, cur)
        ),
        _(
            "Points liability: {balances} on balances + {reserved} in open vouchers = {amount}"
        ).format(
            balances=points(r.balances),
            reserved=points(v.reserved),
            amount=money(r.liability_minor, cur),
        ),
        ngettext(
            "{n} stamp card completed", "{n} stamp cards completed", r.cards_completed
        ).format(n=number(r.cards_completed)),
    ]
    if r.top:
        top = ", ".join(f"{escape(name)} {number(n)}" for name, n in r.top)
        lines.append(_("Redeemed most: {rewards}").format(rewards=top))
    lines += ["", _("<b>Promotions</b>")]
    lines.append(
        _("Extra points given: {n} = {amount}").format(
            n=points(r.promotion_points), amount=money(r.promotion_minor, cur)
        )
    )
    lines += [_promotion_line(p, cur) for p in r.promotions[-PROMOTIONS_SHOWN:]]
    if not r.promotions:
        lines.append(_("No promotion ran in this period."))
    return "\n".join(lines)
