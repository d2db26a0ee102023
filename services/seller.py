"""What the till's use cases share: the repositories, who may sell, the merchant's program, the
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
    TillRepo,
)
from services import grants, policy, program
from services.clock import Clock, utc_now
from services.dto import LevelInfo
from services.errors import NotStaff, StaffPaused
from services.limits.wrong_codes import PAUSE
from services.notices import Notice
from services.outbox import enqueue
from services.program import Program

DRAFT_TTL = timedelta(minutes=10)  # a preview not confirmed by then is confirmed by nobody


def check_seller(
    owner: bool,
    role: StaffRole | None,
    paused_until: datetime | None,
    last_pause: datetime | None,
    now: datetime,
) -> StaffRole:
    """The role of someone at the till, from their active staff row (`role` None: none) and
    their last pause for wrong codes; raises NotStaff or StaffPaused. Owners need no row, and
    are paused too."""
    if owner:
        role = StaffRole.OWNER
    elif role is None:
        raise NotStaff()
    elif paused_until is not None and paused_until > now:
        raise StaffPaused(paused_until)
    if last_pause is not None and last_pause + PAUSE > now:
        raise StaffPaused(last_pause + PAUSE)
    return role


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
        self.till = TillRepo(session)

    async def _seller(self, merchant_id: int, telegram_id: int, now: datetime) -> StaffRole:
        """The role of an active, unpaused seller, in one statement; raises NotStaff or
        StaffPaused."""
        row = await self.till.lookup(merchant_id, telegram_id, now)
        owner = telegram_id in self.owner_ids
        return check_seller(owner, row.role, row.paused_until, row.last_pause, now)

    async def _program(self, merchant_id: int) -> Program:
        """The merchant's settings and levels, from the process's copy (services/program.py)."""
        return await program.load(self.session, merchant_id)

    async def _levels(self, merchant_id: int) -> list[LevelInfo]:
        return list((await self._program(merchant_id)).levels)

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
