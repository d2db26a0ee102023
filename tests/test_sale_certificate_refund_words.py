"""Refunds of a sale a partner's certificate paid part of (issue 16), through the production
dispatcher: a refund of more than the money paid says what the certificate paid; a full refund
whose certificate's holder erased their data says the holder is gone; a gift link shared before
the sale is dead after it and after the refund gives the certificate back."""

from __future__ import annotations

from aiogram.methods import EditMessageText
from sqlalchemy import select, update

from db.models import Certificate, CertificateStatus, Purchase
from tests.sale_certificate_scene import MEMBER, give, scene
from tests.test_sale_certificate_refunds import certificate, sold


async def test_a_refund_over_the_money_paid_names_the_certificates_share(
    tg, db, session_factory, clock
) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    await give(session_factory, clock, offer_id, partner)
    sale_id = await sold(kasia, anna, db)
    asked = await kasia.send(f"/refund {sale_id} 50")
    assert asked.text == (
        "A certificate paid €10 of this check, so at most €40 can be refunded in money."
    )
    assert await db.scalar(select(Purchase.refunded_minor).where(Purchase.id == sale_id)) == 0
    fine = await kasia.send(f"/refund {sale_id} 40")
    assert "Amount to refund: €40" in fine.text


async def test_a_full_refund_says_an_erased_holders_certificate_is_not_given_back(
    tg, db, session_factory, clock
) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    sale_id = await sold(kasia, anna, db)
    async with session_factory() as s, s.begin():  # its holder erased their data (elsewhere)
        await s.execute(update(Certificate).values(customer_id=None))
    asked = await kasia.send(f"/refund {sale_id}")
    line = "🎟 The certificate €10 is not given back: its holder erased their data."
    assert line in asked.text and "only a full refund" not in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert line in done.of(EditMessageText)[0].text
    cert = await certificate(db, certificate_id)
    assert (cert.status, cert.purchase_id) == (CertificateStatus.REDEEMED, sale_id)


async def test_a_gift_link_dies_with_the_sale_and_stays_dead_after_the_refund(
    tg, db, session_factory, clock
) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    async with session_factory() as s, s.begin():  # Anna shared a gift link, then used it
        await s.execute(update(Certificate).values(gift_token="a" * 16))
    sale_id = await sold(kasia, anna, db)
    assert (await certificate(db, certificate_id)).gift_token is None
    async with session_factory() as s, s.begin():  # a link written before the fix, say
        await s.execute(update(Certificate).values(gift_token="b" * 16))
    asked = await kasia.send(f"/refund {sale_id}")
    done = await kasia.press(asked.button("Refund"))
    assert "back in your wallet" in done.to(MEMBER)[0]
    cert = await certificate(db, certificate_id)
    assert (cert.status, cert.gift_token) == (CertificateStatus.OPEN, None)
