"""Merchants and their programs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Level, Merchant
from db.repositories import MerchantRepo
from services import policy
from services.clock import Clock, utc_now
from services.dto import LevelInfo, MerchantView, ProgramSettings
from services.errors import UnknownMerchant

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

V = TypeVar("V", bound="DataclassInstance")


def merchant_view(m: Merchant) -> MerchantView:
    return _view(MerchantView, m)


def level_info(lv: Level) -> LevelInfo:
    return _view(LevelInfo, lv)


def _view(view: type[V], row: object) -> V:
    """A frozen view of a row: each field of the view read from the row's attribute of the same
    name."""
    return view(**{f.name: getattr(row, f.name) for f in fields(view)})


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


# Program settings copied as the operator gave them, and those where 0 turns a feature off
# (stored as None); referral_rates_bp fills three columns.
_AS_GIVEN = (
    "max_sale_minor",
    "receipt_required",
    "referral_bonus_minor",
    "daily_purchases_flag",
    "birthday_bonus_minor",
    "birthday_hour",
    "birthday_lead_days",
    "wrong_codes_hour_limit",
)
_ZERO_IS_OFF = (
    "points_lifetime_months",
    "daily_amount_flag_minor",
    "staff_daily_purchases_flag",
    "staff_daily_amount_flag_minor",
    "daily_amount_cap_minor",
)


def apply_program(merchant: Merchant, program: ProgramSettings) -> None:
    """Set what the operator set; a None keeps the merchant's value."""
    for name in (*_AS_GIVEN, *_ZERO_IS_OFF):
        value = getattr(program, name)
        if value is not None:
            setattr(merchant, name, (value or None) if name in _ZERO_IS_OFF else value)
    if program.referral_rates_bp is not None:
        rates = (*program.referral_rates_bp, 0, 0, 0)[:3]
        merchant.referral_bp_1, merchant.referral_bp_2, merchant.referral_bp_3 = rates


def _level_rows(merchant_id: int, levels: Sequence[LevelInfo]) -> list[Level]:
    return [Level(merchant_id=merchant_id, **asdict(lv)) for lv in levels]
