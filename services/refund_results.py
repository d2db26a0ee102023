"""What a refund at the till returns (RefundResult) and what its preview shows the cashier
before anything is written (RefundPreview): services/refunds.py makes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.coalition.sale_share import CertificateBack
from services.notices import Notice
from services.notices.sales import HandedBack


@dataclass(frozen=True, slots=True)
class RefundResult:
    purchase_id: int
    amount_minor: int
    points_returned: int
    cashback_reversed: int
    cash_refund_minor: int
    shortfall: int
    fully_refunded: bool
    currency: str
    notices: tuple[Notice, ...]
    level_reversed: int = 0  # cashback later purchases earned at a level the refund took away
    promotion_reversed: int = 0  # the refunded share of a promotion's bonus
    stamps_taken: int = 0  # stamps taken off the card
    stamps_forgiven: int = 0  # stamps due back but already in a voucher: the member keeps them
    gift_reversed: int = 0  # the refunded share of an invited friend's gift
    gift_voucher: str | None = None  # the friend's gift voucher's reward, if it had one
    gift_voucher_kept: bool = False  # it was redeemed already: else cancelled by the refund
    certificate: CertificateBack | None = None  # the partner's certificate that paid part
    handed_out: tuple[HandedBack, ...] = ()  # what it handed out, on a full refund


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """What /refund would do, before it does: the cashier confirms these numbers."""

    purchase_id: int
    customer_name: str | None
    member_no: int
    confirmed_at: datetime
    timezone: str
    amount_minor: int
    refunded_before: int  # the Confirm button carries it: a refund meanwhile stops the old one
    points_returned: int
    cashback_taken: int
    shortfall: int
    cash_refund_minor: int
    currency: str
    level_reversed: int = 0  # cashback of a level the refund takes away, taken back too
    promotion_reversed: int = 0
    stamps_taken: int = 0
    stamps_forgiven: int = 0
    gift_reversed: int = 0
    gift_voucher: str | None = None
    gift_voucher_kept: bool = False
    certificate: CertificateBack | None = None
    handed_out: tuple[HandedBack, ...] = ()
