"""The /kpi reports as text beside their charts (revenue, cohorts, referrals, points) and
/ratings."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from handlers.ui.render import date_time, money, points
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
