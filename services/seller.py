"""What the till's use cases share: the repositories, who may sell, the merchant's levels, the
row locks of a buyer and their referrers, and notices queued with the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Membership, StaffRole
from db.repositories import (
    AuditRepo,
    CustomerRepo,
    LedgerRepo,
    MembershipRepo,
    MerchantRepo,
    PaymentCodeRepo,
    PurchaseRepo,
    StaffRepo,
)
from services import grants, limits, policy
from services.clock import Clock, utc_now
from services.dto import LevelInfo
from services.errors import NotStaff, StaffPaused
from services.merchants import level_info
from services.notices import Notice
from services.outbox import enqueue

DRAFT_TTL = timedelta(minutes=10)  # a preview not confirmed by then is confirmed by nobody


class SellerBase:
    """The base of the till's services (till, purchases, refunds, ratings, day report)."""

    def __init__(
        self,
        session: AsyncSession,
        owner_ids: Sequence[int] = (),
        clock: Clock = utc_now,
        *,
        marker_key: bytes | None = None,
    ) -> None:
        self.session = session
        self.owner_ids = frozenset(owner_ids)
        self.clock = clock
        self.marker_key = marker_key or grants.UNSET_KEY
        self.merchants = MerchantRepo(session)
        self.customers = CustomerRepo(session)
        self.memberships = MembershipRepo(session)
        self.codes = PaymentCodeRepo(session)
        self.ledger = LedgerRepo(session)
        self.purchases = PurchaseRepo(session)
        self.staff = StaffRepo(session)
        self.audit = AuditRepo(session)

    async def _seller(self, merchant_id: int, telegram_id: int, now: datetime) -> StaffRole:
        """The role of an active, unpaused seller; raises NotStaff or StaffPaused."""
        guard = limits.TillGuard(self.session, self.owner_ids)
        if telegram_id in self.owner_ids:
            await guard.check_pause(merchant_id, telegram_id, now)  # owners are paused too
            return StaffRole.OWNER
        staff = await self.staff.active(merchant_id, telegram_id)
        if staff is None:
            raise NotStaff()
        if staff.paused_until is not None and staff.paused_until > now:
            raise StaffPaused(staff.paused_until)
        await guard.check_pause(merchant_id, telegram_id, now)
        return staff.role

    async def _levels(self, merchant_id: int) -> list[LevelInfo]:
        return [level_info(lv) for lv in await self.merchants.levels(merchant_id)]

    async def _lock_family(self, membership_id: int) -> tuple[dict[int, Membership], list[int]]:
        """Lock the buyer and the referrers whose balances this act may move, in id order:
        the locked rows by id, and the referrers' ids nearest first.

        Two purchases under one referrer would otherwise each hold their buyer and wait for
        the other's; one global order makes such a cycle impossible on PostgreSQL.
        """
        chain = await self.memberships.ancestors(membership_id, policy.MAX_REFERRAL_DEPTH)
        locked = {}
        for member_id in sorted({membership_id, *chain}):
            if (row := await self.memberships.lock(member_id)) is not None:
                locked[member_id] = row
        assert membership_id in locked
        return locked, chain

    async def _announce(self, merchant_id: int, notices: Sequence[Notice], key: str) -> None:
        """Queue messages to others in this transaction: they go out only if it commits."""
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        await enqueue(
            self.session, merchant_id, notices, self.clock(), key, merchant.default_language
        )
