"""The ledger property test's programs of rewards and its replay: what each member would hold
had the refunded parts of their purchases never been bought (tests/test_ledger_property.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import Customer, LedgerEntry, LedgerReason, Level, Membership, Merchant, Purchase
from db.models import Refund as RefundRow
from services.merchants import level_info
from services.policy import MAX_REFERRAL_DEPTH
from services.policy.accounts import Member
from services.policy.promotions import PromotionRule
from services.policy.settlement import Extras, opens_referral, settle_purchase

# What the program gives and takes back; points spent and returned only pay for goods.
EARNED = (
    LedgerReason.CASHBACK,
    LedgerReason.REFERRAL,
    LedgerReason.REFERRAL_BONUS,
    LedgerReason.CASHBACK_REVERSED,
    LedgerReason.REFERRAL_REVERSED,
    LedgerReason.CLAWBACK,
    LedgerReason.LEVEL_REVERSED,
    LedgerReason.PROMOTION,
    LedgerReason.PROMOTION_REVERSED,
    LedgerReason.FRIEND_GIFT,
    LedgerReason.FRIEND_GIFT_REVERSED,
)
# A part refund keeps reward - floor(reward * refunded / amount) (policy.proportional), while
# the replay pays floor(paid' * rate) on what is left, paid' being the paid part less the money
# refunded, itself short of the exact proportion by less than a point: the kept reward exceeds
# the replayed one by less than 2 + rate, so by at most 2 points per part-refunded purchase and
# per person it rewards (33565 at 3 %, half refunded, keeps 504 where the replay pays 503).
ROUNDING = 2


@dataclass(frozen=True)
class Rewards:
    """The merchant's rewards (issue 15): a stamp card of `needed` (None: none) with a stamp
    per `step` of the check (None: per purchase), an all-day promotion (multiplier 100 and no
    extra stamps: none), an invited friend's gift, and cashback on or off."""

    needed: int | None
    step: int | None
    multiplier: int
    extra_stamps: int
    friend_gift_minor: int
    cashback_on: bool

    @property
    def promotion(self) -> PromotionRule | None:
        if self.multiplier == 100 and not self.extra_stamps:
            return None
        return PromotionRule(0, "All day", self.multiplier, self.extra_stamps)


rewards = st.builds(
    Rewards,
    st.sampled_from([None, 2, 3]),
    st.sampled_from([None, 1500]),
    st.sampled_from([100, 150, 200]),
    st.sampled_from([0, 1]),
    st.sampled_from([0, 500]),
    st.sampled_from([True, True, False]),
)
NO_REWARDS = Rewards(None, None, 100, 0, 0, True)


async def assert_nobody_better_off(
    session: object, withheld: dict[int, int], program: Rewards = NO_REWARDS
) -> None:
    """What each member holds and got (rewards net of reversals and clawbacks, the money kept
    from their refunds taken off) is never more than in a replay, in plain Python, where the
    refunded parts were never bought: each purchase smaller by what was refunded of it, settled
    again in order (levels, cashback, a promotion's bonus, referral shares, first-purchase
    bonuses and an invited friend's gift)."""
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    async with session.begin():
        merchant = await session.scalar(select(Merchant))
        assert merchant is not None
        levels = (await session.scalars(select(Level).order_by(Level.rank))).all()
        members = {m.id: m for m in (await session.scalars(select(Membership))).all()}
        for m in members.values():
            await session.refresh(m)
        telegram = dict(
            (
                await session.execute(select(Membership.id, Customer.telegram_id).join(Customer))
            ).all()
        )
        bought = (
            await session.scalars(
                select(Purchase)
                .where(Purchase.status == "confirmed")
                .order_by(Purchase.confirmed_at, Purchase.id)
            )
        ).all()
        for p in bought:
            await session.refresh(p)
        returned = dict(
            (
                await session.execute(
                    select(RefundRow.purchase_id, func.sum(RefundRow.points_returned)).group_by(
                        RefundRow.purchase_id
                    )
                )
            ).all()
        )
        earned = dict(
            (
                await session.execute(
                    select(LedgerEntry.membership_id, func.sum(LedgerEntry.delta_minor))
                    .where(LedgerEntry.reason.in_(EARNED))
                    .group_by(LedgerEntry.membership_id)
                )
            ).all()
        )

    # The world where the refunded parts were never bought, settled by the purchase rules
    # alone (policy.settlement.settle_purchase): nothing of refunds, re-pricing or clawbacks.
    value = merchant.point_value_minor
    infos = [level_info(lv) for lv in levels]
    world = {m.id: Member(m.id, balance=10**15) for m in members.values()}
    replay: dict[int, int] = defaultdict(int)
    slack: dict[int, int] = defaultdict(int)
    for p in bought:
        kept = p.amount_minor - p.refunded_minor
        if kept == 0:
            continue  # never bought
        buyer = world[p.membership_id]
        chain = [world[i] for i in referrers_of(members, p.membership_id)]
        first = opens_referral(buyer, chain)
        extras = Extras(
            cashback_on=program.cashback_on,
            promotion=program.promotion,
            friend_gift_minor=program.friend_gift_minor if first else 0,
        )
        settled = settle_purchase(
            infos,
            buyer,
            chain,
            amount_minor=kept,
            points_spent=p.points_spent - int(returned.get(p.id, 0)),
            rates_bp=merchant.referral_rates_bp,
            referral_bonus_minor=merchant.referral_bonus_minor,
            first_referral=first,
            point_value=value,
            extras=extras,
        )
        for posting in settled.postings:
            if posting.reason in EARNED:
                replay[posting.member] += posting.delta
        world.update((m.id, m) for m in settled.members)
        for rewarded in (buyer, *chain):
            slack[rewarded.id] += ROUNDING * (p.refunded_minor > 0)
        if program.promotion is not None:  # the bonus rounds as the cashback it multiplies
            slack[buyer.id] += ROUNDING * (p.refunded_minor > 0)
    for m in members.values():
        got = int(earned.get(m.id, 0)) - m.clawback_due_minor - withheld.get(telegram[m.id], 0)
        assert got <= replay[m.id] + slack[m.id], (m.id, got, replay[m.id], slack[m.id])


def referrers_of(members: dict[int, Membership], member_id: int) -> list[int]:
    """A member's referrers, nearest first, as far as referral shares reach."""
    chain: list[int] = []
    referrer = members[member_id].referrer_id
    while referrer is not None and len(chain) < MAX_REFERRAL_DEPTH:
        chain.append(referrer)
        referrer = members[referrer].referrer_id
    return chain
