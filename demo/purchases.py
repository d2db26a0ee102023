"""Purchases at the counter and their refunds: the check, the points paid, the rating; the
money of both settled by the service's own rules (services/policy/settlement.py, called as
services/purchases.py and services/refunds.py call it), then written as rows.

Simpler than the till: refunds are whole, never of the purchase that made a referral effective
(so no referral moves or drops), and come within hours; a level a refund takes away does not
re-price the purchases made at it in between (services/refund_levels.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from db.models import LedgerReason, PreorderStatus, PurchaseStatus
from demo.orders import Order, Orders
from demo.run import Run
from demo.timeline import DAY, HOUR, NPS, REFUND, weighted
from demo.writer import PURCHASE
from demo.writer import REFUND as REFUND_TABLE
from services import policy
from services.policy import settlement
from services.policy.accounts import Posting
from services.policy.settlement import PurchaseFacts

STAFF_WEIGHTS = (0.5, 0.35, 0.15)  # of the demo staff, in order
CHECK_MEDIAN_EUR = 8.5
CHECK_MU = math.log(CHECK_MEDIAN_EUR)
CHECK_SIGMA = 0.45
CHECK_RANGE_EUR = (3.0, 40.0)
REFUND_SHARE = 0.025
RATED_SHARE = 0.3
STARS = ((5, 0.55), (4, 0.25), (3, 0.1), (2, 0.05), (1, 0.05))
COMMENT_SHARE = {1: 0.7, 2: 0.6, 3: 0.25, 4: 0.06, 5: 0.08}
NPS_AFTER_PURCHASES = 3  # services/jobs.py asks after the third purchase, then every 90 days
LOW_COMMENTS = (
    "Waited 15 minutes for a latte.",
    "The coffee was cold.",
    "Cashier was rude.",
    "Wrong order, nobody apologised.",
    "Too expensive for the size.",
    "Kawa była zimna.",
    "Долго ждал заказ.",
    "Túl sokat kellett várni.",
)
MID_COMMENTS = ("OK, but the music is too loud.", "Fine, nothing special.", "Mogło być lepiej.")
HIGH_COMMENTS = (
    "Best flat white in town!",
    "Lovely staff.",
    "Great cheesecake.",
    "Pyszne ciasto!",
    "Очень уютно.",
    "Nagyon finom volt!",
)


class Purchases:
    def __init__(self, run: Run, orders: Orders) -> None:
        self.run, self.orders = run, orders
        self.rng, self.at, self.push = run.rng, run.timeline.at, run.timeline.push
        self.people, self.habits, self.accounts = run.people, run.habits, run.accounts
        self.writer, self.program = run.writer, run.program
        self.merchant_id, self.end, self.staff_ids = (
            run.program.merchant_id,
            run.timeline.end,
            run.staff_ids,
        )

    def purchase(self, t: int, i: int, order: Order | None) -> None:
        """A confirmed sale: a check of the member's usual size (or a pre-order picked up),
        maybe paid partly with points; sometimes refunded later, often rated."""
        rng, people, accounts, book = self.rng, self.people, self.accounts, self.accounts.book
        random_ = rng.random
        pid = self.writer.reserve(PURCHASE)
        at = self.at(t)
        amount = order[1] if order else self._check(i)
        buyer, program = book[i], self.program
        levels, value = program.levels, program.point_value
        points = 0
        if buyer.balance >= self.habits.redeem_min[i] and random_() < self.habits.redeem_p[i]:
            level = settlement.priced_level(levels, buyer.level_rank)
            most = policy.max_redeemable(amount, level, buyer.balance, value)
            if most > 0:
                points = most if random_() < 0.7 else 1 + int(random_() * most)
        chain = people.ancestors[i]
        referrers = [book[a] for a in chain]
        sale = settlement.settle_purchase(
            levels,
            buyer,
            referrers,
            amount_minor=amount,
            points_spent=points,
            rates_bp=program.rates_bp,
            referral_bonus_minor=program.referral_bonus_minor,
            # A demo member joins once: a referral is made effective once per person.
            first_referral=settlement.opens_referral(buyer, referrers),
            point_value=value,
        )
        accounts.write(sale.postings, sale.members, at, pid)
        accounts.redeemed[i] += points
        accounts.last_buy[i] = t
        limit = min(people.live[i], people.blocked_at[i], self.end)
        refunded = 0
        # A purchase that made a referral effective is not refunded here: undoing that would
        # move the flag to another purchase already written.
        if not sale.made_referral_effective and random_() < REFUND_SHARE:
            when = t + 300 + int(random_() * 3 * HOUR)
            if when < self.end:
                refunded = amount
                earned = referral_earned(sale.postings)
                self.push(when, REFUND, i, (pid, amount, points, sale.cashback, earned))
        rating, comment, rated_at = self._rating(t, limit) if not refunded else (None,) * 3
        r = random_()
        staff = self.staff_ids[0 if r < STAFF_WEIGHTS[0] else 1 if r < 0.85 else 2]
        self.writer.put(
            PURCHASE,
            {
                "id": pid,
                "merchant_id": self.merchant_id,
                "membership_id": people.mid0 + i,
                "staff_telegram_id": staff,
                "payment_code": order[0] if order else f"{int(random_() * 1_000_000):06d}",
                "amount_minor": amount,
                "points_spent": points,
                "cashback_minor": sale.cashback,
                "receipt_no": None,
                "status": PurchaseStatus.CONFIRMED,
                "idempotency_key": f"demo-{pid}",
                "level_before": buyer.level_rank,
                "level_after": sale.buyer.level_rank,
                "made_referral_effective": sale.made_referral_effective,
                "refunded_minor": refunded,
                "rating": rating,
                "rating_comment": None if people.erased(i) else comment,  # what erasure leaves
                "rated_at": rated_at,
                "created_at": self.at(t - 15 - int(random_() * 100)),
                "confirmed_at": at,
            },
        )
        if order:
            self.orders.preorder(i, order, PreorderStatus.COMPLETED, pid)
        if sale.buyer.purchases == NPS_AFTER_PURCHASES and not accounts.nps_n[i]:
            accounts.nps_n[i] = 1  # asked at the scheduler's next daily run
            self.push((t // DAY + 1) * DAY + 12 * HOUR + int(random_() * 1800), NPS, i)
        self.orders.maybe_leave_cart(t, i, limit)

    def _check(self, i: int) -> int:
        """A check of the member's usual size, in the merchant's money."""
        eur = math.exp(self.rng.gauss(CHECK_MU, CHECK_SIGMA)) * self.habits.spend[i]
        eur = min(max(eur, CHECK_RANGE_EUR[0]), CHECK_RANGE_EUR[1])
        return min(self.run.program.max_sale, self.run.program.price(eur))

    def _rating(self, t: int, limit: float) -> tuple[int | None, str | None, datetime | None]:
        """(stars, comment, rated at) of a purchase at `t`, or Nones if not rated."""
        rng = self.rng
        rating: int | None = None
        comment: str | None = None
        rated_at: datetime | None = None
        if rng.random() < RATED_SHARE:
            when = t + 60 + int(rng.random() * 2 * HOUR)
            if when < limit:
                rating = weighted(rng, STARS)
                rated_at = self.at(when)
                self.run.counts["ratings"] += 1
                if rng.random() < COMMENT_SHARE[rating]:
                    pool = LOW_COMMENTS if rating <= 2 else MID_COMMENTS
                    comment = rng.choice(HIGH_COMMENTS if rating >= 4 else pool)
        return rating, comment, rated_at

    def refund(self, t: int, i: int, data: Any) -> None:
        """A purchase refunded in full, settled as services/refunds.py settles it."""
        pid, amount, points, cashback, earned = data
        at, book, chain = self.at(t), self.accounts.book, self.people.ancestors[i]
        done = settlement.settle_refund(
            self.program.levels,
            # Never the purchase that made a referral effective (see purchase).
            PurchaseFacts(amount_minor=amount, points_spent=points, cashback=cashback),
            book[i],
            refund_minor=amount,
            referral_earned=[(book[a], n) for a, n in earned],
            referrer=book[chain[0]] if chain else None,
            point_value=self.program.point_value,
        )
        self.accounts.write(done.postings, done.members, at, pid)
        split = done.split
        self.writer.add(
            REFUND_TABLE,
            {
                "purchase_id": pid,
                "staff_telegram_id": self.run.admin_id,
                "amount_minor": amount,
                "points_returned": split.points_returned,
                "cashback_reversed": split.cashback_reversed,
                "cash_refund_minor": split.cash_refund_minor,
                "created_at": at,
            },
        )


def referral_earned(postings: Sequence[Posting]) -> tuple[tuple[int, int], ...]:
    """Each referrer's rewards in a purchase's postings (shares and bonus), in ledger order:
    what a refund reads from the ledger (services/refund_referrals.py)."""
    earned: dict[int, int] = {}
    for p in postings:
        if p.reason in (LedgerReason.REFERRAL, LedgerReason.REFERRAL_BONUS):
            earned[p.member] = earned.get(p.member, 0) + p.delta
    return tuple(earned.items())
