"""A till with a partner's certificates (issue 16), for the tests of a certificate inside a sale:
the owner, cashier Kasia and member Anna at the default merchant (EUR), a partner merchant
that hands out its certificates, and what the certificate ledger must satisfy."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Certificate, CertificateEntry, CertificateStatus
from services.dto import MerchantView
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.conftest import FakeClock
from tests.factories import make_merchant
from tests.telegram import TgUser, hire, join

OWNER, CASHIER, MEMBER, FRIEND = 1, 50, 101, 102


async def scene(
    tg, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock, **offer: object
) -> tuple[TgUser, TgUser, TgUser, MerchantView, int]:
    """Owner, Kasia (cashier), Anna (member) and the partner; the offer's id (€10 by default)."""
    owner, kasia, anna = tg(OWNER), tg(CASHIER, first_name="Kasia"), tg(MEMBER, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    partner, offer_id = await partnered(session_factory, clock, **offer)
    return owner, kasia, anna, partner, offer_id


async def partnered(
    session_factory: async_sessionmaker[AsyncSession], clock: FakeClock, **offer: object
) -> tuple[MerchantView, int]:
    """A partner of the default merchant, and an offer of the default merchant's."""
    async with session_factory() as s:
        here = await make_merchant(s, clock)
        partner = await make_merchant(s, clock, slug="partner")
    async with session_factory() as s:
        await make_partnership(s, clock, here, partner)
    async with session_factory() as s:
        offer_id = await make_offer(s, clock, here, **offer)  # type: ignore[arg-type]
    return partner, offer_id


async def give(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    offer_id: int,
    partner: MerchantView,
    telegram_id: int = MEMBER,
) -> int:
    """An open certificate of the offer for `telegram_id`; its id."""
    async with session_factory() as s:
        return (await make_certificate(s, clock, offer_id, telegram_id, partner)).id


async def check_certificate_ledger(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Each certificate's entries add up to 1 while it is open, to 0 once it is not."""
    async with session_factory() as s, s.begin():
        sums = dict(
            (
                await s.execute(
                    select(
                        CertificateEntry.certificate_id, func.sum(CertificateEntry.delta)
                    ).group_by(CertificateEntry.certificate_id)
                )
            ).all()
        )
        for c in (await s.scalars(select(Certificate))).all():
            expected = 1 if c.status == CertificateStatus.OPEN else 0
            assert int(sums.get(c.id, 0)) == expected, (c.id, c.status, sums.get(c.id))
