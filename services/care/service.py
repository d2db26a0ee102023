"""/customer's use cases: find a member of the merchant, show them, adjust their points with a
reason, block and unblock them, and give goodwill points after a low rating.

Every act checks the actor's role first, before it reads or says anything about the member:
owners and the merchant's admins see the whole page and act; a cashier only finds a member by
their payment code and sees what a sale needs (the till shows them as much anyway), so the
staff cannot browse members by number or phone. A look-up by code is one at the till (a
paused cashier or a locked merchant is refused, a wrong code counts towards the pause), but
reads the code without using it."""

from __future__ import annotations

from db.models import LedgerReason, Membership
from services import policy, program
from services._tx import in_transaction
from services.care.base import membership_by_code
from services.care.goodwill import GoodwillCare
from services.care.model import (
    Adjusted,
    CareRefused,
    MemberPage,
    MemberPaused,
    QueryKind,
    Rating,
    TillCard,
    classify,
    clean_reason,
)
from services.dto import Birthday, LevelInfo
from services.errors import CodeInvalid
from services.ledger import credit
from services.notices import PointsAdjusted
from services.states import StaffRole


class CareService(GoodwillCare):
    async def start(self, merchant_id: int, actor: int) -> StaffRole:
        """The actor's role, before /customer asks them for a member (NotStaff for others)."""
        async with self.session.begin():
            return await self._role(merchant_id, actor)

    async def find(self, merchant_id: int, actor: int, query: str) -> MemberPage | TillCard:
        """The member named by `query`: the page for admins, the till's card for cashiers."""
        missed: list[CodeInvalid] = []

        async def work() -> MemberPage | TillCard | None:
            missed.clear()
            role = await self._role(merchant_id, actor)
            cashier = role == StaffRole.STAFF
            try:
                kind, value = classify(query)
            except CareRefused:
                raise CareRefused("cashier_code" if cashier else "format") from None
            if cashier and kind != QueryKind.CODE:
                raise CareRefused("cashier_code")
            now = self.clock()
            if kind == QueryKind.CODE:
                found = await membership_by_code(
                    self.session, self.owner_ids, merchant_id, actor, value, now
                )
                if isinstance(found, CodeInvalid):
                    missed.append(found)  # audited: it counts toward the pause and the lock
                    return None
                membership_id: int | None = found
            elif kind == QueryKind.NUMBER:
                membership_id = int(value)
            else:
                by_phone = await self.care.by_phone(merchant_id, value)
                if by_phone is None and not query.strip().startswith("+"):
                    raise CareRefused("phone_country")  # 600123456: a national number
                membership_id = by_phone.id if by_phone else None
            membership = await self._member(merchant_id, membership_id or 0)
            if cashier:
                return await self._till_card(membership)
            return await self._page(membership)

        found = await in_transaction(self.session, work)
        if missed:
            raise missed[0]
        assert found is not None
        return found

    async def _level(self, membership: Membership) -> tuple[LevelInfo, program.Program]:
        prog = await program.load(self.session, membership.merchant_id)
        levels = prog.levels
        level = next((lv for lv in levels if lv.rank == membership.level_rank), levels[-1])
        return level, prog

    async def _till_card(self, membership: Membership) -> TillCard:
        customer = await self._customer(membership)
        level, prog = await self._level(membership)
        return TillCard(
            first_name=customer.first_name,
            phone_masked=_masked(customer.phone),
            level=level,
            balance=membership.balance_minor,
            currency=prog.merchant.currency,
            point_value=prog.merchant.point_value_minor,
            blocked=membership.blocked_at is not None,
        )

    async def _page(self, membership: Membership) -> MemberPage:
        customer = await self._customer(membership)
        level, prog = await self._level(membership)
        orders, orders_total = await self.care.open_orders(membership.id)
        birthday = None
        if customer.birthday_day is not None and customer.birthday_month is not None:
            birthday = Birthday(
                customer.birthday_day, customer.birthday_month, customer.birthday_year
            )
        return MemberPage(
            membership_id=membership.id,
            first_name=customer.first_name,
            phone_masked=_masked(customer.phone),
            joined_at=membership.joined_at,
            visits=membership.purchases_count,
            spend_minor=membership.lifetime_spend_minor,
            level=level,
            balance=membership.balance_minor,
            currency=prog.merchant.currency,
            point_value=prog.merchant.point_value_minor,
            timezone=prog.merchant.timezone,
            ratings=tuple(
                Rating(stars, comment, at)
                for stars, comment, at in await self.care.ratings(membership.id)
            ),
            referrals_effective=membership.effective_referrals,
            referrals_invited=await self.care.invited(membership.id),
            open_orders=orders,
            open_orders_minor=orders_total,
            birthday=birthday,
            blocked=membership.blocked_at is not None,
        )

    async def check(self, merchant_id: int, actor: int, membership_id: int) -> None:
        """An admin or owner, and the merchant's member (before a step about them is asked)."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            await self._member(merchant_id, membership_id)

    async def balance(
        self, merchant_id: int, actor: int, membership_id: int, delta: int = 0
    ) -> int:
        """The member's balance, for an admin or owner about to adjust it (before each step of
        the adjustment): a paused card, or a `delta` that takes it below zero, is refused."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            membership = _adjustable(await self._member(merchant_id, membership_id))
            if membership.balance_minor + delta < 0:
                raise CareRefused("below_zero")
            return membership.balance_minor

    async def adjust(
        self,
        merchant_id: int,
        actor: int,
        membership_id: int,
        delta: int,
        before: int,
        text: str | None,
    ) -> Adjusted:
        """Add or take points with a reason, as previewed (the balance still `before`), once;
        audited, and the member is told why. No reason (None): the preview is no longer open."""

        async def work() -> Adjusted:
            await self._admin(merchant_id, actor)
            if text is None:
                raise CareRefused("stale")
            reason = clean_reason(text)
            merchant = await self._merchant(merchant_id)
            membership = _adjustable(await self._member(merchant_id, membership_id))
            if before + delta < 0:
                raise CareRefused("below_zero")
            if not await self.care.claim_balance(membership.id, before):
                raise CareRefused("changed")
            now = self.clock()
            if delta > 0:  # a refund's unpaid reversal is settled first, as with any credit
                await credit(
                    self.ledger, membership, delta, LedgerReason.ADJUSTMENT, now, note=reason
                )
            else:
                await self.ledger.post(membership, delta, LedgerReason.ADJUSTMENT, now, reason)
            self.audit.add(
                merchant_id,
                actor,
                "points_adjust",
                now,
                target=str(membership.id),
                details=f"{delta:+d} {reason}",
            )
            body = PointsAdjusted(
                merchant=merchant.name,
                delta=delta,
                reason=reason,
                balance=membership.balance_minor,
            )
            await self._tell(
                merchant, membership, body, f"points_adjust:{membership.id}:{now:%Y%m%d%H%M%S%f}"
            )
            return Adjusted(membership.id, delta, membership.balance_minor)

        return await in_transaction(self.session, work)

    async def set_blocked(
        self, merchant_id: int, actor: int, membership_id: int, blocked: bool
    ) -> MemberPage:
        """Block or unblock a member (a second press changes nothing more); the page after."""

        async def work() -> MemberPage:
            await self._admin(merchant_id, actor)
            membership = await self._member(merchant_id, membership_id)
            now = self.clock()
            if await self.care.set_blocked(membership.id, now if blocked else None):
                action = "member_block" if blocked else "member_unblock"
                self.audit.add(merchant_id, actor, action, now, target=str(membership.id))
            await self.session.refresh(membership)
            return await self._page(membership)

        return await in_transaction(self.session, work)


def _adjustable(membership: Membership) -> Membership:
    """A member whose points may be adjusted: one whose card is not paused."""
    if membership.blocked_at is not None:
        raise MemberPaused(membership.id)
    return membership


def _masked(phone: str | None) -> str | None:
    return policy.mask_phone(phone) if phone else None
