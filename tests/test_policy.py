"""Money policy, table by table."""

from __future__ import annotations

import pytest

from services import policy
from services.dto import LevelInfo
from services.errors import InvalidAmount

SILVER = LevelInfo(1, "Silver", 10_000, 2, 500, 3000)


@pytest.mark.parametrize(
    ("text", "exponent", "minor"),
    [
        ("12,50", 2, 1250),
        ("12.5", 2, 1250),
        ("12", 2, 1200),
        (" 0.01 ", 2, 1),
        ("999", 0, 999),
        ("1.234", 3, 1234),
        ("1 000", 0, 1000),  # grouped by threes, as pl/hu/ru write it
        ("1\u00a0000,50", 2, 100050),
        ("12\u202f345 678", 0, 12345678),
    ],
)
def test_parse_amount_accepts(text: str, exponent: int, minor: int) -> None:
    assert policy.parse_amount(text, exponent) == minor


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5", "format"),
        ("0", "zero"),
        ("0,00", "zero"),
        ("1e9", "format"),
        ("abc", "format"),
        ("12.505", "decimals"),
        ("1,000.50", "format"),
        ("", "format"),
        ("12.", "format"),
        ("∞", "format"),
        ("١٢", "format"),  # non-ASCII digits
        ("1000.01", "too_large"),
        ("12 50", "format"),  # not a group of three
        ("1  000", "format"),
        ("1 0000", "format"),
        ("12345678901234567890", "too_large"),
    ],
)
def test_parse_amount_refuses(text: str, reason: str) -> None:
    with pytest.raises(InvalidAmount) as error:
        policy.parse_amount(text, 2, max_minor=100_000)
    assert error.value.reason == reason


def test_parse_amount_refuses_decimals_for_a_currency_without_them() -> None:
    with pytest.raises(InvalidAmount):
        policy.parse_amount("12.5", 0)


@pytest.mark.parametrize(("text", "points"), [("0", 0), ("150", 150), (" 7 ", 7)])
def test_parse_points(text: str, points: int) -> None:
    assert policy.parse_points(text) == points


@pytest.mark.parametrize("text", ["-1", "1.5", "abc", "", "1" * 13])
def test_parse_points_refuses(text: str) -> None:
    with pytest.raises(InvalidAmount):
        policy.parse_points(text)


@pytest.mark.parametrize(
    ("amount", "balance", "expected"),
    [
        (10_000, 100_000, 3_000),  # 30 % of the check
        (10_000, 1_200, 1_200),  # never more than the balance
        (10_000, 0, 0),
        (1, 100, 0),  # 30 % of 1 cent rounds down to 0
        (3_333, 100_000, 999),
    ],
)
def test_max_redeemable(amount: int, balance: int, expected: int) -> None:
    assert policy.max_redeemable(amount, SILVER, balance) == expected


@pytest.mark.parametrize(
    ("paid", "expected"), [(10_000, 500), (1_999, 99), (19, 0), (0, 0), (-5, 0)]
)
def test_cashback_rounds_down(paid: int, expected: int) -> None:
    assert policy.cashback(paid, SILVER) == expected


def test_referral_shares_by_depth() -> None:
    assert policy.referral_shares(10_000, [200, 100, 50]) == [200, 100, 50]
    assert policy.referral_shares(99, [200, 100, 50]) == [1, 0, 0]
    assert policy.referral_shares(10_000, [200, 0, 50, 999]) == [200, 0, 50]


def split(
    points_spent: int,
    cashback: int,
    refund: int,
    balance: int,
    already: int = 0,
    amount: int = 10_000,
) -> policy.RefundSplit:
    return policy.refund_split(
        amount_minor=amount,
        points_spent=points_spent,
        cashback_earned=cashback,
        already_refunded_minor=already,
        refund_minor=refund,
        balance=balance,
    )


@pytest.mark.parametrize(
    ("points_spent", "balance", "expected"),
    [
        # Everything unwinds: the points spent, the cashback, the money paid.
        (2_000, 1_000, policy.RefundSplit(2_000, 400, 8_000, 0)),
        # Bought for 100.00 paying 20.00 in points, earned 4.00, spent everything since. The
        # 20.00 in points come back; the 4.00 of cashback is taken from them: no shortfall.
        (2_000, 0, policy.RefundSplit(2_000, 400, 8_000, 0)),
        # Paid in money only, 3.00 of the cashback spent: that is kept from the money.
        (0, 100, policy.RefundSplit(0, 400, 9_700, 300)),
    ],
)
def test_full_refund_unwinds_everything_and_keeps_spent_cashback_from_the_money(
    points_spent: int, balance: int, expected: policy.RefundSplit
) -> None:
    assert split(points_spent, 400, 10_000, balance) == expected


