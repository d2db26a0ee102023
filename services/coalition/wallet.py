"""A member's wallet (issue 16): the certificates they hold across the businesses of the
deployment, one certificate with its code and where it works, and the business a certificate
asks them to join before its code shows.

A certificate is held by a customer, not a membership, so the wallet reads by the customer
whatever business the conversation is with. Its code shows only once the holder has joined the
business that accepts it (its rules and consent first): the till refuses it before that."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from db.models import CertificateStatus
from db.reads import read_only
from db.repositories.wallet import WalletRepo
from services.base import Service
from services.dto import MerchantView
from services.errors import CertificateRefused
from services.merchants import merchant_view

RECENT = 5  # used or lapsed certificates the wallet shows after the open ones
PAGE_SIZE = 7  # open certificates a page: 7 of the longest names and amounts fit 4096


class Held(StrEnum):
    """Where a held certificate stands, as its holder reads it."""

    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"  # past its last day, whether or not the nightly job marked it
    CANCELLED = "cancelled"
    GIVEN = "given"  # to a friend, who holds it now


@dataclass(frozen=True, slots=True)
class HeldCertificate:
    id: int
    merchant_id: int  # the business that accepts it
    merchant: str
    currency: str  # the accepting business's
    timezone: str  # the accepting business's: it runs to the end of a local day there
    partner: str  # the business that handed it out
    value_minor: int  # 0 for a named item
    item: str | None
    min_check_minor: int
    expires_at: datetime
    state: Held
    joined: bool  # its holder is a member of the business that accepts it
    gifted: bool  # given once already: it cannot be given again

    @classmethod
    def of(cls, row: Any, now: datetime, *, given: bool = False) -> HeldCertificate:
        return cls(
            id=int(row.id),
            merchant_id=int(row.merchant_id),
            merchant=row.merchant,
            currency=row.currency,
            timezone=row.timezone,
            partner=row.partner,
            value_minor=int(row.value_minor),
            item=row.item,
            min_check_minor=int(row.min_check_minor),
            expires_at=row.expires_at,
            state=Held.GIVEN if given else _state(row.status, row.expires_at, now),
            joined=row.membership_id is not None,
            gifted=row.gifted_at is not None,
        )


def _state(status: CertificateStatus, expires_at: datetime, now: datetime) -> Held:
    if status == CertificateStatus.REDEEMED:
        return Held.USED
    if status == CertificateStatus.CANCELLED:
        return Held.CANCELLED
    if status == CertificateStatus.EXPIRED or expires_at <= now:
        return Held.EXPIRED
    return Held.OPEN


@dataclass(frozen=True, slots=True)
class Wallet:
    """One page of a wallet: its open certificates, and after the last page's the latest
    used, lapsed or given ones."""

    open: tuple[HeldCertificate, ...]  # this page's, soonest to lapse first
    closed: tuple[HeldCertificate, ...]  # on the last page only
    open_count: int  # on every page
    page: int  # from 0; a page past the last reads as the last
    pages: int  # at least 1


@dataclass(frozen=True, slots=True)
class CertificateCard:
    """One certificate as its holder opens it."""

    held: HeldCertificate
    code: str | None  # None until its holder joins the business that accepts it
    address: str | None  # from the accepting business's card
    gift_token: str | None  # the gift link made for it, not yet taken

    @classmethod
    def of(cls, row: Any, now: datetime) -> CertificateCard:
        held = HeldCertificate.of(row, now)
        return cls(held, row.code if held.joined else None, row.address, row.gift_token)


class WalletService(Service):
    @cached_property
    def wallet_repo(self) -> WalletRepo:
        return WalletRepo(self.session)

    async def wallet(self, telegram_id: int, page: int = 0) -> Wallet:
        """A page of this person's open certificates; their latest used or lapsed ones after
        the last page's."""
        now = self.clock()
        async with read_only(self.session):
            customer_id = await self.wallet_repo.customer_id(telegram_id)
            if customer_id is None:
                return Wallet((), (), 0, 0, 1)
            opened = await self.wallet_repo.open(customer_id, now)
            pages = max(1, -(-len(opened) // PAGE_SIZE))
            page = min(page, pages - 1)
            closed = (
                await self.wallet_repo.closed(customer_id, now, RECENT)
                if page == pages - 1
                else []
            )
        shown = opened[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        return Wallet(
            tuple(HeldCertificate.of(r, now) for r in shown),
            tuple(HeldCertificate.of(r, now, given=bool(r.given)) for r in closed),
            len(opened),
            page,
            pages,
        )

    async def certificate(self, telegram_id: int, certificate_id: int) -> CertificateCard:
        """One certificate of this person's; refused as unknown when it is not theirs."""
        async with read_only(self.session):
            return await self._card(telegram_id, certificate_id)

    async def to_join(
        self, telegram_id: int, certificate_id: int
    ) -> tuple[CertificateCard, MerchantView]:
        """One of this person's certificates and the business that accepts it, whose rules
        they read to join it, in one read."""
        async with read_only(self.session):
            card = await self._card(telegram_id, certificate_id)
            merchant = await self.merchants.get(card.held.merchant_id)
        assert merchant is not None  # the certificate's business: a foreign key
        return card, merchant_view(merchant)

    async def _card(self, telegram_id: int, certificate_id: int) -> CertificateCard:
        customer_id = await self.wallet_repo.customer_id(telegram_id)
        row = (
            await self.wallet_repo.one(customer_id, certificate_id)
            if customer_id is not None
            else None
        )
        if row is None:
            raise CertificateRefused("unknown")
        return CertificateCard.of(row, self.clock())
