"""What every process does first: the default merchant from settings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings, SettingsError
from services.clock import Clock, utc_now
from services.dto import MerchantView, ProgramSettings
from services.errors import InvalidAmount
from services.merchants import MerchantService
from services.policy import currency_exponent, parse_amount, whole_units_only


def program_settings(settings: Settings) -> ProgramSettings:
    """SALE_LIMIT and friends, in the merchant's currency, as minor units."""
    exponent = currency_exponent(settings.merchant_currency)
    whole = whole_units_only(settings.merchant_currency)

    def money(name: str, text: str | None, zero_ok: bool = False) -> int | None:
        if text is None or not text.strip():
            return None
        try:
            return parse_amount(text, exponent, whole_units=whole)
        except InvalidAmount as error:
            if zero_ok and error.reason == "zero":
                return 0
            if error.reason == "whole":
                raise SettingsError(
                    f"{name} must be a whole amount in {settings.merchant_currency}, like 1000"
                ) from None
            raise SettingsError(
                f"{name} must be an amount in {settings.merchant_currency}, like 1000.00"
            ) from None

    return ProgramSettings(
        max_sale_minor=money("SALE_LIMIT", settings.sale_limit),
        receipt_required=settings.receipt_required,
        referral_rates_bp=settings.referral_rates,
        referral_bonus_minor=money("REFERRAL_BONUS", settings.referral_bonus, zero_ok=True),
        daily_purchases_flag=settings.daily_purchases_flag,
        birthday_bonus_minor=money("BIRTHDAY_BONUS", settings.birthday_bonus, zero_ok=True),
        birthday_hour=settings.birthday_hour,
        points_lifetime_months=settings.points_lifetime_months,
        birthday_lead_days=settings.birthday_lead_days,
        wrong_codes_hour_limit=settings.wrong_codes_hour_limit,
        daily_amount_flag_minor=money("DAILY_AMOUNT_FLAG", settings.daily_amount_flag, True),
        staff_daily_purchases_flag=settings.staff_daily_purchases_flag,
        staff_daily_amount_flag_minor=money(
            "STAFF_DAILY_AMOUNT_FLAG", settings.staff_daily_amount_flag, True
        ),
        daily_amount_cap_minor=money("DAILY_AMOUNT_CAP", settings.daily_amount_cap, True),
    )


async def ensure_default_merchant(
    settings: Settings, session: AsyncSession, clock: Clock = utc_now
) -> MerchantView:
    """The first run creates it, seeded from the environment; later runs keep what was edited
    since (only a higher RULES_VERSION is taken)."""
    return await MerchantService(session, clock).ensure_default(
        program=program_settings(settings),
        slug=settings.merchant_slug,
        name=settings.merchant_name,
        currency=settings.merchant_currency,
        timezone=settings.merchant_timezone,
        language=settings.default_language,
        rules_version=settings.rules_version,
        code_ttl_seconds=settings.code_ttl_seconds,
    )
