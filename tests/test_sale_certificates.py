"""A partner's certificate paying part of a check (issue 16), through the production dispatcher:
the preview's 🎟 button, the draft made again with it (and without it), the refusals, Confirm
redeeming it with the sale, and who may press the buttons. Each test says what the cashier and
the member read and what the database holds."""

from __future__ import annotations

from aiogram.methods import EditMessageText
from sqlalchemy import select

from db.models import (
    Certificate,
    CertificateEntry,
    CertificateReason,
    CertificateStatus,
    LedgerEntry,
    Purchase,
    PurchaseStatus,
)
from db.repositories.certificates import CertificateRepo
from handlers.ui.sale_certificate_render import CertificateUse
from services.coalition.issue import entry_row
from tests.factories import check_ledger_invariant, credit, make_merchant, make_staff
from tests.sale_certificate_scene import (
    CASHIER,
    FRIEND,
    MEMBER,
    OWNER,
    check_certificate_ledger,
    give,
    scene,
)
from tests.telegram import join


async def draft(db) -> Purchase:
    row = await db.scalar(
        select(Purchase)
        .where(Purchase.status == PurchaseStatus.DRAFT)
        .order_by(Purchase.id.desc())
        .limit(1)
    )
    assert isinstance(row, Purchase)
    return row


async def certificate(db, certificate_id: int) -> Certificate:
    row = await db.scalar(select(Certificate).where(Certificate.id == certificate_id))
    assert isinstance(row, Certificate)
    return row


def edited(sent) -> str:
    return str(sent.of(EditMessageText)[0].text)


