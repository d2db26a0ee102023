"""Texts of the notices about a member's vouchers (services/notices/vouchers.py)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.render import points
from services.notices import VoucherExpiring, VoucherLapsed


def voucher_lapsed_text(lapsed: VoucherLapsed) -> str:
    if not lapsed.points:
        return _("⌛ Your voucher for {reward} lapsed unused.").format(
            reward=escape(lapsed.reward)
        )
    text = _(
        "⌛ Your voucher for {reward} lapsed unused. Points returned: {points}.\n"
        "Balance: <b>{balance}</b>"
    ).format(
        reward=escape(lapsed.reward),
        points=points(lapsed.points),
        balance=points(lapsed.balance),
    )
    if lapsed.owed:
        text += "\n" + _(
            "Of them, {points} settled what a refund could not take back earlier."
        ).format(points=points(lapsed.owed))
    return text


def voucher_expiring_text(expiring: VoucherExpiring) -> str:
    return ngettext(
        "⏳ Your voucher for {reward} lapses within {days} day. Show it at the till before "
        "then: /vouchers",
        "⏳ Your voucher for {reward} lapses within {days} days. Show it at the till before "
        "then: /vouchers",
        expiring.days,
    ).format(reward=escape(expiring.reward), days=expiring.days)
