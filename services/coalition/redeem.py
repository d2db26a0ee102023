"""Redeeming a certificate on its own at the till of the business that accepts it (issue 16):
the cashier finds it by its code (typed after /redeem, at the sale form's code step, or from
the certificate's QR), sees what it is and whose, and hands it over.

Who asks is checked before anything about the certificate is read: an active, unpaused seller
of the merchant (owners too), at a merchant whose code entry is not locked. A code that is no
certificate anywhere counts as a wrong code towards the pause and the lock, as a wrong
voucher code does; a certificate another business accepts is only said to be that business's
(codes are deployment-wide, so naming it tells the cashier where to send the customer).
Handing over is CertificateRepo.redeem (open, still valid and still held by the customer the
cashier was shown -> redeemed, once) with its `redeemed` ledger entry, the audit row and the
holder's notice, in one transaction, so of two cashiers pressing at once one redeems and the
other hears who just did; a certificate given to a friend since it was shown is refused as
having changed hands (the friend's code has to be looked up anew).

`flag_many` tells the admins when one customer's redemptions of the day (anywhere, counted in
this business's local day) reach policy.certificates.FLAG_PER_DAY; a sale that redeems a
certificate calls it too. The alert never undoes the redemption: two redemptions of one
customer committing at once both reach the threshold and queue the same dedupe key, and the
later one's alert, in a SAVEPOINT, gives way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.exc import IntegrityError
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
from services.policy.certificates import flagged
from services.program import Program
from services.staff import alert_place, alert_recipients
from services.till_lookup import CERTIFICATE_MISS, TillLookup, just_redeemed


@dataclass(frozen=True, slots=True)
class Redeemer:
    """Who redeemed a certificate a moment ago, as the till says it: the presser themselves
    (`own`), a colleague by their staff name, an owner (no staff row), or else a colleague."""

    own: bool = False
    name: str | None = None
    owner: bool = False


class TillRefused(CertificateRefused):
    """A certificate the till can't redeem. Reasons: elsewhere (`place` accepts it; None: a
    button naming no certificate of this merchant), redeemed (on `at`), just_redeemed (at
    `at`, by `redeemer`, a moment ago), changed_hands (given to a friend since it was shown),
    expired (valid until `at`), cancelled, not_joined, member_blocked, own (the cashier's
    own). `timezone`: the merchant's, to say `at` in."""

    def __init__(
        self,
        reason: str,
        place: str | None = None,
        *,
        at: datetime | None = None,
        timezone: str = "UTC",
        redeemer: Redeemer | None = None,
    ) -> None:
        super().__init__(reason, place)
        self.at = at
        self.timezone = timezone
        self.redeemer = redeemer


class CertificateUnknown(CodeInvalid):
    """A 10-digit code that is no certificate: a wrong code, with the pause or lock it caused."""


@dataclass(frozen=True, slots=True)
class CertificateView:
    """What the cashier sees before handing a certificate over."""

    certificate_id: int
    holder: int  # the customer holding it when shown: Hand over redeems theirs only
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

    async def find(self, merchant_id: int, staff_id: int, code: str) -> CertificateView:
        """The certificate behind a code (10 digits, as policy.certificates.code_typed reads
        them), ready to hand over; a refusal otherwise. A code that is no certificate is
        audited and counted before it is refused."""
        async with self.session.begin():
            now = self.clock()
            program = await self._program(merchant_id)
            await self._lookup(program, staff_id, now)  # the seller and the code lock first
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
        self, merchant_id: int, staff_id: int, certificate_id: int, holder: int
    ) -> CertificateRedeemed:
        """Redeem the certificate, once, if `holder` (the customer the cashier was shown) still
        holds it, with its ledger entry; the holder is told, the act audited, the admins
        flagged when the holder used many today."""
        async with self.session.begin():
            now = self.clock()
            program, row = await self._by_id(merchant_id, staff_id, certificate_id, now)
            await self._unchanged(program, row, holder, staff_id, now)
            view = _view(program, row, now, staff_id)
            done = await self.certificates.redeem(
                certificate_id, merchant_id, now, staff_id, customer_id=holder
            )
            if done is None:  # another cashier's press, or a gift, committed first
                again = await self.found.for_till(merchant_id, certificate_id=certificate_id)
                if again is None:
                    raise TillRefused("elsewhere")
                await self._unchanged(program, again, holder, staff_id, now)
                _view(program, again, now, staff_id)  # cancelled meanwhile: said as such
                raise TillRefused("just_redeemed", timezone=program.merchant.timezone)
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
            notices = [Notice(row.telegram_id, None, used)]
            await enqueue(self.session, merchant_id, notices, now, key, merchant.default_language)
            flags = await flag_many(
                self.session, self.owner_ids, program, done.customer_id, row.first_name, now
            )
            return CertificateRedeemed(view, now, bool(flags))

    async def _unchanged(
        self, program: Program, row: Any, holder: int, staff_id: int, now: datetime
    ) -> None:
        """Refused when the certificate a button names was redeemed a moment ago (saying by
        whom) or is no longer `holder`'s though still open (given to a friend since)."""
        zone = program.merchant.timezone
        if row.status == CertificateStatus.REDEEMED and just_redeemed(row.redeemed_at, now):
            redeemer = await self._redeemer(program.id, staff_id, row.redeemed_by)
            raise TillRefused(
                "just_redeemed", at=row.redeemed_at, timezone=zone, redeemer=redeemer
            )
        if row.status == CertificateStatus.OPEN and row.customer_id != holder:
            raise TillRefused("changed_hands")

    async def _redeemer(
        self, merchant_id: int, staff_id: int, redeemed_by: int | None
    ) -> Redeemer:
        """Who redeemed it, for the cashier who pressed a moment later (a read only then)."""
        if redeemed_by == staff_id:
            return Redeemer(own=True)
        if redeemed_by is None:
            return Redeemer()
        staff = await StaffRepo(self.session).any(merchant_id, redeemed_by)
        if staff is not None:
            return Redeemer(name=staff.name)
        return Redeemer(owner=redeemed_by in self.owner_ids)

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
        holder=row.customer_id,
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
    language = program.merchant.default_language
    try:
        async with session.begin_nested():  # a SAVEPOINT: its failure leaves the redemption
            added = await enqueue(session, program.id, notices, now, prefix, language)
    except IntegrityError:  # a redemption committing at the same time queued it: told once
        return []
    return notices if added else []  # told already today
