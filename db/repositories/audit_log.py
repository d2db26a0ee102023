"""Reading a merchant's audit log: a page of it, newest first, filtered by person, kind and
time; who appears in it; the whole log for the export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, cast, func, select

from db.models import AuditLog, ChatMessage, Staff
from db.repositories.base import Repo


def _where(
    merchant_id: int,
    actor: int | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    where = [AuditLog.merchant_id == merchant_id]
    if actor is not None:
        where.append(AuditLog.actor_telegram_id == actor)
    if action is not None:
        where.append(AuditLog.action == action)
    if since is not None:
        where.append(AuditLog.created_at >= since)
    if until is not None:
        where.append(AuditLog.created_at < until)
    return where


class AuditLogRepo(Repo):
    async def page(
        self,
        merchant_id: int,
        actor: int | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[AuditLog], int]:
        """The rows of one page, newest first, and how many match in all."""
        where = _where(merchant_id, actor, action, since, until)
        rows = await self.s.scalars(
            select(AuditLog)
            .where(*where)
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
            .offset(offset)
            .limit(limit)
        )
        total = await self.s.scalar(select(func.count()).select_from(AuditLog).where(*where))
        return rows.all(), int(total or 0)

    async def actors(self, merchant_id: int) -> list[int]:
        """Everyone who appears in the merchant's log."""
        rows = await self.s.scalars(
            select(AuditLog.actor_telegram_id)
            .where(AuditLog.merchant_id == merchant_id)
            .group_by(AuditLog.actor_telegram_id)
        )
        return list(rows.all())

    async def actions(self, merchant_id: int) -> list[str]:
        """The kinds of acts in the merchant's log."""
        rows = await self.s.scalars(
            select(AuditLog.action)
            .where(AuditLog.merchant_id == merchant_id)
            .group_by(AuditLog.action)
            .order_by(AuditLog.action)
        )
        return list(rows.all())

    async def staff_names(self, merchant_id: int) -> dict[int, str]:
        """The names of the merchant's staff, revoked ones too, by Telegram id."""
        rows = await self.s.execute(
            select(Staff.telegram_id, Staff.name).where(Staff.merchant_id == merchant_id)
        )
        return {telegram_id: name for telegram_id, name in rows.all()}

    async def message_members(self, message_ids: Sequence[int]) -> dict[int, int]:
        """The member who wrote each of these chat messages, by message id."""
        if not message_ids:
            return {}
        rows = await self.s.execute(
            select(ChatMessage.id, ChatMessage.membership_id).where(
                ChatMessage.id.in_(message_ids)
            )
        )
        return {message_id: member for message_id, member in rows.all()}

    def export_query(self, merchant_id: int) -> Select[*tuple[Any, ...]]:
        """The whole log, oldest first, with the member of each chat message answered."""
        writer = (
            select(ChatMessage.membership_id)
            .where(cast(ChatMessage.id, String) == AuditLog.target)
            .scalar_subquery()
        )
        return (
            select(
                AuditLog.id,
                AuditLog.created_at,
                AuditLog.actor_telegram_id,
                AuditLog.action,
                AuditLog.target,
                AuditLog.details,
                case((AuditLog.action == "chat_reply", writer)).label("member"),
            )
            .where(AuditLog.merchant_id == merchant_id)
            .order_by(AuditLog.id)
        )
