"""A partner's cashier gives a certificate with one tap after a sale (issue 16): the sale's
confirmation offers a button per offer this merchant hands out by its cashiers, and a tap
issues one certificate of it to that sale's buyer, who is told in their language.

Who taps is checked before anything about the sale is read: an active, unpaused seller of the
merchant that made the sale (owners too). The sale must be this merchant's, confirmed, within
a day, not refunded in full, its buyer still a member and not blocked. The offer is taken
by the same conditional update as the automatic hand-out (route, partnership, archive, caps);
one certificate of an offer per sale (`source_purchase_id`'s unique index), so a second tap,
or a second cashier, hears it was given already."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from db.models import HandOut
from db.repositories.hand_out import HandOutRepo
from services.coalition.hand_out import hand_out
from services.errors import CertificateRefused
from services.notices import Notice
from services.notices.certificates import CertificateGiven, GotCertificate
from services.outbox import row_of
from services.seller import SellerBase

GIVE_WINDOW = timedelta(days=1)  # after the sale's confirmation


class GiveRefused(CertificateRefused):
    """Reasons: sale (no confirmed sale of this merchant has that id), old (confirmed more
    than a day ago), refunded (in full), left (its buyer erased their data), member_blocked,
    given (one of that offer already, for this sale), and CertificateRefused's not_partners
    (no such route from this merchant any more, or the partnership ended), archived, limit."""


@dataclass(frozen=True, slots=True)
class Given:
    """A certificate a cashier gave: its id and what its holder reads of it."""

    certificate_id: int
    certificate: GotCertificate
    first_name: str | None  # the buyer's, for the cashier


class GivingService(SellerBase):
    async def give(
        self, merchant_id: int, staff_id: int, purchase_id: int, offer_id: int
    ) -> Given:
        """Issue one certificate of `offer_id` to the buyer of the sale `purchase_id`, once."""
        try:
            async with self.session.begin():
                return await self._give(merchant_id, staff_id, purchase_id, offer_id)
        except IntegrityError:
            # A tap of another cashier, or the same one twice at once, came first.
            raise GiveRefused("given") from None

    async def _give(
        self, merchant_id: int, staff_id: int, purchase_id: int, offer_id: int
    ) -> Given:
        now = self.clock()
        await self._seller(merchant_id, staff_id, now)
        program = await self._program(merchant_id)
        repo = HandOutRepo(self.session)
        sale = await repo.sale_to_give(merchant_id, purchase_id, offer_id)
        self._check(sale, now)
        taken = await repo.take([offer_id], merchant_id, HandOut.CASHIER, sale.membership_id)
        if not taken:
            raise GiveRefused(await repo.why_not(offer_id, merchant_id, HandOut.CASHIER))
        [(issued, certificate)] = await hand_out(
            self.session, taken, merchant_id, purchase_id, now, issued_by=staff_id
        )
        if not sale.bot_blocked:
            body = CertificateGiven(partner=program.merchant.name, certificate=certificate)
            notice = Notice(sale.telegram_id, sale.language, body)
            language = sale.language or sale.telegram_language or program.merchant.default_language
            key = f"{notice.kind}:{issued.id}"
            await self.till.queue([row_of(merchant_id, notice, key, language, now)])
        return Given(issued.id, certificate, sale.first_name)

    @staticmethod
    def _check(sale: Any, now: datetime) -> None:
        if sale is None:
            raise GiveRefused("sale")
        if sale.given:
            raise GiveRefused("given")
        if sale.confirmed_at is None or sale.confirmed_at + GIVE_WINDOW < now:
            raise GiveRefused("old")
        if sale.refunded_minor >= sale.amount_minor:
            raise GiveRefused("refunded")
        if sale.deleted_at is not None or sale.telegram_id is None:
            raise GiveRefused("left")
        if sale.blocked_at is not None:
            raise GiveRefused("member_blocked")
