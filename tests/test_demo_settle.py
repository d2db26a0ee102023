"""The demo's settlement of a sale and of a full refund (demo/settle.py): postings in order,
accounts after, as services/sales.py would leave them."""

from __future__ import annotations

import pytest

from db.models import LedgerReason
from demo.settle import Account, Terms, credit, redeemable, settle_refund, settle_sale
from services import policy

# Bronze 3 % (20 % payable in points), Silver from 100 € or 2 friends at 5 %; 1 point = 1 cent.
TERMS = Terms.of(policy.default_levels("EUR"), 1, (500, 200, 100), 500)


def test_a_sale_pays_with_points_and_its_cashback_settles_a_clawback_first() -> None:
    buyer = Account(balance=300, clawback=40, spend=9_000, purchases=4, referrals=0, rank=0)
    assert redeemable(TERMS, 2_000, buyer) == 300 and redeemable(TERMS, 1_000, buyer) == 200
    sale = settle_sale(TERMS, 2_000, 200, buyer, ())
    assert (sale.paid, sale.cashback, sale.made_referral_effective) == (1_800, 54, False)
    assert sale.postings == [
        (0, -200, "redeem", 100),
        (0, 54, "cashback", 154),
        (0, -40, "clawback", 114),
    ]
    assert sale.buyer == Account(114, 0, 10_800, 5, 0, 1)  # Silver: 108 € spent
    assert sale.chain == () and sale.earned == ()


def test_a_first_purchase_rewards_the_chain_but_not_an_erased_referrer() -> None:
    friend = Account(0, 0, 0, 0, 0, 0)
    chain = [Account(10, 5, 0, 0, 1, 0), None, Account(0, 0, 0, 0, 0, 0)]
    sale = settle_sale(TERMS, 1_000, 0, friend, chain)
    assert sale.made_referral_effective and sale.cashback == 30
    assert sale.postings == [
        (0, 30, "cashback", 30),
        (1, 500, "referral_bonus", 510),
        (1, -5, "clawback", 505),
        (1, 50, "referral", 555),
        (3, 10, "referral", 10),
    ]
    assert sale.chain == (Account(555, 0, 0, 0, 2, 1), None, Account(10, 0, 0, 0, 0, 0))
    assert sale.earned == ((1, 550), (3, 10))
    assert sale.buyer == Account(30, 0, 1_000, 1, 0, 0)
    again = settle_sale(TERMS, 1_000, 0, sale.buyer, sale.chain)
    assert not again.made_referral_effective and again.chain[0] == Account(605, 0, 0, 0, 2, 1)


def test_a_refund_keeps_back_the_money_of_spent_cashback_and_referrers_owe_the_rest() -> None:
    buyer = Account(balance=30, clawback=0, spend=11_000, purchases=3, referrals=0, rank=1)
    referrer = Account(20, 0, 0, 0, 1, 0)
    done = settle_refund(TERMS, 2_000, 0, 100, buyer, [(referrer, 60), (None, 10)])
    assert (done.points_returned, done.cashback_reversed, done.cash_refund_minor) == (
        0,
        100,
        1_930,
    )
    assert done.postings == [(0, -30, "cashback_reversed", 0), (1, -20, "referral_reversed", 0)]
    assert done.buyer == Account(0, 0, 9_000, 2, 0, 0)  # back to Bronze
    assert done.earners == (Account(0, 40, 0, 0, 1, 0), None)


def test_points_a_refund_returns_settle_a_clawback_first() -> None:
    buyer = Account(balance=0, clawback=50, spend=5_000, purchases=1, referrals=0, rank=0)
    done = settle_refund(TERMS, 1_000, 200, 24, buyer, [])
    assert (done.points_returned, done.cashback_reversed, done.cash_refund_minor) == (200, 24, 800)
    assert done.postings == [
        (0, 200, "refund", 200),
        (0, -50, "clawback", 150),
        (0, -24, "cashback_reversed", 126),
    ]
    assert done.buyer == Account(126, 0, 4_200, 0, 0, 0)


def test_credit_and_levels() -> None:
    account, postings = credit(Account(0, 30, 0, 0, 0, 0), 20, LedgerReason.BIRTHDAY)
    assert postings == [(0, 20, "birthday", 20), (0, -20, "clawback", 0)]
    assert account == Account(0, 10, 0, 0, 0, 0)
    assert credit(account, 0, LedgerReason.BIRTHDAY) == (account, [])
    assert TERMS.level_up(2, 0, 0) == 2  # a purchase never lowers a level
    assert TERMS.level_up(0, 30_000, 0) == 2 and TERMS.level_up(0, 0, 5) == 2


def test_a_balance_never_goes_below_zero() -> None:
    with pytest.raises(RuntimeError, match="below zero"):
        settle_sale(TERMS, 2_000, 400, Account(100, 0, 0, 0, 0, 0), ())
