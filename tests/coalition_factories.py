"""Factories for the coalition's tests (issue 16): partners, offers with their routes, and
certificates issued as every certificate is (services/coalition/issue.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    CertificateOffer,
    Customer,
    HandOut,
    Merchant,
    OfferRoute,
    Partnership,
)
from db.repositories.certificates import CertificateRepo
from services.coalition.issue import Grant, Issued, issue
from services.dto import MerchantView
from tests.conftest import FakeClock


async def make_partnership(
    session: AsyncSession, clock: FakeClock, a: MerchantView, b: MerchantView
) -> int:
    """An active partnership of `a` (who invited) and `b`; its id."""
    low, high = sorted((a.id, b.id))
    async with session.begin():
        row = Partnership(
            low_merchant_id=low,
            high_merchant_id=high,
            invited_by_merchant_id=a.id,
            started_at=clock(),
        )
        session.add(row)
        await session.flush()
        return row.id


async def make_offer(
    session: AsyncSession,
    clock: FakeClock,
    merchant: MerchantView,
    *,
    value_minor: int = 1000,
    item: str | None = None,
    min_check_minor: int = 0,
    valid_days: int = 30,
    total_limit: int | None = None,
    per_customer_limit: int | None = None,
    routes: dict[int, tuple[HandOut, int]] | None = None,
) -> int:
    """A certificate offer of `merchant` (the business that accepts it), handed out by the
    partners in `routes` ({partner merchant id: (how, min purchase)}); its id. Bumps each
    partner's program version, as the console does."""
    async with session.begin():
        offer = CertificateOffer(
            merchant_id=merchant.id,
            value_minor=value_minor,
            item=item,
            min_check_minor=min_check_minor,
            valid_days=valid_days,
            total_limit=total_limit,
            per_customer_limit=per_customer_limit,
            issued_count=0,
            created_by=0,
            created_at=clock(),
        )
        session.add(offer)
        await session.flush()
        for partner_id, (how, min_purchase) in (routes or {}).items():
            session.add(
                OfferRoute(
                    offer_id=offer.id,
                    partner_merchant_id=partner_id,
                    hand_out=how,
                    min_purchase_minor=min_purchase,
                )
            )
            merchant_row = await session.get(Merchant, partner_id)
            assert merchant_row is not None
            merchant_row.program_version += 1
        return offer.id


async def customer_id(session: AsyncSession, telegram_id: int) -> int:
    found = await session.scalar(select(Customer.id).where(Customer.telegram_id == telegram_id))
    assert found is not None, f"no customer {telegram_id}"
    return int(found)


async def make_certificate(
    session: AsyncSession,
    clock: FakeClock,
    offer_id: int,
    telegram_id: int,
    partner: MerchantView,
    *,
    timezone: str = "Europe/Warsaw",
) -> Issued:
    """An open certificate of the offer for the customer `telegram_id` (who must exist, as a
    member anywhere), handed out by `partner`; counts against the offer's total."""
    async with session.begin():
        offer = await session.get(CertificateOffer, offer_id)
        assert offer is not None
        offer.issued_count += 1
        grant = Grant(
            offer_id=offer.id,
            merchant_id=offer.merchant_id,
            partner_merchant_id=partner.id,
            customer_id=await customer_id(session, telegram_id),
            value_minor=offer.value_minor,
            item=offer.item,
            min_check_minor=offer.min_check_minor,
            valid_days=offer.valid_days,
            timezone=timezone,
        )
        [issued] = await issue(CertificateRepo(session), [grant], clock())
        return issued
