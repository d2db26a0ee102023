"""Point accounts in plain values: the counters of a member that sales move, ledger postings,
and a credit that settles an unpaid clawback first. The settlement of purchases and refunds
(settlement.py) computes with these; services/ledger.py writes them to the database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from db.models import LedgerReason


@dataclass(frozen=True, slots=True)
class Member:
    """One membership's counters, as settling a purchase or a refund reads and moves them."""

    id: int
    balance: int = 0  # points
    clawback_due: int = 0  # points a refund could not take back, recovered from later credits
    spend_minor: int = 0  # lifetime spend: the money part of checks, net of refunds
    purchases: int = 0  # purchases not refunded in full
    referrals: int = 0  # effective referrals
    level_rank: int = 0
    stamps: int = 0  # on the stamp card (stamp_entry is their ledger)
    erased: bool = False  # erased their data: gives up what arrives, earns no referral rewards
    blocked: bool = False  # blocked by the staff (services/care/): earns no referral rewards


@dataclass(frozen=True, slots=True)
class Posting:
    """One ledger row: `delta` points to (or from) member `member` for `reason`."""

    member: int
    delta: int
    reason: LedgerReason
    purchase_id: int | None = None  # None: the purchase being settled


@dataclass(frozen=True, slots=True)
class Credited:
    postings: tuple[Posting, ...]
    member: Member


class Book:
    """Members' counters moved by postings in order; a balance never goes below zero (the
    ledger refuses that too: LedgerRepo.post). The first snapshot of a member counts."""

    def __init__(self, members: Iterable[Member]) -> None:
        self.members: dict[int, Member] = {}
        for member in members:
            self.members.setdefault(member.id, member)
        self.postings: list[Posting] = []

    def __getitem__(self, member_id: int) -> Member:
        return self.members[member_id]

    def set(self, member_id: int, **counters: Any) -> Member:
        self.members[member_id] = replace(self.members[member_id], **counters)
        return self.members[member_id]

    def post(
        self, member_id: int, delta: int, reason: LedgerReason, purchase_id: int | None = None
    ) -> None:
        balance = self.members[member_id].balance + delta
        if balance < 0:
            raise ValueError("balance would go below zero")
        self.set(member_id, balance=balance)
        self.postings.append(Posting(member_id, delta, reason, purchase_id))

    def credit(self, member_id: int, amount: int, reason: LedgerReason) -> None:
        """Points arrive; an unpaid clawback is taken from them first. A member who left gave
        up their balance: what still arrives (a refund of points they had spent) goes the same
        way, so nobody holds points nobody can spend."""
        if amount <= 0:
            return
        self.post(member_id, amount, reason)
        due = min(self[member_id].clawback_due, amount)
        if due:
            self.post(member_id, -due, LedgerReason.CLAWBACK)
            self.set(member_id, clawback_due=self[member_id].clawback_due - due)
        if self[member_id].erased and amount > due:
            self.post(member_id, -(amount - due), LedgerReason.FORFEIT)

    def after(self) -> tuple[Member, ...]:
        """Every member's counters now, in the order they were first given."""
        return tuple(self.members.values())


def credit(member: Member, amount: int, reason: LedgerReason) -> Credited:
    """Credit points to one member (Book.credit): the postings and the member after."""
    book = Book([member])
    book.credit(member.id, amount, reason)
    return Credited(tuple(book.postings), book[member.id])
