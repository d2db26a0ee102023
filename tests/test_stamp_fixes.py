"""Review fixes of the purchase path's rewards: a refund takes off the card only the stamps
of the refunded purchase that are still on it (full cards take the oldest first), table by
table and through the production dispatcher."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import StampEntry
from services.policy.stamp_book import StampsBack, stamps_back, stamps_on_card
from tests.factories import check_ledger_invariant, check_stamp_invariant, set_stamp_card
from tests.test_stamps_till import member_of, open_till, sell


@pytest.mark.parametrize(
    ("through", "converted", "own_left", "on_card"),
    [
        (1, 2, 1, 0),  # sale #1 of a card of 2 filled by #2: in the voucher
        (2, 2, 1, 0),  # sale #2 filled it
        (3, 2, 1, 1),  # sale #3's stamp is on the card
        (5, 4, 3, 1),  # three stamps, two of them went into a card
        (7, 0, 3, 3),  # no full card yet
        (3, 2, 0, 0),  # all taken off by earlier refunds
    ],
)
def test_a_purchases_stamps_on_the_card_follow_full_cards_oldest_first(
    through: int, converted: int, own_left: int, on_card: int
) -> None:
    assert stamps_on_card(through, converted, own_left) == on_card


@pytest.mark.parametrize(
    ("earned", "before", "refund", "held", "on_card", "back"),
    [
        (1, 0, 500, 1, 0, StampsBack(1, 0, 1)),  # the card's stamp is a later sale's
        (1, 0, 500, 1, 1, StampsBack(1, 1, 0)),
        (4, 0, 250, 3, 2, StampsBack(2, 2, 0)),  # half of 4: the two on the card
        (4, 250, 250, 1, 0, StampsBack(2, 0, 2)),  # the rest went into a voucher
        (3, 0, 500, 5, None, StampsBack(3, 3, 0)),  # not known: all held
    ],
)
def test_a_refund_never_takes_a_later_purchases_stamps(
    earned: int, before: int, refund: int, held: int, on_card: int | None, back: StampsBack
) -> None:
    assert stamps_back(earned, 500, before, refund, held, on_card) == back


async def test_refunding_a_sale_in_a_voucher_leaves_a_later_sales_stamp(tg, db, session) -> None:
    kasia, anna = await open_till(tg)
    await set_stamp_card(session, 2, "Free tea")
    await sell(kasia, anna, db, "5")
    await sell(kasia, anna, db, "5")  # #2 fills the card
    await sell(kasia, anna, db, "5")  # #3 puts 1 on the card
    assert (await member_of(db, 101)).stamps == 1
    asked = await kasia.send("/refund 1")
    forgiven = "1 stamp of this sale is already in a voucher: the customer keeps it."
    assert forgiven in asked.text and "taken off" not in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert forgiven in done.text and "taken off" not in done.text
    assert (await member_of(db, 101)).stamps == 1
    assert "1/2" in (await anna.send("/card")).text
    asked = await kasia.send("/refund 3")
    assert "1 stamp taken off the customer's card." in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert "1 stamp taken off the customer's card." in done.text
    assert (await member_of(db, 101)).stamps == 0
    last = await db.scalar(select(StampEntry).order_by(StampEntry.id.desc()))
    assert (last.delta, str(last.reason), last.purchase_id) == (-1, "refund", 3)
    await check_stamp_invariant(session)
    await check_ledger_invariant(session)