async def test_a_certificate_pays_part_of_the_check(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 50")
    assert "Check: €50" in preview.text and "🎟 Certificate" not in preview.text
    used = await kasia.press(preview.button("🎟 Use certificate: €10"))
    text = edited(used)
    assert "Check: €50" in text and "🎟 Certificate: −€10" in text
    assert "To pay: <b>€40</b>" in text
    assert used.button("Without the certificate") and not used.button_or_none("Use certificate")
    row = await draft(db)
    assert (row.amount_minor, row.certificate_minor, row.certificate_id) == (
        4000,
        1000,
        certificate_id,
    )
    # The old preview's buttons no longer find its draft: nothing is confirmed with them.
    twice = await kasia.press(preview.button("🎟 Use certificate"))
    assert "no longer open" in twice.toasts[0]
    stale = await kasia.press(preview.button("Confirm"))
    assert "no longer open" in stale.toasts[0]
    assert await db.count(Purchase) == 1 and (await draft(db)).status == PurchaseStatus.DRAFT
    confirmed = await kasia.press(used.button("Confirm"))
    assert "Check €50, paid €40" in confirmed.text
    assert "🎟 A certificate paid €10 of the check." in confirmed.text
    [receipt] = confirmed.to(MEMBER)
    assert "Check: €50" in receipt and "🎟 Certificate used: −€10" in receipt
    sale = await db.scalar(select(Purchase))
    assert (sale.status, sale.amount_minor, sale.certificate_minor, sale.certificate_id) == (
        PurchaseStatus.CONFIRMED,
        4000,
        1000,
        certificate_id,
    )
    cert = await certificate(db, certificate_id)
    assert (cert.status, cert.purchase_id, cert.redeemed_by) == ("redeemed", sale.id, CASHIER)
    # A second press: the sale as it was, redeemed once.
    again = await kasia.press(used.button("Confirm"))
    assert again.toasts == ["Already confirmed."] and again.to(MEMBER) == []
    entries = await db.all(
        select(CertificateEntry).where(CertificateEntry.reason == CertificateReason.REDEEMED)
    )
    assert [(e.purchase_id, e.staff_telegram_id, e.delta) for e in entries] == [
        (sale.id, CASHIER, -1)
    ]
    # Cashback is on what was paid: 3 % of €40 at Bronze.
    cashback = await db.all(
        select(LedgerEntry.delta_minor).where(LedgerEntry.purchase_id == sale.id)
    )
    assert cashback == [120]
    await anna.send("/code")
    next_sale = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 50")
    assert "🎟" not in str(next_sale)
    await check_certificate_ledger(session_factory)
    async with session_factory() as s:
        await check_ledger_invariant(s)


async def test_points_are_limited_by_the_rest_and_dropping_it(
    tg, db, session_factory, clock
) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(
        tg, session_factory, clock, value_minor=4000
    )
    await give(session_factory, clock, offer_id, partner)
    async with session_factory() as s:
        await credit(s, clock, await make_merchant(s, clock), MEMBER, 100_000)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 50")
    spend_all = await kasia.press(preview.button("💳 Spend"))
    before = await draft(db)
    assert before.points_spent > 0 and before.amount_minor == 5000
    used = await kasia.press(spend_all.button("🎟 Use certificate: €40"))
    after = await draft(db)
    assert after.amount_minor == 1000 and after.certificate_minor == 4000
    assert 0 < after.points_spent < before.points_spent  # within what is left to pay
    assert "🎟 Certificate: −€40" in edited(used)
    # Other points on a draft with a certificate keep it.
    no_points = await kasia.press(used.button("💳 Spend no points"))
    assert "🎟 Certificate: −€40" in edited(no_points)
    kept = await draft(db)
    assert (kept.amount_minor, kept.certificate_minor, kept.points_spent) == (1000, 4000, 0)
    # The customer can't take it out.
    by_anna = await anna.press(no_points.button("Without the certificate"))
    assert "for the staff" in by_anna.toasts[0]
    assert (await draft(db)).certificate_minor == 4000
    dropped = await kasia.press(no_points.button("Without the certificate"))
    text = edited(dropped)
    assert "Check: €50" in text and "🎟 Certificate" not in text
    assert dropped.button("🎟 Use certificate: €40")
    back = await draft(db)
    assert (back.amount_minor, back.certificate_minor, back.certificate_id) == (5000, 0, None)
    assert back.points_spent == 0


async def test_below_the_minimum_and_worth_the_whole_check(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(
        tg, session_factory, clock, min_check_minor=3000
    )
    await give(session_factory, clock, offer_id, partner)
    await anna.send("/code")
    small = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 20")
    refused = await kasia.press(small.button("🎟 Use certificate"))
    assert refused.toasts == [
        "This certificate needs a check of at least €30. Use it on a bigger check."
    ]
    assert (await draft(db)).certificate_id is None and not refused.of(EditMessageText)
    async with session_factory() as s:
        cheap_offer = await make_offer_for(s, clock, 1000)
    await give(session_factory, clock, cheap_offer, partner)
    tiny = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 8")
    covers = await kasia.press(tiny.button("🎟 Use certificate: €10"))
    assert "worth the whole check or more" in covers.toasts[0] and "/redeem" in covers.toasts[0]
    assert (await draft(db)).certificate_id is None


async def make_offer_for(s, clock, value_minor: int) -> int:
    from tests.coalition_factories import make_offer

    return await make_offer(s, clock, await make_merchant(s, clock), value_minor=value_minor)


async def test_a_named_item_is_handed_over_with_the_sale(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(
        tg, session_factory, clock, value_minor=0, item="Free car wash"
    )
    certificate_id = await give(session_factory, clock, offer_id, partner)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 12")
    used = await kasia.press(preview.button("🎟 Free car wash"))
    assert "🎟 Certificate: Free car wash (handed over with the sale)" in edited(used)
    assert "To pay: <b>€12</b>" in edited(used)
    confirmed = await kasia.press(used.button("Confirm"))
    assert "🎟 Hand over with the sale: Free car wash." in confirmed.text
    assert "🎟 Certificate used: Free car wash" in confirmed.to(MEMBER)[0]
    sale = await db.scalar(select(Purchase))
    assert (sale.amount_minor, sale.certificate_minor, sale.certificate_id) == (
        1200,
        0,
        certificate_id,
    )
    assert (await certificate(db, certificate_id)).status == CertificateStatus.REDEEMED


async def test_used_elsewhere_before_confirm_refuses_the_sale(
    tg, db, session_factory, clock
) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 50")
    used = await kasia.press(preview.button("🎟 Use certificate"))
    async with session_factory() as s:
        here = await make_merchant(s, clock)
    async with session_factory() as s, s.begin():  # another cashier hands it over on its own
        repo = CertificateRepo(s)
        row = await repo.redeem(certificate_id, here.id, clock(), 77)
        assert row is not None
        await repo.add_entries(
            [entry_row(row, CertificateReason.REDEEMED, clock(), customer_id=row.customer_id)]
        )
    refused = await kasia.press(used.button("Confirm"))
    assert refused.toasts == [
        "The certificate was just used elsewhere or given away: make the preview again without it."
    ]
    assert refused.to(MEMBER) == []
    sale = await draft(db)
    assert sale.status == PurchaseStatus.DRAFT
    assert await db.all(select(LedgerEntry.id)) == []
    cert = await certificate(db, certificate_id)
    assert (cert.redeemed_by, cert.purchase_id) == (77, None)
    await check_certificate_ledger(session_factory)


async def test_who_may_press_the_certificate_buttons(tg, db, session_factory, clock) -> None:
    owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    certificate_id = await give(session_factory, clock, offer_id, partner)
    bob = tg(FRIEND, first_name="Bob")
    await join(bob)
    bobs = await give(session_factory, clock, offer_id, partner, FRIEND)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 50")
    use = preview.button("🎟 Use certificate")
    key = CertificateUse.unpack(use).key
    # The customer: the staff's button, nothing read.
    by_anna = await anna.press(use)
    assert "for the staff" in by_anna.toasts[0] and "€10" not in by_anna.text
    # Another merchant's cashier: no such sale there.
    async with session_factory() as s:
        other = await make_merchant(s, clock, slug="other")
        await make_staff(s, clock, other, 60, name="Zed")
    zed = tg(60, first_name="Zed")
    by_zed = await zed.press(use)
    assert "no longer open" in by_zed.toasts[0]
    # The partner's cashier (the business that handed it out) is no cashier here either.
    async with session_factory() as s:
        await make_staff(s, clock, partner, 61, name="Pia")
    by_pia = await tg(61, first_name="Pia").press(use)
    assert "no longer open" in by_pia.toasts[0]
    # A forged button naming another customer's certificate.
    forged = CertificateUse(key=key, certificate_id=bobs).pack()
    by_forgery = await kasia.press(forged)
    assert by_forgery.toasts == ["This certificate is not one of this customer's."]
    row = await draft(db)
    assert (row.certificate_id, row.amount_minor) == (None, 5000)
    for cid in (certificate_id, bobs):
        assert (await certificate(db, cid)).status == CertificateStatus.OPEN
    # A revoked cashier.
    staff = await owner.send("/staff")
    await owner.press(staff.button("Revoke Kasia"))
    revoked = await kasia.press(use)
    assert "for the staff" in revoked.toasts[0] and (await draft(db)).certificate_id is None
    # The owner may.
    by_owner = await owner.press(use)
    assert "🎟 Certificate: −€10" in edited(by_owner)


async def test_a_third_certificate_of_the_day_in_a_sale_flags_the_member(
    tg, db, session_factory, clock
) -> None:
    _owner, kasia, anna, partner, offer_id = await scene(tg, session_factory, clock)
    ids = [await give(session_factory, clock, offer_id, partner) for _ in range(3)]
    async with session_factory() as s:
        here = await make_merchant(s, clock)
    async with session_factory() as s, s.begin():  # two handed over on their own today
        for certificate_id in ids[:2]:
            assert await CertificateRepo(s).redeem(certificate_id, here.id, clock(), 77)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 50")
    used = await kasia.press(preview.button("🎟 Use certificate"))
    confirmed = await kasia.press(used.button("Confirm"))
    assert "confirmed" in confirmed.text
    [flag] = confirmed.to(OWNER)
    assert "🚩 Anna has used 3 gift certificates today, the latest here." in flag
    assert (await certificate(db, ids[2])).status == CertificateStatus.REDEEMED
