"""The member's card (balance, level, the way to the next) and their points history."""

from __future__ import annotations

import math

from db.reads import read_only
from services import policy
from services import program as programs
from services.dto import Card, HistoryEntry, HistoryPage
from services.members.base import MemberBase

HISTORY_PAGE_SIZE = 10


class CardAndHistory(MemberBase):
    async def card(self, merchant_id: int, telegram_id: int) -> Card:
        """Balance, level and the way to the next level."""
        async with read_only(self.session):
            customer, membership = await self._member(merchant_id, telegram_id)
            program = await programs.load(self.session, merchant_id)
            levels = program.levels
            current = next(
                (lv for lv in levels if lv.rank == membership.level_rank),
                levels[-1] if membership.level_rank > levels[-1].rank else levels[0],
            )
            progress = policy.progress_to_next(
                levels,
                current.rank,
                membership.lifetime_spend_minor,
                membership.effective_referrals,
            )
            return Card(
                merchant=program.merchant,
                first_name=customer.first_name,
                balance_minor=membership.balance_minor,
                level=current,
                progress=progress,
                lifetime_spend_minor=membership.lifetime_spend_minor,
                effective_referrals=membership.effective_referrals,
                referral_code=membership.referral_code,
            )

    async def history(self, merchant_id: int, telegram_id: int, page: int) -> HistoryPage:
        """One page of ledger entries, newest first; a page past the end shows the last one."""
        async with read_only(self.session):
            _, membership = await self._member(merchant_id, telegram_id)
            total = await self.ledger.count(membership.id)
            pages = max(1, math.ceil(total / HISTORY_PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            rows = await self.ledger.page(
                membership.id, page * HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE
            )
            entries = tuple(
                HistoryEntry(r.created_at, r.delta_minor, r.balance_after_minor, r.reason, r.note)
                for r in rows
            )
            return HistoryPage(entries, page, pages, total, membership.balance_minor)
