"""The catalogue's operations for the ledger property test (tests/test_ledger_property.py):
a member claims a reward (refused, writing nothing, when their points are short), a cashier
hands a voucher over at the till, and days pass with the lapse job run twice; all through
the real services. And the vouchers' invariant checked after every step."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Customer,
    LedgerEntry,
    LedgerReason,
    Membership,
    Voucher,
    VoucherSource,
    VoucherStatus,
)
from services.jobs import JobService
from services.rewards.claims import RewardService
from services.rewards.redeem import RedeemService, VoucherRefused
from services.rewards.values import RewardRefused
from tests.conftest import FakeClock

# Two catalogue rewards: (points price, days valid); one cheap and short-lived, one dear.
CATALOGUE = ((5, 1), (150, 3))
# A voucher's points are reserved by the claim (`reward`), returned only if it lapses.
RESERVED = (VoucherStatus.OPEN, VoucherStatus.REDEEMED, VoucherStatus.CANCELLED)


@dataclass(frozen=True)
class Claim:
    member: int | None  # None: the member with the most points
    reward: int  # index into CATALOGUE


@dataclass(frozen=True)
class Redeem:
    voucher: int  # index into the vouchers so far


@dataclass(frozen=True)
class Wait:
    days: int  # then the lapse job runs, twice


async def claim(
    session: AsyncSession, clock: FakeClock, merchant_id: int, tg: int | None, reward_id: int
) -> int | None:
    """The member claims at the balance their screen shows: the voucher's id, or None when
    their points are short (and then nothing was written)."""
    if tg is None:
        async with session.begin():
            tg = await session.scalar(
                select(Customer.telegram_id)
                .join(Membership, Membership.customer_id == Customer.id)
                .order_by(Membership.balance_minor.desc(), Membership.id)
                .limit(1)
            )
        assert tg is not None
    service = RewardService(session, (), clock)
    balance = (await service.shelf(merchant_id, tg)).balance
    before = await _counts(session)
    try:
        voucher = await service.claim(merchant_id, tg, reward_id, balance)
    except RewardRefused as refused:
        assert refused.reason == "points", refused.reason
        assert await _counts(session) == before
        event("claim refused: points short")
        return None
    event("claim")
    return voucher.id


async def redeem(
    session: AsyncSession, clock: FakeClock, merchant_id: int, cashier: int, index: int
) -> None:
    """The cashier hands over a voucher (claimed or a gift: the index-th of all, if any);
    one no longer open is refused and stays as it was."""
    async with session.begin():
        ids = (await session.scalars(select(Voucher.id).order_by(Voucher.id))).all()
    if not ids:
        return
    voucher_id = ids[index % len(ids)]
    async with session.begin():
        status = await session.scalar(select(Voucher.status).where(Voucher.id == voucher_id))
    try:
        await RedeemService(session, (), clock).hand_over(merchant_id, cashier, voucher_id, None)
    except VoucherRefused as refused:
        async with session.begin():
            after = await session.scalar(select(Voucher.status).where(Voucher.id == voucher_id))
        assert after == status, (voucher_id, status, after)
        event(f"redeem refused: {refused.reason}")
        return
    assert status == VoucherStatus.OPEN
    event("redeem")


async def wait(session: AsyncSession, clock: FakeClock, days: int) -> None:
    """Days pass; the lapse job runs twice, the second run changing nothing."""
    clock.advance(days=days)
    lapsed = (await _counts(session))[2]
    await JobService(session, clock).lapse_vouchers()
    before = await _counts(session)
    if before[2] > lapsed:
        event("vouchers lapsed")
    await JobService(session, clock).lapse_vouchers()
    assert await _counts(session) == before


async def _counts(session: AsyncSession) -> tuple[int, int, int]:
    """Ledger entries, vouchers and lapsed vouchers: what a refused step must leave alone."""
    async with session.begin():
        entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
        vouchers = await session.scalar(select(func.count()).select_from(Voucher))
        lapsed = await session.scalar(
            select(func.count()).where(Voucher.status == VoucherStatus.LAPSED)
        )
    return int(entries or 0), int(vouchers or 0), int(lapsed or 0)


async def check_voucher_invariant(session: AsyncSession) -> None:
    """A claimed voucher has exactly one `reward` entry of minus its points naming it; a
    lapsed one exactly one `reward_returned` of plus them, any other none; a gift neither;
    no such entry names no voucher; and what each member's vouchers moved in the ledger is
    minus the points still reserved (open, redeemed or cancelled): reserved points are never
    in the balance."""
    async with session.begin():
        vouchers = (await session.scalars(select(Voucher))).all()
        rows = (
            await session.execute(
                select(LedgerEntry.voucher_id, LedgerEntry.reason, LedgerEntry.delta_minor).where(
                    LedgerEntry.reason.in_((LedgerReason.REWARD, LedgerReason.REWARD_RETURNED))
                )
            )
        ).all()
        moved: dict[int, int] = {}
        reserved: dict[int, int] = {}
        for v in vouchers:
            await session.refresh(v)
            taken = [d for vid, r, d in rows if vid == v.id and r == LedgerReason.REWARD]
            back = [d for vid, r, d in rows if vid == v.id and r == LedgerReason.REWARD_RETURNED]
            if v.source == VoucherSource.CLAIM:
                assert v.points > 0 and taken == [-v.points], (v.id, v.points, taken)
            else:
                assert v.points == 0 and taken == [], (v.id, v.points, taken)
            lapsed = v.status == VoucherStatus.LAPSED and v.points > 0
            assert back == ([v.points] if lapsed else []), (v.id, v.status, back)
            moved[v.membership_id] = moved.get(v.membership_id, 0) + sum(taken) + sum(back)
            if v.status in RESERVED:
                reserved[v.membership_id] = reserved.get(v.membership_id, 0) + v.points
        assert all(vid is not None for vid, _r, _d in rows)
        assert moved == {m: -reserved.get(m, 0) for m in moved}, (moved, reserved)


async def reserved_points(session: AsyncSession) -> dict[int, int]:
    """Points of each member's vouchers that did not come back (open, redeemed, cancelled),
    by membership id."""
    async with session.begin():
        rows = await session.execute(
            select(Voucher.membership_id, func.sum(Voucher.points))
            .where(Voucher.status.in_(RESERVED))
            .group_by(Voucher.membership_id)
        )
        return {m: int(points or 0) for m, points in rows.all()}
