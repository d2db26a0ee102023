"""Vouchers that end unredeemed: past their time they lapse and their reserved points come
back (`reward_returned`), set-based for the whole batch; when a member erases their data,
their open vouchers are cancelled and their stamps forfeited (their reserved points left the
balance at the claim, so cancelling forfeits them like the rest of it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LedgerReason, Membership, StampEntry, StampReason
from db.repositories import LedgerRepo, MembershipRepo
from db.repositories.vouchers import VoucherRepo
from services.ledger import entries, member_state, settle
from services.policy.accounts import Book


async def return_points(
    session: AsyncSession,
    lapsed: Sequence[Any],
    now: datetime,
    owed: dict[int, int] | None = None,
) -> dict[int, int]:
    """The points of lapsed vouchers (rows of VoucherRepo.lapse_due) credited back in three
    statements: the members' rows locked, every balance and counter moved in one UPDATE, the
    entries appended in one INSERT, each `reward_returned` entry naming its voucher. An
    unpaid clawback takes its share first, as with any credit (accounts.Book): `owed` gets
    what it took, by voucher id. The balances after, by membership id."""
    paid = [row for row in lapsed if row.points > 0]
    if not paid:
        return {}
    memberships = MembershipRepo(session)
    rows = await memberships.lock_many(sorted({row.membership_id for row in paid}))
    book = Book(member_state(rows[i]) for i in rows)
    vouchers: dict[int, int] = {}  # posting index -> voucher id
    for row in paid:
        if row.membership_id not in rows:
            continue
        first = len(book.postings)
        vouchers[first] = row.id
        book.credit(row.membership_id, row.points, LedgerReason.REWARD_RETURNED)
        taken = -sum(p.delta for p in book.postings[first:] if p.reason == LedgerReason.CLAWBACK)
        if owed is not None and taken:
            owed[row.id] = taken
    if not book.postings:
        return {}
    moved = {posting.member for posting in book.postings}
    balances = await settle(memberships, book.postings, [m for m in book.after() if m.id in moved])
    written = entries(book.postings, balances, now, None)
    for index, row in enumerate(written):
        row["voucher_id"] = vouchers.get(index)
    await LedgerRepo(session).append(written)
    return balances


async def forfeit_on_erasure(session: AsyncSession, membership: Membership, now: datetime) -> None:
    """A member leaving: open vouchers cancelled, stamps forfeited (a `forfeit` stamp entry)."""
    await VoucherRepo(session).cancel_open(membership.id, now)
    if membership.stamps:
        session.add(
            StampEntry(
                membership_id=membership.id,
                delta=-membership.stamps,
                stamps_after=0,
                reason=StampReason.FORFEIT,
                purchase_id=None,
                voucher_id=None,
                created_at=now,
            )
        )
        membership.stamps = 0
