"""Members claim rewards through the production dispatcher: the card's Rewards button, the
confirm screen, the voucher with its code and QR; the ledger reserves the points (reason
reward, naming the voucher), the stock goes down, and refusals are said in words."""

from __future__ import annotations

import asyncio

from aiogram.methods import SendPhoto
from sqlalchemy import select, update

from db.models import LedgerEntry, Membership, Reward, Voucher, VoucherStatus
from handlers.ui.rewards_callbacks import RewardAction, RewardCb, VoucherAction, VoucherCb
from services.rewards.values import RewardView
from tests.factories import check_ledger_invariant
from tests.telegram import TgUser, join
from tests.test_handlers_sale import OWNER


async def add_reward(
    owner: TgUser, name: str = "Cappuccino", price: str = "300", stock: str | None = None
) -> None:
    """The owner adds a reward with the form: name, no description or photo, price, stock
    (unlimited unless given), no limit, 30 days, from the first level; Save."""
    listed = await owner.send("/rewards")
    await owner.press(listed.button("Add a reward"))
    skip = await owner.send(name)
    photo = await owner.press(skip.button("Skip"))
    await owner.press(photo.button("Skip"))
    stocked = await owner.send(price)
    limit = await (owner.send(stock) if stock else owner.press(stocked.button("Unlimited")))
    await owner.press(limit.button("No limit"))
    level = await owner.send("30")
    preview = await owner.press(level.button("Bronze"))
    assert "Preview" in preview.text
    await owner.press(preview.button("Save"))


def claim_data(
    seen: int, reward: int = 1, price: int = 300, days: int = 30, level: int = 0
) -> str:
    """A Claim button as the confirm screen of a reward at these terms makes it."""
    terms = RewardView(reward, "", None, None, price, None, None, days, level, "").terms
    return RewardCb(action=RewardAction.CLAIM, reward_id=reward, seen=seen, terms=terms).pack()


async def reward_id(db, name: str = "Cappuccino") -> int:
    return int(await db.scalar(select(Reward.id).where(Reward.name == name)))


async def test_a_member_claims_from_the_card_and_gets_a_voucher(tg, db, anna, session) -> None:
    await add_reward(tg(OWNER), stock="5")
    await db.credit(101, 500)
    card = await anna.send("/card")
    shelf = await anna.press(card.button("Rewards"))
    assert "You have 500 points" in shelf.text and "Cappuccino" in shelf.text
    assert "yours for the claiming, 5 left" in shelf.text
    offer = await anna.press(shelf.button("Cappuccino"))
    assert "after claiming: 200 points" in offer.text
    claimed = await anna.press(offer.button("Claim for 300 points"))
    assert claimed.toasts == ["🎉 It's yours!"]
    [photo] = claimed.of(SendPhoto)
    voucher = await db.scalar(select(Voucher))
    assert voucher.status == VoucherStatus.OPEN and voucher.points == 300
    assert f"{voucher.code[:4]} {voucher.code[4:]}" in (photo.caption or "")
    assert "Valid until" in (photo.caption or "")
    [entry] = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "reward"))
    assert (entry.delta_minor, entry.balance_after_minor) == (-300, 200)
    assert entry.voucher_id == voucher.id
    assert await db.scalar(select(Reward.stock_left)) == 4
    await check_ledger_invariant(session)
    listed = await anna.send("/vouchers")
    assert "Cappuccino" in listed.text and voucher.code[:4] in listed.text
    history = await anna.send("/history")
    assert "🎁 Reward: Cappuccino" in history.text


async def test_not_enough_points_says_how_many_more(tg, db, anna) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 120)
    shelf = await anna.send("/rewards")
    assert "180 points more to go" in shelf.text
    refused = await anna.press(shelf.button("Cappuccino"))
    assert refused.toasts == ["Not enough points yet: 180 points more to go."]
    forged = await anna.press(claim_data(120, 1))
    assert "180 points more to go" in forged.toasts[0]
    assert await db.count(Voucher) == 0
    assert await db.scalar(select(Membership.balance_minor)) == 120


