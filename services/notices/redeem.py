"""The notice a member gets when the cashier hands over their voucher
(services/rewards/redeem.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class VoucherRedeemed:
    """To a member: their voucher for `reward` was redeemed at `merchant`."""

    kind: ClassVar[str] = "voucher_redeemed"
    merchant: str
    reward: str
