"""How a member's vouchers read: one with its code (the caption of its QR), and the list of
/vouchers (open ones first, then the latest used or lapsed)."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.render import N_, day
from handlers.ui.rewards_callbacks import VoucherAction, VoucherCb
from services.rewards.issue import last_day, shown_code
from services.rewards.values import VoucherView

STATUSES = {
    "open": N_("ready to use"),
    "redeemed": N_("used"),
    "lapsed": N_("lapsed"),
    "cancelled": N_("cancelled"),
}


def until(voucher: VoucherView) -> str:
    """The last local day a voucher is good for (it runs to that day's end): a date only."""
    return valid_until(voucher.expires_at, voucher.timezone)


def valid_until(expires_at: datetime, timezone: str) -> str:
    """The last local day of a voucher lapsing at `expires_at`, as member and cashier read it."""
    return day(last_day(expires_at, timezone).date(), timezone)


def voucher_text(voucher: VoucherView) -> str:
    lines = [
        _("🎟 <b>{reward}</b>").format(reward=escape(voucher.reward_name)),
        _("Code: <code>{code}</code>").format(code=shown_code(voucher.code)),
        _("Valid until {day}").format(day=until(voucher)),
        _("Status: {status}").format(status=_(STATUSES[voucher.status])),
    ]
    if voucher.status == "open":
        lines += ["", _("Show this code or the QR to the cashier.")]
    return "\n".join(lines)


def vouchers_text(vouchers: tuple[VoucherView, ...]) -> str:
    if not vouchers:
        return _("🎟 You have no vouchers yet. Claim one in /rewards.")
    lines = [_("🎟 <b>Your vouchers</b>"), ""]
    if vouchers[0].status != "open":  # open ones come first
        lines.append(_("No open vouchers now. Claim one in /rewards."))
    closed = False
    for v in vouchers:
        if v.status != "open" and not closed:
            closed = True
            lines += ["", _("Recent:")]
        line = f"• {escape(v.reward_name)} — {shown_code(v.code)}, "
        if v.status == "open":
            line += _("valid until {day}").format(day=until(v))
        else:
            line += _(STATUSES[v.status])
        lines.append(line)
    return "\n".join(lines)


def vouchers_keyboard(vouchers: tuple[VoucherView, ...]) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                text=f"🎟 {v.reward_name}",
                callback_data=VoucherCb(action=VoucherAction.SHOW, voucher_id=v.id).pack(),
            )
        ]
        for v in vouchers
        if v.status == "open"
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
