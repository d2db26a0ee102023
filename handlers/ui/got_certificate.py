"""A certificate as its holder or the cashier reads it in a line (services/notices/
certificates.py `GotCertificate`): what it is worth and its last day. Kept apart from the
notices' renderers so the till's renderers can use it without importing them all."""

from __future__ import annotations

from html import escape

from handlers.ui.render import day, money
from services.notices.certificates import GotCertificate


def worth(certificate: GotCertificate) -> str:
    """What a certificate is: its value in its business's currency, or the named item."""
    if certificate.item:
        return escape(certificate.item)
    return money(certificate.value, certificate.currency)


def until(certificate: GotCertificate) -> str:
    """Its last local day, in the reader's locale (Hungarian dates end with a dot)."""
    return day(certificate.until, certificate.timezone)
