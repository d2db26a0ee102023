"""Payment codes at the till: issue, look up, use once."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Update, bindparam, delete, or_, select, update

from db.models import PaymentCode
from db.repositories.base import Repo, run_core


def _active(now: Any) -> tuple[ColumnElement[bool], ...]:
    """A code still good at the till: unused and unexpired."""
    return PaymentCode.used_at.is_(None), PaymentCode.expires_at > now


@cache
def _use() -> Update:
    """PaymentCodeRepo.use's statement (the till's hot path: built once)."""
    now = bindparam("now", type_=PaymentCode.used_at.type)
    return (
        update(PaymentCode)
        .where(
            PaymentCode.membership_id == bindparam("member"),
            PaymentCode.code == bindparam("value", type_=PaymentCode.code.type),
            *_active(now),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


class PaymentCodeRepo(Repo):
    async def drop_for_membership(self, membership_id: int) -> None:
        await self.s.execute(delete(PaymentCode).where(PaymentCode.membership_id == membership_id))

    async def drop_till_code(self, membership_id: int) -> None:
        """The member's till code only: their open pre-orders keep theirs."""
        await self.s.execute(
            delete(PaymentCode).where(
                PaymentCode.membership_id == membership_id, PaymentCode.preorder_id.is_(None)
            )
        )

    async def code_in_use(self, merchant_id: int, code: str, now: datetime) -> bool:
        """Whether an active code (unused, unexpired) of the merchant has this value."""
        found = await self.s.scalar(
            select(PaymentCode.id).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                *_active(now),
            )
        )
        return found is not None

    async def purge_stale(self, merchant_id: int, code: str, now: datetime) -> None:
        """Free a code value held only by a used or expired row."""
        await self.s.execute(
            delete(PaymentCode).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                or_(PaymentCode.used_at.is_not(None), PaymentCode.expires_at <= now),
            )
        )

    def add(self, code: PaymentCode) -> None:
        self.s.add(code)

    async def find_active(self, merchant_id: int, code: str, now: datetime) -> PaymentCode | None:
        return await self.s.scalar(
            select(PaymentCode).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                *_active(now),
            )
        )

    async def find_any(self, merchant_id: int, code: str) -> PaymentCode | None:
        return await self.s.scalar(
            select(PaymentCode).where(
                PaymentCode.merchant_id == merchant_id, PaymentCode.code == code
            )
        )

    async def use(self, membership_id: int, code: str, now: datetime) -> bool:
        """Mark the code used, once: False when it was used, replaced or expired meanwhile."""
        params = {"member": membership_id, "value": code, "now": now}
        result = await run_core(self.s, _use(), params)
        return int(cast("CursorResult[Any]", result).rowcount) > 0
