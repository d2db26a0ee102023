"""The notice a member gets when the friend they gave a certificate to takes it
(services/coalition/gifts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateGiftTaken:
    """To the giver: the friend took their certificate for `merchant` (worth `value_minor`
    in `currency`, or the named `item`)."""

    kind: ClassVar[str] = "certificate_gift_taken"
    merchant: str
    currency: str
    value_minor: int
    item: str | None = None
