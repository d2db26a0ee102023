"""Refunds of a sale a partner's certificate paid part of (issue 16), through the production
dispatcher: a full refund gives the certificate back (once more usable), a partial one leaves it
used, an expired one stays used; the preview, the cashier's confirmation and the member's
notice say which. Then two cashiers confirming two sales with one certificate at the same
moment, on both databases, what a sale with a certificate costs in statements, and a
certificate paying part of a pre-order."""

from __future__ import annotations

import asyncio

from aiogram.methods import EditMessageText
from sqlalchemy import event, select

from db.models import (
    Certificate,
    CertificateEntry,
    CertificateReason,
    CertificateStatus,
    Preorder,
    Purchase,
    PurchaseStatus,
)
from services.coalition.sale_certificates import SaleCertificateService
from services.errors import SaleRefused
from services.sales import SaleResult, SaleService
from tests.factories import check_ledger_invariant, in_own_session, issue_code, make_merchant
from tests.sale_certificate_scene import (
    CASHIER,
    MEMBER,
    check_certificate_ledger,
    give,
    partnered,
    scene,
)
from tests.telegram import hire
from tests.test_preorders import order_two_flat_whites


async def sold(kasia, anna, db, amount: str = "50") -> int:
    """A sale with Anna's certificate paying part of it, confirmed; its id."""
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} {amount}")
    used = await kasia.press(preview.button("🎟 Use certificate"))
    await kasia.press(used.button("Confirm"))
    sale = await db.scalar(
        select(Purchase.id).where(Purchase.status == PurchaseStatus.CONFIRMED).limit(1)
    )
    assert sale is not None
    return int(sale)


async def certificate(db, certificate_id: int) -> Certificate:
    row = await db.scalar(select(Certificate).where(Certificate.id == certificate_id))
    assert isinstance(row, Certificate)
    return row


