"""Text of the notice a member gets when the friend they gave a certificate to takes it
(services/notices/gifts.py)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from handlers.ui.certificate_words import certificate_worth
from services.notices import CertificateGiftTaken


def gift_taken_text(n: CertificateGiftTaken) -> str:
    return _(
        "🎁 Your friend took the certificate you gave them: {merchant}, {worth}. It is theirs now."
    ).format(
        merchant=escape(n.merchant),
        worth=certificate_worth(n.value_minor, n.item, n.currency),
    )
