"""Rewards on the purchase path, through the production dispatcher: a sale at a promotion's
hour, a stamp card filled into a voucher, a daily-once card, refunds of what a purchase earned,
and an invited friend's gift paid once per person, whatever they erase."""

from __future__ import annotations

from aiogram.methods import SendMessage
from sqlalchemy import select, update

from db.models import (
    Customer,
    LedgerEntry,
    Membership,
    Merchant,
    Purchase,
    RewardGrant,
    StampEntry,
    Voucher,
    VoucherSource,
    VoucherStatus,
)
from tests.factories import (
    check_ledger_invariant,
    check_stamp_invariant,
    make_gift_reward,
    make_promotion,
    set_stamp_card,
)
from tests.telegram import Sent, TgUser, hire, join

OWNER = 1


async def open_till(tg) -> tuple[TgUser, TgUser]:
    """A cashier (50) the owner hired, and a member (101, Anna)."""
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    return kasia, anna


async def sell(cashier: TgUser, member: TgUser, db, amount: str) -> Sent:
    """A fresh till code for the member, a one-line /sale, Confirm: what Confirm sent."""
    await member.send("/code")
    preview = await cashier.send(f"/sale {await db.pay_code(member.id)} {amount}")
    return await cashier.press(preview.button("Confirm"))


def told(sent: Sent, chat_id: int) -> str:
    return "\n".join(m.text for m in sent.of(SendMessage) if m.chat_id == chat_id)


async def member_of(db, telegram_id: int) -> Membership:
    found: Membership = await db.scalar(
        select(Membership)
        .join(Customer)
        .where(Customer.telegram_id == telegram_id)
        .order_by(Membership.id.desc())
    )
    return found


async def ledger_of(db, purchase_id: int) -> list[tuple[str, int]]:
    rows = await db.all(
        select(LedgerEntry).where(LedgerEntry.purchase_id == purchase_id).order_by(LedgerEntry.id)
    )
    return [(str(r.reason), r.delta_minor) for r in rows]


async def test_a_sale_at_a_promotion_hour_earns_its_bonus_apart(tg, db, session, clock) -> None:
    kasia, anna = await open_till(tg)
    # 12:00 UTC is 13:00 in Warsaw, the merchant's time.
    promotion = await make_promotion(session, "Happy hours", start_minute=720, end_minute=900)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(101)} 20")
    assert "Cashback to earn: 120 points" in preview.text  # the bonus quoted too
    assert "including 60 points from the promotion “Happy hours”" in preview.text
    done = await kasia.press(preview.button("Confirm"))
    assert "0 points spent, 120 points earned" in done.text  # to the cashier, as quoted
    receipt = told(done, 101)
    assert "Points earned: +60 points" in receipt
    assert "⚡ ×2 Happy hours: +60 points" in receipt
    assert "Balance: <b>120 points</b>" in receipt
    purchase = await db.scalar(select(Purchase).where(Purchase.id == 1))
    assert purchase.promotion_id == promotion and purchase.cashback_minor == 60
    assert await ledger_of(db, 1) == [("cashback", 60), ("promotion", 60)]
    card = await anna.send("/card")
    assert "⚡ Happy hours: ×2 points today 12:00–15:00" in card.text
    # Half refunded: half of the cashback and half of the bonus go back.
    asked = await kasia.send("/refund 1 10")
    assert "Promotion bonus taken back: 30 points." in asked.text
    refunded = await kasia.press(asked.button("Refund"))
    assert "Promotion bonus taken back: 30 points." in refunded.text
    assert "Promotion bonus taken back: 30 points." in told(refunded, 101)
    assert (await ledger_of(db, 1))[2:] == [
        ("cashback_reversed", -30),
        ("promotion_reversed", -30),
    ]
    # At 16:00 local the hours are over: cashback alone.
    clock.advance(hours=3)
    later = await sell(kasia, anna, db, "20")
    assert "⚡" not in told(later, 101)
    assert await ledger_of(db, 2) == [("cashback", 60)]
    assert (await db.scalar(select(Purchase).where(Purchase.id == 2))).promotion_id is None
    await check_ledger_invariant(session)


async def test_ten_purchases_fill_the_card_into_a_voucher(tg, db, session) -> None:
    kasia, anna = await open_till(tg)
    reward = await set_stamp_card(session, 10, "Free cappuccino")
    for n in range(1, 10):
        done = await sell(kasia, anna, db, "5")
        assert f"☕ Stamp {n} of 10" in told(done, 101)
    card = await anna.send("/card")
    assert "☕ ●●●●●●●●●○ 9/10 → Free cappuccino" in card.text
    tenth = await sell(kasia, anna, db, "5")
    assert "☕ Your card is full: a voucher for Free cappuccino is in your vouchers." in told(
        tenth, 101
    )
    voucher = await db.scalar(select(Voucher))
    anna_row = await member_of(db, 101)
    assert (voucher.reward_id, voucher.membership_id) == (reward, anna_row.id)
    assert (voucher.source, voucher.status, voucher.points) == (
        VoucherSource.STAMPS,
        VoucherStatus.OPEN,
        0,
    )
    assert len(voucher.code) == 8 and anna_row.stamps == 0
    entries = await db.all(select(StampEntry).order_by(StampEntry.id))
    assert [(e.delta, str(e.reason)) for e in entries][-2:] == [
        (1, "purchase"),
        (-10, "card_full"),
    ]
    assert entries[-1].voucher_id == voucher.id and entries[-1].purchase_id == 10
    purchase = await db.scalar(select(Purchase).where(Purchase.id == 10))
    assert purchase.stamps_earned == 1
    assert "☕ ○○○○○○○○○○ 0/10 → Free cappuccino" in (await anna.send("/card")).text
    await check_stamp_invariant(session)
    await check_ledger_invariant(session)


