"""The people behind the counter: staff and their roles, invites, languages, and the audit log
of their acts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, StrEnumType, UtcDateTime


class StaffRole(StrEnum):
    STAFF = "staff"  # a cashier
    ADMIN = "admin"
    OWNER = "owner"  # from the settings (OWNER_IDS), holds every merchant; never in a row


class Staff(Base):
    """A cashier or admin of one merchant, from a one-time invite. Owners come from config."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("merchant_id", "telegram_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[StaffRole] = mapped_column(StrEnumType(StaffRole, 10))
    invited_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffInvite(Base):
    __tablename__ = "staff_invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(24), unique=True)
    role: Mapped[StaffRole] = mapped_column(StrEnumType(StaffRole, 10))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)


class StaffLanguage(Base):
    """The language of an owner or staff member who is not a customer (customers keep theirs
    on their customer row): the alerts and notes to them are written in it."""

    __tablename__ = "staff_language"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditLog(Base):
    """Every staff and admin act: who, what, on what, when. No customer personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_merchant_id_created_at", "merchant_id", "created_at"),
        Index("ix_audit_log_actor_action_created_at", "actor_telegram_id", "action", "created_at"),
        # A merchant's wrong codes of the last hour, counted at every code lookup at the till.
        Index("ix_audit_log_merchant_id_action_created_at", "merchant_id", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    actor_telegram_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
