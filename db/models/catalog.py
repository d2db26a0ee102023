"""The catalog, members' carts, and pre-orders for pickup."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class CatalogItem(Base):
    """Something a customer can pre-order: a title and a price in a category."""

    __tablename__ = "catalog_item"
    __table_args__ = (Index("ix_catalog_item_merchant_id_category", "merchant_id", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(80))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Cart(Base):
    """A member's cart: when it last changed, and how many reminders it has had since."""

    __tablename__ = "cart"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reminders: Mapped[int] = mapped_column(SmallInteger, default=0)


class CartLine(Base):
    __tablename__ = "cart_line"
    __table_args__ = (
        UniqueConstraint("membership_id", "item_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("cart.membership_id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id", ondelete="CASCADE"))
    qty: Mapped[int] = mapped_column(SmallInteger)


class PreorderStatus(StrEnum):
    OPEN = "open"  # waiting to be made and collected
    READY = "ready"  # the staff said it is ready; still collected with its code
    COMPLETED = "completed"  # a sale took its code
    CANCELLED = "cancelled"  # by the customer, the staff, or the member's erasure


class Preorder(Base):
    """A checked-out cart for pickup; its code is a payment code, and /sale completes it."""

    __tablename__ = "preorder"
    __table_args__ = (Index("ix_preorder_membership_id_status", "membership_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(6))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[str] = mapped_column(Text)  # JSON: the items as ordered
    status: Mapped[PreorderStatus] = mapped_column(StrEnumType(PreorderStatus, 10))
    purchase_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
