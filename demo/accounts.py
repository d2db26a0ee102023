"""Members as the simulation moves them: each one's counters (policy.Member: balance,
clawback, spend, purchases, referrals, level, erased), birthday and survey marks, the ledger
row of every change, and the totals written to the membership rows at the end. Also the two
events that touch only the account: the welcome bonus and erasure.

The money rules are the service's own (services/policy): a settlement's postings are written
here as ledger rows, each with the balance after it, as services/ledger.py writes them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update

from db.base import UtcDateTime
from db.models import LedgerReason
from demo.people import People
from demo.program import Program
from demo.timeline import Timeline
from demo.writer import LEDGER, MEMBERSHIP, Row, TableWriter
from services.policy import accounts
from services.policy.accounts import Member, Posting

WELCOME = LedgerReason.WELCOME
FORFEIT = LedgerReason.FORFEIT


class Accounts:
    """Per member i: the counters (policy.Member, whose id is i) and the marks the app's jobs
    keep on a membership."""

    def __init__(
        self, people: People, timeline: Timeline, program: Program, writer: TableWriter
    ) -> None:
        self.timeline, self.program, self.writer = timeline, program, writer
        n, self.mid0 = people.n, people.mid0
        self.book: list[Member] = [Member(i, level_rank=program.first_rank) for i in range(n)]
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
        self, i: int, delta: int, reason: LedgerReason, at: datetime, note: str | None = None
    ) -> None:
        """LedgerRepo.post: move the member's balance by `delta` points, with its ledger row."""
        member = self.book[i]
        after = replace(member, balance=member.balance + delta)
        self.write((Posting(i, delta, reason),), (after,), at, None, note)

    def credit(self, i: int, amount: int, reason: LedgerReason, at: datetime) -> None:
        """services.ledger.credit: an unpaid clawback is recovered from the points first, and
        a member who erased their data forfeits the rest."""
        done = accounts.credit(self.book[i], amount, reason)
        self.write(done.postings, (done.member,), at, None)

    def write(
        self,
        postings: Sequence[Posting],
        after: Iterable[Member],
        at: datetime,
        purchase_id: int | None,
        note: str | None = None,
    ) -> None:
        """services.ledger.write: a settlement's postings as ledger rows in order, each with
        the member's balance after it (`note` on the first), then the counters it left."""
        add, mid0, book = self.writer.add, self.mid0, self.book
        balances: dict[int, int] = {}
        for posting in postings:
            i = posting.member
            balance = balances.get(i, book[i].balance) + posting.delta
            if balance < 0:
                raise RuntimeError("demo data: a balance would go below zero")  # a bug here
            balances[i] = balance
            against = purchase_id if posting.purchase_id is None else posting.purchase_id
            add(
                LEDGER,
                {
                    "membership_id": mid0 + i,
                    "delta_minor": posting.delta,
                    "balance_after_minor": balance,
                    "reason": posting.reason,
                    "note": note,
                    "purchase_id": against,
                    "created_at": at,
                },
            )
            note = None
        for member in after:
            book[member.id] = member

    def welcome(self, t: int, i: int, _: Any) -> None:
        """services.members join: the merchant's welcome bonus, if it has one."""
        self.post(i, self.program.welcome_bonus, WELCOME, self.timeline.at(t))

    def erase(self, t: int, i: int, _: Any) -> None:
        """services.members erase: the balance is given up, the account stays (with what it
        owes), and what still arrives is given up too (accounts.Book.credit)."""
        balance = self.book[i].balance
        if balance:
            self.post(i, -balance, FORFEIT, self.timeline.at(t))
        self.bonus_left[i] = 0
        self.book[i] = replace(self.book[i], erased=True)

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
        at, first = self.timeline.at, self.program.first_rank
        rows: list[Row] = []
        for i, account in enumerate(self.book):
            granted, asked = self.granted_at[i], self.nps_at[i]
            untouched = Member(i, level_rank=first, erased=account.erased)
            if account == untouched and granted is None and asked is None:
                continue  # as inserted
            rows.append(
                {
                    "m_id": self.mid0 + i,
                    "m_balance": account.balance,
                    "m_lifetime": account.spend_minor,
                    "m_count": account.purchases,
                    "m_refs": account.referrals,
                    "m_rank": account.level_rank,
                    "m_clawback": account.clawback_due,
                    "m_year": self.granted_year[i],
                    "m_granted": None if granted is None else at(granted),
                    "m_left": self.bonus_left[i],
                    "m_nps": None if asked is None else at(asked),
                }
            )
        await self.writer.update(statement, rows)
