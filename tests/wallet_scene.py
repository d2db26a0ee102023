"""The wallet's tests' scene (issue 16): Anna (101) a member of Test Café (main, EUR), which
hands out the certificates of its partner Café wash (HUF)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Certificate, CertificateEntry, HandOut, Partnership
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from services.coalition.issue import Issued
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.factories import make_merchant
from tests.telegram import TgUser, join

MEMBER, FRIEND, STRANGER = 101, 102, 103


async def certificate_of(
    session_factory: Any,
    clock: Any,
    telegram_id: int = MEMBER,
    *,
    slug: str = "wash",
    currency: str = "HUF",
    **offer: Any,
) -> Issued:
    """A certificate of the merchant `slug` (made if need be, a partner of Test Café) for
    `telegram_id`, handed out by Test Café."""
    async with session_factory() as s:
        main = await make_merchant(s, clock)
        other = await make_merchant(s, clock, slug, currency=currency)
        async with s.begin():
            pair = select(Partnership.id).where(
                Partnership.low_merchant_id == min(main.id, other.id),
                Partnership.high_merchant_id == max(main.id, other.id),
            )
            partnered = await s.scalar(pair)
        if partnered is None:
            await make_partnership(s, clock, main, other)
        offer_id = await make_offer(s, clock, other, routes={main.id: (HandOut.AUTO, 0)}, **offer)
        return await make_certificate(s, clock, offer_id, telegram_id, main)


async def member_with_certificate(
    tg: Any, session_factory: Any, clock: Any, **offer: Any
) -> tuple[TgUser, Issued]:
    anna = tg(MEMBER)
    await join(anna)
    return anna, await certificate_of(session_factory, clock, **offer)


async def held(db: Any, certificate_id: int) -> Certificate:
    row = await db.scalar(select(Certificate).where(Certificate.id == certificate_id))
    assert isinstance(row, Certificate)
    return row


async def entries(db: Any, certificate_id: int) -> list[tuple[str, int, int | None]]:
    rows = await db.all(
        select(CertificateEntry)
        .where(CertificateEntry.certificate_id == certificate_id)
        .order_by(CertificateEntry.id)
    )
    return [(e.reason, e.delta, e.customer_id) for e in rows]


def gift(certificate_id: int) -> str:
    return WalletCb(action=WalletAction.GIFT, certificate_id=certificate_id).pack()


async def gift_link(tg: Any, session_factory: Any, clock: Any, **offer: Any) -> Any:
    """Anna's certificate for Café wash and the gift link she made: (anna, issued, payload)."""
    anna, issued = await member_with_certificate(tg, session_factory, clock, **offer)
    made = await anna.press(gift(issued.id))
    link = made.text.split()[-1]
    assert link.startswith("https://t.me/loyalty_test_bot?start=g")
    assert "can be given only once" in made.text and made.button("Share")
    return anna, issued, link.split("start=")[1]
