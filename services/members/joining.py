"""Joining a program with consent, through a friend's link or a merchant's: the welcome bonus
and the welcome gift (a voucher) once per person, and a note to the friend who invited."""

from __future__ import annotations

import logging
from datetime import datetime

from db.models import Customer, LedgerReason, Membership, Merchant, Reward, VoucherSource
from db.repositories.vouchers import VoucherRepo
from services import grants, policy
from services._tx import in_transaction
from services.dto import JoinResult, MerchantView, StartPayload
from services.errors import OutdatedRules, UnknownMerchant
from services.members.base import MemberBase
from services.merchants import merchant_view
from services.notices import FriendJoined, Notice
from services.outbox import enqueue_keyed
from services.rewards.issue import Gift, issue

logger = logging.getLogger(__name__)


def first_name_of(customer: Customer) -> str | None:
    """The first word of the first name a person gave Telegram: no more of them is shown."""
    words = (customer.first_name or "").split()
    return words[0] if words else None


def friend_joined_key(membership_id: int) -> str:
    """The dedupe key of the note to the inviter about this friend membership."""
    return f"friend_joined:{membership_id}"


class Joining(MemberBase):
    async def join(
        self,
        *,
        telegram_id: int,
        merchant_id: int,
        first_name: str | None,
        consent_version: int,
        referral_code: str | None = None,
        source: str | None = None,
        telegram_language: str | None = None,
    ) -> JoinResult:
        """Store consent and create the membership; pressing Accept twice joins once."""

        referral_code, source = policy.link_fields(referral_code, source)

        async def work() -> JoinResult:
            now = self.clock()
            merchant = await self.merchants.get(merchant_id)
            if merchant is None:
                raise UnknownMerchant(str(merchant_id))
            if consent_version != merchant.rules_version:
                raise OutdatedRules()  # an old button, or a forged version
            customer = await self.customers.by_telegram_id(telegram_id)
            if customer is None:
                customer = Customer(telegram_id=telegram_id, bot_blocked=False, created_at=now)
                self.customers.add(customer)
            customer.first_name = (first_name or "")[:64] or None
            customer.telegram_language = (telegram_language or "")[:5] or None
            customer.current_merchant_id = merchant.id
            await self.session.flush()
            membership = await self.memberships.find(customer.id, merchant.id)
            if membership is not None:
                renewed = consent_version > membership.consent_version
                if renewed:
                    membership.consent_version = consent_version
                    membership.consented_at = now
                return JoinResult(
                    membership.id, False, False, 0, merchant_view(merchant), renewed=renewed
                )
            referrer = None
            if referral_code:
                candidate = await self.memberships.by_referral_code(referral_code)
                if (
                    candidate is not None
                    and candidate.merchant_id == merchant.id
                    and candidate.customer_id != customer.id
                ):
                    referrer = candidate
            membership = Membership(
                customer_id=customer.id,
                merchant_id=merchant.id,
                referral_code=await self._fresh_referral_code(),
                referrer_id=referrer.id if referrer else None,
                source=(source or ("referral" if referrer else None)),
                level_rank=0,
                consent_version=consent_version,
                consented_at=now,
                marketing_opt_in=False,
                balance_minor=0,
                lifetime_spend_minor=0,
                effective_referrals=0,
                joined_at=now,
            )
            self.memberships.add(membership)
            await self.session.flush()
            bonus = policy.bonus_points(merchant.welcome_bonus_minor, merchant.point_value_minor)
            gift = await self._welcome_gift(merchant)
            marker = grants.marker(self.marker_key, merchant.id, telegram_id)
            if (bonus > 0 or gift is not None) and not await grants.grant_once(
                self.session, merchant.id, marker, grants.WELCOME, now
            ):
                bonus, gift = 0, None  # a person who left and joined again gets them once
            if bonus > 0:
                await self.ledger.post(membership, bonus, LedgerReason.WELCOME, now)
            if gift is not None:
                welcome = Gift(membership.id, gift.id, gift.valid_days, VoucherSource.WELCOME)
                await issue(
                    VoucherRepo(self.session),
                    merchant.id,
                    [welcome],
                    now,
                    timezone=merchant.timezone,
                )
            if referrer is not None:
                await self._tell_referrer(merchant, referrer, membership, customer, marker, now)
            return JoinResult(
                membership.id,
                True,
                referrer is not None,
                bonus,
                merchant_view(merchant),
                welcome_reward=gift.name if gift is not None else None,
            )

        return await in_transaction(self.session, work)

    async def _welcome_gift(self, merchant: Merchant) -> Reward | None:
        """The reward the merchant gives on joining, unless none or it was withdrawn."""
        if merchant.welcome_reward_id is None:
            return None
        reward = await VoucherRepo(self.session).reward(merchant.welcome_reward_id)
        if reward is None or reward.merchant_id != merchant.id or reward.archived_at is not None:
            return None
        return reward

    async def _tell_referrer(
        self,
        merchant: Merchant,
        referrer: Membership,
        membership: Membership,
        customer: Customer,
        marker: str,
        now: datetime,
    ) -> None:
        """The inviter hears that their friend joined: once per person, so leaving and
        joining again through a link tells nobody a second time."""
        if not await grants.grant_once(
            self.session, merchant.id, marker, grants.REFERRAL_JOINED, now
        ):
            return
        inviter = await self.session.get(Customer, referrer.customer_id)
        if inviter is None or inviter.telegram_id <= 0:  # an erased card
            return
        notice = Notice(inviter.telegram_id, None, FriendJoined(friend=first_name_of(customer)))
        await enqueue_keyed(
            self.session,
            merchant.id,
            [(notice, friend_joined_key(membership.id))],
            now,
            merchant.default_language,
        )

    async def inviter_name(self, merchant_id: int, referral_code: str) -> str | None:
        """The first name of the member whose link this is, for "Anna invited you"."""
        async with self.session.begin():
            referrer = await self.memberships.by_referral_code(referral_code)
            if referrer is None or referrer.merchant_id != merchant_id:
                return None
            if referrer.deleted_at is not None:
                return None
            inviter = await self.session.get(Customer, referrer.customer_id)
            return first_name_of(inviter) if inviter is not None else None

    async def join_target(self, payload: StartPayload, current: MerchantView) -> MerchantView:
        """The merchant a /start link points to: by referral code, then slug, else current."""
        async with self.session.begin():
            if payload.referral_code:
                referrer = await self.memberships.by_referral_code(payload.referral_code)
                if referrer is not None:
                    merchant = await self.merchants.get(referrer.merchant_id)
                    if merchant is not None:
                        return merchant_view(merchant)
                logger.info("start payload: unknown referral code ignored")
            if payload.merchant_slug:
                merchant = await self.merchants.by_slug(payload.merchant_slug)
                if merchant is not None:
                    return merchant_view(merchant)
                logger.info("start payload: unknown merchant ignored")
            return current
