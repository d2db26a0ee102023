"""What every process does first: the default merchant from settings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from services.clock import Clock, utc_now
from services.dto import MerchantView
from services.merchants import MerchantService


async def ensure_default_merchant(
    settings: Settings, session: AsyncSession, clock: Clock = utc_now
) -> MerchantView:
    """The first run creates it; later runs bring its editable settings up to date."""
    return await MerchantService(session, clock).ensure_default(
        slug=settings.merchant_slug,
        name=settings.merchant_name,
        currency=settings.merchant_currency,
        timezone=settings.merchant_timezone,
        language=settings.default_language,
        rules_version=settings.rules_version,
        code_ttl_seconds=settings.code_ttl_seconds,
    )
