"""Notices about a member's gift certificates (issue 16): a partner's cashier gave one; one
runs out soon; one ran out unused. A receipt names the ones a purchase handed out with the
same `GotCertificate`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class GotCertificate:
    """A certificate as its holder reads it: where it works, what it is worth, its last day."""

    merchant: str  # the business that accepts it
    value: int  # in its currency; 0 for a named item
    currency: str
    item: str | None = None
    until: date  # the last local day it is good for
    timezone: str  # the accepting business's: the reader's date format follows its country


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateGiven:
    """To a member: a partner's cashier gave them a certificate after their purchase there."""

    kind: ClassVar[str] = "certificate_given"
    partner: str  # the business where it was given
    certificate: GotCertificate


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateExpiring:
    """To a member: an open certificate runs out within `days` days."""

    kind: ClassVar[str] = "certificate_expiring"
    certificate: GotCertificate
    days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateExpired:
    """To a member: a certificate ran out unused."""

    kind: ClassVar[str] = "certificate_expired"
    certificate: GotCertificate
