"""Merchants and their programs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Level, Merchant
from db.repositories import MerchantRepo
from services import policy
from services.clock import Clock, utc_now
from services.dto import LevelInfo, MerchantView, ProgramSettings
from services.errors import UnknownMerchant


def merchant_view(m: Merchant) -> MerchantView:
    return MerchantView(
        id=m.id,
        slug=m.slug,
        name=m.name,
        currency=m.currency,
        timezone=m.timezone,
        default_language=m.default_language,
        rules_version=m.rules_version,
        code_ttl_seconds=m.code_ttl_seconds,
        max_sale_minor=m.max_sale_minor,
        receipt_required=m.receipt_required,
        point_value_minor=m.point_value_minor,
    )


def level_info(lv: Level) -> LevelInfo:
    return LevelInfo(
        rank=lv.rank,
        name=lv.name,
        min_spend_minor=lv.min_spend_minor,
        min_referrals=lv.min_referrals,
        cashback_bp=lv.cashback_bp,
        max_redeem_bp=lv.max_redeem_bp,
    )


class MerchantService:
    def __init__(self, session: AsyncSession, clock: Clock = utc_now) -> None:
        self.session = session
        self.clock = clock
        self.repo = MerchantRepo(session)

    async def ensure_default(
        self,
        *,
        slug: str,
        name: str,
        currency: str,
        timezone: str,
        language: str,
        rules_version: int = 1,
        code_ttl_seconds: int = 600,
        program: ProgramSettings | None = None,
    ) -> MerchantView:
        """The first run creates the default merchant with its five levels; later runs keep it."""
        async with self.session.begin():
            merchant = await self.repo.by_slug(slug)
            if merchant is None:
                merchant = Merchant(
                    slug=slug,
                    name=name,
                    currency=currency,
                    timezone=timezone,
                    default_language=language,
                    rules_version=rules_version,
                    code_ttl_seconds=code_ttl_seconds,
                    welcome_bonus_minor=0,
                    max_sale_minor=1000 * policy.cafe_unit(currency),
                    receipt_required=False,
                    referral_bp_1=200,
                    referral_bp_2=100,
                    referral_bp_3=50,
                    referral_bonus_minor=5 * policy.cafe_unit(currency),
                    daily_purchases_flag=5,
                    birthday_bonus_minor=5 * policy.cafe_unit(currency),
                    birthday_hour=10,
                    point_value_minor=policy.point_value(currency),
                    created_at=self.clock(),
                )
                self.repo.add(merchant)
                await self.session.flush()
                await self.repo.replace_levels(
                    merchant.id, _level_rows(merchant.id, policy.default_levels(currency))
                )
            else:
                # Settings the operator may change between runs follow the environment; the
                # currency does not, since every amount stored is in its minor units.
                merchant.name = name
                merchant.timezone = timezone
                merchant.default_language = language
                merchant.rules_version = max(merchant.rules_version, rules_version)
                merchant.code_ttl_seconds = code_ttl_seconds
            if program is not None:
                apply_program(merchant, program)
            return merchant_view(merchant)

    async def by_slug(self, slug: str) -> MerchantView:
        async with self.session.begin():
            merchant = await self.repo.by_slug(slug)
            if merchant is None:
                raise UnknownMerchant(slug)
            return merchant_view(merchant)

    async def levels(self, merchant_id: int) -> list[LevelInfo]:
        async with self.session.begin():
            return [level_info(lv) for lv in await self.repo.levels(merchant_id)]

    async def set_levels(self, merchant_id: int, levels: Sequence[LevelInfo]) -> None:
        """Replace a merchant's levels after validating them as a whole."""
        policy.validate_levels(levels)
        async with self.session.begin():
            if await self.repo.get(merchant_id) is None:
                raise UnknownMerchant(str(merchant_id))
            await self.repo.replace_levels(merchant_id, _level_rows(merchant_id, levels))


def apply_program(merchant: Merchant, program: ProgramSettings) -> None:
    if program.max_sale_minor is not None:
        merchant.max_sale_minor = program.max_sale_minor
    if program.receipt_required is not None:
        merchant.receipt_required = program.receipt_required
    if program.referral_rates_bp is not None:
        rates = (*program.referral_rates_bp, 0, 0, 0)[:3]
        merchant.referral_bp_1, merchant.referral_bp_2, merchant.referral_bp_3 = rates
    if program.referral_bonus_minor is not None:
        merchant.referral_bonus_minor = program.referral_bonus_minor
    if program.daily_purchases_flag is not None:
        merchant.daily_purchases_flag = program.daily_purchases_flag
    if program.birthday_bonus_minor is not None:
        merchant.birthday_bonus_minor = program.birthday_bonus_minor
    if program.birthday_hour is not None:
        merchant.birthday_hour = program.birthday_hour
    if program.points_lifetime_months is not None:
        merchant.points_lifetime_months = program.points_lifetime_months or None
    if program.birthday_lead_days is not None:
        merchant.birthday_lead_days = program.birthday_lead_days
    if program.wrong_codes_hour_limit is not None:
        merchant.wrong_codes_hour_limit = program.wrong_codes_hour_limit
    if program.daily_amount_flag_minor is not None:
        merchant.daily_amount_flag_minor = program.daily_amount_flag_minor or None
    if program.staff_daily_purchases_flag is not None:
        merchant.staff_daily_purchases_flag = program.staff_daily_purchases_flag or None
    if program.staff_daily_amount_flag_minor is not None:
        merchant.staff_daily_amount_flag_minor = program.staff_daily_amount_flag_minor or None
    if program.daily_amount_cap_minor is not None:
        merchant.daily_amount_cap_minor = program.daily_amount_cap_minor or None


def _level_rows(merchant_id: int, levels: Sequence[LevelInfo]) -> list[Level]:
    return [
        Level(
            merchant_id=merchant_id,
            rank=lv.rank,
            name=lv.name,
            min_spend_minor=lv.min_spend_minor,
            min_referrals=lv.min_referrals,
            cashback_bp=lv.cashback_bp,
            max_redeem_bp=lv.max_redeem_bp,
        )
        for lv in levels
    ]
