"""The scene of the hand-out tests (issue 16): the default merchant (Test Café) hands out the
certificates of a partner, "Café wash", which accepts them; its owner, a cashier (Kasia) and
members buy at Test Café through the production dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from db.models import (
    Certificate,
    CertificateEntry,
    CertificateOffer,
    HandOut,
    Partnership,
    Purchase,
)
from db.repositories import MerchantRepo
from services.dto import MerchantView
from tests.coalition_factories import make_offer, make_partnership
from tests.factories import make_merchant
from tests.telegram import Sent, TgUser, hire, join

OWNER, CASHIER, ANNA, BOB = 1, 50, 101, 102


@dataclass
class Scene:
    cafe: MerchantView  # hands out (the default merchant)
    wash: MerchantView  # accepts
    owner: TgUser
    kasia: TgUser
    anna: TgUser
    offer: int


async def scene(
    tg: Any,
    session_factory: Any,
    clock: Any,
    how: HandOut = HandOut.AUTO,
    min_purchase: int = 2000,
    anna_language: str = "en",
    **offer: Any,
) -> Scene:
    """Kasia hired at Test Café, Anna joined there; Café wash partners with it and offers a
    €10 certificate Test Café hands out `how` (automatically from `min_purchase`)."""
    owner, kasia = tg(OWNER), tg(CASHIER, first_name="Kasia")
    anna = tg(ANNA, first_name="Anna", language_code=anna_language)
    await hire(owner, kasia)
    await join(anna)
    async with session_factory() as s:
        cafe = await make_merchant(s, clock)  # the default one, made by the bot already
        wash = await make_merchant(s, clock, "wash")
        await make_partnership(s, clock, wash, cafe)
        offer.setdefault("value_minor", 1000)
        offer_id = await make_offer(s, clock, wash, routes={cafe.id: (how, min_purchase)}, **offer)
    return Scene(cafe, wash, owner, kasia, anna, offer_id)


async def sell(db: Any, cashier: TgUser, member: TgUser, amount: str) -> tuple[Sent, Sent]:
    """A sale of `amount` to `member`, confirmed: (the preview, what Confirm sent)."""
    await member.send("/code")
    preview = await cashier.send(f"/sale {await db.pay_code(member.id)} {amount}")
    return preview, await cashier.press(preview.button("Confirm"))


async def last_purchase(db: Any) -> int:
    return int(await db.scalar(select(func.max(Purchase.id))))


async def certificates(db: Any) -> list[Certificate]:
    return list(await db.all(select(Certificate).order_by(Certificate.id)))


async def issued_count(db: Any, offer_id: int) -> int:
    return int(
        await db.scalar(
            select(CertificateOffer.issued_count).where(CertificateOffer.id == offer_id)
        )
    )


async def entries(db: Any) -> list[tuple[str, int, int | None]]:
    rows = await db.all(select(CertificateEntry).order_by(CertificateEntry.id))
    return [(e.reason, e.delta, e.staff_telegram_id) for e in rows]


async def end_partnership(session_factory: Any, now: Any, *bumped: int) -> None:
    """End every partnership; raise the program version of `bumped` (the console does)."""
    async with session_factory() as s, s.begin():
        await s.execute(update(Partnership).values(ended_at=now))
        for merchant_id in bumped:
            await MerchantRepo(s).bump_program(merchant_id)


async def change_offer(
    session_factory: Any, offer_id: int, bump: int | None, **values: Any
) -> None:
    """Change an offer's columns (none: only bump) and raise `bump`'s program version."""
    async with session_factory() as s, s.begin():
        if values:
            change = update(CertificateOffer).where(CertificateOffer.id == offer_id)
            await s.execute(change.values(**values))
        if bump is not None:
            await MerchantRepo(s).bump_program(bump)
