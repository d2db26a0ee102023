"""What customer care's use cases share: the repositories, the actor's role, the merchant and
the member looked up within it."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Membership, Merchant
from db.repositories import AuditRepo, LedgerRepo, PaymentCodeRepo
from db.repositories.care import CareRepo
from services import limits
from services.base import Service
from services.care.model import CareRefused
from services.errors import CodeInvalid, NotStaff, UnknownMerchant
from services.notices import Notice, NoticeBody
from services.outbox import enqueue
from services.states import StaffRole


async def membership_by_code(
    session: AsyncSession,
    owner_ids: frozenset[int],
    merchant_id: int,
    actor: int,
    code: str,
    now: datetime,
) -> int | CodeInvalid:
    """The membership behind a merchant's active payment code, read and not used: a look-up at
    the till like any other (a paused person or a locked merchant is refused; a code that
    matches nobody is audited and counts toward the pause and the lock, so the caller commits
    before it raises the refusal returned)."""
    guard = limits.TillGuard(session, owner_ids)
    merchant = await guard.before_lookup(merchant_id, actor, now)
    codes = PaymentCodeRepo(session)
    found = await codes.find_active(merchant_id, code, now)
    if found is not None:
        return found.membership_id
    stale = await codes.find_any(merchant_id, code)
    action = "wrong_code" if stale is None else "stale_code"
    reason = "unknown" if stale is None else "used" if stale.used_at else "expired"
    AuditRepo(session).add(merchant_id, actor, action, now, details=reason)
    await session.flush()
    return await guard.after_miss(merchant, actor, action, reason, now)


class CareBase(Service):
    @cached_property
    def care(self) -> CareRepo:
        return CareRepo(self.session)

    @cached_property
    def ledger(self) -> LedgerRepo:
        return LedgerRepo(self.session)

    async def _role(self, merchant_id: int, actor: int) -> StaffRole:
        """Owner, admin or cashier; NotStaff for anyone else (revoked staff too)."""
        if actor in self.owner_ids:
            return StaffRole.OWNER
        staff = await self.staff.active(merchant_id, actor)
        if staff is None:
            raise NotStaff()
        return staff.role

    async def _admin(self, merchant_id: int, actor: int) -> None:
        """Owners and the merchant's admins pass; a cashier is told the step is the admins'
        (CareRefused admins_only), anyone else NotStaff."""
        if await self._role(merchant_id, actor) not in (StaffRole.OWNER, StaffRole.ADMIN):
            raise CareRefused("admins_only")

    async def _merchant(self, merchant_id: int) -> Merchant:
        merchant = await self.merchants.get(merchant_id)
        if merchant is None:
            raise UnknownMerchant(str(merchant_id))
        return merchant

    async def _member(self, merchant_id: int, membership_id: int) -> Membership:
        """The merchant's member; another merchant's, or one who left, is not found."""
        membership = await self.memberships.get(membership_id)
        if membership is None or membership.merchant_id != merchant_id or membership.deleted_at:
            raise CareRefused("not_found")
        return membership

    async def _customer(self, membership: Membership) -> Customer:
        customer = await self.session.get(Customer, membership.customer_id)
        assert customer is not None
        return customer

    async def _tell(
        self, merchant: Merchant, membership: Membership, body: NoticeBody, key: str
    ) -> None:
        """Queue `body` for the member, in their language, in this transaction, once per key."""
        customer = await self._customer(membership)
        notice = Notice(customer.telegram_id, customer.language, body)
        await enqueue(
            self.session, merchant.id, [notice], self.clock(), key, merchant.default_language
        )
