"""The member's profile: birthday (set once), phone, language, news and offers."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from db.models import Customer, Membership
from services import birthdays, policy
from services.dto import Birthday, Profile
from services.errors import BirthdayLocked, NotAMember, NotOwnContact, UnsupportedLanguage
from services.members.base import MemberBase


class ProfileSettings(MemberBase):
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
        return policy.parse_birthday(text, today)

    async def set_phone(
        self, merchant_id: int, telegram_id: int, contact_user_id: int | None, phone: str
    ) -> Profile:
        """Keep the phone the customer shared with Telegram's button, if it is their own."""
        if contact_user_id != telegram_id:
            raise NotOwnContact()
        normalized = policy.normalize_phone(phone)
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
        if language not in policy.LANGUAGES:
            raise UnsupportedLanguage(language)
        async with self.session.begin():
            customer = await self.customers.by_telegram_id(telegram_id)
            if customer is None:
                raise NotAMember()
            customer.language = language
            return language

    async def set_marketing(self, merchant_id: int, telegram_id: int, opt_in: bool) -> bool:
        """Marketing pushes are a separate opt-in, changeable at any time."""
        async with self.session.begin():
            _, membership = await self._member(merchant_id, telegram_id)
            if membership.marketing_opt_in != opt_in or membership.marketing_changed_at is None:
                membership.marketing_opt_in = opt_in
                membership.marketing_changed_at = self.clock()
            return membership.marketing_opt_in


def _profile(customer: Customer, membership: Membership) -> Profile:
    birthday = None
    if customer.birthday_day is not None and customer.birthday_month is not None:
        birthday = Birthday(customer.birthday_day, customer.birthday_month, customer.birthday_year)
    return Profile(
        first_name=customer.first_name,
        birthday=birthday,
        phone_masked=policy.mask_phone(customer.phone) if customer.phone else None,
        language=customer.language,
        marketing_opt_in=membership.marketing_opt_in,
        member_number=membership.id,
    )
