"""Notices about a member's vouchers: one lapses soon; one lapsed and its points came back
(issue 15)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class VoucherLapsed:
    """To a member: a voucher was not redeemed in time; its points are back."""

    kind: ClassVar[str] = "voucher_lapsed"
    reward: str
    points: int  # returned; 0 for a gift
    balance: int
    owed: int = 0  # of them, what settled points a refund could not take back (a clawback)


@dataclass(frozen=True, slots=True, kw_only=True)
class VoucherExpiring:
    """To a member: an open voucher lapses within `days` days."""

    kind: ClassVar[str] = "voucher_expiring"
    reward: str
    days: int
