"""One-time codes shown at the till (a member's, or an open pre-order's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, UtcDateTime


class PaymentCode(Base):
    """A one-time code: a membership's till code (asking again replaces it), or an open
    pre-order's code, which lasts until the order is collected or cancelled."""

    __tablename__ = "payment_code"
    __table_args__ = (
        UniqueConstraint("merchant_id", "code"),
        # One till code per membership; its pre-orders' codes live beside it.
        Index(
            "uq_payment_code_membership_id",
            "membership_id",
            unique=True,
            sqlite_where=text("preorder_id IS NULL"),
            postgresql_where=text("preorder_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    preorder_id: Mapped[int | None] = mapped_column(
        ForeignKey("preorder.id", ondelete="CASCADE"), unique=True
    )
    code: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
