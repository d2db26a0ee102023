"""Texts of the notices of the scheduled jobs and of birthdays (services/notices/jobs.py):
gifts, expiring points, the NPS question and the weekly digest."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_percent

from handlers.ui.callbacks import NpsScore
from handlers.ui.coalition_render import coalition_line
from handlers.ui.render import birthday_text, day_range, locale, money, points
from handlers.ui.report_render import number, trend
from services.dto import Birthday
from services.notices import (
    BirthdayCorrection,
    BirthdayGift,
    DigestFigures,
    ExpiryWarning,
    NpsSurvey,
    PointsExpired,
    WeeklyDigest,
)


def birthday_gift_text(gift: BirthdayGift) -> str:
    return ngettext(
        "🎂 Happy birthday from {merchant}! Here is a gift: +{points}, valid for {days} "
        "day.\nBalance: <b>{balance}</b>",
        "🎂 Happy birthday from {merchant}! Here is a gift: +{points}, valid for {days} "
        "days.\nBalance: <b>{balance}</b>",
        gift.days,
    ).format(
        merchant=escape(gift.merchant),
        points=points(gift.bonus),
        days=gift.days,
        balance=points(gift.balance),
    )


def birthday_corrected_text(fix: BirthdayCorrection) -> str:
    text = _("🎂 {merchant} corrected your birthday: {birthday}.").format(
        merchant=escape(fix.merchant),
        birthday=birthday_text(Birthday(fix.day, fix.month, fix.year or None)),
    )
    if fix.gift_next_year:
        text += "\n" + _("It's coming up soon, so your birthday gift starts next year.")
    return text


def points_expired_text(expired: PointsExpired) -> str:
    return _("⌛ {points} expired. Balance: <b>{balance}</b>").format(
        points=points(expired.points), balance=points(expired.balance)
    )


def expiry_warning_text(warning: ExpiryWarning) -> str:
    """The verb agrees with the points (wygasną 2 punkty), the days have their own plural."""
    within = ngettext("in {days} day", "in {days} days", warning.days).format(days=warning.days)
    return ngettext(
        "⏳ {points} will expire {within}. Use it on your next visit!",
        "⏳ {points} will expire {within}. Use them on your next visit!",
        warning.points,
    ).format(points=points(warning.points), within=within)


def nps_text() -> str:
    return _(
        "How likely are you to recommend us to a friend? 0 is not at all, 10 is extremely likely."
    )


def nps_keyboard(survey: NpsSurvey) -> InlineKeyboardMarkup:
    key = survey.survey.replace(":", "-")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=str(n), callback_data=NpsScore(survey=key, score=n).pack()
                )
                for n in row
            ]
            for row in (range(0, 6), range(6, 11))
        ]
    )


def rewards_line(c: DigestFigures) -> list[str]:
    """The week's rewards, when the program gave any."""
    if not (c.vouchers_redeemed or c.cards_completed):
        return []
    vouchers = ngettext(
        "{n} voucher redeemed", "{n} vouchers redeemed", c.vouchers_redeemed
    ).format(n=number(c.vouchers_redeemed))
    cards = ngettext(
        "{n} stamp card completed", "{n} stamp cards completed", c.cards_completed
    ).format(n=number(c.cards_completed))
    return [_("Rewards: {vouchers}, {cards}").format(vouchers=vouchers, cards=cards)]


def digest_text(d: WeeklyDigest) -> str:
    """The Monday digest, from the figures the job stored in the outbox row."""
    c, p = d.current, d.previous
    lines = [
        _("🗓 <b>{merchant}</b>: your week, {period}").format(
            merchant=escape(d.merchant), period=day_range(d.first_day, d.last_day, d.timezone)
        ),
        "",
        _("Revenue: {amount}").format(amount=money(c.revenue, d.currency))
        + trend(c.revenue, p.revenue),
        _("Purchases: {n}").format(n=number(c.purchases)) + trend(c.purchases, p.purchases),
        _("Customers who bought: {n}").format(n=number(c.active)) + trend(c.active, p.active),
        _("New members: {n}").format(n=number(c.new_members))
        + trend(c.new_members, p.new_members),
        _("Retention: {share}").format(
            share="–" if c.retention is None else format_percent(c.retention, locale=locale())
        ),
        _("CSAT: {stars} ★ · NPS: {score}").format(
            stars="–" if c.csat is None else number(c.csat, 2),
            score="–" if c.nps is None else f"{c.nps:+d}",
        ),
        _("Points issued: {issued} · redeemed: {redeemed}").format(
            issued=number(c.issued), redeemed=number(c.redeemed)
        ),
        *rewards_line(c),
        *coalition_line(c),
        "",
        _("More in /stats."),
    ]
    return "\n".join(lines)
