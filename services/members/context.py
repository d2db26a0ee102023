"""Who is writing: their merchant, membership and language on every update, in one statement;
moving to another merchant of the deployment."""

from __future__ import annotations

from db import once
from db.reads import read_only
from db.repositories import who
from services import program
from services.dto import MemberContext
from services.errors import UnknownMerchant
from services.members.base import MemberBase


class Context(MemberBase):
    async def context(
        self,
        telegram_id: int,
        default_merchant_id: int,
        telegram_language: str | None = None,
        update: tuple[int, int] = (0, 0),
        *,
        owner: bool = False,
    ) -> MemberContext:
        """Who is writing: their merchant, membership (if they consented) and language, read in
        one statement outside any transaction, the merchant's program from the process's copy.
        Raises once.DuplicateUpdate when `update` (bot id, update id) was handled before.

        `owner`: they hold every merchant (OWNER_IDS), so they work in one too.

        Writing to the bot makes a customer who had blocked it reachable again.
        """
        found = await who.find(self.session, telegram_id, default_merchant_id, update, owner=owner)
        if found is None:  # their merchant is gone: the default one
            found = await who.find(
                self.session,
                telegram_id,
                default_merchant_id,
                update,
                at_default=True,
                owner=owner,
            )
        if found is None:
            raise UnknownMerchant(str(default_merchant_id))
        if found.handled:
            raise once.DuplicateUpdate(update[1])
        language = (telegram_language or "")[:5] or None
        if found.customer_id is not None and (
            found.bot_blocked or (language and language != found.telegram_language)
        ):
            async with self.session.begin():
                await self.customers.reachable(found.customer_id, language)
        program.checked(self.session, found.merchant_id, found.program_version)
        if found.hired is not None and found.hired_program_version is not None:
            program.checked(self.session, found.hired, found.hired_program_version)
        merchant = program.cached(self.session, found.merchant_id)
        if merchant is None:
            async with read_only(self.session):
                merchant = await program.load(self.session, found.merchant_id)
        consented = (
            found.membership_id is not None
            and found.consent_version >= merchant.merchant.rules_version
        )
        return MemberContext(
            telegram_id=telegram_id,
            merchant=merchant.merchant,
            customer_id=found.customer_id,
            membership_id=found.membership_id if consented else None,
            language=found.language,
            staff_merchant_id=found.hired,
            staff_merchant_name=found.hired_name,
            workplaces=found.workplaces,
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
