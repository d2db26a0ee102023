"""Partnerships between merchants of one deployment (issue 16) and the one-time links that start
them. A partnership is one row per pair (`low` < `high`); ending it keeps the row, and
partnering again opens the same row anew.

A link is open while `used_at` is NULL and it has not expired. Used, `partner_merchant_id`
names the business that accepted it; NULL there means it was closed unaccepted by `used_by`:
withdrawn by its business (`expires_at` set to `used_at`) or declined (`expires_at` left as
it was, later than `used_at`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update

from db.models import BusinessCard, Merchant, PartnerInvite, Partnership
from db.repositories.base import Repo


def pair(a: int, b: int) -> tuple[int, int]:
    """The pair's columns: the lower merchant id first."""
    return (a, b) if a < b else (b, a)


def _with(merchant_id: int) -> ColumnElement[bool]:
    return or_(
        Partnership.low_merchant_id == merchant_id, Partnership.high_merchant_id == merchant_id
    )


def _other(merchant_id: int) -> ColumnElement[bool]:
    """Joins a partnership of `merchant_id` to the merchant on its other side."""
    return or_(
        and_(
            Partnership.low_merchant_id == merchant_id,
            Merchant.id == Partnership.high_merchant_id,
        ),
        and_(
            Partnership.high_merchant_id == merchant_id,
            Merchant.id == Partnership.low_merchant_id,
        ),
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

    async def close_invite(
        self, invite_id: int, merchant_id: int | None, actor: int, now: datetime, *, revoke: bool
    ) -> bool:
        """Close an open invite unaccepted: withdrawn by its merchant (`revoke`, only that
        merchant's invite) or declined by `actor`; False when it was used or had lapsed
        already. See the module's note for how the two read afterwards."""
        statement = update(PartnerInvite).where(
            PartnerInvite.id == invite_id,
            PartnerInvite.used_at.is_(None),
            PartnerInvite.expires_at > now,
        )
        if merchant_id is not None:
            statement = statement.where(PartnerInvite.merchant_id == merchant_id)
        values: dict[str, object] = {"used_at": now, "used_by": actor}
        if revoke:
            values["expires_at"] = now
        return await self._changed(statement.values(values)) > 0

    async def lock_merchant(self, merchant_id: int) -> None:
        """Serialize the merchant's new links (the cap of open ones, a double press)."""
        await self._locked(select(Merchant).where(Merchant.id == merchant_id))

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
        rows = await self.s.execute(
            select(Merchant, Partnership.started_at)
            .join(Partnership, _other(merchant_id))
            .where(Partnership.ended_at.is_(None))
            .order_by(Merchant.name, Merchant.id)
        )
        return [(m, started) for m, started in rows]

    async def has_partners(self, merchant_id: int) -> bool:
        found = await self.s.scalar(
            select(Partnership.id).where(_with(merchant_id), Partnership.ended_at.is_(None))
        )
        return found is not None

    async def partner_cards(
        self, merchant_id: int
    ) -> Sequence[tuple[int, str, str, BusinessCard | None]]:
        """Each active partner's id, name and slug with its business card (None: none yet),
        by name: the members' Partners page in one statement."""
        rows = await self.s.execute(
            select(Merchant.id, Merchant.name, Merchant.slug, BusinessCard)
            .join(Partnership, _other(merchant_id))
            .outerjoin(BusinessCard, BusinessCard.merchant_id == Merchant.id)
            .where(Partnership.ended_at.is_(None))
            .order_by(Merchant.name, Merchant.id)
        )
        return [(m_id, name, slug, card) for m_id, name, slug, card in rows]

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
