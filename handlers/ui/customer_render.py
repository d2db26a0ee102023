"""/customer's texts and buttons: the prompt, a member's page (admins) or the till's card
(cashiers), the points adjustment with its preview, the block, and goodwill points."""

from __future__ import annotations

from enum import StrEnum
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from pydantic import Field

from handlers.ui.callbacks import BigId
from handlers.ui.notices.sales import STARS
from handlers.ui.render import (
    birthday_text,
    date_time,
    day,
    level_name,
    money,
    points,
    whole_number,
)
from services.care import (
    MAX_GOODWILL,
    Adjusted,
    CareRefused,
    GoodwillGiven,
    MemberPage,
    MemberPaused,
    ReasonTooLong,
    TillCard,
)
from services.care.model import MAX_ADJUST, REASON_MAX
from services.policy import points_worth

GOODWILL_AMOUNTS = (50, 100, 200)


class CustAction(StrEnum):
    ADJUST = "adj"  # target: a membership
    BIRTHDAY = "bday"  # target: a membership
    GOODWILL = "gw"  # target: a purchase; points: how many
    GOODWILL_TYPED = "gwt"  # target: a purchase; the amount is typed


class CustCb(CallbackData, prefix="cust"):
    action: CustAction
    target: BigId
    points: Annotated[int, Field(ge=0, le=MAX_GOODWILL)] = 0


class AdjustCb(CallbackData, prefix="adj"):
    """Save (or cancel) the adjustment previewed: the member, the points, the balance then."""

    membership_id: BigId
    delta: Annotated[int, Field(ge=-MAX_ADJUST, le=MAX_ADJUST)]
    before: Annotated[int, Field(ge=0, le=2**63 - 1)]
    save: bool


class BlockCb(CallbackData, prefix="cblk"):
    membership_id: BigId
    block: bool


def ask_member(cashier: bool) -> str:
    if cashier:
        return _("Send the customer's 6-digit payment code from /code.")
    return _(
        "Send the member's payment code (6 digits from /code), member number (#42) "
        "or phone number (+48…)."
    )


def _balance(balance: int, point_value: int, currency: str) -> str:
    worth = money(points_worth(balance, point_value), currency)
    return _("Balance: <b>{points}</b> (= {value})").format(points=points(balance), value=worth)


def _paused(blocked: bool) -> list[str]:
    return [_("⛔ Card paused: no points can be earned or spent.")] if blocked else []


def till_card_text(card: TillCard) -> str:
    return "\n".join(
        [
            _("👤 <b>{name}</b>").format(name=escape(card.first_name or "—")),
            _("Phone: {phone}").format(phone=card.phone_masked or "—"),
            _("Level: <b>{level}</b>").format(level=level_name(card.level)),
            _balance(card.balance, card.point_value, card.currency),
            *_paused(card.blocked),
        ]
    )


def page_text(p: MemberPage) -> str:
    visits = ngettext("{n} visit", "{n} visits", p.visits).format(n=whole_number(p.visits))
    lines = [
        _("👤 <b>{name}</b> · member #{number}").format(
            name=escape(p.first_name or "—"), number=p.membership_id
        ),
        _("Phone: {phone}").format(phone=p.phone_masked or "—"),
        _("Joined: {date}").format(
            date=day(p.joined_at.astimezone(ZoneInfo(p.timezone)).date(), p.timezone)
        ),
        _("{visits}, spent {amount}").format(
            visits=visits, amount=money(p.spend_minor, p.currency)
        ),
        _("Level: <b>{level}</b>").format(level=level_name(p.level)),
        _balance(p.balance, p.point_value, p.currency),
        _("Friends: {effective} bought of {invited} invited").format(
            effective=whole_number(p.referrals_effective),
            invited=whole_number(p.referrals_invited),
        ),
        _("Birthday: {birthday}").format(
            birthday=birthday_text(p.birthday) if p.birthday else _("not set")
        ),
    ]
    if p.open_orders:
        lines.append(
            ngettext(
                "{n} pre-order waiting, {amount}",
                "{n} pre-orders waiting, {amount}",
                p.open_orders,
            ).format(n=p.open_orders, amount=money(p.open_orders_minor, p.currency))
        )
    if p.ratings:
        lines += ["", _("Last ratings:")]
        for r in p.ratings:
            when = date_time(r.at, p.timezone) if r.at else ""
            line = f"{STARS[: r.stars]} {when}"
            lines.append(line + (f" — {escape(r.comment)}" if r.comment else ""))
    return "\n".join([*lines, "", *_paused(p.blocked)]).rstrip()


