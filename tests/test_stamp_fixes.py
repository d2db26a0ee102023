"""Review fixes of the purchase path's rewards, table by table and through the production
dispatcher: a refund takes off the card only the refunded sale's stamps still on it (full cards
take the oldest first), a full refund of a friend's first sale cancels the gift voucher, a
promotion of stamps only is named on the receipt, the cashier's confirmation adds up and names
the vouchers, /history's promotion labels, and /card's promotions that never add up."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from db.models import Merchant, StampEntry, Voucher, VoucherStatus
from services.policy.card_promotions import promotions_today
from services.policy.promotions import PromotionRule
from services.policy.stamp_book import StampsBack, stamps_back, stamps_on_card
from tests.factories import (
    check_ledger_invariant,
    check_stamp_invariant,
    make_gift_reward,
    make_promotion,
    set_stamp_card,
)
from tests.telegram import Sent, TgUser, join
from tests.test_stamps_till import member_of, open_till, sell, told


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


async def invited_bob(tg, db, session, rewards: bool = False) -> tuple[TgUser, TgUser, Sent]:
    """Kasia at the till and Bob, invited by Anna, whose first sale (#1, 10) brought the
    friend's gift: 500 points and a voucher for a free croissant (`rewards`: with a card of
    one stamp and double points too)."""
    kasia, anna = await open_till(tg)
    if rewards:
        await set_stamp_card(session, 1, "Free tea")
        await make_promotion(session, "Double points")
    croissant = await make_gift_reward(session, "Free croissant")
    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).values(friend_gift_minor=500, friend_reward_id=croissant))
    link = (await anna.send("/invite")).texts[0].split()[-1]
    bob = tg(202, first_name="Bob")
    await join(bob, link.split("start=")[1])
    first = await sell(kasia, bob, db, "10")
    assert "A voucher for Free croissant" in told(first, 202)
    return kasia, bob, first


async def test_a_full_refund_of_the_friends_first_sale_cancels_the_gift_voucher(
    tg, db, session, clock
) -> None:
    kasia, _, _ = await invited_bob(tg, db, session)
    clock.advance(minutes=5)
    partly = await kasia.send("/refund 1 5")
    assert "gift voucher" not in partly.text  # half a sale: the voucher stays
    await kasia.press(partly.button("Refund"))
    assert (await db.scalar(select(Voucher))).status == VoucherStatus.OPEN
    asked = await kasia.send("/refund 1")
    cancelled = "The friend's gift voucher for Free croissant is cancelled."
    assert cancelled in asked.text
    assert (await db.scalar(select(Voucher))).status == VoucherStatus.OPEN  # a preview only
    done = await kasia.press(asked.button("Refund"))
    assert cancelled in done.text
    assert "Your voucher for Free croissant, the gift for joining through a friend, is " in (
        told(done, 202)
    )
    voucher = await db.scalar(select(Voucher))
    assert voucher.status == VoucherStatus.CANCELLED and voucher.closed_at is not None
    await check_ledger_invariant(session)


async def test_a_redeemed_gift_voucher_is_the_customers_to_keep(tg, db, session) -> None:
    kasia, _, _ = await invited_bob(tg, db, session)
    async with db.factory() as s, s.begin():
        await s.execute(update(Voucher).values(status=VoucherStatus.REDEEMED))
    asked = await kasia.send("/refund 1")
    kept = (
        "The friend's gift voucher for Free croissant was already redeemed: the customer keeps it."
    )
    assert kept in asked.text
    done = await kasia.press(asked.button("Refund"))
    assert kept in done.text and "Your voucher" not in told(done, 202)
    assert (await db.scalar(select(Voucher))).status == VoucherStatus.REDEEMED


async def test_a_promotion_of_stamps_only_is_named_on_the_receipt(tg, db, session) -> None:
    kasia, anna = await open_till(tg)
    await set_stamp_card(session, 10, "Free tea", cashback_on=False)
    await make_promotion(session, "Stamp day", multiplier_pct=100, extra_stamps=2)
    receipt = told(await sell(kasia, anna, db, "5"), 101)
    assert "⚡ Stamp day: +2 stamps" in receipt and "☕ Stamp 3 of 10" in receipt
    assert (await member_of(db, 101)).stamps == 3
    await check_stamp_invariant(session)


async def test_the_cashiers_confirmation_adds_up_and_names_the_vouchers(tg, db, session) -> None:
    kasia, bob, first = await invited_bob(tg, db, session, True)
    said = first.text  # 60 points earned (doubled) and the friend's 500: 560
    assert "0 points spent, 60 points earned." in said
    assert "🎁 The friend's gift: +500 points" in said
    assert "🎫 1 voucher issued: Free tea." in said
    assert "🎫 1 voucher issued: Free croissant." in said
    assert "The customer's balance is now 560 points." in said
    assert (await member_of(db, 202)).balance_minor == 560
    assert await db.count(Voucher) == 2
    done = await sell(kasia, bob, db, "10")  # a later sale: no gift
    assert "🎫 1 voucher issued: Free tea." in done.text
    assert "The friend's gift" not in done.text and "croissant" not in done.text
    assert "The customer's balance is now 620 points." in done.text


async def test_history_names_a_promotions_bonus_whatever_it_multiplies(
    tg, db, session, i18n
) -> None:
    kasia, anna = await open_till(tg)
    await make_promotion(session, "Triple Tuesday", multiplier_pct=300)
    await sell(kasia, anna, db, "10")
    asked = await kasia.send("/refund 1")
    await kasia.press(asked.button("Refund"))
    history = (await anna.send("/history")).text
    assert "Promotion bonus" in history and "Promotion bonus taken back" in history
    assert "Double points" not in history
    with i18n.context(), i18n.use_locale("ru"):
        from handlers.ui.render import reason_label

        assert reason_label("promotion") == "Бонус акции"
        assert reason_label("promotion_reversed") == "Бонус акции списан"


ALL_DAY = PromotionRule(11, "All day", 200)
NOON = PromotionRule(12, "Noon", 150, start_minute=12 * 60, end_minute=15 * 60)
STAMPS = PromotionRule(13, "Stamps", 100, extra_stamps=1, start_minute=18 * 60, end_minute=1200)
GOLD = PromotionRule(14, "Gold", 300, start_minute=960, end_minute=1080, min_level_rank=2)


@pytest.mark.parametrize(
    ("rules", "hour", "rank", "cashback", "shown"),
    [
        ((ALL_DAY, NOON), 10, 0, True, (ALL_DAY,)),  # x1.5 never earns beside x2
        ((NOON,), 10, 0, True, (NOON,)),
        ((NOON, STAMPS), 13, 0, True, (NOON, STAMPS)),  # each the best at its hours
        ((ALL_DAY, GOLD), 10, 0, True, (ALL_DAY,)),  # not for this level
        ((ALL_DAY, GOLD), 10, 2, True, (GOLD, ALL_DAY)),  # the best 16:00-18:00
        ((ALL_DAY, STAMPS), 10, 0, False, ()),  # x2 wins and does nothing without cashback
    ],
)
def test_the_card_shows_only_promotions_a_purchase_would_earn_under(
    rules: tuple[PromotionRule, ...],
    hour: int,
    rank: int,
    cashback: bool,
    shown: tuple[PromotionRule, ...],
) -> None:
    local = datetime(2026, 3, 10, hour, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
    assert [r.id for r in promotions_today(rules, local, rank, cashback)] == [r.id for r in shown]
