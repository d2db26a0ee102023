"""Writing points: a credit (the one path by which points arrive, so a clawback is always
settled first) and the postings of a settled purchase or refund with the counters that go with
them. What to post is policy's (services/policy/accounts.py, settlement.py); this writes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from db.models import LedgerReason, Membership
from db.repositories import LedgerRepo
from services.policy import accounts
from services.policy.accounts import Member, Posting


async def credit(
    ledger: LedgerRepo,
    membership: Membership,
    amount: int,
    reason: LedgerReason,
    now: datetime,
    purchase_id: int | None = None,
    note: str | None = None,
) -> None:
    """Credit points; a refund's unrecovered reversal (clawback) is taken from them first, and
    a member who left forfeits them (accounts.Book.credit)."""
    done = accounts.credit(member_state(membership), amount, reason)
    for i, posting in enumerate(done.postings):
        await ledger.post(
            membership,
            posting.delta,
            posting.reason,
            now,
            note=None if i else note,
            purchase_id=purchase_id,
        )
    membership.clawback_due_minor = done.member.clawback_due


def member_state(membership: Membership) -> Member:
    """The counters of a membership that settling a sale reads."""
    return Member(
        id=membership.id,
        balance=membership.balance_minor,
        clawback_due=membership.clawback_due_minor,
        spend_minor=membership.lifetime_spend_minor,
        purchases=membership.purchases_count,
        referrals=membership.effective_referrals,
        level_rank=membership.level_rank,
        erased=membership.deleted_at is not None,
    )


def states(rows: Mapping[int, Membership], ids: Iterable[int]) -> list[Member]:
    """The counters of memberships `ids`; one whose row is gone earns nothing, as if erased."""
    return [member_state(rows[i]) if i in rows else Member(i, erased=True) for i in ids]


async def write(
    ledger: LedgerRepo,
    rows: Mapping[int, Membership],
    postings: Sequence[Posting],
    after: Sequence[Member],
    now: datetime,
    purchase_id: int | None,
) -> None:
    """Post a settlement's rows in order (against `purchase_id` unless a posting names its own
    purchase), then keep everyone's counters as it left them; the ledger moves balances."""
    for posting in postings:
        against = purchase_id if posting.purchase_id is None else posting.purchase_id
        await ledger.post(
            rows[posting.member], posting.delta, posting.reason, now, purchase_id=against
        )
    for member in after:
        if (row := rows.get(member.id)) is not None:
            row.clawback_due_minor = member.clawback_due
            row.lifetime_spend_minor = member.spend_minor
            row.purchases_count = member.purchases
            row.effective_referrals = member.referrals
            row.level_rank = member.level_rank