async def test_a_daily_once_card_stamps_one_qualifying_purchase_a_day(
    tg, db, session, clock
) -> None:
    kasia, anna = await open_till(tg)
    await set_stamp_card(
        session, 5, stamp_daily_once=True, stamp_min_amount_minor=500, cashback_on=False
    )
    await make_promotion(session, "Double points")  # nothing to double without cashback
    small = await sell(kasia, anna, db, "4.99")
    assert "Stamp" not in told(small, 101)
    stamped = told(await sell(kasia, anna, db, "5"), 101)
    assert "☕ Stamp 1 of 5" in stamped
    assert "Points earned" not in stamped and "⚡" not in stamped  # stamps instead of cashback
    card = (await anna.send("/card")).text
    assert "⚡" not in card
    # No cashback promised where stamps replace it: points only pay.
    assert "Cashback" not in card and "Pay up to 20% of a check with points" in card
    assert "Stamp" not in told(await sell(kasia, anna, db, "9"), 101)  # once a day
    clock.advance(days=1)
    assert "☕ Stamp 2 of 5" in told(await sell(kasia, anna, db, "5"), 101)
    earned = await db.all(select(Purchase.stamps_earned).order_by(Purchase.id))
    assert earned == [0, 1, 0, 1]
    assert (await member_of(db, 101)).stamps == 2
    assert await db.count(LedgerEntry) == 0
    await check_stamp_invariant(session)


async def test_a_refund_takes_back_stamps_and_forgives_those_in_a_voucher(tg, db, session) -> None:
    kasia, anna = await open_till(tg)
    await set_stamp_card(session, 2, "Free tea")
    await sell(kasia, anna, db, "5")
    full = await sell(kasia, anna, db, "5")
    assert "a voucher for Free tea" in told(full, 101)
    # Sale #2 filled the card: its stamp is in the voucher, which the customer keeps.
    asked = await kasia.send("/refund 2")
    forgiven = "1 stamp of this sale is already in a voucher: the customer keeps it."
    assert forgiven in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert forgiven in done.text and "taken off" not in done.text
    assert await db.count(Voucher) == 1
    # Sale #3's stamp is on the card: a refund takes it off.
    await sell(kasia, anna, db, "5")
    assert (await member_of(db, 101)).stamps == 1
    asked = await kasia.send("/refund 3 2.50")
    assert "stamp" not in asked.text  # half a sale keeps its one stamp (rounded down)
    await kasia.press(asked.button("Refund"))
    asked = await kasia.send("/refund 3")
    assert "1 stamp taken off the customer's card." in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert "1 stamp taken off the customer's card." in done.text
    assert "1 stamp taken off your card." in told(done, 101)
    assert (await member_of(db, 101)).stamps == 0
    last = await db.scalar(select(StampEntry).order_by(StampEntry.id.desc()))
    assert (last.delta, str(last.reason), last.purchase_id, last.stamps_after) == (
        -1,
        "refund",
        3,
        0,
    )
    await check_stamp_invariant(session)
    await check_ledger_invariant(session)


async def leave(user: TgUser) -> None:
    profile = await user.send("/profile")
    ask = await user.press(profile.button("Leave the program"))
    assert "Your data is deleted" in (await user.press(ask.button("Yes, delete"))).text


async def test_an_invited_friend_gets_a_gift_once_whatever_they_erase(tg, db, session) -> None:
    kasia, anna = await open_till(tg)
    croissant = await make_gift_reward(session, "Free croissant")
    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).values(friend_gift_minor=500, friend_reward_id=croissant))
    link = (await anna.send("/invite")).texts[0].split()[-1]
    payload = link.split("start=")[1]
    bob = tg(202, first_name="Bob")
    await join(bob, payload)
    first = await sell(kasia, bob, db, "10")
    receipt = told(first, 202)
    assert "🎁 A gift for joining through a friend's invitation: +500 points" in receipt
    assert "🎁 A voucher for Free croissant is in your vouchers" in receipt
    bobs = await member_of(db, 202)
    rows = await db.all(
        select(LedgerEntry).where(LedgerEntry.membership_id == bobs.id).order_by(LedgerEntry.id)
    )
    assert [(str(r.reason), r.delta_minor, r.purchase_id) for r in rows] == [
        ("cashback", 30, 1),
        ("friend_gift", 500, 1),
    ]
    assert bobs.balance_minor == 530
    gift = await db.scalar(select(Voucher).where(Voucher.membership_id == bobs.id))
    assert (gift.source, gift.reward_id) == (VoucherSource.FRIEND, croissant)
    # Bob leaves and joins again through the same link: his first purchase again, no gift.
    await leave(bob)
    await join(bob, payload)
    again = await sell(kasia, bob, db, "10")
    assert "🎁" not in told(again, 202)
    bobs = await member_of(db, 202)
    assert bobs.balance_minor == 30
    assert await db.scalar(select(Voucher).where(Voucher.membership_id == bobs.id)) is None
    rewards = sorted(await db.all(select(RewardGrant.reward)))
    assert rewards == ["friend_gift", "referral", "referral_joined"]
    await check_ledger_invariant(session)
