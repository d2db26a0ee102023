"""Messages the bot sends on its own initiative, each once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; back to pending if it crashed meanwhile
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the recipient blocked the bot
    CANCELLED = "cancelled"


class Outbox(Base):
    """Every message the bot sends on its own initiative, once: a unique dedupe key per message.

    Services write rows in the same transaction as the change they announce; one sender
    drains them at Telegram's pace (bot/delivery.py).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "not_before", "id"),
        Index("ix_outbox_chat_id_status", "chat_id", "status"),
        Index("ix_outbox_campaign_id_status", "campaign_id", "status"),
        Index("ix_outbox_merchant_id_kind_sent_at", "merchant_id", "kind", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(24))
    priority: Mapped[int] = mapped_column(SmallInteger)  # 0 transactional, 1 promotional
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON: what the renderer needs
    language: Mapped[str | None] = mapped_column(String(5))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[OutboxStatus] = mapped_column(StrEnumType(OutboxStatus, 10))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Who claimed the row (`sending`) and when: the sender that takes the lease returns what
    # the senders before it left claimed; a sender's marks land only on its own claims. Kept
    # afterwards: who sent it.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A push the owner chose to send as a paid broadcast (Telegram's allow_paid_broadcast: up
    # to 1000 messages a second, paid in Stars from the bot's balance).
    paid_broadcast: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
