"""Redeeming a voucher through the production dispatcher: /redeem, a code typed at the till,
the voucher's QR deep link and the 🎁 button of a sale's preview; what the cashier and the
member read, and what the database holds after. Each new button's authorization for every
role: the customer, a revoked cashier, another merchant's cashier, the owner."""

from __future__ import annotations

from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from sqlalchemy import select, update

from db.models import AuditLog, Membership, Outbox, Purchase, Voucher, VoucherStatus
from handlers.ui.redeem_render import RedeemAction, RedeemCb
from services.rewards.issue import shown_code
from tests.factories import make_merchant, make_reward, make_staff, make_voucher
from tests.telegram import TgUser, hire, join

OWNER, CASHIER, MEMBER = 1, 50, 101


async def voucher_for(session_factory, clock, **options) -> tuple[int, str]:
    """An open Cappuccino voucher of member 101 at the default merchant: (id, code)."""
    async with session_factory() as s:
        merchant = await make_merchant(s, clock)  # the default one, made by the bot already
        reward = await make_reward(s, clock, merchant, "Cappuccino", points_price=300)
        return await make_voucher(s, clock, merchant, MEMBER, reward, **options)


async def till(tg, session_factory, clock, **options) -> tuple[TgUser, TgUser, TgUser, int, str]:
    """The owner, a cashier (Kasia) they hired, member Anna with an open voucher."""
    owner, kasia, anna = tg(OWNER), tg(CASHIER, first_name="Kasia"), tg(MEMBER)
    await hire(owner, kasia)
    await join(anna)
    voucher_id, code = await voucher_for(session_factory, clock, **options)
    return owner, kasia, anna, voucher_id, code


async def voucher(db, voucher_id: int) -> Voucher:
    row = await db.scalar(select(Voucher).where(Voucher.id == voucher_id))
    assert isinstance(row, Voucher)
    return row


