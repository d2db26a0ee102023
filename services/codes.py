"""One-time payment codes that a customer shows at the till."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import PaymentCode, Preorder
from db.repositories import MembershipRepo, MerchantRepo, PaymentCodeRepo
from services import policy
from services._tx import in_transaction
from services.clock import Clock, utc_now
from services.dto import IssuedCode
from services.errors import NotAMember

MAX_DRAWS = 50
# An order's code has no clock of its own: collecting the order marks it used, cancelling
# marks it used too (db/repositories/preorders.py). A far expiry rather than a NULL one keeps every
# query on active codes, and the sale's confirm path, the same for till and order codes.
ORDER_CODE_EXPIRES_AT = datetime(9999, 12, 31, tzinfo=UTC)


class CodeService:
    def __init__(
        self,
        session: AsyncSession,
        clock: Clock = utc_now,
        draw: Callable[[], str] = policy.new_payment_code,
    ) -> None:
        self.session = session
        self.clock = clock
        self.draw = draw
        self.codes = PaymentCodeRepo(session)
        self.memberships = MembershipRepo(session)
        self.merchants = MerchantRepo(session)

    async def issue(self, merchant_id: int, telegram_id: int) -> IssuedCode:
        """A fresh 6-digit code, unique among the merchant's active codes; replaces the old one."""

        async def work() -> IssuedCode:
            pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
            if pair is None:
                raise NotAMember()
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            issued = await self.issue_in_transaction(
                pair[1].id, merchant_id, merchant.code_ttl_seconds
            )
            return replace(issued, paused=pair[1].blocked_at is not None)

        return await in_transaction(self.session, work)

    async def _free_code(self, merchant_id: int, now: datetime) -> str:
        """A value no active code of the merchant holds, till codes and order codes alike."""
        for _ in range(MAX_DRAWS):
            code = self.draw()
            if not await self.codes.code_in_use(merchant_id, code, now):
                break
        else:  # a million codes and fifty misses in a row: the merchant is enormous
            raise RuntimeError("no free payment code")
        await self.codes.purge_stale(merchant_id, code, now)
        return code

    async def order_code(self, merchant_id: int) -> str:
        """A value for a new pre-order, inside the caller's transaction; `attach` stores it."""
        return await self._free_code(merchant_id, self.clock())

    async def attach(self, order: Preorder) -> None:
        """The order's own code row, active until the order is collected or cancelled."""
        self.codes.add(
            PaymentCode(
                merchant_id=order.merchant_id,
                membership_id=order.membership_id,
                preorder_id=order.id,
                code=order.code,
                created_at=self.clock(),
                expires_at=ORDER_CODE_EXPIRES_AT,
            )
        )
        await self.session.flush()

    async def issue_in_transaction(
        self, membership_id: int, merchant_id: int, ttl_seconds: int
    ) -> IssuedCode:
        """The till code itself, inside the caller's transaction; order codes stay."""
        now = self.clock()
        await self.codes.drop_till_code(membership_id)
        code = await self._free_code(merchant_id, now)
        expires_at = now + timedelta(seconds=ttl_seconds)
        self.codes.add(
            PaymentCode(
                merchant_id=merchant_id,
                membership_id=membership_id,
                code=code,
                created_at=now,
                expires_at=expires_at,
            )
        )
        await self.session.flush()
        return IssuedCode(code, expires_at, ttl_seconds)
