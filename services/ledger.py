"""Crediting points: the one path by which points arrive, so a clawback is always settled."""

from __future__ import annotations

from datetime import datetime

from db.models import LedgerReason, Membership
from db.repositories import LedgerRepo


async def credit(
    ledger: LedgerRepo,
    membership: Membership,
    amount: int,
    reason: LedgerReason,
    now: datetime,
    purchase_id: int | None = None,
    note: str | None = None,
) -> None:
    """Credit points; a refund's unrecovered reversal (clawback) is taken from them first."""
    if amount <= 0:
        return
    await ledger.post(membership, amount, reason, now, note=note, purchase_id=purchase_id)
    due = min(membership.clawback_due_minor, amount)
    if due:
        await ledger.post(membership, -due, LedgerReason.CLAWBACK, now, purchase_id=purchase_id)
        membership.clawback_due_minor -= due
    if membership.deleted_at is not None and amount > due:
        # A member who left gave up their balance: points still arriving (a refund of points
        # they had spent) go the same way, so nobody holds points nobody can spend.
        await ledger.post(
            membership, -(amount - due), LedgerReason.FORFEIT, now, purchase_id=purchase_id
        )
