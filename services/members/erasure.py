"""Leaving the program: the member's personal data goes, the merchant's accounts stay."""

from __future__ import annotations

from db.models import Customer, LedgerReason
from db.repositories import CatalogRepo, OutboxRepo, PaymentCodeRepo, PurchaseRepo
from db.repositories.care import CareRepo
from db.repositories.privacy import PrivacyRepo
from services import grants
from services._tx import in_transaction
from services.chat import forget_chat
from services.coalition.erasure import forget_certificates
from services.errors import NotAMember
from services.members.base import MemberBase
from services.members.joining import friend_joined_key
from services.preorders import cancel_orders_of
from services.rewards.lapse import forfeit_on_erasure


class Erasure(MemberBase):
    async def erase(
        self, merchant_id: int, telegram_id: int, membership_id: int | None = None
    ) -> int:
        """The member leaves the program and their personal data goes; returns the points
        they gave up.

        The membership row stays, anonymous, for the merchant's accounts (purchases, ledger,
        referral chains): it moves to a customer row of its own with no Telegram user behind
        it (a negative id) and no personal data. The person's own customer row goes too unless
        they are a member of another program here. They can join again with /start, as new.
        Given `membership_id` (what the person confirmed), another card of theirs is refused
        with NotAMember.

        Messages to them there keep their status and time but lose their content and point at
        the anonymous row; the admins' alerts and referrers' notes about their purchases,
        which named them, lose their content too. So do their pre-orders' alerts, and the
        comments they wrote on purchases and surveys (the stars and scores stay, anonymous),
        and the reasons admins gave for adjusting their points (the points stay). Their
        certificates: services/coalition/erasure.py.
        """

        async def work() -> int:
            _, found = await self._member(merchant_id, telegram_id)
            if membership_id is not None and found.id != membership_id:
                raise NotAMember()
            await grants.keep_received(self.session, self.marker_key, found, telegram_id)
            membership = await self.memberships.lock(found.id)
            customer = await self.session.get(Customer, found.customer_id)
            assert membership is not None and customer is not None
            now = self.clock()
            forfeited = membership.balance_minor
            if forfeited:
                await self.ledger.post(membership, -forfeited, LedgerReason.FORFEIT, now)
            await forfeit_on_erasure(self.session, membership, now)  # vouchers, stamps
            anonymous = Customer(telegram_id=-membership.id, bot_blocked=True, created_at=now)
            self.customers.add(anonymous)
            await self.session.flush()
            membership.customer_id = anonymous.id
            membership.deleted_at = now
            membership.marketing_opt_in = False
            membership.marketing_changed_at = now
            membership.birthday_bonus_left = 0
            membership.referral_code = await self._fresh_referral_code()  # the old link dies
            await PaymentCodeRepo(self.session).drop_for_membership(membership.id)
            await cancel_orders_of(self.session, membership.id, now)  # their codes went above
            await CatalogRepo(self.session).clear(membership.id)
            outbox = OutboxRepo(self.session)
            await outbox.cancel_waiting(merchant_id, telegram_id)
            await outbox.anonymize(merchant_id, telegram_id, -membership.id)
            await outbox.forget_purchases(
                merchant_id, await PurchaseRepo(self.session).ids_of(membership.id)
            )
            await outbox.forget_keys(merchant_id, [friend_joined_key(membership.id)])
            # No audit row: it would tie the Telegram id to the anonymous membership again.
            await self.session.flush()
            await forget_certificates(self.session, customer.id, merchant_id, now)
            if await self.memberships.count_for_customer(customer.id) == 0:
                await self.session.delete(customer)
            # What they wrote (comments) and what alerts said about their orders goes too.
            privacy = PrivacyRepo(self.session)
            await privacy.forget_feedback(membership.id)
            await privacy.forget_orders(merchant_id, membership.id)
            await forget_chat(self.session, merchant_id, membership.id)  # their chat, both ways
            # And what the admins wrote about them: adjustments' reasons (the points stay).
            await CareRepo(self.session).forget_reasons(merchant_id, membership.id)
            return forfeited

        return await in_transaction(self.session, work)