def page_keyboard(p: MemberPage) -> InlineKeyboardMarkup:
    block = BlockCb(membership_id=p.membership_id, block=not p.blocked).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("± Adjust points"),
                    callback_data=CustCb(action=CustAction.ADJUST, target=p.membership_id).pack(),
                ),
                InlineKeyboardButton(
                    text=_("🎂 Correct birthday"),
                    callback_data=CustCb(
                        action=CustAction.BIRTHDAY, target=p.membership_id
                    ).pack(),
                ),
            ],
            [
                InlineKeyboardButton(
                    text=_("✅ Unblock") if p.blocked else _("⛔ Block"), callback_data=block
                )
            ],
        ]
    )


def ask_delta(balance: int) -> str:
    return _("Send +50 to add points or -50 to take them. The balance now: {points}.").format(
        points=points(balance)
    )


def ask_reason() -> str:
    return ngettext(
        "Now the reason, in at most {n} character. The member will read it.",
        "Now the reason, in at most {n} characters. The member will read it.",
        REASON_MAX,
    ).format(n=REASON_MAX)


def adjust_preview(membership_id: int, delta: int, before: int, reason: str) -> str:
    change = _("Add {points}") if delta > 0 else _("Take {points}")
    return "\n".join(
        [
            _("Member #{number}").format(number=membership_id),
            change.format(points=points(abs(delta))),
            _("Balance: {before} → {after}").format(
                before=whole_number(before), after=whole_number(before + delta)
            ),
            _("Reason: {reason}").format(reason=escape(reason)),
        ]
    )


def adjust_keyboard(membership_id: int, delta: int, before: int) -> InlineKeyboardMarkup:
    def button(text: str, save: bool) -> InlineKeyboardButton:
        data = AdjustCb(membership_id=membership_id, delta=delta, before=before, save=save)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[[button(_("✅ Save"), True), button(_("✖️ Cancel"), False)]]
    )


def adjusted_text(done: Adjusted) -> str:
    return _("✅ Saved. Member #{number}'s balance: {points}. We told them.").format(
        number=done.membership_id, points=points(done.balance)
    )


def ask_birthday() -> str:
    return _("Send the member's birthday, for example 24.05.1990 or 24.05.")


def goodwill_prompt(purchase_id: int) -> str:
    return _("🎁 How many goodwill points for the customer of sale #{id}?").format(id=purchase_id)


def goodwill_keyboard(purchase_id: int) -> InlineKeyboardMarkup:
    def give(n: int) -> InlineKeyboardButton:
        data = CustCb(action=CustAction.GOODWILL, target=purchase_id, points=n)
        return InlineKeyboardButton(text=points(n), callback_data=data.pack())

    other = CustCb(action=CustAction.GOODWILL_TYPED, target=purchase_id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [give(n) for n in GOODWILL_AMOUNTS],
            [InlineKeyboardButton(text=_("Another amount"), callback_data=other)],
        ]
    )


def ask_goodwill_points() -> str:
    return _("Send a number of points from 1 to {most}.").format(most=whole_number(MAX_GOODWILL))


def goodwill_done_text(purchase_id: int, given: int) -> str:
    # A count of its own, not points(): some languages decline it here (hu: 100 pontot).
    return ngettext(
        "🎁 {n} point given to the customer of sale #{id}. We told them.",
        "🎁 {n} points given to the customer of sale #{id}. We told them.",
        given,
    ).format(n=whole_number(given), id=purchase_id)


def goodwill_given_text(given: GoodwillGiven, timezone: str) -> str:
    return _("Goodwill for this sale was given already: {points} by {who}, {when}.").format(
        points=points(given.points),
        who=escape(given.by) if given.by else _("an owner"),
        when=date_time(given.at, timezone),
    )


def press_save_or_cancel() -> str:
    return _("Press Save or Cancel above.")


def reason_too_long(length: int) -> str:
    return ngettext(
        "That is {n} character; the limit is {most}.",
        "That is {n} characters; the limit is {most}.",
        length,
    ).format(n=whole_number(length), most=whole_number(REASON_MAX))


def care_refused(error: CareRefused) -> str:
    if isinstance(error, ReasonTooLong):
        return reason_too_long(error.length)
    if isinstance(error, MemberPaused):
        return _("The card of member #{number} is paused: unblock it first.").format(
            number=error.membership_id
        )
    return {
        "format": ask_member(False),
        "cashier_code": ask_member(True),
        "amount": _("Send a whole number of points with + or -, for example +50 or -20."),
        "too_large": _("That is too many points at once."),
        "points": ask_goodwill_points(),
        "below_zero": _("The balance can't go below zero: take at most what the member has."),
        "changed": _(
            "The balance changed since the preview (saved already, or a sale meanwhile). "
            "Nothing was changed."
        ),
        "reason_empty": ask_reason(),
        "stale": _("This preview is no longer open. Nothing was changed."),
        "no_sale": _("There is no such sale here."),
        "admins_only": _("Only the admins of this place can do this."),
        "phone_country": _(
            "No member with this phone here. Send it with its country code (+48…)."
        ),
    }.get(error.reason, _("No member with this code, number or phone here."))
