"""Stamps, promotions and a friend's gift in plain values (services/policy/stamp_book.py,
card_promotions.py, settlement.py's extras, refund_settlement.py's take-backs), table by table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from db.models import LedgerReason as R
from db.models import StampReason as S
from handlers.ui.stamp_render import stamp_row
from services import policy
from services.policy.accounts import Member, Posting
from services.policy.card_promotions import promotions_today, what_it_does
from services.policy.promotions import PromotionRule, StampRule
from services.policy.settlement import (
    Extras,
    PurchaseFacts,
    earnings,
    promotion_at,
    settle_purchase,
    settle_refund,
)
from services.policy.stamp_book import (
    StampMove,
    StampsBack,
    stamp_entries,
    stamp_purchase,
    stamps_back,
)

LEVELS = policy.default_levels("EUR")  # Bronze 3 %
BRONZE = LEVELS[0]
CARD = StampRule(needed=10)
HAPPY = PromotionRule(1, "Happy hours", 200, 0, start_minute=12 * 60, end_minute=15 * 60)
STAMPY = PromotionRule(2, "Stamp day", 100, 1)


@pytest.mark.parametrize(
    ("rule", "before", "amount", "today", "extra", "move"),
    [
        (CARD, 0, 500, False, 0, StampMove(10, 0, 1, 0, 0, 1)),
        (CARD, 9, 500, False, 0, StampMove(10, 9, 1, 0, 1, 0)),  # the 10th fills the card
        (CARD, 9, 500, False, 2, StampMove(10, 9, 1, 2, 1, 2)),  # extra stamps carry over
        (CARD, 3, 0, False, 2, StampMove(10, 3, 0, 0, 0, 3)),  # extra only with a stamp
        (StampRule(10, min_amount_minor=500), 3, 499, False, 0, StampMove(10, 3, 0, 0, 0, 3)),
        (StampRule(10, daily_once=True), 3, 500, True, 1, StampMove(10, 3, 0, 0, 0, 3)),
        (StampRule(10, daily_once=True), 3, 500, False, 0, StampMove(10, 3, 1, 0, 0, 4)),
        (StampRule(5, step_minor=1000), 4, 12_500, False, 0, StampMove(5, 4, 12, 0, 3, 1)),
    ],
)
def test_a_purchase_stamps_the_card(
    rule: StampRule, before: int, amount: int, today: bool, extra: int, move: StampMove
) -> None:
    assert stamp_purchase(rule, before, amount, today, extra) == move


@pytest.mark.parametrize(
    ("move", "rows"),
    [
        (StampMove(10, 0, 1, 0, 0, 1), [(1, S.PURCHASE, 1)]),
        (
            StampMove(10, 9, 1, 2, 1, 2),
            [(1, S.PURCHASE, 10), (2, S.PROMOTION, 12), (-10, S.CARD_FULL, 2)],
        ),
        (
            StampMove(5, 4, 12, 0, 3, 1),
            [(12, S.PURCHASE, 16)] + [(-5, S.CARD_FULL, n) for n in (11, 6, 1)],
        ),
        (StampMove(10, 3, 0, 0, 0, 3), []),
    ],
)
def test_stamp_entries_end_at_the_card_after(
    move: StampMove, rows: list[tuple[int, S, int]]
) -> None:
    written = stamp_entries(move)
    assert written == rows
    assert (written[-1][2] if written else move.before) == move.after


@pytest.mark.parametrize(
    ("earned", "amount", "before", "refund", "held", "back"),
    [
        (1, 1000, 0, 1000, 5, StampsBack(1, 1, 0)),  # a full refund takes the stamp
        (1, 1000, 0, 999, 5, StampsBack(0, 0, 0)),  # a part keeps it (rounded down) ...
        (1, 1000, 999, 1, 5, StampsBack(1, 1, 0)),  # ... until the last part takes it
        (3, 900, 0, 300, 5, StampsBack(1, 1, 0)),
        (3, 900, 0, 900, 1, StampsBack(3, 1, 2)),  # two are in a voucher: forgiven
        (2, 1000, 0, 1000, 0, StampsBack(2, 0, 2)),
        (0, 1000, 0, 1000, 4, StampsBack(0, 0, 0)),
    ],
)
def test_a_refund_takes_back_stamps_never_below_zero(
    earned: int, amount: int, before: int, refund: int, held: int, back: StampsBack
) -> None:
    assert stamps_back(earned, amount, before, refund, held) == back


@pytest.mark.parametrize(
    ("paid", "on", "promotion", "result"),
    [
        (10_000, True, None, (300, 0)),
        (10_000, True, HAPPY, (300, 300)),
        (10_000, True, PromotionRule(3, "x1.5", 150), (300, 150)),
        (10_000, False, HAPPY, (0, 0)),  # cashback off: no promotion bonus either
        (10_000, True, STAMPY, (300, 0)),
    ],
)
def test_earnings_with_a_promotion(
    paid: int, on: bool, promotion: PromotionRule | None, result: tuple[int, int]
) -> None:
    assert earnings(paid, BRONZE, 1, on, promotion) == result


NOON_TUESDAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 13:00 in Warsaw


@pytest.mark.parametrize(
    ("rules", "now", "timezone", "rank", "picked"),
    [
        ((HAPPY,), NOON_TUESDAY, "Europe/Warsaw", 0, HAPPY),
        ((HAPPY,), NOON_TUESDAY, "UTC", 0, HAPPY),  # 12:00 is inside, 15:00 would not be
        ((HAPPY,), NOON_TUESDAY.replace(hour=14), "Europe/Warsaw", 0, None),  # 15:00 local
        ((HAPPY, STAMPY), NOON_TUESDAY, "Europe/Warsaw", 0, HAPPY),
        ((PromotionRule(4, "Gold", 300, min_level_rank=2),), NOON_TUESDAY, "UTC", 1, None),
        ((), NOON_TUESDAY, "UTC", 0, None),
    ],
)
def test_the_promotion_of_a_moment_is_in_local_time(
    rules: tuple[PromotionRule, ...],
    now: datetime,
    timezone: str,
    rank: int,
    picked: PromotionRule | None,
) -> None:
    assert promotion_at(rules, now, timezone, rank) == picked


def _local(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


LATER = PromotionRule(5, "Evening", 150, start_minute=18 * 60, end_minute=20 * 60)
NIGHT = PromotionRule(6, "Night", 200, start_minute=22 * 60, end_minute=2 * 60)
TUESDAYS = PromotionRule(7, "Tuesday", 200, weekdays=0b10)
OVER = PromotionRule(8, "Over", 200, ends_on=date(2026, 3, 9))


@pytest.mark.parametrize(
    ("local", "shown"),
    [
        (_local(10, 13), (HAPPY, NIGHT, TUESDAYS)),  # now, all day, later; x2 outdoes Evening
        (_local(10, 16), (NIGHT, TUESDAYS)),  # the hours of noon are over
        (_local(10, 21), (NIGHT, TUESDAYS)),
        (_local(11, 1), (HAPPY, NIGHT, LATER)),  # Tuesday night's hours, still on
        (_local(11, 3), (HAPPY, NIGHT, LATER)),  # Wednesday night's, later today
    ],
)
def test_the_card_shows_promotions_of_today(
    local: datetime, shown: tuple[PromotionRule, ...]
) -> None:
    rules = (HAPPY, LATER, NIGHT, TUESDAYS, OVER)
    assert promotions_today(rules, local, 0) == shown


def test_a_purchase_posts_the_promotion_and_the_gift_apart_and_fills_the_card() -> None:
    buyer = Member(1, stamps=9, clawback_due=10)
    extras = Extras(promotion=HAPPY, stamp_rule=CARD, friend_gift_minor=500)
    done = settle_purchase(
        LEVELS,
        buyer,
        [],
        amount_minor=10_000,
        points_spent=0,
        rates_bp=(),
        referral_bonus_minor=0,
        extras=extras,
    )
    assert done.postings == (
        Posting(1, 300, R.CASHBACK),
        Posting(1, -10, R.CLAWBACK),
        Posting(1, 300, R.PROMOTION),
        Posting(1, 500, R.FRIEND_GIFT),
    )
    assert (done.cashback, done.promotion_bonus, done.friend_gift) == (300, 300, 500)
    assert done.promotion == HAPPY
    assert done.stamps == StampMove(10, 9, 1, 0, 1, 0)
    assert done.buyer.balance == 1090 and done.buyer.stamps == 0


def test_cashback_off_earns_stamps_only() -> None:
    extras = Extras(cashback_on=False, promotion=HAPPY, stamp_rule=CARD)
    done = settle_purchase(
        LEVELS,
        Member(1),
        [],
        amount_minor=10_000,
        points_spent=0,
        rates_bp=(),
        referral_bonus_minor=0,
        extras=extras,
    )
    assert done.postings == () and done.promotion is None
    assert done.buyer.stamps == 1


@pytest.mark.parametrize(
    ("balance", "stamps", "refund", "rows", "after", "owed"),
    [
        # In full: cashback, the promotion's bonus and the stamp come back.
        (
            600,
            1,
            10_000,
            [(-300, R.CASHBACK_REVERSED), (-300, R.PROMOTION_REVERSED)],
            (0, 0, 0),
            0,
        ),
        # Half: half of each; the stamp stays (rounded down).
        (
            600,
            1,
            5_000,
            [(-150, R.CASHBACK_REVERSED), (-150, R.PROMOTION_REVERSED)],
            (300, 0, 1),
            0,
        ),
        # The points were spent: the bonus becomes a clawback, the stamp is in a voucher.
        (300, 0, 10_000, [(-300, R.CASHBACK_REVERSED)], (0, 300, 0), 300),
    ],
)
def test_a_refund_takes_back_the_promotion_and_the_stamps(
    balance: int,
    stamps: int,
    refund: int,
    rows: list[tuple[int, R]],
    after: tuple[int, int, int],
    owed: int,
) -> None:
    facts = PurchaseFacts(10_000, 0, 300, promotion_bonus=300, stamps_earned=1)
    buyer = Member(1, balance=balance, stamps=stamps, spend_minor=10_000, purchases=1)
    done = settle_refund(LEVELS, facts, buyer, refund_minor=refund)
    assert done.postings == tuple(Posting(1, d, r) for d, r in rows)
    assert (done.buyer.balance, done.buyer.clawback_due, done.buyer.stamps) == after
    assert done.promotion_owed == owed
    assert done.stamps.taken + done.stamps.forgiven == done.stamps.due


BOTH = PromotionRule(9, "Both", 200, 1)


@pytest.mark.parametrize(
    ("rule", "cashback_on", "stamp_card", "left"),
    [
        (HAPPY, True, False, HAPPY),
        (HAPPY, False, True, None),  # no cashback to multiply
        (BOTH, False, True, PromotionRule(9, "Both", 100, 1)),
        (BOTH, True, False, PromotionRule(9, "Both", 200, 0)),
        (STAMPY, True, False, None),  # no card to stamp
    ],
)
def test_a_promotion_shows_what_it_does_in_the_program(
    rule: PromotionRule, cashback_on: bool, stamp_card: bool, left: PromotionRule | None
) -> None:
    assert what_it_does(rule, cashback_on, stamp_card) == left


@pytest.mark.parametrize(
    ("stamps", "needed", "count", "row"),
    [
        (6, 10, True, "●●●●●●○○○○ 6/10"),
        (0, 3, True, "○○○ 0/3"),
        (12, 10, True, "●●●●●●●●●● 10/10"),
        (6, 10, False, "●●●●●●○○○○"),
        (7, 30, True, "7/30"),  # too long to draw
        (7, 30, False, ""),
    ],
)
def test_the_row_of_stamps(stamps: int, needed: int, count: bool, row: str) -> None:
    assert stamp_row(stamps, needed, count) == row


def test_a_friends_purchase_keeps_its_promotion_beside_the_referrers_bonus() -> None:
    extras = Extras(promotion=HAPPY)
    done = settle_purchase(
        LEVELS,
        Member(1),
        [Member(2)],
        amount_minor=10_000,
        points_spent=0,
        rates_bp=(200,),
        referral_bonus_minor=500,
        first_referral=True,
        extras=extras,
    )
    assert (done.promotion_bonus, done.promotion) == (300, HAPPY)
    assert Posting(1, 300, R.PROMOTION) in done.postings
    assert Posting(2, 500, R.REFERRAL_BONUS) in done.postings
