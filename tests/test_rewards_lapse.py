"""Vouchers that end unredeemed: the lapse job returns their points exactly once (run twice),
an unpaid clawback first, and tells the member in their language; a member who erases their
data has their open vouchers cancelled (the reserved points stay forfeited) and their stamps
forfeited."""

from __future__ import annotations

from sqlalchemy import select, update

from db.models import (
    LedgerEntry,
    Membership,
    Outbox,
    StampEntry,
    StampReason,
    Voucher,
    VoucherStatus,
)
from services.jobs import JobService
from services.members import MemberService
from tests.factories import check_ledger_invariant
from tests.telegram import join
from tests.test_handlers_sale import OWNER
from tests.test_rewards_claims import add_reward, claim_data

CLAIM = claim_data(500)


async def test_a_lapsed_voucher_returns_its_points_once_and_says_so(
    tg, db, anna, session, clock, sender
) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 500)
    await anna.press(CLAIM)
    clock.advance(days=27)
    assert await JobService(session, clock).lapse_vouchers() == 0  # not yet
    clock.advance(days=2)
    assert await JobService(session, clock).lapse_vouchers() == 1  # two days left: a warning
    assert await JobService(session, clock).lapse_vouchers() == 0  # once
    warned = await db.scalar(select(Outbox.kind).order_by(Outbox.id.desc()))
    assert warned == "voucher_expiring"
    clock.advance(days=2)
    assert await JobService(session, clock).lapse_vouchers() == 1
    assert await JobService(session, clock).lapse_vouchers() == 0  # run twice: once
    voucher = await db.scalar(select(Voucher))
    assert voucher.status == VoucherStatus.LAPSED and voucher.closed_at is not None
    [back] = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "reward_returned"))
    assert (back.delta_minor, back.balance_after_minor, back.voucher_id) == (300, 500, voucher.id)
    assert await db.scalar(select(Membership.balance_minor)) == 500
    await check_ledger_invariant(session)
    before = len(anna.session.requests)
    await sender.drain()
    warned, told = [getattr(m, "text", "") for m in anna.session.requests[before:]]
    assert "Your voucher for Cappuccino lapses within 2 days" in warned
    assert "Your voucher for Cappuccino lapsed unused. Points returned: 300 points." in told
    assert "Balance: <b>500 points</b>" in told
    history = await anna.send("/history")
    assert "Voucher lapsed: Cappuccino" in history.text


async def test_an_unpaid_clawback_takes_its_share_of_the_returned_points(
    tg, db, anna, session, clock, sender
) -> None:
    await add_reward(tg(OWNER))
    await db.credit(101, 500)
    await anna.press(CLAIM)
    async with db.factory() as s, s.begin():
        await s.execute(update(Membership).values(clawback_due_minor=100))
    clock.advance(days=31)
    await JobService(session, clock).lapse_vouchers()
    reasons = [
        (e.reason, e.delta_minor, e.voucher_id)
        for e in await db.all(select(LedgerEntry).order_by(LedgerEntry.id))
    ][-2:]
    assert reasons == [("reward_returned", 300, 1), ("clawback", -100, None)]
    member = await db.scalar(select(Membership))
    assert (member.balance_minor, member.clawback_due_minor) == (400, 0)
    await check_ledger_invariant(session)
    before = len(anna.session.requests)
    await sender.drain()
    told = [getattr(m, "text", "") for m in anna.session.requests[before:]][-1]
    assert "Points returned: 300 points.\nBalance: <b>400 points</b>" in told
    assert "Of them, 100 points settled what a refund could not take back earlier." in told


async def test_erasure_cancels_open_vouchers_and_forfeits_stamps(
    tg, db, anna, session, clock
) -> None:
    await add_reward(tg(OWNER))
    bob = tg(102, first_name="Bob")
    await join(bob)
    await db.credit(101, 500)
    await db.credit(102, 500)
    await anna.press(CLAIM)
    await bob.press(CLAIM)
    async with db.factory() as s, s.begin():
        anna_id = await s.scalar(select(Membership.id).order_by(Membership.id))
        s.add(
            StampEntry(
                membership_id=anna_id,
                delta=3,
                stamps_after=3,
                reason=StampReason.PURCHASE,
                created_at=clock(),
            )
        )
        await s.execute(update(Membership).where(Membership.id == anna_id).values(stamps=3))
    await MemberService(session, clock).erase(1, 101)
    statuses = {v.membership_id: v.status for v in await db.all(select(Voucher))}
    assert statuses[anna_id] == VoucherStatus.CANCELLED
    assert VoucherStatus.OPEN in statuses.values()  # Bob's stays
    member = await db.scalar(select(Membership).where(Membership.id == anna_id))
    assert (member.stamps, member.balance_minor) == (0, 0)
    last = await db.scalar(select(StampEntry).order_by(StampEntry.id.desc()))
    assert (last.reason, last.delta, last.stamps_after) == (StampReason.FORFEIT, -3, 0)
    clock.advance(days=31)
    assert await JobService(session, clock).lapse_vouchers() == 1  # Bob's only
    returned = await db.all(select(LedgerEntry).where(LedgerEntry.reason == "reward_returned"))
    assert [e.membership_id for e in returned] == [anna_id + 1]
    await check_ledger_invariant(session)
    assert await db.count(Outbox) >= 1
