"""Staff, their invites, and the audit log of staff and admin acts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from db.models import AuditLog, Staff, StaffInvite, StaffRole
from db.repositories.base import Repo
from db.repositories.bulk import insert_rows


class StaffRepo(Repo):
    async def active(self, merchant_id: int, telegram_id: int) -> Staff | None:
        return await self.s.scalar(
            select(Staff).where(
                Staff.merchant_id == merchant_id,
                Staff.telegram_id == telegram_id,
                Staff.revoked_at.is_(None),
            )
        )

    async def any(self, merchant_id: int, telegram_id: int) -> Staff | None:
        return await self.s.scalar(
            select(Staff).where(Staff.merchant_id == merchant_id, Staff.telegram_id == telegram_id)
        )

    async def get(self, staff_id: int) -> Staff | None:
        return await self.s.get(Staff, staff_id)

    async def first_merchant(self, telegram_id: int) -> int | None:
        return await self.s.scalar(
            select(Staff.merchant_id)
            .where(Staff.telegram_id == telegram_id, Staff.revoked_at.is_(None))
            .order_by(Staff.id)
            .limit(1)
        )

    async def list_active(self, merchant_id: int) -> Sequence[Staff]:
        return await self._all(
            select(Staff)
            .where(Staff.merchant_id == merchant_id, Staff.revoked_at.is_(None))
            .order_by(Staff.role, Staff.name)
        )

    async def admin_ids(self, merchant_id: int) -> list[int]:
        rows = await self.s.scalars(
            select(Staff.telegram_id).where(
                Staff.merchant_id == merchant_id,
                Staff.role == StaffRole.ADMIN,
                Staff.revoked_at.is_(None),
            )
        )
        return list(rows)

    async def use_invite(self, invite_id: int, telegram_id: int, now: datetime) -> bool:
        changed = await self._changed(
            update(StaffInvite)
            .where(StaffInvite.id == invite_id, StaffInvite.used_at.is_(None))
            .values(used_at=now, used_by=telegram_id)
        )
        return changed > 0

    async def invite(self, token: str) -> StaffInvite | None:
        return await self.s.scalar(select(StaffInvite).where(StaffInvite.token == token))

    def add(self, row: Staff | StaffInvite) -> None:
        self.s.add(row)


class AuditRepo(Repo):
    @staticmethod
    def row(
        merchant_id: int,
        actor: int,
        action: str,
        now: datetime,
        target: str | None = None,
        details: str | None = None,
    ) -> dict[str, Any]:
        """An audit row for `insert`."""
        return {
            "merchant_id": merchant_id,
            "actor_telegram_id": actor,
            "action": action,
            "target": target,
            "details": details,
            "created_at": now,
        }

    def add(
        self,
        merchant_id: int,
        actor: int,
        action: str,
        now: datetime,
        target: str | None = None,
        details: str | None = None,
    ) -> None:
        self.s.add(AuditLog(**self.row(merchant_id, actor, action, now, target, details)))

    async def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Audit rows (merchant_id, actor_telegram_id, action, target, details, created_at)
        in one Core statement."""
        await insert_rows(self.s, AuditLog, rows)
