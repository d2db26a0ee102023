"""Texts and buttons of redeeming a voucher at the till (handlers/redeem.py): the voucher as
the cashier sees it before handing it over, the result, the refusals, and the vouchers a
sale's preview offers (the `rdm` buttons)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import Field

from handlers.ui.callbacks import BigId
from handlers.ui.limits_render import codes_locked_text
from handlers.ui.render import day, points
from handlers.ui.sale_render import paused_text
from handlers.ui.voucher_render import valid_until
from services.errors import CodeInvalid
from services.numbers import MAX_BIG_ID
from services.rewards.redeem import (
    Redeemed,
    SaleGift,
    VoucherRefused,
    VoucherSource,
    VoucherUnknown,
    VoucherView,
)


class RedeemAction(StrEnum):
    SHOW = "s"  # a voucher offered on a sale's preview: show it with Hand over
    HAND = "h"  # ✅ Hand over
    KEEP = "x"  # Cancel: the voucher stays open


class RedeemCb(CallbackData, prefix="rdm"):
    """A voucher's button at the till; `sale` the sale's purchase id it goes with (0: none)."""

    action: RedeemAction
    voucher: BigId
    sale: Annotated[int, Field(ge=0, le=MAX_BIG_ID)] = 0


def ask_voucher_code() -> str:
    return _(
        "Enter the voucher's 8-digit code or the gift certificate's 10-digit code, or scan its "
        "QR with the phone's camera."
    )


def holder_label(first_name: str | None, phone_masked: str | None) -> str:
    who = escape(first_name or "—")
    return f"{who} · {phone_masked}" if phone_masked else who


def _source(view: VoucherView) -> str:
    match view.source:
        case VoucherSource.CLAIM:
            return _("Claimed for {points}").format(points=points(view.points))
        case VoucherSource.STAMPS:
            return _("A full stamp card")
        case VoucherSource.WELCOME:
            return _("Welcome gift")
        case VoucherSource.FRIEND:
            return _("Gift for joining through a friend")


def voucher_text(view: VoucherView) -> str:
    return "\n".join(
        [
            _("🎁 <b>{reward}</b>").format(reward=escape(view.reward)),
            _("👤 {who}").format(who=holder_label(view.first_name, view.phone_masked)),
            _source(view),
            _("Valid until {day}").format(day=valid_until(view.expires_at, view.timezone)),
            "",
            _("Hand the reward over, then press ✅ Hand over."),
        ]
    )


def voucher_keyboard(view: VoucherView) -> InlineKeyboardMarkup:
    sale = view.sale_id or 0

    def button(text: str, action: RedeemAction) -> InlineKeyboardButton:
        data = RedeemCb(action=action, voucher=view.voucher_id, sale=sale)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("✅ Hand over"), RedeemAction.HAND),
                button(_("✖️ Cancel"), RedeemAction.KEEP),
            ]
        ]
    )


def handed_over_text(done: Redeemed) -> str:
    view = done.view
    return _("✅ Handed over: {reward} to {who}.").format(
        reward=escape(view.reward), who=holder_label(view.first_name, view.phone_masked)
    )


def kept_text() -> str:
    return _("✖️ Not handed over. The voucher stays valid.")


def gift_buttons(gifts: Sequence[SaleGift]) -> list[list[InlineKeyboardButton]]:
    """A sale preview's rows of the customer's open vouchers: "🎁 <reward>" each."""
    return [
        [
            InlineKeyboardButton(
                text=_("🎁 {reward}").format(reward=gift.reward),
                callback_data=RedeemCb(
                    action=RedeemAction.SHOW, voucher=gift.voucher_id, sale=gift.sale_id
                ).pack(),
            )
        ]
        for gift in gifts
    ]


def _local_day(moment: datetime, timezone: str) -> str:
    return day(moment.astimezone(ZoneInfo(timezone)).date(), timezone)


def voucher_refused(error: VoucherRefused) -> str:
    if error.reason == "redeemed" and error.at is not None:
        return _("🚫 This voucher was already redeemed on {date}").format(
            date=_local_day(error.at, error.timezone)
        )
    if error.reason == "lapsed" and error.at is not None:
        return _(
            "⌛ This voucher has lapsed and can no longer be redeemed. It was valid until {date}"
        ).format(date=_local_day(error.at, error.timezone))
    return {
        "format": _(
            "A voucher code has 8 digits, like 1234 5678, and a gift certificate code has 10, "
            "like 12345 67890. Check it and try again."
        ),
        "elsewhere": _("This is not a voucher of this place."),
        "own_voucher": _("You can't hand over a voucher of your own. Ask a colleague."),
        "just_redeemed": _("This voucher was just redeemed: there is nothing more to do."),
        "cancelled": _("This voucher was cancelled: it can no longer be redeemed."),
        "member_blocked": _(
            "This customer's card is paused by the staff: their vouchers can't be redeemed. "
            "Ask an admin."
        ),
    }.get(error.reason, _("This voucher can no longer be redeemed."))


def voucher_unknown(error: VoucherUnknown, timezone: str) -> str:
    """A code that is no voucher, with the pause or the lock it caused."""
    text = _("No voucher has this code. Check the 8 digits and try again.")
    return missed_text(text, error, timezone)


def missed_text(text: str, error: CodeInvalid, timezone: str) -> str:
    """A wrong code's refusal `text`, with the pause or the lock it caused."""
    if error.paused and error.until is not None:
        text += "\n\n" + paused_text(error.until, timezone)
    if error.locked_until is not None:
        text += "\n\n" + codes_locked_text(error.locked_until, timezone)
    return text