async def test_redeem_command_hand_over_and_double_press(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(tg, session_factory, clock, points=300)
    preview = await kasia.send(f"/redeem {shown_code(code)}")
    assert "Cappuccino" in preview.text and "Anna" in preview.text
    assert "Claimed for 300 points" in preview.text and "Valid until" in preview.text
    handed = await kasia.press(preview.button("Hand over"))
    assert handed.toasts == ["Handed over."]
    assert "✅ Handed over: Cappuccino to Anna." in handed.of(EditMessageText)[0].text
    assert handed.to(MEMBER) == ["🎁 Enjoy your Cappuccino! Redeemed at Test Café."]
    row = await voucher(db, voucher_id)
    assert (row.status, row.redeemed_by, row.purchase_id) == (
        VoucherStatus.REDEEMED,
        CASHIER,
        None,
    )
    again = await kasia.press(preview.button("Hand over"))
    assert again.toasts == ["This voucher was just redeemed: there is nothing more to do."]
    assert again.to(MEMBER) == []
    assert await db.all(
        select(Outbox.kind)
        .where(Outbox.chat_id == MEMBER)
        .where(Outbox.kind == "voucher_redeemed")
    ) == ["voucher_redeemed"]
    acts = await db.all(select(AuditLog.action).where(AuditLog.action == "voucher_redeem"))
    assert acts == ["voucher_redeem"]
    audit = await tg(OWNER).send("/audit")
    assert "Voucher redeemed" in audit.text
    later = await kasia.send(f"/redeem {code}")
    assert "already redeemed on" in later.text and "Kasia" not in later.text


async def test_redeem_asks_for_the_code_and_cancel_keeps_it(
    tg, db, session_factory, clock
) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(tg, session_factory, clock)
    asked = await kasia.send("/redeem")
    assert "8-digit code" in asked.text
    bad = await kasia.send("12,50")
    assert "A voucher code has 8 digits" in bad.text  # the form asks again
    preview = await kasia.send(code)
    assert "Welcome gift" not in preview.text and "Cappuccino" in preview.text
    kept = await kasia.press(preview.button("Cancel"))
    assert "Not handed over" in kept.of(EditMessageText)[0].text
    assert (await voucher(db, voucher_id)).status == VoucherStatus.OPEN


async def test_a_voucher_code_typed_at_the_till(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(
        tg, session_factory, clock, source="welcome"
    )
    await kasia.send("/sale")
    in_form = await kasia.send(shown_code(code))  # where the customer's code was asked
    assert "Cappuccino" in in_form.text and "Welcome gift" in in_form.text
    outside = await kasia.send(code)  # no form open
    assert "Cappuccino" in outside.text
    await kasia.press(outside.button("Hand over"))
    assert (await voucher(db, voucher_id)).status == VoucherStatus.REDEEMED


async def test_the_vouchers_qr_deep_link(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, voucher_id, code = await till(tg, session_factory, clock, source="stamps")
    scanned = await kasia.send(f"/start v{code}")
    assert "Cappuccino" in scanned.text and "stamp card" in scanned.text
    own = await anna.send(f"/start v{code}")  # the member opens their own QR
    assert "for the staff at the till" in own.text and "Hand over" not in str(own)
    await kasia.press(scanned.button("Hand over"))
    assert (await voucher(db, voucher_id)).redeemed_by == CASHIER


async def test_handed_over_during_a_sale(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, voucher_id, _code = await till(tg, session_factory, clock)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(MEMBER)} 12.50")
    offered = await kasia.press(preview.button("🎁 Cappuccino"))
    assert "Cappuccino" in offered.text and "Anna" in offered.text
    await kasia.press(offered.button("Hand over"))
    confirmed = await kasia.press(preview.button("Confirm"))
    assert "confirmed" in confirmed.text
    sale = await db.scalar(select(Purchase))
    row = await voucher(db, voucher_id)
    assert (row.status, row.purchase_id, sale.status) == ("redeemed", sale.id, "confirmed")
    next_sale = await kasia.send("/sale")
    assert "🎁" not in str(next_sale)


async def test_stale_button_after_the_voucher_lapsed(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(tg, session_factory, clock, valid_days=1)
    preview = await kasia.send(f"/redeem {code}")
    clock.advance(days=2)
    stale = await kasia.press(preview.button("Hand over"))
    assert "has lapsed" in stale.toasts[0]
    assert stale.of(EditMessageReplyMarkup)  # its buttons are taken away
    assert (await voucher(db, voucher_id)).status == VoucherStatus.OPEN


async def test_a_blocked_members_voucher(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(tg, session_factory, clock)
    preview = await kasia.send(f"/redeem {code}")
    async with session_factory() as s, s.begin():
        await s.execute(update(Membership).values(blocked_at=clock()))
    refused = await kasia.press(preview.button("Hand over"))
    assert "paused by the staff" in refused.toasts[0]
    assert "paused by the staff" in (await kasia.send(code)).text
    assert (await voucher(db, voucher_id)).status == VoucherStatus.OPEN


async def test_unknown_codes_pause_the_cashier(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, _voucher_id, code = await till(tg, session_factory, clock)
    wrong = "1" + code[1:] if code[0] != "1" else "2" + code[1:]
    for _ in range(4):
        assert "No voucher has this code" in (await kasia.send(f"/redeem {wrong}")).text
    fifth = await kasia.send(f"/redeem {wrong}")
    assert "paused until" in fifth.text
    paused = await kasia.send(f"/redeem {code}")
    assert "paused until" in paused.text and "Cappuccino" not in paused.text
    scanned = await kasia.send(f"/start v{code}")
    assert "paused until" in scanned.text and "Cappuccino" not in scanned.text
    assert len(await db.all(select(AuditLog.id).where(AuditLog.action == "wrong_code"))) == 5


async def test_who_may_redeem(tg, db, session_factory, clock) -> None:
    owner, kasia, anna, voucher_id, code = await till(tg, session_factory, clock)
    preview = await kasia.send(f"/redeem {code}")
    hand_over, keep = preview.button("Hand over"), preview.button("Cancel")
    show = RedeemCb(action=RedeemAction.SHOW, voucher=voucher_id).pack()  # a sale's 🎁
    # The customer: nothing about the voucher, by command or by any of its buttons.
    assert "for the staff" in (await anna.send(f"/redeem {code}")).text
    for button in (hand_over, keep, show):
        pressed = await anna.press(button)
        assert "for the staff" in pressed.toasts[0] and "Cappuccino" not in pressed.text
    # Another merchant's cashier: not a voucher of that place, nothing more.
    async with session_factory() as s:
        other = await make_merchant(s, clock, slug="other")
        await make_staff(s, clock, other, 60, name="Zed")
    zed = tg(60, first_name="Zed")
    elsewhere = await zed.send(f"/redeem {code}")
    assert elsewhere.texts == ["This is not a voucher of this place."]
    for button in (hand_over, show):
        forged = await zed.press(button)
        assert forged.toasts == ["This is not a voucher of this place."]
    # A revoked cashier.
    staff = await owner.send("/staff")
    await owner.press(staff.button("Revoke Kasia"))
    assert "for the staff" in (await kasia.press(hand_over)).toasts[0]
    assert "for the staff" in (await kasia.send(f"/redeem {code}")).text
    assert (await voucher(db, voucher_id)).status == VoucherStatus.OPEN
    # The owner may.
    owners = await owner.send(f"/redeem {code}")
    await owner.press(owners.button("Hand over"))
    assert (await voucher(db, voucher_id)).redeemed_by == OWNER
