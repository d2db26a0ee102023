"""Plain factory functions for service tests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.dto import JoinResult, MerchantView
from services.members import MemberService
from services.merchants import MerchantService
from tests.conftest import FakeClock


async def make_merchant(
    session: AsyncSession, clock: FakeClock, slug: str = "main", currency: str = "EUR"
) -> MerchantView:
    return await MerchantService(session, clock).ensure_default(
        slug=slug,
        name=f"Café {slug}",
        currency=currency,
        timezone="Europe/Warsaw",
        language="en",
    )


async def make_member(
    session: AsyncSession,
    clock: FakeClock,
    merchant: MerchantView,
    telegram_id: int,
    referral_code: str | None = None,
    source: str | None = None,
) -> JoinResult:
    return await MemberService(session, clock).join(
        telegram_id=telegram_id,
        merchant_id=merchant.id,
        first_name=f"User{telegram_id}",
        consent_version=merchant.rules_version,
        referral_code=referral_code,
        source=source,
    )