def test_partial_refunds_add_up_to_a_full_one() -> None:
    first = split(333, 33, 500, 10**6, amount=999)
    second = split(333, 33, 499, 10**6, already=500, amount=999)
    assert first.points_returned + second.points_returned == 333
    assert first.cashback_reversed + second.cashback_reversed == 33
    assert first.cash_refund_minor + second.cash_refund_minor == 999 - 333


@pytest.mark.parametrize(("already", "refund"), [(0, 0), (0, 10_001), (9_000, 1_001), (0, -1)])
def test_refund_cannot_exceed_what_is_left(already: int, refund: int) -> None:
    with pytest.raises(InvalidAmount):
        split(0, 0, refund, 0, already=already)


LEVELS = [
    LevelInfo(0, "Bronze", 0, 0, 300, 2000),
    LevelInfo(1, "Silver", 10_000, 2, 500, 3000),
    LevelInfo(2, "Gold", 30_000, 5, 700, 4000),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # Silver came from 6_000 of the 11_000 spent before; at Bronze 10_000 earns 300.
        (dict(spend_before=5_000, spend_lost=6_000), (300, 200)),
        # Half of it was refunded already: it holds 250 of 500; at Bronze it would hold 150.
        (dict(spend_before=5_000, spend_lost=6_000, refunded_minor=5_000), (300, 100)),
        # Refunded in full: it holds nothing, so nothing is taken.
        (dict(spend_before=5_000, spend_lost=6_000, refunded_minor=10_000), (500, 0)),
        # Still Silver without the refunded money.
        (dict(spend_before=12_000, spend_lost=1_000), (500, 0)),
        # Silver by two friends; one of them no longer counts.
        (dict(referrals_before=1, referrals_lost=1), (300, 200)),
        # Silver by friends anyway, whatever the spend.
        (dict(spend_before=0, spend_lost=20_000, referrals_before=2), (500, 0)),
        # Priced at Bronze in the first place: nothing to take.
        (
            dict(level_before=0, cashback_earned=300, spend_before=5_000, spend_lost=6_000),
            (300, 0),
        ),
        # Gold down to Bronze: 700 becomes 300.
        (
            dict(level_before=2, cashback_earned=700, spend_before=5_000, spend_lost=30_000),
            (300, 400),
        ),
        # Gold kept from older thresholds (Silver by today's): a refund that leaves Silver alone
        # takes nothing; one that takes Silver away takes what Silver pays over Bronze.
        (
            dict(level_before=2, cashback_earned=700, spend_before=20_000, spend_lost=1_000),
            (700, 0),
        ),
        (
            dict(level_before=2, cashback_earned=700, spend_before=9_000, spend_lost=2_000),
            (500, 200),
        ),
        # Rates changed since: never below what Bronze pays today, nor more than Silver's extra.
        (dict(cashback_earned=250, spend_before=5_000, spend_lost=6_000), (250, 0)),
        (dict(cashback_earned=420, spend_before=5_000, spend_lost=6_000), (300, 120)),
        (dict(cashback_earned=600, spend_before=5_000, spend_lost=6_000), (400, 200)),
    ],
)
def test_reprice_takes_back_only_a_level_the_refund_took_away(
    case: dict[str, int], expected: tuple[int, int]
) -> None:
    got = repriced(**case)
    assert (got.cashback_minor, got.taken) == expected


def repriced(**case: int) -> policy.Repriced:
    """policy.reprice of a 100.00 purchase that earned 500 at Silver, with `case` changed."""
    purchase = dict(
        amount_minor=10_000,
        paid_minor=10_000,
        refunded_minor=0,
        cashback_earned=500,
        level_before=1,
        spend_before=0,
        referrals_before=0,
        spend_lost=0,
        referrals_lost=0,
    )
    return policy.reprice(LEVELS, **{**purchase, **case})


def test_reprice_then_refund_adds_up_to_the_lower_level() -> None:
    # Bought 999 with 333 in points at Silver (33), a third refunded, then Silver is lost:
    # what it keeps after the rest is refunded is what the lower level pays on nothing.
    whole = dict(amount_minor=999, points_spent=333)
    got = repriced(
        amount_minor=999,
        paid_minor=666,
        refunded_minor=333,
        cashback_earned=33,
        spend_before=9_500,
        spend_lost=1_000,
    )
    assert got.cashback_minor == 19  # 3 % of 6.66
    held_before = 33 - policy.proportional(33, 333, 999)  # 22
    assert got.taken == held_before - (19 - policy.proportional(19, 333, 999))  # 22 - 13
    rest = policy.refund_split(
        **whole,
        cashback_earned=got.cashback_minor,
        already_refunded_minor=333,
        refund_minor=666,
        balance=10**6,
    )
    # Taken on re-pricing plus taken by the last refund: all it held at Silver.
    assert got.taken + rest.cashback_reversed == held_before
