"""The welcome gift (issue 15): a member who joins where the merchant gives a welcome reward
gets one voucher for it beside the welcome bonus, in the same transaction and under the same
one-time grant, so a person who erased their data and joined again gets neither again."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from db.models import (
    Customer,
    LedgerEntry,
    Membership,
    RewardGrant,
    Voucher,
    VoucherSource,
    VoucherStatus,
)
from tests.telegram import join
from tests.test_handlers_sale import OWNER
from tests.test_one_time_rewards import leave, reasons_of, set_merchant
from tests.test_settings_gifts import add_reward

ANNA = 700


async def vouchers_of(db, telegram_id: int) -> list[Voucher]:
    rows: list[Voucher] = await db.all(
        select(Voucher)
        .join(Membership, Membership.id == Voucher.membership_id)
        .join(Customer, Customer.id == Membership.customer_id)
        .where(Customer.telegram_id == telegram_id)
    )
    return rows


async def test_joining_gives_the_welcome_gift_once_per_person(tg, db) -> None:
    await tg(OWNER).send("/settings")  # the first update makes the merchant
    reward = await add_reward(db, "Croissant")
    await set_merchant(db, welcome_reward_id=reward, welcome_bonus_minor=300)
    anna = tg(ANNA)
    joined = await join(anna)
    assert "A welcome gift is waiting: <b>Croissant</b> — show it at the till" in joined.text
    assert "/vouchers" in joined.text
    (voucher,) = await vouchers_of(db, ANNA)
    assert (voucher.reward_id, voucher.source, voucher.status, voucher.points) == (
        reward,
        VoucherSource.WELCOME,
        VoucherStatus.OPEN,
        0,
    )
    # The reward's 14 days, to the end of the last one in Warsaw: 24 Mar 2026, 24:00 CET.
    assert voucher.expires_at == datetime(2026, 3, 24, 23, 0, tzinfo=UTC)
    assert len(voucher.code) == 8 and voucher.code.isdigit()
    assert await reasons_of(db, ANNA) == ["welcome"]  # the bonus beside it; no points reserved
    assert await db.count(RewardGrant) == 1  # one grant for both
    # Erased and joined again: neither the bonus nor the gift a second time.
    await leave(anna)
    again = await join(anna)
    assert "welcome gift" not in again.text
    assert await vouchers_of(db, ANNA) == []
    assert await reasons_of(db, ANNA) == []
    assert await db.count(Voucher) <= 1  # the first one at most, kept or not by the erasure


async def test_a_gift_without_a_bonus_is_still_once_and_a_withdrawn_one_is_not_given(
    tg, db
) -> None:
    await tg(OWNER).send("/settings")
    reward = await add_reward(db, "Croissant")
    await set_merchant(db, welcome_reward_id=reward, welcome_bonus_minor=0)
    anna = tg(ANNA)
    await join(anna)
    assert len(await vouchers_of(db, ANNA)) == 1 and await db.count(RewardGrant) == 1
    await leave(anna)
    await join(anna)
    assert await vouchers_of(db, ANNA) == []
    # An archived reward is not handed out; the member joins all the same.
    archived = await add_reward(db, "Old mug", archived=True)
    await set_merchant(db, welcome_reward_id=archived)
    bob = tg(ANNA + 1)
    joined = await join(bob)
    assert "welcome gift" not in joined.text and await vouchers_of(db, ANNA + 1) == []
    assert await db.scalar(select(LedgerEntry.id)) is None  # no points anywhere
