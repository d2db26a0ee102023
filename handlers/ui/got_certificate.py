"""A certificate as its holder or the cashier reads it in a line (services/notices/
certificates.py `GotCertificate`): what it is worth and its last day. Kept apart from the
notices' renderers so the till's renderers can use it without importing them all."""

from __future__ import annotations

from handlers.ui.certificate_words import certificate_worth
from handlers.ui.render import day
from services.notices.certificates import GotCertificate


def worth(certificate: GotCertificate) -> str:
    """What a certificate is: its value in its business's currency, or the named item."""
    return certificate_worth(certificate.value, certificate.item, certificate.currency)


def until(certificate: GotCertificate) -> str:
    """Its last local day, in the reader's locale (Hungarian dates end with a dot)."""
    return day(certificate.until, certificate.timezone)
