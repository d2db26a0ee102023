"""What every member use case holds (the session, the clock, the key of the once-per-person
markers), finding a member by their Telegram id, and a fresh referral code."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Membership
from db.repositories import CustomerRepo, LedgerRepo, MembershipRepo, MerchantRepo
from services import grants, policy
from services.clock import Clock, utc_now
from services.errors import NotAMember


class MemberBase:
    def __init__(
        self, session: AsyncSession, clock: Clock = utc_now, *, marker_key: bytes | None = None
    ) -> None:
        self.session = session
        self.clock = clock
        self.marker_key = marker_key or grants.UNSET_KEY
        self.merchants = MerchantRepo(session)
        self.customers = CustomerRepo(session)
        self.memberships = MembershipRepo(session)
        self.ledger = LedgerRepo(session)

    async def _member(self, merchant_id: int, telegram_id: int) -> tuple[Customer, Membership]:
        pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
        if pair is None:
            raise NotAMember()
        return pair

    async def _fresh_referral_code(self) -> str:
        while True:
            code = policy.new_referral_code()
            if not await self.memberships.referral_code_taken(code):
                return code
