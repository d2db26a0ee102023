"""The referrers' side of a refund: their rewards on the purchase, which the refund takes
back in proportion (services/policy/settlement.py), the referral a purchase refunded in full
moves or drops and the level cashback that costs the referrer (services/refund_levels.py), and
what each of them is told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from db.models import Customer, LedgerEntry, LedgerReason, Membership, Purchase
from services import refund_levels
from services.dto import LevelInfo
from services.ledger import member_state
from services.notices import Notice, ReferralReversed
from services.policy.accounts import Member
from services.policy.settlement import ReferralChange, RefundSettlement
from services.seller import SellerBase


class RefundReferrals(SellerBase):
    """What RefundService (services/refunds.py) does for the referrers."""

    async def _referral_earned(
        self, entries: Sequence[LedgerEntry], rows: dict[int, Membership]
    ) -> list[tuple[Member, int]]:
        """Each referrer's rewards on the purchase (shares and bonus), from its ledger
        `entries`, in ledger order; their rows are locked and added to `rows`."""
        earned: dict[int, int] = {}
        for entry in entries:
            if entry.reason in (LedgerReason.REFERRAL, LedgerReason.REFERRAL_BONUS):
                earned[entry.membership_id] = (
                    earned.get(entry.membership_id, 0) + entry.delta_minor
                )
        for member_id in earned:
            if (row := await self.memberships.lock(member_id)) is not None:
                rows[member_id] = row
        return [(member_state(rows[i]), n) for i, n in earned.items() if i in rows]

    async def _reprice_referrer(
        self,
        purchase: Purchase,
        successor: Purchase | None,
        done: RefundSettlement,
        friend: Membership,
        levels: Sequence[LevelInfo],
        value: int,
        now: datetime,
    ) -> tuple[int, int]:
        """A purchase refunded in full no longer counts. If it made the friend's referral
        effective, another open purchase of theirs carries that on; without one, the referral
        is no longer effective and their next purchase will be a first purchase again. Either
        way the referrer's purchases in between lose the level that referral gave them.
        Returns (the referrer's membership id, the level cashback taken back from them)."""
        if done.referral is ReferralChange.KEPT:
            return 0, 0
        purchase.made_referral_effective = False
        moved = None
        if done.referral is ReferralChange.MOVED:
            assert successor is not None
            successor.made_referral_effective = True
            moved = refund_levels.moment(successor)
        referrer = await self.memberships.lock(friend.referrer_id) if friend.referrer_id else None
        at = refund_levels.moment(purchase)
        if referrer is None or at is None:
            return 0, 0
        taken = await refund_levels.take_back_level_cashback(
            self.purchases,
            self.ledger,
            referrer,
            levels,
            now,
            referral_moved=(at, moved),
            point_value=value,
        )
        return referrer.id, taken

    async def _reversal_notices(
        self, done: RefundSettlement, rows: dict[int, Membership], buyer: Membership
    ) -> list[tuple[Membership, Customer, ReferralReversed]]:
        """Each referrer is told what the refund took back of their rewards, and why."""
        friend = await self.session.get(Customer, buyer.customer_id)
        notices: list[tuple[Membership, Customer, ReferralReversed]] = []
        for r in done.reversals:
            ancestor, share, taken = rows[r.member], r.points, r.points - r.owed
            owner = await self.session.get(Customer, ancestor.customer_id)
            if owner is not None and ancestor.deleted_at is None:
                direct = buyer.referrer_id == ancestor.id
                body = ReferralReversed(
                    friend=friend.first_name if direct and friend else None,
                    points=share,
                    owed=share - taken,
                    balance=ancestor.balance_minor,
                )
                notices.append((ancestor, owner, body))
        return notices

    async def _told_referrers(
        self,
        reversed_for: list[tuple[Membership, Customer, ReferralReversed]],
        lost_level: tuple[int, int],
    ) -> list[Notice]:
        """The referrers' notices with their balances once everything of the refund is done,
        and the cashback of a level the refund took from one of them."""
        referrer_id, taken = lost_level
        told = []
        for ancestor, owner, body in reversed_for:
            level = taken if ancestor.id == referrer_id else 0
            body = replace(body, balance=ancestor.balance_minor, level_reversed=level)
            told.append(Notice(owner.telegram_id, owner.language, body))
        return told
