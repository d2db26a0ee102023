"""Notices about pre-orders and carts: to the admins when one comes in or is withdrawn, to the
customer when it is ready or cancelled, or their cart waits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from services.notices.codec import SPARSE


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrder:
    """To the admins: a customer checked out a pre-order."""

    kind: ClassVar[str] = "new_order"
    order_id: int
    items: str
    total: int
    currency: str
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderWithdrawn:
    """To the admins: the customer cancelled their pre-order."""

    kind: ClassVar[str] = "order_withdrawn"
    order_id: int
    items: str
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReady:
    """To the customer: their pre-order is ready, with the code to collect it."""

    kind: ClassVar[str] = "order_ready"
    order_id: int
    merchant: str
    code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled:
    """To the customer: the staff cancelled their pre-order."""

    kind: ClassVar[str] = "order_cancelled"
    order_id: int
    merchant: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CartReminder:
    """To the customer: a cart left with items (after 2 hours, then 24)."""

    kind: ClassVar[str] = "cart_reminder"
    items: str
    total: int
    currency: str
