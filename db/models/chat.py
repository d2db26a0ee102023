"""The live chat between members and a merchant's staff: what a member is about to send (a
draft, one at a time) and the messages both ways, kept until they are answered and after."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class ChatAuthor(StrEnum):
    MEMBER = "member"
    STAFF = "staff"


class ChatDraft(Base):
    """A member's free text waiting for Send or Cancel; one per membership, it expires."""

    __tablename__ = "chat_draft"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), unique=True
    )
    # The member's Telegram message it came from: the Send button names it (ids of deleted
    # drafts may come again, Telegram's message ids in a chat do not).
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChatMessage(Base):
    """One message of a member's thread with a merchant: the member's (unanswered until a
    reply) or a staff member's reply, which may answer a low rating's purchase."""

    __tablename__ = "chat_message"
    __table_args__ = (
        Index("ix_chat_message_merchant_id_answered_at", "merchant_id", "answered_at"),
        Index("ix_chat_message_membership_id_created_at", "membership_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    author: Mapped[ChatAuthor] = mapped_column(StrEnumType(ChatAuthor, 10))
    staff_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # a reply's author
    text: Mapped[str] = mapped_column(Text)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_message.id", ondelete="SET NULL")
    )
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchase.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
