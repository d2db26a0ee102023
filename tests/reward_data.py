"""Rewards written out by hand for the rewards report's tests (issue 15): rewards, vouchers
with their ledger entries, full stamp cards and promotions, each at a local time in Warsaw
(tests/kpi_data.py), so the figures /kpi rewards shows can be worked out from this page.

The rows are written directly (the services that make them are built beside the reports);
balances follow the ledger as the app keeps them: a claim posts `reward`, a lapse gives the
points back with `reward_returned`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update

from db.models import Promotion, Purchase, Reward, StampEntry, Voucher
from tests.kpi_data import Book, local

CASHIER = 50  # who redeems at the till (the tests make them staff)


async def reward(book: Book, name: str, price: int, listed: bool = True) -> int:
    async with book.session.begin():
        row = Reward(
            merchant_id=book.merchant.id,
            name=name,
            points_price=price,
            listed=listed,
            created_at=local(1, 1),
        )
        book.session.add(row)
        await book.session.flush()
        return row.id


async def voucher(
    book: Book,
    member: str,
    reward_id: int,
    claimed: datetime,
    *,
    points: int = 0,
    source: str = "claim",
    redeemed: datetime | None = None,
    lapsed: datetime | None = None,
) -> int:
    """A voucher claimed at `claimed` (its points reserved), then redeemed or lapsed (its
    points back); the caller writes events in the order they happened."""
    if points:
        await book.points(member, claimed, -points, "reward")
    status = "redeemed" if redeemed else "lapsed" if lapsed else "open"
    async with book.session.begin():
        row = Voucher(
            merchant_id=book.merchant.id,
            membership_id=book.ids[member],
            reward_id=reward_id,
            code=f"{reward_id:02d}{int(claimed.timestamp()) % 10**6:06d}",
            points=points,
            source=source,
            status=status,
            claimed_at=claimed,
            expires_at=lapsed or local(12, 31),
            redeemed_at=redeemed,
            redeemed_by=CASHIER if redeemed else None,
            closed_at=lapsed,
        )
        book.session.add(row)
        await book.session.flush()
    if lapsed and points:
        await book.points(member, lapsed, points, "reward_returned")
    return row.id


async def card_full(book: Book, member: str, at: datetime, needed: int = 8) -> None:
    """A full card: its stamps taken off as it becomes a voucher."""
    async with book.session.begin():
        book.session.add(
            StampEntry(
                membership_id=book.ids[member],
                delta=-needed,
                stamps_after=0,
                reason="card_full",
                created_at=at,
            )
        )


async def promotion(
    book: Book,
    name: str,
    created: datetime,
    *,
    multiplier_pct: int = 200,
    extra_stamps: int = 0,
    weekdays: int = 127,
    hours: tuple[int, int] | None = None,
    starts_on: date | None = None,
) -> int:
    async with book.session.begin():
        row = Promotion(
            merchant_id=book.merchant.id,
            name=name,
            multiplier_pct=multiplier_pct,
            extra_stamps=extra_stamps,
            weekdays=weekdays,
            start_minute=hours[0] * 60 if hours else None,
            end_minute=hours[1] * 60 if hours else None,
            starts_on=starts_on,
            created_by=1,
            created_at=created,
        )
        book.session.add(row)
        await book.session.flush()
        return row.id


async def under(book: Book, purchase_id: int, promotion_id: int) -> None:
    """The purchase earned under the promotion (the till notes it on the purchase)."""
    async with book.session.begin():
        await book.session.execute(
            update(Purchase).where(Purchase.id == purchase_id).values(promotion_id=promotion_id)
        )


async def write_rewards(book: Book) -> dict[str, int]:
    """Three members, their rewards and two promotions. Today is 22.11.2026; the default
    period is 24.10-22.11. Returns the promotions' ids by name."""
    for name in ("ann", "ben", "cat"):
        await book.member(name, local(6, 1))
    coffee = await reward(book, "Cappuccino", 300)
    croissant = await reward(book, "Croissant", 200)
    stamps = await reward(book, "Free coffee", 0, listed=False)
    cake = await reward(book, "Welcome cake", 0, listed=False)

    # Before the period.
    await book.points("ann", local(6, 1), 1000, "manual")
    await book.buy("ann", local(9, 1), 1000)  # the program's first sale
    await book.points("cat", local(9, 1), 500, "manual")
    await book.points("ben", local(9, 15), 300, "manual")
    await voucher(book, "ben", coffee, local(9, 20), points=300, redeemed=local(9, 25))
    await book.buy("ben", local(10, 13, 16), 1000)  # Tuesday 16:00: happy hours, before
    await book.buy("cat", local(10, 20, 15, 30), 1000)  # Tuesday 15:30, too
    await book.points("ben", local(10, 20), 300, "manual")

    # The period: vouchers.
    await voucher(book, "cat", croissant, local(10, 1), points=200, lapsed=local(10, 31))
    await voucher(book, "cat", cake, local(10, 26), source="welcome", lapsed=local(11, 20))
    await voucher(book, "ann", coffee, local(10, 28), points=300, redeemed=local(10, 30))
    await voucher(book, "ben", coffee, local(11, 1), points=300)  # still open
    await voucher(book, "cat", coffee, local(11, 2), points=300, redeemed=local(11, 3))
    await card_full(book, "ann", local(11, 5))
    await voucher(book, "ann", stamps, local(11, 5), source="stamps", redeemed=local(11, 6))
    await voucher(book, "ann", croissant, local(11, 10), points=200, redeemed=local(11, 17))
    await card_full(book, "ben", local(11, 16))
    await voucher(book, "ben", stamps, local(11, 16), source="stamps")

    # Promotions: double points on Tuesdays 15-17 from 3.11 (a Tuesday); a stamp more at
    # weekends from 21.11.
    happy = await promotion(book, "Happy hours", local(11, 3, 10), weekdays=0b10, hours=(15, 17))
    weekend = await promotion(
        book,
        "Weekend stamps",
        local(11, 20),
        multiplier_pct=100,
        extra_stamps=1,
        weekdays=0b110_0000,
        starts_on=date(2026, 11, 21),
    )
    for name, at in (("ann", local(11, 3, 15, 10)), ("ben", local(11, 10, 16, 59))):
        bought = await book.buy(name, at, 1000)
        await under(book, bought, happy)
        await book.points(name, at, 50, "promotion", bought)
    refunded = await book.buy("cat", local(11, 17, 15), 1000, refunded=500)
    await under(book, refunded, happy)
    await book.points("cat", local(11, 17, 15), 50, "promotion", refunded)
    await book.points("cat", local(11, 17, 16), -25, "cashback_reversed", refunded)
    await book.points("cat", local(11, 17, 16), -25, "promotion_reversed", refunded)
    await book.buy("ann", local(11, 17, 17), 1000)  # 17:00: the hours are over
    return {"happy": happy, "weekend": weekend}
