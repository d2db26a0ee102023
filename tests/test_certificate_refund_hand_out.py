"""A refund of a sale that handed out a partner's certificate (issue 16), through the production
dispatcher: a full refund withdraws the certificate still open with its first holder (cancelled,
a `cancelled` entry), the preview, the cashier's confirmation and the member's notice say so; one
used already stays and they say that; a partial refund keeps it; no Give after a full refund."""

from __future__ import annotations

from aiogram.methods import EditMessageText
from sqlalchemy import select, update

from db.models import Certificate, CertificateOffer, CertificateStatus, HandOut
from tests.certificate_ledger import check_certificate_counts
from tests.factories import check_ledger_invariant
from tests.issuing_scene import (
    ANNA,
    certificates,
    entries,
    last_purchase,
    scene,
    sell,
)
from tests.sale_certificate_scene import check_certificate_ledger

WITHDRAWN = "🎟 The certificate for Café wash (€10) this sale gave is withdrawn."
TOLD = "🎟 The certificate for Café wash (€10) this purchase gave you is withdrawn."
STAYS = (
    "🎟 The certificate for Café wash (€10) this sale gave was used or given away already: "
    "it stays."
)


async def test_a_full_refund_withdraws_the_certificate_the_sale_handed_out(
    tg, db, session_factory, clock
) -> None:
    s = await scene(tg, session_factory, clock)
    await sell(db, s.kasia, s.anna, "25")
    sale_id = await last_purchase(db)
    asked = await s.kasia.send(f"/refund {sale_id}")
    assert WITHDRAWN in asked.text
    [row] = await certificates(db)
    assert row.status == CertificateStatus.OPEN  # the preview wrote nothing
    done = await s.kasia.press(asked.button("Refund"))
    assert WITHDRAWN in done.of(EditMessageText)[0].text
    [told] = done.to(ANNA)
    assert TOLD in told
    [row] = await certificates(db)
    assert row.status == CertificateStatus.CANCELLED and row.closed_at is not None
    assert [e[:2] for e in await entries(db)] == [("issued", 1), ("cancelled", -1)]
    await check_certificate_ledger(session_factory)
    async with session_factory() as session:
        await check_ledger_invariant(session)


async def test_a_sale_refunded_and_rung_up_again_hands_the_certificate_out_again(
    tg, db, session_factory, clock
) -> None:
    """A wrong check refunded and typed again: the withdrawn certificate counts towards
    neither the offer's total nor the customer's one, so the new sale hands it out."""
    s = await scene(tg, session_factory, clock, total_limit=1, per_customer_limit=1)
    await sell(db, s.kasia, s.anna, "25")
    asked = await s.kasia.send(f"/refund {await last_purchase(db)}")
    await s.kasia.press(asked.button("Refund"))
    assert await db.scalar(select(CertificateOffer.issued_count)) == 0
    _, again = await sell(db, s.kasia, s.anna, "25")
    assert "Café wash" in again.text
    rows = await certificates(db)
    assert [r.status for r in rows] == [CertificateStatus.CANCELLED, CertificateStatus.OPEN]
    assert await db.scalar(select(CertificateOffer.issued_count)) == 1
    _, third = await sell(db, s.kasia, s.anna, "25")  # the caps hold for what is not withdrawn
    assert "Café wash" not in third.text and len(await certificates(db)) == 2
    await check_certificate_ledger(session_factory)
    async with session_factory() as session:
        await check_certificate_counts(session)


async def test_a_used_one_stays_and_a_partial_refund_keeps_it(
    tg, db, session_factory, clock
) -> None:
    s = await scene(tg, session_factory, clock)
    await sell(db, s.kasia, s.anna, "25")
    sale_id = await last_purchase(db)
    partial = await s.kasia.send(f"/refund {sale_id} 5")
    assert "🎟" not in partial.text
    await s.kasia.press(partial.button("Refund"))
    [row] = await certificates(db)
    assert row.status == CertificateStatus.OPEN
    async with session_factory() as session, session.begin():  # used at Café wash since
        used = update(Certificate).values(status=CertificateStatus.REDEEMED, redeemed_at=clock())
        await session.execute(used)
    rest = await s.kasia.send(f"/refund {sale_id}")
    assert STAYS in rest.text
    done = await s.kasia.press(rest.button("Refund"))
    assert STAYS in done.of(EditMessageText)[0].text
    assert "was used or given away already, so it stays." in done.to(ANNA)[0]
    status = await db.scalar(select(Certificate.status))
    assert status == CertificateStatus.REDEEMED


async def test_no_give_after_a_full_refund(tg, db, session_factory, clock) -> None:
    s = await scene(tg, session_factory, clock, HandOut.CASHIER, 0)
    _, done = await sell(db, s.kasia, s.anna, "25")
    asked = await s.kasia.send(f"/refund {await last_purchase(db)}")
    assert "🎟" not in asked.text
    await s.kasia.press(asked.button("Refund"))
    given = await s.kasia.press(done.button("🎟 Give: Café wash €10"))
    assert given.toasts and given.toasts != ["Certificate given."]
    assert await certificates(db) == []
