"""The member's card (balance, level, the way to the next) and their points history."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

from db.reads import read_only
from db.repositories.vouchers import VoucherRepo
from services import policy
from services import program as programs
from services.dto import Card, HistoryEntry, HistoryPage
from services.errors import NotAMember
from services.members.base import MemberBase
from services.policy.card_promotions import promotions_today
from services.policy.promotions import PromotionRule

HISTORY_PAGE_SIZE = 10


class CardAndHistory(MemberBase):
    async def card(self, merchant_id: int, telegram_id: int) -> Card:
        """Balance, level and the way to the next level."""
        program = programs.cached(self.session, merchant_id)
        if program is not None:  # the copy is the version this update read
            # What this update's first statement saw, if nothing began since; else one read.
            found = self.memberships.card_seen(telegram_id, merchant_id)
            if found is None:
                found = await self.memberships.card_read(telegram_id, merchant_id)
        else:
            async with read_only(self.session):
                found = await self.memberships.card(telegram_id, merchant_id)
                program = await programs.load(self.session, merchant_id)
        if found is None:
            raise NotAMember()
        name, balance, rank, spend, referrals, referral_code, stamps, stamp_reward = found
        levels, rule = program.levels, program.stamp_rule
        current = next(
            (lv for lv in levels if lv.rank == rank),
            levels[-1] if rank > levels[-1].rank else levels[0],
        )
        return Card(
            merchant=program.merchant,
            first_name=name,
            balance_minor=balance,
            level=current,
            progress=policy.progress_to_next(levels, current.rank, spend, referrals),
            lifetime_spend_minor=spend,
            effective_referrals=referrals,
            referral_code=referral_code,
            stamps=stamps if rule is not None else 0,
            stamps_needed=rule.needed if rule is not None else 0,
            stamp_reward=stamp_reward,
            promotions=self._promotions(program, current.rank),
            cashback_on=program.cashback_on,
        )

    def _promotions(self, program: programs.Program, rank: int) -> tuple[PromotionRule, ...]:
        """The program's promotions the card mentions today (none: no clock read)."""
        if not program.promotions:
            return ()
        local = self.clock().astimezone(ZoneInfo(program.merchant.timezone))
        card = program.stamp_rule is not None
        return promotions_today(program.promotions, local, rank, program.cashback_on, card)

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
            names = await VoucherRepo(self.session).reward_names(
                [r.voucher_id for r in rows if r.voucher_id is not None]
            )
            entries = tuple(
                HistoryEntry(
                    r.created_at,
                    r.delta_minor,
                    r.balance_after_minor,
                    r.reason,
                    r.note,
                    names.get(r.voucher_id) if r.voucher_id is not None else None,
                )
                for r in rows
            )
            return HistoryPage(entries, page, pages, total, membership.balance_minor)
