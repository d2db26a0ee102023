"""Review fixes of the catalogue, through the production dispatcher: a Claim pressed after the
terms changed claims nothing and shows the new ones; the admins' form closes when its reward is
gone and keeps its draft when Save is refused; vouchers run to the end of their last local
day; the lapse reminder says the days really left, in the merchant's language, and is not sent
for a voucher claimed inside the warning window; /kpi points counts rewards as redeemed; the
shelf tells a paused member and one at the limit; /kpi rewards lists cancelled vouchers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiogram.methods import SendPhoto
from sqlalchemy import func, select, update

from db.models import Level, Membership, Merchant, Outbox, Reward, Voucher, VoucherStatus
from handlers.ui.rewards_callbacks import AdminAction, RewardAction, RewardAdminCb, RewardCb
from services.jobs import JobService
from services.members import MemberService
from services.rewards.issue import shown_code
from tests.factories import check_ledger_invariant
from tests.telegram import hire, join
from tests.test_handlers_sale import OWNER
from tests.test_rewards_claims import add_reward

GONE = "This reward is no longer in the catalogue. Open /rewards."
OFFER = RewardCb(action=RewardAction.OFFER, reward_id=1).pack()


async def test_a_claim_after_the_price_rose_refuses_and_shows_the_new_terms(
    tg, db, anna, session
) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 1000)
    offer = await anna.press(OFFER)
    assert "Price: 300 points" in offer.text
    async with db.factory() as s, s.begin():
        await s.execute(update(Reward).values(points_price=900))
    refused = await anna.press(offer.button("Claim for 300 points"))
    assert "terms changed" in refused.toasts[0]
    assert "Price: 900 points" in refused.text and "after claiming: 100 points" in refused.text
    assert await db.count(Voucher) == 0
    assert await db.scalar(select(Membership.balance_minor)) == 1000
    async with db.factory() as s, s.begin():  # the validity too
        await s.execute(update(Reward).values(valid_days=7))
    stale = await anna.press(refused.button("Claim for 900 points"))
    assert "terms changed" in stale.toasts[0] and "valid for 7 days" in stale.text
    claimed = await anna.press(stale.button("Claim for 900 points"))
    assert claimed.toasts == ["🎉 It's yours!"]
    assert await db.scalar(select(Voucher.points)) == 900
    await check_ledger_invariant(session)


async def test_a_gone_reward_closes_the_edit_form(tg, db, anna) -> None:
    owner = tg(OWNER)
    await add_reward(owner)
    await owner.press(RewardAdminCb(action=AdminAction.EDIT, reward_id=1, field="price").pack())
    async with db.factory() as s, s.begin():
        await s.execute(update(Reward).values(archived_at=datetime(2026, 3, 10, tzinfo=UTC)))
    refused = await owner.send("500")
    assert refused.text == GONE
    await anna.send("/code")
    till = await owner.send(await db.pay_code(101))  # the form no longer eats messages
    assert GONE not in till.text and "Anna" in till.text


async def test_a_refused_save_keeps_the_draft_and_asks_the_name_again(tg, db) -> None:
    owner = tg(OWNER)
    await add_reward(owner)
    listed = await owner.send("/rewards")
    await owner.press(listed.button("Add a reward"))
    skip = await owner.send("Latte")
    photo = await owner.press(skip.button("Skip"))
    await owner.press(photo.button("Skip"))
    stocked = await owner.send("450")
    limit = await owner.press(stocked.button("Unlimited"))
    await owner.press(limit.button("No limit"))
    level = await owner.send("14")
    preview = await owner.press(level.button("Bronze"))
    async with db.factory() as s, s.begin():  # a colleague names theirs Latte meanwhile
        await s.execute(update(Reward).values(name="Latte"))
    refused = await owner.press(preview.button("Save"))
    assert refused.toasts == ["There is a reward with this name already. Choose another name."]
    assert "Send the reward's name" in refused.text
    again = await owner.send("Flat white")
    assert "Preview" in again.text and "450 points" in again.text and "14 days" in again.text
    saved = await owner.press(again.button("Save"))
    assert saved.toasts == ["Saved."]
    row = await db.scalar(select(Reward).where(Reward.name == "Flat white"))
    assert (row.points_price, row.valid_days, row.stock_left) == (450, 14, None)


async def test_a_voucher_runs_to_the_end_of_its_last_local_day(
    tg, db, anna, session, clock
) -> None:
    await add_reward(tg(OWNER))  # 30 days; the clock: 10 Mar 2026 12:00 UTC, Warsaw
    await db.credit(101, 300)
    offer = await anna.press(OFFER)
    claimed = await anna.press(offer.button("Claim"))
    [photo] = claimed.of(SendPhoto)
    assert "Valid until 9 Apr 2026" in (photo.caption or "")
    # The end of 9 Apr in Warsaw (summer time by then): 22:00 UTC.
    assert await db.scalar(select(Voucher.expires_at)) == datetime(2026, 4, 9, 22, 0, tzinfo=UTC)
    clock.now = datetime(2026, 4, 9, 21, 59, tzinfo=UTC)
    await JobService(session, clock).lapse_vouchers()
    assert await db.scalar(select(Voucher.status)) == VoucherStatus.OPEN
    clock.now = datetime(2026, 4, 9, 22, 0, tzinfo=UTC)
    await JobService(session, clock).lapse_vouchers()
    assert await db.scalar(select(Voucher.status)) == VoucherStatus.LAPSED


async def test_lapse_reminders_say_the_days_left_in_the_merchants_language(
    tg, db, session, clock
) -> None:
    await add_reward(tg(OWNER))
    ola = tg(102, first_name="Ola", language_code=None)
    await join(ola)
    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).values(default_language="pl"))
        await s.execute(update(Reward).values(valid_days=1))
    await db.credit(102, 1000)
    short = await ola.press(OFFER)
    await ola.press(short.button("✅"))
    clock.advance(minutes=5)
    assert await JobService(session, clock).lapse_vouchers() == 0  # claimed inside the window
    async with db.factory() as s, s.begin():
        await s.execute(update(Reward).values(valid_days=30))
    offer = await ola.press(OFFER)
    await ola.press(offer.button("✅"))
    clock.advance(days=30)  # 10 hours left of the 30-day voucher; the 1-day one lapsed
    assert await JobService(session, clock).lapse_vouchers() == 2
    rows = await db.all(select(Outbox).where(Outbox.kind == "voucher_expiring"))
    assert [(r.language, json.loads(r.payload)["days"]) for r in rows] == [("pl", 1)]


async def test_kpi_points_counts_rewards_as_redeemed(tg, db, anna) -> None:
    owner = tg(OWNER)
    await add_reward(owner)
    await db.credit(101, 300)
    offer = await anna.press(OFFER)
    await anna.press(offer.button("Claim"))
    code = await db.scalar(select(Voucher.code))
    preview = await owner.send(f"/redeem {shown_code(code)}")
    await owner.press(preview.button("Hand over"))
    report = await owner.send("/kpi points")
    text = report.of(SendPhoto)[0].caption or report.text
    assert "Redeemed: 300 points" in text  # the till took none: all of it on the reward


async def test_the_shelf_says_paused_and_limit_reached(tg, db, anna, clock) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 1000)
    async with db.factory() as s, s.begin():
        await s.execute(update(Reward).values(per_member_limit=1))
    offer = await anna.press(OFFER)
    await anna.press(offer.button("Claim"))
    shelf = await anna.send("/rewards")
    assert "limit reached" in shelf.text and "yours for the claiming" not in shelf.text
    async with db.factory() as s, s.begin():
        await s.execute(update(Membership).values(blocked_at=clock()))
    paused = await anna.send("/rewards")
    assert "paused" in paused.text and "yours for the claiming" not in paused.text


async def test_kpi_rewards_lists_cancelled_vouchers_so_the_counts_add_up(
    tg, db, anna, session, clock
) -> None:
    owner = tg(OWNER)
    await add_reward(owner)
    bob = tg(102, first_name="Bob")
    await join(bob)
    for member in (anna, bob):
        await db.credit(member.user.id, 300)
        offer = await member.press(OFFER)
        await member.press(offer.button("Claim"))
    await MemberService(session, clock).erase(1, 101)  # Anna's voucher is cancelled
    report = await owner.send("/kpi rewards")
    text = report.of(SendPhoto)[0].caption or report.text
    assert "Vouchers: 2 claimed · 0 redeemed · 0 lapsed · 1 still open · 1 cancelled" in text


async def test_a_reward_from_a_removed_level_is_from_the_top_level(tg, db, anna, session) -> None:
    """An owner removed the top level after a reward "from" it: it reads, and is claimed, as
    from the top level now, as a member past the top is priced at the top level."""
    await add_reward(tg(OWNER))
    await db.credit(101, 1000)
    async with db.factory() as s, s.begin():
        top = await s.scalar(select(func.max(Level.rank)))
        await s.execute(update(Reward).values(min_level_rank=top + 1))
        await s.execute(update(Membership).values(level_rank=top))
    offer = await anna.press(OFFER)  # before: "from a higher level", and no Claim button
    claimed = await anna.press(offer.button("Claim for 300 points"))
    assert claimed.toasts == ["🎉 It's yours!"]
    assert await db.count(Voucher) == 1
    await check_ledger_invariant(session)


async def test_the_cashier_reads_the_same_last_day_as_the_member(tg, db, anna) -> None:
    """A voucher runs to the end of its last local day: the till says that day too, not the
    next day's midnight."""
    owner = tg(OWNER)
    await add_reward(owner)
    await db.credit(101, 1000)
    offer = await anna.press(OFFER)
    await anna.press(offer.button("Claim for 300 points"))
    mine = (await anna.send("/vouchers")).text
    last = mine.split("valid until ")[1].split("\n")[0]
    code = await db.scalar(select(Voucher.code))
    kasia = tg(50, first_name="Kasia")
    await hire(owner, kasia)
    at_till = await kasia.send(f"/redeem {code}")
    assert f"Valid until {last}\n" in at_till.text
    assert "00:00" not in at_till.text


async def test_vouchers_say_none_is_open_before_the_recent_ones(tg, db, anna) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 1000)
    offer = await anna.press(OFFER)
    await anna.press(offer.button("Claim for 300 points"))
    async with db.factory() as s, s.begin():
        await s.execute(update(Voucher).values(status=VoucherStatus.LAPSED))
    listed = (await anna.send("/vouchers")).text
    assert "No open vouchers now. Claim one in /rewards.\n\nRecent:\n• Cappuccino" in listed
