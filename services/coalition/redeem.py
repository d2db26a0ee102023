"""Redeeming a certificate on its own at the till of the business that accepts it (issue 16):
the cashier finds it by its code (typed after /redeem, at the sale form's code step, or from
the certificate's QR), sees what it is and whose, and hands it over.

Who asks is checked before anything about the certificate is read: an active, unpaused seller
of the merchant (owners too), at a merchant whose code entry is not locked. A code that is no
certificate anywhere counts as a wrong code towards the pause and the lock, as a wrong
voucher code does; a certificate another business accepts is only said to be that business's
(codes are deployment-wide, so naming it tells the cashier where to send the customer).
Handing over is CertificateRepo.redeem (open and still valid -> redeemed, once) with its
`redeemed` ledger entry, the audit row and the holder's notice, in one transaction, so of two
cashiers pressing at once one redeems and the other hears it was just redeemed.

`flag_many` tells the admins when one customer's redemptions of the day (anywhere, counted in
this business's local day) reach policy.certificates.FLAG_PER_DAY; a sale that redeems a
certificate calls it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CertificateReason, CertificateStatus
from db.repositories import StaffRepo
from db.repositories.certificate_till import CertificateTillRepo
from db.repositories.certificates import CertificateRepo
from services import policy
from services.coalition.issue import entry_row
from services.errors import CertificateRefused, CodeInvalid
from services.limits.daily import local_day_start
from services.notices import Notice
from services.notices.certificate_till import CertificatesFlag, CertificateUsed
from services.outbox import enqueue
from services.policy.certificates import code_typed, flagged
from services.program import Program
from services.staff import alert_place, alert_recipients
from services.till_lookup import CERTIFICATE_MISS, TillLookup

JUST = timedelta(minutes=5)  # a Hand over this soon after the redemption: "just redeemed"


class TillRefused(CertificateRefused):
    """A certificate the till can't redeem. Reasons: format, elsewhere (`place` accepts it;
    None: a button naming no certificate of this merchant), redeemed (on `at`),
    just_redeemed (at `at`, by another press a moment ago), expired (valid until `at`),
    cancelled, not_joined, member_blocked, own (the cashier's own). `timezone`: the
    merchant's, to say `at` in."""

    def __init__(
        self,
        reason: str,
        place: str | None = None,
        *,
        at: datetime | None = None,
        timezone: str = "UTC",
    ) -> None:
        super().__init__(reason, place)
        self.at = at
        self.timezone = timezone


class CertificateUnknown(CodeInvalid):
    """A 10-digit code that is no certificate: a wrong code, with the pause or lock it caused."""


@dataclass(frozen=True, slots=True)
class CertificateView:
    """What the cashier sees before handing a certificate over."""

    certificate_id: int
    value_minor: int  # in `currency`; 0 for a named item
    item: str | None
    currency: str
    min_check_minor: int
    first_name: str | None
    phone_masked: str | None
    partner: str  # the business that handed it out
    expires_at: datetime
    timezone: str


@dataclass(frozen=True, slots=True)
class CertificateRedeemed:
    view: CertificateView
    redeemed_at: datetime
    flagged: bool  # the admins were told of the holder's many redemptions today


class CertificateTillService(TillLookup):
    """The till's certificates: find one by its code, hand it over or keep it."""

    @cached_property
    def certificates(self) -> CertificateRepo:
        return CertificateRepo(self.session)

    @cached_property
    def found(self) -> CertificateTillRepo:
        return CertificateTillRepo(self.session)

    async def find(self, merchant_id: int, staff_id: int, typed: str) -> CertificateView:
        """The certificate behind a code as typed or scanned, ready to hand over; a refusal
        otherwise. A code that is no certificate is audited and counted before it is refused."""
        code = code_typed(typed)
        async with self.session.begin():
            now = self.clock()
            program = await self._program(merchant_id)
            await self._lookup(program, staff_id, now)  # the seller and the code lock first
            if code is None:
                raise TillRefused("format")  # no guess: not counted
            row = await self.found.for_till(merchant_id, code=code)
            if row is not None:
                return _view(program, row, now, staff_id)
            if (place := await self.found.accepted_by(code)) is not None:
                raise TillRefused("elsewhere", place)  # a partner's: not a guess
            failure = await self._missed(
                merchant_id, staff_id, code, now, voucher=True, miss=CERTIFICATE_MISS
            )
        raise CertificateUnknown(
            failure.reason, failure.paused, failure.until, failure.locked_until
        )

    async def keep(self, merchant_id: int, staff_id: int, certificate_id: int) -> CertificateView:
        """Cancel on a certificate shown at the till: nothing changes. It is this merchant's
        and still open, or the refusal says what it really is."""
        async with self.session.begin():
            now = self.clock()
            program, row = await self._by_id(merchant_id, staff_id, certificate_id, now)
            return _view(program, row, now, staff_id)

    async def hand_over(
        self, merchant_id: int, staff_id: int, certificate_id: int
    ) -> CertificateRedeemed:
        """Redeem the certificate, once, with its ledger entry; the holder is told, the act
        audited, the admins flagged when the holder used many today."""
        async with self.session.begin():
            now = self.clock()
            program, row = await self._by_id(merchant_id, staff_id, certificate_id, now)
            zone = program.merchant.timezone
            try:
                view = _view(program, row, now, staff_id)
            except TillRefused as refused:
                if refused.reason == "redeemed" and refused.at and refused.at > now - JUST:
                    raise TillRefused("just_redeemed", at=refused.at, timezone=zone) from None
                raise
            done = await self.certificates.redeem(certificate_id, merchant_id, now, staff_id)
            if done is None:  # another cashier's press committed first
                again = await self.found.for_till(merchant_id, certificate_id=certificate_id)
                at = again.redeemed_at if again is not None else None
                raise TillRefused("just_redeemed", at=at, timezone=zone)
            await self.certificates.add_entries(
                [
                    entry_row(
                        done,
                        CertificateReason.REDEEMED,
                        now,
                        customer_id=done.customer_id,
                        staff_telegram_id=staff_id,
                    )
                ]
            )
            self.audit.add(
                merchant_id, staff_id, "certificate_redeem", now, target=str(certificate_id)
            )
            merchant = program.merchant
            used = CertificateUsed(
                merchant=merchant.name,
                value_minor=row.value_minor,
                currency=merchant.currency,
                item=row.item,
            )
            # A certificate a refund gave back may be redeemed again: one notice per redemption.
            key = f"certificate:{certificate_id}:{now.isoformat()}"
            await self._announce(merchant_id, [Notice(row.telegram_id, None, used)], key)
            flags = await flag_many(
                self.session, self.owner_ids, program, done.customer_id, row.first_name, now
            )
            return CertificateRedeemed(view, now, bool(flags))

    async def _by_id(
        self, merchant_id: int, staff_id: int, certificate_id: int, now: datetime
    ) -> tuple[Program, Any]:
        """The seller checked first, then the certificate a button names: this merchant's
        only (another's is refused as not of this place, saying nothing of it)."""
        await self._seller(merchant_id, staff_id, now)
        program = await self._program(merchant_id)
        row = await self.found.for_till(merchant_id, certificate_id=certificate_id)
        if row is None:
            raise TillRefused("elsewhere")
        return program, row


def _view(program: Program, row: Any, now: datetime, staff_id: int) -> CertificateView:
    """The certificate as the till shows it, or the reason it can't be handed over: a
    cashier's own certificate is a colleague's to hand over, as the till's own sale is."""
    zone = program.merchant.timezone
    if row.telegram_id is not None and row.telegram_id == staff_id:
        raise TillRefused("own")
    if row.status == CertificateStatus.REDEEMED:
        raise TillRefused("redeemed", at=row.redeemed_at, timezone=zone)
    if row.status == CertificateStatus.CANCELLED or row.customer_id is None:
        raise TillRefused("cancelled")
    if row.status == CertificateStatus.EXPIRED or row.expires_at <= now:
        raise TillRefused("expired", at=row.expires_at, timezone=zone)
    if row.membership_id is None or row.deleted_at is not None:
        raise TillRefused("not_joined")
    if row.blocked_at is not None:
        raise TillRefused("member_blocked")
    return CertificateView(
        certificate_id=row.id,
        value_minor=row.value_minor,
        item=row.item,
        currency=program.merchant.currency,
        min_check_minor=row.min_check_minor,
        first_name=row.first_name,
        phone_masked=policy.mask_phone(row.phone) if row.phone else None,
        partner=row.partner,
        expires_at=row.expires_at,
        timezone=zone,
    )


async def flag_many(
    session: AsyncSession,
    owner_ids: frozenset[int] | Sequence[int],
    program: Program,
    customer_id: int,
    member: str | None,
    now: datetime,
) -> list[Notice]:
    """After a certificate of `customer_id` was redeemed at `program`'s business in this
    transaction: when their redemptions of this business's local day (anywhere, this one
    counted) reach the threshold, the alert to its admins is queued, once per customer and
    day; the notices queued now (none most of the time)."""
    start = local_day_start(now, program.merchant.timezone)
    count = await CertificateTillRepo(session).redeemed_since(customer_id, start)
    if not flagged(count):
        return []
    admins = await alert_recipients(StaffRepo(session), program.id, frozenset(owner_ids))
    place = await alert_place(session, program.merchant.name)
    body = CertificatesFlag(member=member, count=count, place=place)
    notices = [Notice(admin, None, body) for admin in admins]
    prefix = f"certificates_flag:{customer_id}:{start.date().isoformat()}"
    added = await enqueue(
        session, program.id, notices, now, prefix, program.merchant.default_language
    )
    return notices if added else []  # told already today
