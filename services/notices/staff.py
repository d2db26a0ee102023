"""Notices to a merchant's admins and owners about the till: daily thresholds crossed, a
cashier paused, code entry locked, and a new colleague."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from services.notices.codec import SPARSE


@dataclass(frozen=True, slots=True, kw_only=True)
class _Threshold:
    """A daily threshold (services/limits/daily.py) crossed by a sale: flagged at each multiple."""

    count: int  # purchases (or sales) today
    amount: int = 0  # ... and their total: rows queued before thresholds repeated lack it
    limit: int | None = None  # None: a row queued before thresholds repeated
    currency: str = ""
    member: str | None = None
    member_id: int | None = None
    staff: str | None = None
    purchase_id: int
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerPurchasesFlag(_Threshold):
    """A customer's purchases today reached a multiple of the threshold."""

    kind: ClassVar[str] = "daily_flag"


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerAmountFlag(_Threshold):
    """A customer's spending today reached a multiple of the threshold."""

    kind: ClassVar[str] = "daily_amount_flag"


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffSalesFlag(_Threshold):
    """A cashier's sales today reached a multiple of the threshold."""

    kind: ClassVar[str] = "staff_daily_flag"


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffAmountFlag(_Threshold):
    """A cashier's takings today reached a multiple of the threshold."""

    kind: ClassVar[str] = "staff_amount_flag"


DailyFlag = CustomerPurchasesFlag | CustomerAmountFlag | StaffSalesFlag | StaffAmountFlag


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffPausedAlert:
    """Someone at the till entered too many wrong codes; their sales are paused."""

    kind: ClassVar[str] = "staff_paused"
    staff: str | None  # None: an owner, who has no staff row
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several


@dataclass(frozen=True, slots=True, kw_only=True)
class CodesLockedAlert:
    """Too many wrong codes within an hour locked code entry merchant-wide."""

    kind: ClassVar[str] = "codes_locked"
    merchant_id: int
    merchant: str
    limit: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffJoined:
    """Someone accepted an invitation and joined the team."""

    kind: ClassVar[str] = "staff_joined"
    staff: str | None
    role: str  # "admin" or "staff"
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several
