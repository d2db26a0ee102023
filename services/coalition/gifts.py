"""A certificate given to a friend (issue 16), once: its holder makes a gift link
(`t.me/<bot>?start=g<token>`), and the first friend who opens it takes the certificate in one
conditional UPDATE (still open and valid, never given before, the link the one opened), with a
`gifted` ledger entry naming the friend and a notice to the giver, in one transaction. The
certificate gets a fresh code in that UPDATE: the giver saw the old one (and its QR).

A link opened again says why it gives nothing: taken already (the token stays on a taken
certificate), or the gift is no longer valid (the certificate was used, lapsed or cancelled,
or it has no holder: an erasure took them off it).

A friend who is nobody here yet (no customer row) reads the accepting business's rules first,
and takes the gift when they accept (handlers/wallet.py): nothing of them is kept before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.models import CertificateReason
from db.reads import read_only
from db.repositories.certificates import CertificateRepo
from services._tx import in_transaction
from services.coalition.issue import entry_row
from services.coalition.wallet import Held, HeldCertificate, WalletService
from services.dto import MerchantView
from services.errors import CertificateRefused
from services.merchants import merchant_view
from services.notices import Notice
from services.notices.gifts import CertificateGiftTaken
from services.outbox import enqueue
from services.policy.certificates import new_code, new_token

# Why a certificate cannot be given or taken, by where it stands.
_ENDED = {Held.USED: "redeemed", Held.EXPIRED: "expired", Held.CANCELLED: "cancelled"}
GONE = "gift_gone"  # a gift link whose certificate can no longer be used, whatever the reason
CODE_TRIES = 3  # fresh codes asked about in one statement: one of 9·10^9 taken is rare


@dataclass(frozen=True, slots=True)
class GiftOffer:
    """A gift link as a friend opening it sees it, and the business whose rules come first."""

    held: HeldCertificate
    merchant: MerchantView


def _check(held: HeldCertificate) -> None:
    if held.state in _ENDED:
        raise CertificateRefused(_ENDED[held.state])


class GiftService(WalletService):
    async def share(self, telegram_id: int, certificate_id: int) -> str:
        """The gift link's token of one of this person's open certificates: made once, the
        same one shown again; refused when it was given once already or cannot be used."""
        now = self.clock()

        async def work() -> str:
            customer_id = await self.wallet_repo.customer_id(telegram_id)
            row = (
                await self.wallet_repo.one(customer_id, certificate_id)
                if customer_id is not None
                else None
            )
            if customer_id is None or row is None:
                raise CertificateRefused("unknown")
            held = HeldCertificate.of(row, now)
            _check(held)
            if held.gifted:
                raise CertificateRefused("gifted")
            if row.gift_token is not None:
                return str(row.gift_token)
            token = new_token()
            if not await self.wallet_repo.share(customer_id, certificate_id, token, now):
                raise CertificateRefused("gifted")  # taken or ended since the read: rare
            return token

        return await in_transaction(self.session, work)

    async def offer(self, telegram_id: int, token: str) -> GiftOffer:
        """What a gift link holds, for a friend who must join first: refused as `share` and
        `take` would refuse it."""
        now = self.clock()
        async with read_only(self.session):
            row = await self._takeable(telegram_id, token, now)
            merchant = await self.merchants.get(row.merchant_id)
        assert merchant is not None  # the certificate's business: a foreign key
        return GiftOffer(HeldCertificate.of(row, now), merchant_view(merchant))

    async def _takeable(self, telegram_id: int, token: str, now: Any) -> Any:
        row = await self.wallet_repo.by_token(token)
        if row is None:
            raise CertificateRefused(GONE)  # never made, or its holder erased (no holder row)
        if row.gifted_at is not None:
            raise CertificateRefused("taken")
        if HeldCertificate.of(row, now).state in _ENDED:
            raise CertificateRefused(GONE)
        if row.giver_telegram_id == telegram_id:
            raise CertificateRefused("own")
        return row

    async def take(self, telegram_id: int, token: str) -> int:
        """The friend takes the gift: the certificate's id, now theirs. A customer row is
        needed (consent somewhere); a second friend, a second press, a used or lapsed one and
        the giver's own link are refused."""
        now = self.clock()

        async def work() -> int:
            friend = await self.wallet_repo.customer_id(telegram_id)
            if friend is None:
                raise CertificateRefused("not_joined")
            row = await self._takeable(telegram_id, token, now)
            code = await self._fresh_code()
            taken = await self.wallet_repo.take(token, row.customer_id, friend, code, now)
            if taken is None:
                raise CertificateRefused("taken")  # another friend, a moment before
            await CertificateRepo(self.session).add_entries(
                [entry_row(taken, CertificateReason.GIFTED, now, customer_id=friend)]
            )
            body = CertificateGiftTaken(
                merchant=row.merchant,
                currency=row.currency,
                value_minor=int(row.value_minor),
                item=row.item,
            )
            await enqueue(
                self.session,
                int(row.merchant_id),
                [Notice(int(row.giver_telegram_id), None, body)],
                now,
                f"gift:{taken.id}",
                row.default_language,
            )
            return int(taken.id)

        return await in_transaction(self.session, work)

    async def _fresh_code(self) -> str:
        """A certificate code no certificate holds (codes are deployment-wide)."""
        while True:
            codes = [new_code() for _ in range(CODE_TRIES)]
            taken = await CertificateRepo(self.session).codes_taken(codes)
            free = [code for code in codes if code not in taken]
            if free:
                return free[0]
