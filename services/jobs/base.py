"""What every scheduled job holds: the session, the clock, the owners (who get the admins'
digest too) and the key of the once-per-person markers (services/grants.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import JobRepo, LedgerRepo
from services import grants
from services.clock import Clock, utc_now

CART_REMINDERS = (timedelta(hours=2), timedelta(hours=24))  # after the cart last changed


class JobBase:
    def __init__(
        self,
        session: AsyncSession,
        clock: Clock = utc_now,
        cart_reminders: Sequence[timedelta] = CART_REMINDERS,
        owner_ids: Sequence[int] = (),
        *,
        marker_key: bytes | None = None,
    ) -> None:
        self.owner_ids = frozenset(owner_ids)
        self.marker_key = marker_key or grants.UNSET_KEY
        self.session = session
        self.clock = clock
        self.cart_reminder_after = tuple(cart_reminders)
        self.jobs = JobRepo(session)
        self.ledger = LedgerRepo(session)
