"""Merchants and their programs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Level, Merchant, Promotion
from db.repositories import MerchantRepo
from services import policy
from services.clock import Clock, utc_now
from services.dto import LevelInfo, MerchantView, ProgramSettings
from services.errors import UnknownMerchant
from services.policy.promotions import PromotionRule

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

V = TypeVar("V", bound="DataclassInstance")


def merchant_view(m: Merchant) -> MerchantView:
    return _view(MerchantView, m)


def level_info(lv: Level) -> LevelInfo:
    return _view(LevelInfo, lv)


def promotion_rule(p: Promotion) -> PromotionRule:
    return _view(PromotionRule, p)


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
        """The first run creates the default merchant with its five levels and `program`;
        later runs keep what was edited since (in the chat), except that a higher
        `rules_version` asks members to accept the rules again."""
        async with self.session.begin():
            merchant = await self.repo.by_slug(slug)
            if merchant is not None:
                merchant.rules_version = max(merchant.rules_version, rules_version)
                return merchant_view(merchant)
            merchant = new_merchant(
                slug=slug,
                name=name,
                currency=currency,
                timezone=timezone,
                language=language,
                now=self.clock(),
                rules_version=rules_version,
                code_ttl_seconds=code_ttl_seconds,
            )
            if program is not None:
                apply_program(merchant, program)
            await add_with_levels(self.repo, merchant)
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


def new_merchant(
    *,
    slug: str,
    name: str,
    currency: str,
    timezone: str,
    language: str,
    now: datetime,
    rules_version: int = 1,
    code_ttl_seconds: int = 600,
) -> Merchant:
    """A merchant's row with the program's defaults for its currency (not yet added)."""
    unit = policy.cafe_unit(currency)
    return Merchant(
        slug=slug,
        name=name,
        currency=currency,
        timezone=timezone,
        default_language=language,
        rules_version=rules_version,
        code_ttl_seconds=code_ttl_seconds,
        welcome_bonus_minor=0,
        max_sale_minor=1000 * unit,
        receipt_required=False,
        referral_bp_1=200,
        referral_bp_2=100,
        referral_bp_3=50,
        referral_bonus_minor=5 * unit,
        daily_purchases_flag=5,
        birthday_bonus_minor=5 * unit,
        birthday_hour=10,
        point_value_minor=policy.point_value(currency),
        created_at=now,
    )


async def add_with_levels(repo: MerchantRepo, merchant: Merchant) -> None:
    """A new merchant's row and its default levels, in the caller's transaction."""
    await repo.insert(merchant)
    levels = policy.default_levels(merchant.currency)
    await repo.replace_levels(merchant.id, _level_rows(merchant.id, levels))


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
