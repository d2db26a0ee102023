"""The notices of redeeming a certificate at the till (services/coalition/redeem.py): the
holder told where it was used, and the admins told when one customer uses many in a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from services.notices.codec import SPARSE


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateUsed:
    """To the holder: their certificate (worth `value_minor` in `currency`, or the `item`)
    was used at `merchant`."""

    kind: ClassVar[str] = "certificate_used"
    merchant: str
    value_minor: int
    currency: str
    item: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificatesFlag:
    """To the admins: `member` has had `count` certificates redeemed today (at every
    business of the coalition), the latest here."""

    kind: ClassVar[str] = "certificates_flag"
    member: str | None
    count: int
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several
