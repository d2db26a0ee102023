"""Texts of the notices about a member's certificates (services/notices/certificates.py), and
the receipt's lines for the certificates a purchase handed out. A date is the certificate's
last local day, in the reader's locale (Hungarian dates end with a dot: none added after)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.got_certificate import until, worth
from services.notices import CertificateExpired, CertificateExpiring, CertificateGiven
from services.notices.certificates import GotCertificate


def got_certificate_lines(certificates: Sequence[GotCertificate]) -> list[str]:
    """The receipt's line for each certificate of a partner the purchase handed out."""
    return [
        _("🎟 You got a certificate for {merchant}: {value} until {day} — /wallet").format(
            merchant=escape(c.merchant), value=worth(c), day=until(c)
        )
        for c in certificates
    ]


def certificate_given_text(given: CertificateGiven) -> str:
    c = given.certificate
    return _(
        "🎟 {partner} gave you a certificate for {merchant}: {value}, valid until {day}\n"
        "Open /wallet to see it."
    ).format(
        partner=escape(given.partner), merchant=escape(c.merchant), value=worth(c), day=until(c)
    )


def certificate_expiring_text(expiring: CertificateExpiring) -> str:
    c = expiring.certificate
    return ngettext(
        "⏳ Your certificate for {merchant} ({value}) runs out within {days} day, on {day}\n"
        "Use it before then: /wallet",
        "⏳ Your certificate for {merchant} ({value}) runs out within {days} days, on {day}\n"
        "Use it before then: /wallet",
        expiring.days,
    ).format(merchant=escape(c.merchant), value=worth(c), days=expiring.days, day=until(c))


def certificate_expired_text(expired: CertificateExpired) -> str:
    c = expired.certificate
    return _("⌛ Your certificate for {merchant} ({value}) ran out unused.").format(
        merchant=escape(c.merchant), value=worth(c)
    )
