"""Texts of the notices a purchase, a refund or a rating sends (services/notices/sales.py)."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import Rate
from handlers.ui.care_callbacks import GoodwillCb, RatingReplyCb
from handlers.ui.notices.certificates import got_certificate_lines
from handlers.ui.notices.staff import placed
from handlers.ui.render import date_time, money, points, translated_level
from handlers.ui.sale_certificate_render import (
    receipt_certificate_lines,
    refund_receipt_certificate_line,
)
from handlers.ui.stamp_render import receipt_lines, refund_reward_lines
from services.notices import (
    FriendJoined,
    LowRatingAlert,
    Receipt,
    ReferralReversed,
    ReferralReward,
    RefundReceipt,
)
from services.policy import points_worth

STARS = "★★★★★"


def _new_level(name: str) -> str:
    return _("🎉 New level: <b>{level}</b>!").format(level=escape(translated_level(name)))


def _balance(balance: int) -> str:
    return _("Balance: <b>{points}</b>").format(points=points(balance))


def receipt_text(r: Receipt) -> str:
    def worth(n: int) -> str:  # what the points are worth, in money
        return f" (= {money(points_worth(n, r.point_value), r.currency)})"

    lines = [
        _("🧾 Thank you for your purchase at {merchant}!").format(merchant=escape(r.merchant)),
        _("Check: {amount}").format(amount=money(r.amount + r.certificate_minor, r.currency)),
        *receipt_certificate_lines(r),
    ]
    if r.spent:
        lines.append(_("Points spent: {points}").format(points=points(r.spent)) + worth(r.spent))
    if r.earned or not r.stamps_needed:  # a stamp card without cashback earns stamps only
        earned = _("Points earned: +{points}").format(points=points(r.earned))
        lines.append(earned + worth(r.earned))
    lines += receipt_lines(r)
    lines.append(_balance(r.balance) + worth(r.balance))
    lines += got_certificate_lines(r.certificates)
    if r.level_up:
        lines += ["", _new_level(r.level)]
    lines += ["", _("How was it? Rate your purchase:")]
    return "\n".join(lines)


def rating_keyboard(purchase_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{n}⭐", callback_data=Rate(purchase_id=purchase_id, stars=n).pack()
                )
                for n in range(1, 6)
            ]
        ]
    )


def referral_reward_text(r: ReferralReward) -> str:
    lines = []
    if r.bonus:
        lines.append(
            _("🎁 Your friend {friend} made a first purchase: +{points}!").format(
                friend=escape(r.friend or ""), points=points(r.points)
            )
        )
    elif r.points:
        lines.append(
            _("🎁 +{points} for a purchase by a friend you invited.").format(
                points=points(r.points)
            )
        )
    lines.append(_balance(r.balance))
    if r.level_up:
        lines.append(_new_level(r.level))
    return "\n".join(lines)


def refund_receipt_text(r: RefundReceipt) -> str:
    text = _(
        "↩️ {amount} of purchase #{id} was refunded.\n"
        "Points returned: {returned}; cashback taken back: {reversed}.\n"
        "Balance: <b>{balance}</b>"
    ).format(
        amount=money(r.amount, r.currency),
        id=r.purchase_id,
        returned=points(r.returned),
        reversed=points(r.reversed),
        balance=points(r.balance),
    )
    if r.cash is not None:  # rows queued before the money back was said: nothing
        text += "\n" + _("Money back to you: {cash}.").format(cash=money(r.cash, r.currency))
    if r.kept:  # cashback already spent can't come off the balance: the money refund paid it
        text += "\n" + _(
            "You had already spent {points} of the cashback from this purchase, so {money} was "
            "kept back from the money returned to you."
        ).format(points=points(r.kept), money=money(r.kept, r.currency))
    if r.level_reversed:
        text += "\n" + _(
            "Without the refunded amount your level would have been lower, so cashback earned "
            "at the higher level since then is taken back too: {points}."
        ).format(points=points(r.level_reversed))
    return text + refund_reward_lines(r) + refund_receipt_certificate_line(r)


def referral_reversed_text(r: ReferralReversed) -> str:
    if r.friend:
        text = _(
            "↩️ {friend}'s purchase was refunded, so your reward was reduced by {points}."
        ).format(friend=escape(r.friend), points=points(r.points))
    else:
        text = _(
            "↩️ A purchase that earned you a referral reward was refunded, so that reward was "
            "reduced by {points}."
        ).format(points=points(r.points))
    if r.owed:
        text += "\n" + _(
            "You had already spent {points} of it, so that much will come off your next points."
        ).format(points=points(r.owed))
    if r.level_reversed:
        text += "\n" + _(
            "That purchase no longer counts toward your level, so the extra cashback your own "
            "purchases earned at the higher level is taken back too: {points}."
        ).format(points=points(r.level_reversed))
    return text + "\n" + _balance(r.balance)


def low_rating_text(r: LowRatingAlert) -> str:
    text = _(
        "⚠️ Low rating {stars} for sale #{id} ({amount}) by {staff}, customer {customer}."
    ).format(
        stars=STARS[: r.stars],
        id=r.purchase_id,
        amount=money(r.amount, r.currency),
        staff=escape(r.staff),
        customer=escape(r.customer or "—"),
    )
    if r.confirmed_at is not None:
        text += "\n" + date_time(r.confirmed_at, r.timezone)
    if r.comment:
        text += "\n" + _("Comment: {comment}").format(comment=escape(r.comment))
    return placed(r.place, text)


def low_rating_keyboard(purchase_id: int) -> InlineKeyboardMarkup:
    """Reply to the customer (handlers/chat.py), or give goodwill points (handlers/customer.py)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("💬 Reply"), callback_data=RatingReplyCb(purchase_id=purchase_id).pack()
                ),
                InlineKeyboardButton(
                    text=_("🎁 Goodwill points"),
                    callback_data=GoodwillCb(purchase_id=purchase_id).pack(),
                ),
            ]
        ]
    )


def friend_joined_text(r: FriendJoined) -> str:
    if not r.friend:  # the friend left the program since: their name went too
        return _("🤝 A friend you invited joined the program!")
    return _("🤝 Your friend {friend} joined the program through your link!").format(
        friend=escape(r.friend)
    )
