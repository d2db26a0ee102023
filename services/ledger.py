"""Writing points: a credit (the one path by which points arrive, so a clawback is always
settled first) and the postings of a settled purchase or refund with the counters that go with
them. What to post is policy's (services/policy/accounts.py, settlement.py); this writes it:
row by row through the ORM (refunds, jobs), or for a purchase set-based (`post_settlement`:
one statement moves every balance and counter of the family, one appends its entries)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.models import LedgerReason, Membership
from db.repositories import LedgerRepo, MembershipRepo
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


def member_state(membership: Membership | Any) -> Member:
    """The counters of a membership that settling a sale reads (from its row, or from a
    query's row with the same column names)."""
    return Member(
        id=membership.id,
        balance=membership.balance_minor,
        clawback_due=membership.clawback_due_minor,
        spend_minor=membership.lifetime_spend_minor,
        purchases=membership.purchases_count,
        referrals=membership.effective_referrals,
        level_rank=membership.level_rank,
        stamps=membership.stamps,
        erased=membership.deleted_at is not None,
        blocked=getattr(membership, "blocked_at", None) is not None,
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
            row.stamps = member.stamps


# --- a purchase, set-based -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """Who a membership belongs to, as far as their notices need."""

    telegram_id: int
    first_name: str | None
    language: str | None  # their choice
    telegram_language: str | None  # Telegram's, when they chose none
    blocked: bool  # blocked the bot: queue nothing for them


@dataclass(frozen=True, slots=True)
class Family:
    """A buyer and their referrers, nearest first, as read (and locked) before settling."""

    buyer: Member
    chain: tuple[Member, ...]
    people: Mapping[int, Person]  # by membership id; none for a membership without a person


def family(rows: Iterable[Any]) -> Family:
    """The family of TillRepo.draft_family's rows (a row per membership and depth). The chain
    stops where it would come back to someone in it (a corrupt cycle)."""
    by_depth = {r.depth: r for r in rows}
    members = {r.id: member_state(r) for r in by_depth.values()}
    people = {
        r.id: Person(r.telegram_id, r.first_name, r.language, r.telegram_language, r.bot_blocked)
        for r in by_depth.values()
        if r.telegram_id is not None
    }
    buyer = members[by_depth[0].id]
    chain: list[Member] = []
    for depth in range(1, len(by_depth)):
        row = by_depth.get(depth)
        if row is None or row.id == buyer.id or any(m.id == row.id for m in chain):
            break
        chain.append(members[row.id])
    return Family(buyer, tuple(chain), people)


def entries(
    postings: Sequence[Posting],
    balances: Mapping[int, int],
    now: datetime,
    purchase_id: int | None,
) -> list[dict[str, Any]]:
    """Ledger rows for postings in order, each with the balance after it, counted back from
    `balances` (each member's balance after all of them)."""
    running = dict(balances)
    for posting in postings:
        running[posting.member] -= posting.delta
    rows = []
    for posting in postings:
        running[posting.member] += posting.delta
        rows.append(
            {
                "membership_id": posting.member,
                "delta_minor": posting.delta,
                "balance_after_minor": running[posting.member],
                "reason": posting.reason,
                "note": None,
                "purchase_id": purchase_id if posting.purchase_id is None else posting.purchase_id,
                "created_at": now,
            }
        )
    return rows


async def post_settlement(
    memberships: MembershipRepo,
    ledger: LedgerRepo,
    postings: Sequence[Posting],
    after: Sequence[Member],
    now: datetime,
    purchase_id: int,
) -> dict[int, int]:
    """A settlement written in two statements: every balance and counter of the family moved
    at once (the caller holds their rows), then its ledger entries in order; the balances
    after, by membership id. Erased members whose row is gone are left out."""
    balances = await settle(memberships, postings, after)
    await ledger.append(entries(postings, balances, now, purchase_id))
    return balances


async def settle(
    memberships: MembershipRepo, postings: Sequence[Posting], after: Sequence[Member]
) -> dict[int, int]:
    """Every balance moved by `postings` and every counter set as `after` says, in one
    statement (the caller holds the rows); the balances after, by membership id."""
    moves: dict[int, int] = {}
    for posting in postings:
        moves[posting.member] = moves.get(posting.member, 0) + posting.delta
    counters = {
        m.id: {
            "clawback_due_minor": m.clawback_due,
            "lifetime_spend_minor": m.spend_minor,
            "purchases_count": m.purchases,
            "effective_referrals": m.referrals,
            "level_rank": m.level_rank,
            "stamps": m.stamps,
        }
        for m in after
    }
    return await memberships.settle(moves, counters)
