"""Members: joining with consent, the card, the profile, the history of points."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, LedgerReason, Membership, Merchant
from db.repositories import (
    CatalogRepo,
    CustomerRepo,
    LedgerRepo,
    MembershipRepo,
    MerchantRepo,
    OutboxRepo,
    PaymentCodeRepo,
    PurchaseRepo,
    StaffRepo,
)
from db.repositories.privacy import PrivacyRepo
from services import birthdays, grants, policy, rules
from services._tx import in_transaction
from services.clock import Clock, utc_now
from services.dto import (
    Birthday,
    Card,
    HistoryEntry,
    HistoryPage,
    JoinResult,
    MemberContext,
    MerchantView,
    Notice,
    Profile,
    StartPayload,
)
from services.errors import (
    BirthdayLocked,
    NotAMember,
    NotOwnContact,
    OutdatedRules,
    UnknownMerchant,
    UnsupportedLanguage,
)
from services.merchants import level_info, merchant_view
from services.outbox import enqueue_keyed
from services.preorders import cancel_orders_of

logger = logging.getLogger(__name__)
HISTORY_PAGE_SIZE = 10


def first_name_of(customer: Customer) -> str | None:
    """The first word of the first name a person gave Telegram: no more of them is shown."""
    words = (customer.first_name or "").split()
    return words[0] if words else None


def friend_joined_key(membership_id: int) -> str:
    """The dedupe key of the note to the inviter about this friend membership."""
    return f"friend_joined:{membership_id}"


class MemberService:
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

        referral_code, source = rules.link_fields(referral_code, source)

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
            marker = grants.marker(self.marker_key, merchant.id, telegram_id)
            if bonus > 0 and not await grants.grant_once(
                self.session, merchant.id, marker, grants.WELCOME, now
            ):
                bonus = 0  # a person who left and joined again gets it once
            if bonus > 0:
                await self.ledger.post(membership, bonus, LedgerReason.WELCOME, now)
            if referrer is not None:
                await self._tell_referrer(merchant, referrer, membership, customer, marker, now)
            return JoinResult(
                membership.id, True, referrer is not None, bonus, merchant_view(merchant)
            )

        return await in_transaction(self.session, work)

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
        notice = Notice(
            inviter.telegram_id, None, "friend_joined", {"friend": first_name_of(customer)}
        )
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

    async def _fresh_referral_code(self) -> str:
        while True:
            code = rules.new_referral_code()
            if not await self.memberships.referral_code_taken(code):
                return code

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

    async def _member(self, merchant_id: int, telegram_id: int) -> tuple[Customer, Membership]:
        pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
        if pair is None:
            raise NotAMember()
        return pair

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
        comments they wrote on purchases and surveys (the stars and scores stay, anonymous).
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
            if await self.memberships.count_for_customer(customer.id) == 0:
                await self.session.delete(customer)
            # What they wrote (comments) and what alerts said about their orders goes too.
            privacy = PrivacyRepo(self.session)
            await privacy.forget_feedback(membership.id)
            await privacy.forget_orders(merchant_id, membership.id)
            return forfeited

        return await in_transaction(self.session, work)

    async def set_marketing(self, merchant_id: int, telegram_id: int, opt_in: bool) -> bool:
        """Marketing pushes are a separate opt-in, changeable at any time."""
        async with self.session.begin():
            _, membership = await self._member(merchant_id, telegram_id)
            if membership.marketing_opt_in != opt_in or membership.marketing_changed_at is None:
                membership.marketing_opt_in = opt_in
                membership.marketing_changed_at = self.clock()
            return membership.marketing_opt_in

    async def card(self, merchant_id: int, telegram_id: int) -> Card:
        """Balance, level and the way to the next level."""
        async with self.session.begin():
            customer, membership = await self._member(merchant_id, telegram_id)
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            levels = [level_info(lv) for lv in await self.merchants.levels(merchant_id)]
            current = next(
                (lv for lv in levels if lv.rank == membership.level_rank),
                levels[-1] if membership.level_rank > levels[-1].rank else levels[0],
            )
            progress = rules.progress_to_next(
                levels,
                current.rank,
                membership.lifetime_spend_minor,
                membership.effective_referrals,
            )
            return Card(
                merchant=merchant_view(merchant),
                first_name=customer.first_name,
                balance_minor=membership.balance_minor,
                level=current,
                progress=progress,
                lifetime_spend_minor=membership.lifetime_spend_minor,
                effective_referrals=membership.effective_referrals,
                referral_code=membership.referral_code,
            )

    async def profile(self, merchant_id: int, telegram_id: int) -> Profile:
        async with self.session.begin():
            customer, membership = await self._member(merchant_id, telegram_id)
            return _profile(customer, membership)

    async def check_birthday(self, merchant_id: int, telegram_id: int, text: str) -> Birthday:
        """Validate a birthday before the customer confirms it (it can't be changed after)."""
        async with self.session.begin():
            customer, _ = await self._member(merchant_id, telegram_id)
            return await self._parse_new_birthday(customer, merchant_id, text)

    async def set_birthday(self, merchant_id: int, telegram_id: int, text: str) -> Profile:
        """Set the birthday once; a change afterwards goes through an admin."""
        async with self.session.begin():
            customer, membership = await self._member(merchant_id, telegram_id)
            birthday = await self._parse_new_birthday(customer, merchant_id, text)
            customer.birthday_day = birthday.day
            customer.birthday_month = birthday.month
            customer.birthday_year = birthday.year
            customer.birthday_set_at = self.clock()
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            waits = birthdays.gift_waits(birthday, customer.birthday_set_at, merchant)
            return replace(_profile(customer, membership), gift_next_year=waits)

    async def _parse_new_birthday(
        self, customer: Customer, merchant_id: int, text: str
    ) -> Birthday:
        if customer.birthday_month is not None:
            raise BirthdayLocked()
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        today = self.clock().astimezone(ZoneInfo(merchant.timezone)).date()
        return rules.parse_birthday(text, today)

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

    async def set_phone(
        self, merchant_id: int, telegram_id: int, contact_user_id: int | None, phone: str
    ) -> Profile:
        """Keep the phone the customer shared with Telegram's button, if it is their own."""
        if contact_user_id != telegram_id:
            raise NotOwnContact()
        normalized = rules.normalize_phone(phone)
        async with self.session.begin():
            customer, membership = await self._member(merchant_id, telegram_id)
            customer.phone = normalized
            return _profile(customer, membership)

    async def clear_phone(self, merchant_id: int, telegram_id: int) -> Profile:
        async with self.session.begin():
            customer, membership = await self._member(merchant_id, telegram_id)
            customer.phone = None
            return _profile(customer, membership)

    async def set_language(self, telegram_id: int, language: str) -> str:
        if language not in rules.LANGUAGES:
            raise UnsupportedLanguage(language)
        async with self.session.begin():
            customer = await self.customers.by_telegram_id(telegram_id)
            if customer is None:
                raise NotAMember()
            customer.language = language
            return language

    async def history(self, merchant_id: int, telegram_id: int, page: int) -> HistoryPage:
        """One page of ledger entries, newest first; a page past the end shows the last one."""
        async with self.session.begin():
            _, membership = await self._member(merchant_id, telegram_id)
            total = await self.ledger.count(membership.id)
            pages = max(1, math.ceil(total / HISTORY_PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            rows = await self.ledger.page(
                membership.id, page * HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE
            )
            entries = tuple(
                HistoryEntry(r.created_at, r.delta_minor, r.balance_after_minor, r.reason, r.note)
                for r in rows
            )
            return HistoryPage(entries, page, pages, total, membership.balance_minor)


def _profile(customer: Customer, membership: Membership) -> Profile:
    birthday = None
    if customer.birthday_day is not None and customer.birthday_month is not None:
        birthday = Birthday(customer.birthday_day, customer.birthday_month, customer.birthday_year)
    return Profile(
        first_name=customer.first_name,
        birthday=birthday,
        phone_masked=rules.mask_phone(customer.phone) if customer.phone else None,
        language=customer.language,
        marketing_opt_in=membership.marketing_opt_in,
    )
