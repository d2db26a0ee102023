"""Settling purchases and refunds in plain values (services/policy/settlement.py, accounts.py,
refunds.take_back_level_cashback), table by table: the postings in order and the counters after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.models import LedgerReason as R
from services import policy
from services.policy.accounts import Member, Posting, credit
from services.policy.refunds import PricedPurchase, take_back_level_cashback
from services.policy.settlement import (
    PurchaseFacts,
    ReferralChange,
    ReferralReversal,
    opens_referral,
    priced_level,
    settle_purchase,
    settle_refund,
)

# Bronze 3 % from 0, Silver 5 % from 100 € or 2 friends, Gold 7 % from 300 € or 5 friends, ...
LEVELS = policy.default_levels("EUR")
RATES = (200, 100, 50)
BUYER, A, B, C = 1, 2, 3, 4  # A referred the buyer, B referred A, C referred B


def postings(*rows: tuple[int, int, R]) -> tuple[Posting, ...]:
    return tuple(Posting(member, delta, reason) for member, delta, reason in rows)


@pytest.mark.parametrize(
    ("member", "amount", "rows", "after"),
    [
        (Member(1), 100, [(100, R.CASHBACK)], Member(1, balance=100)),
        (Member(1), 0, [], Member(1)),
        (
            Member(1, clawback_due=30),
            100,
            [(100, R.CASHBACK), (-30, R.CLAWBACK)],
            Member(1, balance=70),
        ),
        (
            Member(1, balance=5, clawback_due=300),
            100,
            [(100, R.CASHBACK), (-100, R.CLAWBACK)],
            Member(1, balance=5, clawback_due=200),
        ),
        (
            Member(1, erased=True),
            100,
            [(100, R.CASHBACK), (-100, R.FORFEIT)],
            Member(1, erased=True),
        ),
        (
            Member(1, clawback_due=30, erased=True),
            100,
            [(100, R.CASHBACK), (-30, R.CLAWBACK), (-70, R.FORFEIT)],
            Member(1, erased=True),
        ),
    ],
)
def test_a_credit_settles_a_clawback_first_and_an_erased_member_forfeits_it(
    member: Member, amount: int, rows: list[tuple[int, R]], after: Member
) -> None:
    done = credit(member, amount, R.CASHBACK)
    assert done.postings == postings(*((1, delta, reason) for delta, reason in rows))
    assert done.member == after


@pytest.mark.parametrize(
    ("buyer", "amount", "points", "value", "rows", "after"),
    [
        # 100 € at Bronze: 3 % back, and 100 € of spend reaches Silver.
        (
            Member(BUYER),
            10_000,
            0,
            1,
            [(BUYER, 300, R.CASHBACK)],
            Member(BUYER, balance=300, spend_minor=10_000, purchases=1, level_rank=1),
        ),
        # 10 € of a 50 € check paid with points: cashback only on the 40 € paid.
        (
            Member(BUYER, balance=1_000),
            5_000,
            1_000,
            1,
            [(BUYER, -1_000, R.REDEEM), (BUYER, 120, R.CASHBACK)],
            Member(BUYER, balance=120, spend_minor=4_000, purchases=1),
        ),
        # A clawback owed is settled from the cashback; a level held is never lowered.
        (
            Member(BUYER, clawback_due=100, level_rank=2),
            10_000,
            0,
            1,
            [(BUYER, 700, R.CASHBACK), (BUYER, -100, R.CLAWBACK)],
            Member(BUYER, balance=600, spend_minor=10_000, purchases=1, level_rank=2),
        ),
        # 1 point = 1 €: 3 % of 100 € is 3 points.
        (
            Member(BUYER),
            10_000,
            0,
            100,
            [(BUYER, 3, R.CASHBACK)],
            Member(BUYER, balance=3, spend_minor=10_000, purchases=1, level_rank=1),
        ),
    ],
)
def test_a_purchase_redeems_then_earns_at_the_level_held(
    buyer: Member,
    amount: int,
    points: int,
    value: int,
    rows: list[tuple[int, int, R]],
    after: Member,
) -> None:
    done = settle_purchase(
        LEVELS,
        buyer,
        [],
        amount_minor=amount,
        points_spent=points,
        rates_bp=RATES,
        referral_bonus_minor=500,
        point_value=value,
    )
    assert done.postings == postings(*rows)
    assert done.buyer == after and done.members == (after,)
    assert done.paid_minor == amount - points * value
    assert done.level_before == buyer.level_rank
    assert done.rewards == () and not done.made_referral_effective


@pytest.mark.parametrize(
    ("chain", "first", "rows", "told"),
    [
        # The friend's first purchase: the bonus and a counted referral for A, shares up the chain.
        (
            [Member(A, referrals=1), Member(B), Member(C)],
            True,
            [
                (A, 500, R.REFERRAL_BONUS),
                (A, 200, R.REFERRAL),
                (B, 100, R.REFERRAL),
                (C, 50, R.REFERRAL),
            ],
            [(1, A, 200, 500, 1), (2, B, 100, 0, 0), (3, C, 50, 0, 0)],
        ),
        # Later purchases: shares only. An erased member in the middle earns nothing.
        (
            [Member(A), Member(B, erased=True), Member(C, clawback_due=20)],
            False,
            [(A, 200, R.REFERRAL), (C, 50, R.REFERRAL), (C, -20, R.CLAWBACK)],
            [(1, A, 200, 0, 0), (3, C, 50, 0, 0)],
        ),
        # A member the staff blocked earns nothing while blocked, at any depth.
        (
            [Member(A), Member(B, blocked=True), Member(C)],
            False,
            [(A, 200, R.REFERRAL), (C, 50, R.REFERRAL)],
            [(1, A, 200, 0, 0), (3, C, 50, 0, 0)],
        ),
    ],
)
def test_a_friends_purchase_rewards_the_chain(
    chain: list[Member],
    first: bool,
    rows: list[tuple[int, int, R]],
    told: list[tuple[int, int, int, int, int]],
) -> None:
    buyer = Member(BUYER)
    assert opens_referral(buyer, chain) == (not (chain[0].erased or chain[0].blocked))
    done = settle_purchase(
        LEVELS,
        buyer,
        chain,
        amount_minor=10_000,
        points_spent=0,
        rates_bp=RATES,
        referral_bonus_minor=500,
        first_referral=first,
    )
    assert done.postings == postings((BUYER, 300, R.CASHBACK), *rows)
    got = [(r.depth, r.member.id, r.share, r.bonus, r.member.level_rank) for r in done.rewards]
    assert got == told
    assert done.made_referral_effective == first
    if first:  # A's second effective referral reaches Silver
        assert done.rewards[0].member.referrals == 2 and done.rewards[0].news


def test_a_blocked_referrer_gets_neither_the_bonus_nor_the_counted_referral() -> None:
    chain = [Member(A, blocked=True), Member(B)]
    assert not opens_referral(Member(BUYER), chain)
    done = settle_purchase(
        LEVELS,
        Member(BUYER),
        chain,
        amount_minor=10_000,
        points_spent=0,
        rates_bp=RATES,
        referral_bonus_minor=500,
        first_referral=opens_referral(Member(BUYER), chain),
    )
    assert done.postings == postings((BUYER, 300, R.CASHBACK), (B, 100, R.REFERRAL))
    assert not done.made_referral_effective


def test_a_purchase_cannot_spend_points_that_are_not_there() -> None:
    with pytest.raises(ValueError, match="below zero"):
        settle_purchase(
            LEVELS,
            Member(BUYER, balance=10),
            [],
            amount_minor=10_000,
            points_spent=11,
            rates_bp=RATES,
            referral_bonus_minor=0,
        )


def test_the_price_level_past_the_top_is_the_top_one_as_the_card_shows() -> None:
    assert priced_level(LEVELS, 2).name == "Gold"
    assert priced_level(LEVELS[:2], 4).name == "Silver"  # the top two levels removed
    assert priced_level(LEVELS[1:], 0).name == "Silver"  # below the first: the first


SOLD = Member(BUYER, balance=300, spend_minor=10_000, purchases=1, level_rank=1)


@pytest.mark.parametrize(
    ("purchase", "buyer", "refund", "rows", "cash", "after"),
    [
        # All of it: the cashback goes back, and the level with the spend.
        (
            PurchaseFacts(10_000, 0, 300),
            SOLD,
            10_000,
            [(-300, R.CASHBACK_REVERSED)],
            10_000,
            Member(BUYER),
        ),
        # Points come back; the cashback is taken from them when the balance is empty.
        (
            PurchaseFacts(10_000, 2_000, 240),
            Member(BUYER, spend_minor=8_000, purchases=1),
            10_000,
            [(2_000, R.REFUND), (-240, R.CASHBACK_REVERSED)],
            8_000,
            Member(BUYER, balance=1_760),
        ),
        # Cashback already spent: what the balance lacks is kept from the money.
        (
            PurchaseFacts(10_000, 0, 400),
            Member(BUYER, balance=100, spend_minor=10_000, purchases=1, level_rank=1),
            10_000,
            [(-100, R.CASHBACK_REVERSED)],
            9_700,
            Member(BUYER),
        ),
        # The returned points settle a clawback first; half a check keeps the purchase counted.
        (
            PurchaseFacts(10_000, 2_000, 240),
            Member(BUYER, clawback_due=500, spend_minor=20_000, purchases=2, level_rank=1),
            5_000,
            [(1_000, R.REFUND), (-500, R.CLAWBACK), (-120, R.CASHBACK_REVERSED)],
            4_000,
            Member(BUYER, balance=380, spend_minor=16_000, purchases=2, level_rank=1),
        ),
    ],
)
def test_a_refund_gives_back_the_points_and_takes_back_the_cashback(
    purchase: PurchaseFacts,
    buyer: Member,
    refund: int,
    rows: list[tuple[int, R]],
    cash: int,
    after: Member,
) -> None:
    done = settle_refund(LEVELS, purchase, buyer, refund_minor=refund)
    assert done.postings == postings(*((BUYER, delta, reason) for delta, reason in rows))
    assert done.split.cash_refund_minor == cash
    assert done.buyer == after
    assert done.fully_refunded == (refund == purchase.amount_minor)
    assert done.referral is ReferralChange.KEPT and done.reversals == ()


@pytest.mark.parametrize(
    ("refund", "successor", "change", "referrals", "level"),
    [
        (5_000, False, ReferralChange.KEPT, 2, 1),
        (10_000, True, ReferralChange.MOVED, 2, 1),
        (10_000, False, ReferralChange.DROPPED, 1, 0),  # A's Silver came from two friends
    ],
)
def test_a_refund_takes_back_referral_rewards_and_may_undo_the_referral(
    refund: int, successor: bool, change: ReferralChange, referrals: int, level: int
) -> None:
    # A earned 700 (a 500 bonus and a 200 share) and spent all but 100; B earned 100, has 40.
    a = Member(A, balance=100, referrals=2, level_rank=1)
    b = Member(B, balance=40)
    done = settle_refund(
        LEVELS,
        PurchaseFacts(10_000, 0, 300, made_referral_effective=True),
        Member(BUYER, balance=300, spend_minor=10_000, purchases=1, level_rank=1),
        refund_minor=refund,
        referral_earned=[(a, 700), (b, 100)],
        referrer=a,
        successor=successor,
    )
    share_a, share_b = 700 * refund // 10_000, 100 * refund // 10_000
    taken_a, taken_b = min(100, share_a), min(40, share_b)
    assert done.postings == postings(
        (BUYER, -300 * refund // 10_000, R.CASHBACK_REVERSED),
        (A, -taken_a, R.REFERRAL_REVERSED),
        (B, -taken_b, R.REFERRAL_REVERSED),
    )
    assert done.reversals == (
        ReferralReversal(A, share_a, share_a - taken_a),
        ReferralReversal(B, share_b, share_b - taken_b),
    )
    by_id = {m.id: m for m in done.members}
    assert by_id[A].clawback_due == share_a - taken_a and by_id[B].clawback_due == share_b - 40
    assert done.referral is change
    assert (by_id[A].referrals, by_id[A].level_rank) == (referrals, level)


def test_a_refund_to_an_erased_buyer_keeps_the_cashback_from_the_money() -> None:
    done = settle_refund(
        LEVELS, PurchaseFacts(10_000, 1_000, 270), Member(BUYER, erased=True), refund_minor=10_000
    )
    # The 1,000 points returned are forfeited; nothing is there to take the 270 back from,
    # so their worth stays out of the money handed back.
    assert (done.split.points_returned, done.split.shortfall) == (1_000, 270)
    assert done.split.cash_refund_minor == 10_000 - 1_000 - 270
    assert done.postings == (Posting(BUYER, 1_000, R.REFUND), Posting(BUYER, -1_000, R.FORFEIT))
    assert done.buyer.balance == 0


def at(hour: int, purchase_id: int) -> tuple[datetime, int]:
    return datetime(2026, 5, 1, hour, tzinfo=UTC), purchase_id


def test_a_lost_level_takes_back_what_later_purchases_earned_at_it() -> None:
    # 100 € at Bronze reached Silver; the next 100 € earned 5 % there. The first is refunded:
    # the second is re-priced at Bronze (3 %), and of the 200 points it lost, 150 are there.
    history = [
        PricedPurchase(10, at(9, 10), 10_000, 0, 10_000, 10_000, 300, 0),
        PricedPurchase(11, at(10, 11), 10_000, 0, 0, 0, 500, 1),
    ]
    done = take_back_level_cashback(
        LEVELS,
        Member(BUYER, balance=150, spend_minor=10_000, level_rank=0),
        history,
        [],
        spend_lost=(at(9, 10), 10_000),
    )
    assert done.cashbacks == ((11, 300),)
    assert done.postings == (Posting(BUYER, -150, R.LEVEL_REVERSED, 11),)
    assert done.taken == 200
    assert done.member == Member(BUYER, clawback_due=50, spend_minor=10_000)


def test_nothing_lost_nothing_repriced() -> None:
    history = [PricedPurchase(11, at(10, 11), 10_000, 0, 0, 0, 500, 1)]
    done = take_back_level_cashback(LEVELS, Member(BUYER, balance=500), history, [])
    assert (done.cashbacks, done.postings, done.taken) == ((), (), 0)
