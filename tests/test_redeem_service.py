"""Redeeming a voucher at the till, as a use case (services/rewards/redeem.py): the refusals in
their order, exactly once under two cashiers at once, and a voucher handed over with a sale.

Runs on the suite's database: SQLite and, with TEST_DATABASE_URL, PostgreSQL (where the two
cashiers' transactions really overlap and the conditional update decides)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from db.models import AuditLog, Membership, Outbox, Purchase, Voucher, VoucherStatus
from services.errors import NotStaff, StaffPaused
from services.rewards.redeem import (
    Redeemed,
    RedeemService,
    VoucherRefused,
    VoucherUnknown,
    voucher_payload,
)
from services.sales import SaleService
from tests.factories import (
    in_own_session,
    issue_code,
    make_member,
    make_merchant,
    make_reward,
    make_staff,
    make_voucher,
    reread,
)

CASHIERS = (900, 901)
MEMBER = 7


async def scene(session, clock, points: int = 0):
    """A merchant with two cashiers, a member holding an open voucher: (merchant, id, code)."""
    merchant = await make_merchant(session, clock)
    for tg in CASHIERS:
        await make_staff(session, clock, merchant, tg, name=f"C{tg}")
    await make_member(session, clock, merchant, MEMBER)
    reward = await make_reward(session, clock, merchant, "Cappuccino", points_price=points)
    voucher_id, code = await make_voucher(
        session, clock, merchant, MEMBER, reward, points=points, valid_days=7
    )
    return merchant, voucher_id, code


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("v12345678", "12345678"),
        ("v1234567", None),
        ("v123456789", None),
        ("p123456", None),
        ("12345678", None),
        ("vabcdefgh", None),
        ("", None),
        (None, None),
    ],
)
def test_voucher_payload(payload: str | None, code: str | None) -> None:
    assert voucher_payload(payload) == code


async def test_find_and_hand_over_once(session, clock) -> None:
    merchant, voucher_id, code = await scene(session, clock, points=300)
    redeem = RedeemService(session, (), clock)
    view = await redeem.find(merchant.id, 900, f"{code[:4]} {code[4:]}")
    assert (view.voucher_id, view.reward, view.first_name, view.points) == (
        voucher_id,
        "Cappuccino",
        f"User{MEMBER}",
        300,
    )
    done = await redeem.hand_over(merchant.id, 900, voucher_id, None)
    assert isinstance(done, Redeemed)
    row = await reread(session, Voucher, voucher_id)
    assert (row.status, row.redeemed_by, row.redeemed_at, row.purchase_id) == (
        VoucherStatus.REDEEMED,
        900,
        clock(),
        None,
    )
    async with session.begin():
        acts = (await session.scalars(select(AuditLog.action))).all()
        kinds = (await session.scalars(select(Outbox.kind))).all()
    assert "voucher_redeem" in acts and kinds == ["voucher_redeemed"]
    with pytest.raises(VoucherRefused) as again:
        await redeem.hand_over(merchant.id, 900, voucher_id, None)
    assert again.value.reason == "just_redeemed"
    redeemed_at = clock()
    clock.advance(days=1)
    with pytest.raises(VoucherRefused) as later:
        await redeem.find(merchant.id, 901, code)
    assert (later.value.reason, later.value.at) == ("redeemed", redeemed_at)


async def test_two_cashiers_hand_over_at_once(session_factory, session, clock) -> None:
    merchant, voucher_id, _code = await scene(session, clock)

    async def hand_over(cashier: int):
        def work(s):
            return RedeemService(s, (), clock).hand_over(merchant.id, cashier, voucher_id, None)

        return await in_own_session(session_factory, work)

    results = await asyncio.gather(*(hand_over(c) for c in CASHIERS))
    assert sum(isinstance(r, Redeemed) for r in results) == 1
    [refused] = [r for r in results if not isinstance(r, Redeemed)]
    assert isinstance(refused, VoucherRefused) and refused.reason == "just_redeemed"
    async with session.begin():
        assert await session.scalar(select(Voucher.status)) == VoucherStatus.REDEEMED
        acts = (await session.scalars(select(AuditLog.action))).all()
        assert acts.count("voucher_redeem") == 1
        assert len((await session.scalars(select(Outbox.id))).all()) == 1


async def test_refusals(session, clock) -> None:
    merchant, voucher_id, code = await scene(session, clock)
    redeem = RedeemService(session, (), clock)
    with pytest.raises(NotStaff):  # before anything about the voucher is read
        await redeem.find(merchant.id, 555, code)
    with pytest.raises(NotStaff):
        await redeem.hand_over(merchant.id, 555, voucher_id, None)
    with pytest.raises(VoucherRefused) as bad:
        await redeem.find(merchant.id, 900, "12,50")
    assert bad.value.reason == "format"
    # Another merchant's voucher: not this place's, and not counted as a wrong code.
    other = await make_merchant(session, clock, slug="other")
    await make_staff(session, clock, other, 950, name="Zed")
    with pytest.raises(VoucherRefused) as elsewhere:
        await RedeemService(session, (), clock).find(other.id, 950, code)
    assert elsewhere.value.reason == "elsewhere"
    with pytest.raises(VoucherRefused) as forged:
        await RedeemService(session, (), clock).hand_over(other.id, 950, voucher_id, None)
    assert forged.value.reason == "elsewhere"
    async with session.begin():
        await session.execute(update(Membership).values(blocked_at=clock()))
    with pytest.raises(VoucherRefused) as blocked:
        await redeem.hand_over(merchant.id, 900, voucher_id, None)
    assert blocked.value.reason == "member_blocked"
    async with session.begin():
        await session.execute(update(Membership).values(blocked_at=None))
    clock.advance(days=7)  # valid_days=7: lapsed at this very moment
    with pytest.raises(VoucherRefused) as lapsed:
        await redeem.hand_over(merchant.id, 900, voucher_id, None)
    assert lapsed.value.reason == "lapsed"
    async with session.begin():
        await session.execute(update(Voucher).values(status=VoucherStatus.CANCELLED))
    with pytest.raises(VoucherRefused) as cancelled:
        await redeem.find(merchant.id, 900, code)
    assert cancelled.value.reason == "cancelled"
    assert (await reread(session, Voucher, voucher_id)).redeemed_at is None


async def test_unknown_codes_pause_the_cashier(session, clock) -> None:
    merchant, _voucher_id, code = await scene(session, clock)
    redeem = RedeemService(session, (), clock)
    wrong = str(int(code) % 90_000_000 + 10_000_000 + 1)[:8]
    for attempt in range(5):
        with pytest.raises(VoucherUnknown) as error:
            await redeem.find(merchant.id, 900, wrong)
        assert error.value.paused == (attempt == 4)
    with pytest.raises(StaffPaused):
        await redeem.find(merchant.id, 900, code)
    async with session.begin():
        acts = (await session.scalars(select(AuditLog.action))).all()
    assert acts.count("wrong_code") == 5 and "staff_paused" in acts
    assert (await redeem.find(merchant.id, 901, code)).reward == "Cappuccino"  # the other one


async def test_handed_over_during_a_sale_is_recorded_with_it(session, clock) -> None:
    merchant, voucher_id, _code = await scene(session, clock)
    sales, redeem = SaleService(session, (), clock), RedeemService(session, (), clock)
    pay = await issue_code(session, clock, merchant, MEMBER)
    draft = await sales.prepare(merchant.id, 900, pay, 1_000, 0, None)
    [gift] = await redeem.for_sale(merchant.id, 900, draft.key)
    assert (gift.voucher_id, gift.reward) == (voucher_id, "Cappuccino")
    assert await redeem.for_sale(merchant.id, 901, draft.key) == []  # not their draft
    view = await redeem.show(merchant.id, 900, gift.voucher_id, gift.sale_id)
    await redeem.hand_over(merchant.id, 900, view.voucher_id, view.sale_id)
    result = await sales.confirm(merchant.id, 900, draft.key)
    row = await reread(session, Voucher, voucher_id)
    assert (row.status, row.purchase_id) == (VoucherStatus.REDEEMED, result.purchase_id)
    assert await redeem.for_sale(merchant.id, 900, draft.key) == []


async def test_a_sale_of_someone_else_is_not_linked(session, clock) -> None:
    merchant, voucher_id, _code = await scene(session, clock)
    await make_member(session, clock, merchant, 8)
    pay = await issue_code(session, clock, merchant, 8)
    draft = await SaleService(session, (), clock).prepare(merchant.id, 900, pay, 1_000, 0, None)
    redeem = RedeemService(session, (), clock)
    assert await redeem.for_sale(merchant.id, 900, draft.key) == []  # member 8 has none
    async with session.begin():
        sale_id = await session.scalar(select(Purchase.id))  # member 8's sale, not member 7's
    await redeem.hand_over(merchant.id, 900, voucher_id, sale_id)
    assert (await reread(session, Voucher, voucher_id)).purchase_id is None
