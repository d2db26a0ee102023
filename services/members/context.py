"""Who is writing: their merchant, membership and language on every update; moving to another
merchant of the deployment."""

from __future__ import annotations

from db.repositories import StaffRepo
from services.dto import MemberContext
from services.errors import UnknownMerchant
from services.members.base import MemberBase
from services.merchants import merchant_view


class Context(MemberBase):
    async def context(
        self, telegram_id: int, default_merchant_id: int, telegram_language: str | None = None
    ) -> MemberContext:
        """Who is writing: their merchant, membership (if they consented) and language.

        Writing to the bot makes a customer who had blocked it reachable again.
        """
        async with self.session.begin():
            customer = await self.customers.by_telegram_id(telegram_id)
            hired = await StaffRepo(self.session).first_merchant(telegram_id)
            merchant_id = default_merchant_id
            if customer is not None and customer.current_merchant_id is not None:
                merchant_id = customer.current_merchant_id
            elif hired is not None:
                merchant_id = hired  # staff who are not customers work where they were hired
            if customer is not None:
                if customer.bot_blocked:
                    customer.bot_blocked = False
                language = (telegram_language or "")[:5] or None
                if language and customer.telegram_language != language:
                    customer.telegram_language = language
            merchant = await self.merchants.get(merchant_id)
            if merchant is None:
                merchant = await self.merchants.get(default_merchant_id)
            if merchant is None:
                raise UnknownMerchant(str(default_merchant_id))
            membership = None
            if customer is not None:
                membership = await self.memberships.find(customer.id, merchant.id)
            consented = (
                membership is not None and membership.consent_version >= merchant.rules_version
            )
            return MemberContext(
                telegram_id=telegram_id,
                merchant=merchant_view(merchant),
                customer_id=customer.id if customer else None,
                membership_id=membership.id if membership and consented else None,
                language=customer.language if customer else None,
                staff_merchant_id=hired,
            )

    async def switch_merchant(self, telegram_id: int, merchant_id: int) -> bool:
        """Talk to another merchant of the deployment, if the customer consented there."""
        async with self.session.begin():
            pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
            merchant = await self.merchants.get(merchant_id)
            if pair is None or merchant is None:
                return False
            customer, membership = pair
            if membership.consent_version < merchant.rules_version:
                return False
            customer.current_merchant_id = merchant_id
            return True
