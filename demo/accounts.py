"""Members as the simulation moves them: each one's account (balance, counters and level, see
settle.Account), birthday and survey marks, the ledger row of every change, and the totals
written to the membership rows at the end. Also the two events that touch only the account:
the welcome bonus and erasure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update

from db.base import UtcDateTime
from db.models import LedgerReason
from demo import settle
from demo.people import People
from demo.program import Program
from demo.settle import Account, Posting
from demo.timeline import Timeline
from demo.writer import LEDGER, MEMBERSHIP, Row, TableWriter

WELCOME = LedgerReason.WELCOME
FORFEIT = LedgerReason.FORFEIT


class Accounts:
    """Per member i: the account and the marks the app's jobs keep on a membership."""

    def __init__(
        self, people: People, timeline: Timeline, program: Program, writer: TableWriter
    ) -> None:
        self.timeline, self.program, self.writer = timeline, program, writer
        n, self.mid0 = people.n, people.mid0
        self.book: list[Account] = [Account(0, 0, 0, 0, 0, program.first_rank)] * n
        self.erased = [False] * n
        self.redeemed = [0] * n  # points spent so far, for a birthday bonus's lapse
        self.granted_year: list[int | None] = [None] * n
        self.granted_at: list[int | None] = [None] * n
        self.bonus_left = [0] * n
        self.redeemed_at_grant = [0] * n
        self.nps_at: list[int | None] = [None] * n
        self.nps_n = [0] * n  # surveys so far; 1 once the first is due
        self.blocked_seen = [False] * n  # a push came back blocked: no more are queued
        self.last_buy = [-math.inf] * n  # for the "inactive" push segments

    def post(
        self,
        i: int,
        delta: int,
        reason: LedgerReason,
        at: datetime,
        purchase_id: int | None = None,
        note: str | None = None,
    ) -> None:
        """Move the member's balance by `delta` points, with its ledger row."""
        account = self.book[i]
        balance = account.balance + delta
        if balance < 0:
            raise RuntimeError("demo data: a balance would go below zero")  # a bug here
        self.book[i] = account._replace(balance=balance)
        self.write_postings((i,), ((0, delta, reason, balance),), at, purchase_id, note)

    def credit(self, i: int, amount: int, reason: LedgerReason, at: datetime) -> None:
        """services.ledger.credit: an unpaid clawback is recovered from the points first."""
        self.book[i], postings = settle.credit(self.book[i], amount, reason)
        self.write_postings((i,), postings, at, None)

    def write_postings(
        self,
        members: Sequence[int],
        postings: Sequence[Posting],
        at: datetime,
        purchase_id: int | None,
        note: str | None = None,
    ) -> None:
        """The ledger rows of postings, whose `whose` indexes `members`."""
        add, mid0 = self.writer.add, self.mid0
        for who, delta, reason, balance in postings:
            add(
                LEDGER,
                {
                    "membership_id": mid0 + members[who],
                    "delta_minor": delta,
                    "balance_after_minor": balance,
                    "reason": reason,
                    "note": note,
                    "purchase_id": purchase_id,
                    "created_at": at,
                },
            )

    def welcome(self, t: int, i: int, _: Any) -> None:
        """services.members join: the merchant's welcome bonus, if it has one."""
        self.post(i, self.program.welcome_bonus, WELCOME, self.timeline.at(t))

    def erase(self, t: int, i: int, _: Any) -> None:
        """The member erased their data: the balance is given up, the account stays."""
        self.erased[i] = True
        balance = self.book[i].balance
        if balance:
            self.post(i, -balance, FORFEIT, self.timeline.at(t))
        self.bonus_left[i] = 0
        self.book[i] = self.book[i]._replace(clawback=0)

    async def write_totals(self) -> None:
        """Each member's running totals, as the simulation left them."""
        m = MEMBERSHIP
        statement = (
            update(m)
            .where(m.c.id == bindparam("m_id"))
            .values(
                balance_minor=bindparam("m_balance"),
                lifetime_spend_minor=bindparam("m_lifetime"),
                purchases_count=bindparam("m_count"),
                effective_referrals=bindparam("m_refs"),
                level_rank=bindparam("m_rank"),
                clawback_due_minor=bindparam("m_clawback"),
                birthday_granted_year=bindparam("m_year"),
                birthday_granted_at=bindparam("m_granted", type_=UtcDateTime()),
                birthday_bonus_left=bindparam("m_left"),
                nps_asked_at=bindparam("m_nps", type_=UtcDateTime()),
            )
        )
        untouched = Account(0, 0, 0, 0, 0, self.program.first_rank)
        at = self.timeline.at
        rows: list[Row] = []
        for i, account in enumerate(self.book):
            granted, asked = self.granted_at[i], self.nps_at[i]
            if account == untouched and granted is None and asked is None:
                continue  # as inserted
            rows.append(
                {
                    "m_id": self.mid0 + i,
                    "m_balance": account.balance,
                    "m_lifetime": account.spend,
                    "m_count": account.purchases,
                    "m_refs": account.referrals,
                    "m_rank": account.rank,
                    "m_clawback": account.clawback,
                    "m_year": self.granted_year[i],
                    "m_granted": None if granted is None else at(granted),
                    "m_left": self.bonus_left[i],
                    "m_nps": None if asked is None else at(asked),
                }
            )
        await self.writer.update(statement, rows)