async def test_a_double_press_claims_once(tg, db, anna, session) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 1000)
    offer = await anna.press(RewardCb(action=RewardAction.OFFER, reward_id=1).pack())
    claim = offer.button("Claim")
    first, second = await asyncio.gather(anna.press(claim), anna.press(claim))
    assert await db.count(Voucher) == 1
    assert await db.scalar(select(Membership.balance_minor)) == 700
    said = first.toasts + second.toasts
    assert "🎉 It's yours!" in said and any("points changed" in s for s in said)
    await check_ledger_invariant(session)


async def test_the_last_unit_goes_to_one_of_two_members_at_once(tg, db, anna, session) -> None:
    await add_reward(tg(OWNER), stock="1")
    bob = tg(102, first_name="Bob")
    await join(bob)
    await db.credit(101, 300)
    await db.credit(102, 300)
    data = [claim_data(300, 1)] * 2
    results = await asyncio.gather(anna.press(data[0]), bob.press(data[1]))
    assert await db.count(Voucher) == 1
    assert await db.scalar(select(Reward.stock_left)) == 0
    said = results[0].toasts + results[1].toasts
    assert "Sorry, this reward is out of stock." in said
    balances = sorted(await db.all(select(Membership.balance_minor)))
    assert balances == [0, 300]
    await check_ledger_invariant(session)


async def test_refusals_level_limit_blocked_and_a_gone_reward(tg, db, anna, clock) -> None:
    owner = tg(OWNER)
    await add_reward(owner)
    await db.credit(101, 2000)
    async with db.factory() as s, s.begin():
        await s.execute(update(Reward).values(per_member_limit=1))
    claim = claim_data(2000, 1)
    assert (await anna.press(claim)).toasts == ["🎉 It's yours!"]
    again = await anna.press(claim_data(1700, 1))
    assert "as many times as one member may" in again.toasts[0]
    async with db.factory() as s, s.begin():
        await s.execute(update(Reward).values(per_member_limit=None, min_level_rank=2))
    higher = await anna.press(claim_data(1700, 1))
    assert "higher level" in higher.toasts[0]
    async with db.factory() as s, s.begin():
        await s.execute(update(Reward).values(min_level_rank=0))
        await s.execute(update(Membership).values(blocked_at=clock()))
    paused = await anna.press(claim_data(1700, 1))
    assert "paused" in paused.toasts[0]
    forged = await anna.press(claim_data(1700, 99))
    assert forged.toasts == ["This reward is no longer in the catalogue."]
    assert await db.count(Voucher) == 1


async def test_another_members_voucher_is_not_shown(tg, db, anna) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 300)
    await anna.press(claim_data(300, 1))
    voucher = await db.scalar(select(Voucher))
    bob = tg(102, first_name="Bob")
    await join(bob)
    shown = await bob.press(VoucherCb(action=VoucherAction.SHOW, voucher_id=voucher.id).pack())
    assert shown.toasts == ["There is no such voucher of yours."]
    assert voucher.code[:4] not in str(shown)
    own = await anna.press(VoucherCb(action=VoucherAction.SHOW, voucher_id=voucher.id).pack())
    [photo] = own.of(SendPhoto)
    assert voucher.code[4:] in (photo.caption or "")
    assert (await bob.send("/vouchers")).text.startswith("🎟 You have no vouchers yet.")


def test_history_labels_of_the_new_reasons(i18n) -> None:
    from handlers.ui.render import reason_label

    with i18n.context(), i18n.use_locale("en"):
        labels = [
            reason_label(r)
            for r in (
                "reward",
                "reward_returned",
                "promotion",
                "promotion_reversed",
                "friend_gift",
            )
        ]
    assert labels == [
        "🎁 Reward",
        "Voucher lapsed: points back",
        "Promotion bonus",
        "Promotion bonus taken back",
        "Gift for joining through a friend",
    ]
