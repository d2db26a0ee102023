"""Text of the notice a member gets when their voucher is handed over
(services/notices/redeem.py)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from services.notices import VoucherRedeemed


def voucher_redeemed_text(n: VoucherRedeemed) -> str:
    return _("🎁 Enjoy your {reward}! Redeemed at {merchant}.").format(
        reward=escape(n.reward), merchant=escape(n.merchant)
    )