async def test_a_full_refund_gives_the_certificate_back(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    sale_id = await sold(kasia, anna, db)
    asked = await kasia.send(f"/refund {sale_id}")
    assert "Amount to refund: €40" in asked.text  # what was paid: not the certificate's part
    assert "🎟 The certificate €10 goes back to the customer's wallet." in asked.text
    assert (await certificate(db, certificate_id)).status == CertificateStatus.REDEEMED
    done = await kasia.press(asked.button("Refund"))
    assert "goes back to the customer's wallet" in done.of(EditMessageText)[0].text
    [told] = done.to(MEMBER)
    assert "🎟 Your certificate €10 is back in your wallet (/wallet)." in told
    cert = await certificate(db, certificate_id)
    assert (cert.status, cert.purchase_id, cert.redeemed_at, cert.redeemed_by) == (
        CertificateStatus.OPEN,
        None,
        None,
        None,
    )
    reasons = await db.all(
        select(CertificateEntry.reason)
        .where(CertificateEntry.certificate_id == certificate_id)
        .order_by(CertificateEntry.id)
    )
    assert reasons == ["issued", "redeemed", "refunded"]
    refunded = await db.scalar(
        select(CertificateEntry).where(CertificateEntry.reason == CertificateReason.REFUNDED)
    )
    assert (refunded.purchase_id, refunded.staff_telegram_id, refunded.delta) == (
        sale_id,
        CASHIER,
        1,
    )
    await check_certificate_ledger(session_factory)
    # Given back, it pays part of a check once more, and only once.
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 30")
    used = await kasia.press(preview.button("🎟 Use certificate: €10"))
    await kasia.press(used.button("Confirm"))
    cert = await certificate(db, certificate_id)
    assert cert.status == CertificateStatus.REDEEMED and cert.purchase_id != sale_id
    await anna.send("/code")
    later = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 30")
    assert "🎟" not in str(later)
    await check_certificate_ledger(session_factory)
    async with session_factory() as s:
        await check_ledger_invariant(s)


async def test_a_partial_refund_leaves_it_used(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    sale_id = await sold(kasia, anna, db)
    asked = await kasia.send(f"/refund {sale_id} 5")
    assert "🎟 The certificate €10 stays used: only a full refund returns it." in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert "🎟 Your certificate €10 stays used." in done.to(MEMBER)[0]
    assert (await certificate(db, certificate_id)).status == CertificateStatus.REDEEMED
    # The rest refunded: the sale is refunded in full, and the certificate comes back.
    rest = await kasia.send(f"/refund {sale_id}")
    assert "Amount to refund: €35" in rest.text and "goes back" in rest.text
    await kasia.press(rest.button("Refund"))
    assert (await certificate(db, certificate_id)).status == CertificateStatus.OPEN
    await check_certificate_ledger(session_factory)


async def test_an_expired_certificate_is_not_given_back(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock, valid_days=1)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    sale_id = await sold(kasia, anna, db)
    clock.advance(days=3)
    asked = await kasia.send(f"/refund {sale_id}")
    assert "🎟 The certificate €10 has expired, so it stays used." in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert "🎟 Your certificate €10 had expired, so it is not returned." in done.to(MEMBER)[0]
    cert = await certificate(db, certificate_id)
    assert (cert.status, cert.purchase_id) == (CertificateStatus.REDEEMED, sale_id)
    assert await db.count(CertificateEntry) == 2  # issued, redeemed
    await check_certificate_ledger(session_factory)


async def _drafted(
    session_factory, clock, merchant_id: int, certificate_id: int, code: str | None = None
) -> str:
    """A draft of €50 by Kasia for Anna (under `code`, else a new code) using the
    certificate; its key."""
    if code is None:
        async with session_factory() as s:
            code = await issue_code(s, clock, await make_merchant(s, clock), MEMBER)
    async with session_factory() as s:
        sales = SaleService(s, (), clock)
        draft = await sales.prepare(merchant_id, CASHIER, code, 5000, 0, None)
    async with session_factory() as s:
        certificates = SaleCertificateService(s, (), clock)
        return (await certificates.use(merchant_id, CASHIER, draft.key, certificate_id)).key


async def test_two_cashiers_confirm_two_sales_with_one_certificate(
    tg, db, session_factory, clock
) -> None:
    _owner, _kasia, _anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    async with session_factory() as s:
        here = await make_merchant(s, clock)
    async with session_factory() as s:
        code = await issue_code(s, clock, here, MEMBER)  # both cashiers were shown it
    keys = [
        await _drafted(session_factory, clock, here.id, certificate_id, code) for _ in range(2)
    ]

    async def confirm(key: str):
        def work(s):
            return SaleService(s, (), clock).confirm(here.id, CASHIER, key)

        return await in_own_session(session_factory, work)

    results = await asyncio.gather(*(confirm(k) for k in keys))
    done = [r for r in results if isinstance(r, SaleResult)]
    refused = [r for r in results if isinstance(r, SaleRefused)]
    assert len(done) == 1 and len(refused) == 1, results
    assert refused[0].reason == "certificate_used"
    confirmed = await db.all(select(Purchase.id).where(Purchase.status == "confirmed"))
    assert confirmed == [done[0].purchase_id]
    cert = await certificate(db, certificate_id)
    assert (cert.status, cert.purchase_id) == (CertificateStatus.REDEEMED, done[0].purchase_id)
    redeemed = select(CertificateEntry.id).where(CertificateEntry.reason == "redeemed")
    assert len(await db.all(redeemed)) == 1
    await check_certificate_ledger(session_factory)
    async with session_factory() as s:
        await check_ledger_invariant(s)


async def test_a_certificate_costs_a_sale_three_statements(
    tg, db, engine, session_factory, clock
) -> None:
    _owner, _kasia, _anna, partner, offer_id = await scene(tg, session_factory, clock)
    async with session_factory() as s:
        here = await make_merchant(s, clock)
    seen: list[str] = []

    def statement(_conn, _cursor, sql: str, *_args) -> None:
        if sql.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(sql)

    async def confirmed(certificate_id: int | None) -> int:
        if certificate_id is None:
            async with session_factory() as s:
                code = await issue_code(s, clock, here, MEMBER)
            async with session_factory() as s:
                draft = await SaleService(s, (), clock).prepare(
                    here.id, CASHIER, code, 5000, 0, None
                )
            key = draft.key
        else:
            key = await _drafted(session_factory, clock, here.id, certificate_id)
        seen.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", statement)
        try:
            async with session_factory() as s:
                await SaleService(s, (), clock).confirm(here.id, CASHIER, key)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", statement)
        return len(seen)

    await confirmed(None)  # the first purchase makes the referral grant's check, and warms up
    plain = await confirmed(None)
    with_certificate = await confirmed(await give(session_factory, clock, offer_id, partner))
    # The redemption, its entry, and the buyer's redemptions of the day counted for the flag.
    assert with_certificate == plain + 3, seen


async def test_a_certificate_pays_part_of_a_pre_order(tg, db, session_factory, clock) -> None:
    owner, kasia, anna = tg(1), tg(CASHIER, first_name="Kasia"), tg(MEMBER, first_name="Anna")
    await hire(owner, kasia)
    await order_two_flat_whites(owner, anna)
    partner, offer_id = await partnered(session_factory, clock, value_minor=500)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    code = str((await db.scalar(select(Preorder))).code)
    await kasia.send("/sale")
    preview = await kasia.send(code)
    used = await kasia.press(preview.button("🎟 Use certificate: €5"))
    text = used.of(EditMessageText)[0].text
    assert "Pre-order #1: €7.60" in text and "Check: €7.60" in text
    assert "🎟 Certificate: −€5" in text and "To pay: <b>€2.60</b>" in text
    await kasia.press(used.button("Confirm"))
    sale = await db.scalar(select(Purchase))
    order = await db.scalar(select(Preorder))
    assert (sale.amount_minor, sale.certificate_minor, order.status) == (260, 500, "completed")
    assert (await certificate(db, certificate_id)).purchase_id == sale.id
