"""A member's certificates across businesses (issue 16): the wallet's lists, one certificate
with where it works, and a gift's link made and taken, each by one statement (a gift taken by
one conditional UPDATE, so two friends opening one link get it once between them).

A gift taken keeps its link's token, so the link opened again says it was taken; the
certificate gets a fresh code in the same UPDATE, so the giver, who saw the old one, cannot
use it at the till."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import aliased

from db.models import (
    BusinessCard,
    Certificate,
    CertificateStatus,
    Customer,
    Membership,
    Merchant,
)
from db.repositories.base import Repo

_Partner = aliased(Merchant)
_Holder = aliased(Customer)

# What every view of a held certificate shows, and whether its holder joined the business
# that accepts it (a membership there that was not erased).
_COLUMNS = (
    Certificate.id,
    Certificate.merchant_id,
    Merchant.name.label("merchant"),
    Merchant.currency,
    Merchant.timezone,
    _Partner.name.label("partner"),
    Certificate.value_minor,
    Certificate.item,
    Certificate.min_check_minor,
    Certificate.expires_at,
    Certificate.status,
    Certificate.gifted_at,
    Membership.id.label("membership_id"),
)


def _held() -> Any:
    return (
        select(*_COLUMNS)
        .join(Merchant, Merchant.id == Certificate.merchant_id)
        .join(_Partner, _Partner.id == Certificate.partner_merchant_id)
        .outerjoin(
            Membership,
            and_(
                Membership.customer_id == Certificate.customer_id,
                Membership.merchant_id == Certificate.merchant_id,
                Membership.deleted_at.is_(None),
            ),
        )
    )


def _open(now: datetime) -> Any:
    return and_(Certificate.status == CertificateStatus.OPEN, Certificate.expires_at > now)


class WalletRepo(Repo):
    async def customer_id(self, telegram_id: int) -> int | None:
        found = await self.s.scalar(select(Customer.id).where(Customer.telegram_id == telegram_id))
        return int(found) if found is not None else None

    async def open(self, customer_id: int, now: datetime) -> list[Any]:
        """The customer's certificates that may still be used, soonest to lapse first."""
        query = (
            _held()
            .where(Certificate.customer_id == customer_id, _open(now))
            .order_by(Certificate.expires_at, Certificate.id.desc())
        )
        return list((await self.s.execute(query)).all())

    async def closed(self, customer_id: int, now: datetime, limit: int) -> list[Any]:
        """The latest `limit` of the customer's used, lapsed or cancelled certificates (an open
        one past its last day is lapsed, whether or not the nightly job marked it yet), and of
        those they gave to a friend (`given`: only the first holder can give one)."""
        given = and_(
            Certificate.first_customer_id == customer_id,
            Certificate.gifted_at.is_not(None),
            Certificate.customer_id.is_distinct_from(customer_id),
        )
        ended = case(
            (given, Certificate.gifted_at),
            else_=func.coalesce(
                Certificate.redeemed_at, Certificate.closed_at, Certificate.expires_at
            ),
        )
        query = (
            _held()
            .add_columns(given.label("given"))
            .where(or_(and_(Certificate.customer_id == customer_id, ~_open(now)), given))
            .order_by(ended.desc(), Certificate.id.desc())
            .limit(limit)
        )
        return list((await self.s.execute(query)).all())

    async def one(self, customer_id: int, certificate_id: int) -> Any:
        """One of the customer's certificates with its code, gift link and address; None when
        it is not theirs (or not there)."""
        query = (
            _held()
            .add_columns(Certificate.code, Certificate.gift_token, BusinessCard.address)
            .outerjoin(BusinessCard, BusinessCard.merchant_id == Certificate.merchant_id)
            .where(Certificate.id == certificate_id, Certificate.customer_id == customer_id)
        )
        return (await self.s.execute(query)).first()

    async def share(self, customer_id: int, certificate_id: int, token: str, now: datetime) -> int:
        """Give an open certificate, never given before, its gift link: 1 row, or 0."""
        return await self._changed(
            update(Certificate)
            .where(
                Certificate.id == certificate_id,
                Certificate.customer_id == customer_id,
                _open(now),
                Certificate.gifted_at.is_(None),
                Certificate.gift_token.is_(None),
            )
            .values(gift_token=token)
        )

    async def by_token(self, token: str) -> Any:
        """The certificate a gift link names, with its holder's Telegram id (the giver)."""
        query = (
            _held()
            .add_columns(
                Certificate.customer_id,
                Merchant.default_language,
                _Holder.telegram_id.label("giver_telegram_id"),
            )
            .join(_Holder, _Holder.id == Certificate.customer_id)
            .where(Certificate.gift_token == token)
        )
        return (await self.s.execute(query)).first()

    async def take(
        self, token: str, giver_id: int, friend_id: int, code: str, now: datetime
    ) -> Any:
        """The gift moves to the friend with a fresh `code` (not taken: CertificateRepo.
        codes_taken), once: still open and valid, never given before, its link the one opened,
        held by the giver who made it. Its row (id, merchant_id, partner_merchant_id,
        value_minor), or None when someone moved it first."""
        result = await self.s.execute(
            update(Certificate)
            .where(
                Certificate.gift_token == token,
                Certificate.customer_id == giver_id,
                Certificate.customer_id != friend_id,
                _open(now),
                Certificate.gifted_at.is_(None),
            )
            .values(customer_id=friend_id, gifted_at=now, code=code)
            .returning(
                Certificate.id,
                Certificate.merchant_id,
                Certificate.partner_merchant_id,
                Certificate.value_minor,
            )
            .execution_options(synchronize_session=False)
        )
        return result.one_or_none()
