"""Texts of the notices of redeeming a certificate at the till
(services/notices/certificate_till.py)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.certificate_words import certificate_worth
from handlers.ui.notices.staff import placed
from services.notices import CertificatesFlag, CertificateUsed


def certificate_used_text(n: CertificateUsed) -> str:
    return _("🎟 Your gift certificate ({worth}) was used at {merchant}. Enjoy!").format(
        worth=certificate_worth(n.value_minor, n.item, n.currency), merchant=escape(n.merchant)
    )


def certificates_flag_text(n: CertificatesFlag) -> str:
    member = escape(n.member) if n.member else _("A customer")
    return placed(
        n.place,
        ngettext(
            "🚩 {member} has used {count} gift certificate today, the latest here. Worth a look.",
            "🚩 {member} has used {count} gift certificates today, the latest here. Worth a look.",
            n.count,
        ).format(member=member, count=n.count),
    )
