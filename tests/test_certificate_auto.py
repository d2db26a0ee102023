"""Certificates a partner hands out automatically after a qualifying purchase (issue 16),
through the production dispatcher: what the buyer's receipt and the cashier's confirmation
say, and what the database holds; none below the threshold, after the partnership ended,
for an archived offer, past either cap; a retried confirmation issues nothing twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.models import CertificateStatus, Customer, HandOut, Purchase
from tests.coalition_factories import make_certificate, make_offer
from tests.factories import check_ledger_invariant
from tests.issuing_scene import (
    ANNA,
    BOB,
    CASHIER,
    certificates,
    change_offer,
    end_partnership,
    entries,
    issued_count,
    last_purchase,
    scene,
    sell,
)
from tests.telegram import join

RECEIPT_LINE = "🎟 You got a certificate for Café wash: €10 until 9 Apr 2026 — /wallet"


async def test_a_qualifying_purchase_hands_out_a_certificate(
    tg, db, session_factory, clock
) -> None:
    s = await scene(tg, session_factory, clock)
    preview, done = await sell(db, s.kasia, s.anna, "20")  # the threshold exactly
    assert done.toasts == ["Confirmed."]
    assert "🎟 Certificate handed out: Café wash, €10" in done.text
    [receipt] = done.to(ANNA)
    assert RECEIPT_LINE in receipt
    purchase = await last_purchase(db)
    [row] = await certificates(db)
    anna_id = await db.scalar(select(Customer.id).where(Customer.telegram_id == ANNA))
    assert (row.merchant_id, row.partner_merchant_id, row.offer_id) == (
        s.wash.id,
        s.cafe.id,
        s.offer,
    )
    assert (row.customer_id, row.first_customer_id, row.source_purchase_id) == (
        anna_id,
        anna_id,
        purchase,
    )
    assert (row.status, row.value_minor, row.issued_by) == (CertificateStatus.OPEN, 1000, None)
    # The end of its last local day (9 April in Warsaw, UTC+2 then).
    assert row.expires_at == clock() + timedelta(days=30, hours=10)
    assert await issued_count(db, s.offer) == 1
    assert await entries(db) == [("issued", 1, None)]
    # The same update delivered again, and a second Confirm: nothing more.
    await s.kasia.replay()
    again = await s.kasia.press(preview.button("Confirm"))
    assert again.toasts == ["Already confirmed."]
    assert len(await certificates(db)) == 1 and await issued_count(db, s.offer) == 1
    async with session_factory() as session:
        await check_ledger_invariant(session)


async def test_below_the_threshold_nothing_is_handed_out(tg, db, session_factory, clock) -> None:
    s = await scene(tg, session_factory, clock)
    _, done = await sell(db, s.kasia, s.anna, "19,99")
    assert "🎟" not in done.text and "🎟" not in done.to(ANNA)[0]
    assert await certificates(db) == [] and await issued_count(db, s.offer) == 0


async def test_nothing_after_the_partnership_ended_even_before_the_copy_knows(
    tg, db, session_factory, clock
) -> None:
    s = await scene(tg, session_factory, clock)
    # Ended without a word to the partner's program copy: the hand-out checks anyway.
    await end_partnership(session_factory, clock())
    _, done = await sell(db, s.kasia, s.anna, "30")
    assert done.toasts == ["Confirmed."] and "🎟" not in done.to(ANNA)[0]
    await end_partnership(session_factory, clock(), s.cafe.id)
    _, done = await sell(db, s.kasia, s.anna, "30")
    assert "🎟" not in done.to(ANNA)[0]
    assert await certificates(db) == [] and await issued_count(db, s.offer) == 0


async def test_an_archived_offer_hands_nothing_out(tg, db, session_factory, clock) -> None:
    s = await scene(tg, session_factory, clock)
    await change_offer(session_factory, s.offer, None, archived_at=clock())
    _, done = await sell(db, s.kasia, s.anna, "30")
    assert done.toasts == ["Confirmed."] and "🎟" not in done.to(ANNA)[0]
    await change_offer(session_factory, s.offer, s.cafe.id)
    _, done = await sell(db, s.kasia, s.anna, "30")
    assert "🎟" not in done.to(ANNA)[0]
    assert await certificates(db) == []


async def test_the_total_cap(tg, db, session_factory, clock) -> None:
    s = await scene(tg, session_factory, clock, total_limit=2)
    async with session_factory() as session:
        await make_certificate(session, clock, s.offer, ANNA, s.cafe)  # one of the two
    bob = tg(BOB, first_name="Bob")
    await join(bob)
    _, done = await sell(db, s.kasia, bob, "25")
    assert RECEIPT_LINE in done.to(BOB)[0]
    _, done = await sell(db, s.kasia, s.anna, "25")
    assert done.toasts == ["Confirmed."] and "🎟" not in done.to(ANNA)[0]
    assert len(await certificates(db)) == 2 and await issued_count(db, s.offer) == 2


async def test_the_per_customer_cap_counts_what_was_handed_to_them(
    tg, db, session_factory, clock
) -> None:
    s = await scene(tg, session_factory, clock, per_customer_limit=1)
    _, first = await sell(db, s.kasia, s.anna, "25")
    assert RECEIPT_LINE in first.to(ANNA)[0]
    _, second = await sell(db, s.kasia, s.anna, "25")
    assert "🎟" not in second.to(ANNA)[0]
    bob = tg(BOB, first_name="Bob")
    await join(bob)
    _, bobs = await sell(db, s.kasia, bob, "25")
    assert RECEIPT_LINE in bobs.to(BOB)[0]
    holders = [c.first_customer_id for c in await certificates(db)]
    assert len(holders) == 2 and len(set(holders)) == 2
    assert await issued_count(db, s.offer) == 2


async def test_two_offers_in_one_purchase_and_a_cashiers_offer_is_not_automatic(
    tg, db, session_factory, clock
) -> None:
    s = await scene(tg, session_factory, clock)
    async with session_factory() as session:
        spa = await make_offer(
            session,
            clock,
            s.wash,
            item="Free wax",
            valid_days=7,
            routes={s.cafe.id: (HandOut.AUTO, 0)},
        )
        tap = await make_offer(session, clock, s.wash, routes={s.cafe.id: (HandOut.CASHIER, 0)})
    _, done = await sell(db, s.kasia, s.anna, "25")
    receipt = done.to(ANNA)[0]
    assert RECEIPT_LINE in receipt
    assert "🎟 You got a certificate for Café wash: Free wax until 17 Mar 2026 — /wallet" in receipt
    assert "🎟 Certificate handed out: Café wash, Free wax" in done.text
    assert sorted(c.offer_id for c in await certificates(db)) == [s.offer, spa]
    assert await issued_count(db, tap) == 0


async def test_the_receipt_in_russian(tg, db, session_factory, clock) -> None:
    s = await scene(tg, session_factory, clock, anna_language="ru")
    _, done = await sell(db, s.kasia, s.anna, "25")
    receipt = done.to(ANNA)[0]
    assert (
        "🎟 Вы получили сертификат в Café wash: 10\xa0€ до 9 апр. 2026\u202fг. — /wallet" in receipt
    )
    assert CASHIER not in (c.issued_by for c in await certificates(db))


async def test_a_code_taken_at_the_same_moment_makes_the_sale_again(
    tg, db, session_factory, clock, monkeypatch
) -> None:
    """A certificate code another issue took between the check and the insert: the sale's
    transaction is undone and confirmed again with a new code, not refused as a receipt."""
    s = await scene(tg, session_factory, clock)
    async with session_factory() as session:  # someone else's certificate, code taken
        await join(tg(BOB))
        taken = await make_certificate(session, clock, s.offer, BOB, s.cafe)
    codes = iter([taken.code, "5555500000"])
    monkeypatch.setattr("services.coalition.issue.new_code", lambda: next(codes))

    async def nothing_taken(_repo: object, _codes: object) -> set[str]:
        return set()  # as if the other issue had not committed when the codes were checked

    monkeypatch.setattr("db.repositories.certificates.CertificateRepo.codes_taken", nothing_taken)
    _, done = await sell(db, s.kasia, s.anna, "20")
    assert done.toasts == ["Confirmed."] and "Certificate handed out" in done.text
    rows = await certificates(db)
    assert [r.code for r in rows] == [taken.code, "5555500000"]
    assert await db.count(Purchase) >= 1 and await issued_count(db, s.offer) == 2
