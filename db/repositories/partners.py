"""Partnerships between merchants of one deployment (issue 16) and the one-time links that start
them. A partnership is one row per pair (`low` < `high`); ending it keeps the row, and
partnering again opens the same row anew."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update

from db.models import Merchant, PartnerInvite, Partnership
from db.repositories.base import Repo


def pair(a: int, b: int) -> tuple[int, int]:
    """The pair's columns: the lower merchant id first."""
    return (a, b) if a < b else (b, a)


def _with(merchant_id: int) -> ColumnElement[bool]:
    return or_(
        Partnership.low_merchant_id == merchant_id, Partnership.high_merchant_id == merchant_id
    )


class PartnerRepo(Repo):
    def add(self, row: PartnerInvite | Partnership) -> None:
        self.s.add(row)

    async def invite(self, token: str, *, fresh: bool = False) -> PartnerInvite | None:
        """`fresh`: read again what another transaction committed since."""
        query = select(PartnerInvite).where(PartnerInvite.token == token)
        if fresh:
            query = query.execution_options(populate_existing=True)
        return await self.s.scalar(query)

    async def use_invite(
        self, invite_id: int, telegram_id: int, partner_merchant_id: int, now: datetime
    ) -> bool:
        """Take the invite once; False when someone took it (or it lapsed) a moment ago."""
        changed = await self._changed(
            update(PartnerInvite)
            .where(
                PartnerInvite.id == invite_id,
                PartnerInvite.used_at.is_(None),
                PartnerInvite.expires_at > now,
            )
            .values(used_at=now, used_by=telegram_id, partner_merchant_id=partner_merchant_id)
        )
        return changed > 0

    async def close_invite(self, invite_id: int, merchant_id: int | None, now: datetime) -> bool:
        """Let an open invite lapse now (revoked by its merchant, or declined); False when it
        was used or had lapsed already. `merchant_id`: only that merchant's invite."""
        statement = update(PartnerInvite).where(
            PartnerInvite.id == invite_id,
            PartnerInvite.used_at.is_(None),
            PartnerInvite.expires_at > now,
        )
        if merchant_id is not None:
            statement = statement.where(PartnerInvite.merchant_id == merchant_id)
        return await self._changed(statement.values(expires_at=now)) > 0

    async def open_invites(self, merchant_id: int, now: datetime) -> Sequence[PartnerInvite]:
        return await self._all(
            select(PartnerInvite)
            .where(
                PartnerInvite.merchant_id == merchant_id,
                PartnerInvite.used_at.is_(None),
                PartnerInvite.expires_at > now,
            )
            .order_by(PartnerInvite.id)
        )

    async def between(self, a: int, b: int) -> Partnership | None:
        """The pair's row, active or ended, read for update."""
        low, high = pair(a, b)
        rows = await self._locked(
            select(Partnership).where(
                Partnership.low_merchant_id == low, Partnership.high_merchant_id == high
            )
        )
        return rows.first()

    async def active_between(self, a: int, b: int) -> bool:
        low, high = pair(a, b)
        found = await self.s.scalar(
            select(Partnership.id).where(
                Partnership.low_merchant_id == low,
                Partnership.high_merchant_id == high,
                Partnership.ended_at.is_(None),
            )
        )
        return found is not None

    async def partners(self, merchant_id: int) -> Sequence[tuple[Merchant, datetime]]:
        """The merchant's active partners with the time each partnership started, by name."""
        other = or_(
            and_(
                Partnership.low_merchant_id == merchant_id,
                Merchant.id == Partnership.high_merchant_id,
            ),
            and_(
                Partnership.high_merchant_id == merchant_id,
                Merchant.id == Partnership.low_merchant_id,
            ),
        )
        rows = await self.s.execute(
            select(Merchant, Partnership.started_at)
            .join(Partnership, other)
            .where(Partnership.ended_at.is_(None))
            .order_by(Merchant.name, Merchant.id)
        )
        return [(m, started) for m, started in rows]

    async def has_partners(self, merchant_id: int) -> bool:
        found = await self.s.scalar(
            select(Partnership.id).where(_with(merchant_id), Partnership.ended_at.is_(None))
        )
        return found is not None

    async def end(self, a: int, b: int, by_merchant_id: int, now: datetime) -> bool:
        """End the pair's active partnership; False when it was not active (a second tap)."""
        low, high = pair(a, b)
        changed = await self._changed(
            update(Partnership)
            .where(
                Partnership.low_merchant_id == low,
                Partnership.high_merchant_id == high,
                Partnership.ended_at.is_(None),
            )
            .values(ended_at=now, ended_by_merchant_id=by_merchant_id)
        )
        return changed > 0
