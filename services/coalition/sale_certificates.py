"""A partner's certificate put into, or taken out of, a sale's open draft at the business that
accepts it (issue 16): the 🎟 buttons of the preview. Each press is one transaction that makes
the draft again under a new key (as other points do, services/till_drafts.py), so the old
preview's Confirm can no longer confirm the old numbers. Its redemption comes with the sale's
Confirm (services/purchases.py), what a refund does with it with the refund (sale_share.py)."""

from __future__ import annotations

from datetime import datetime

from db.models import CertificateStatus
from db.repositories.sale_certificates import SaleCertificateRepo
from services import policy
from services.coalition.sale_share import SaleCertificate
from services.errors import CertificateRefused
from services.policy.certificates import ShareRefused, check_share
from services.program import Program
from services.till import SaleDraft
from services.till_drafts import DraftService
from services.till_lookup import Found


class ShareTooSmall(CertificateRefused):
    """The check is below the certificate's minimum (reason min_check): it names both."""

    def __init__(self, min_check_minor: int, currency: str) -> None:
        super().__init__("min_check")
        self.min_check_minor = min_check_minor
        self.currency = currency


class SaleCertificateService(DraftService):
    async def use(
        self, merchant_id: int, staff_id: int, key: str, certificate_id: int
    ) -> SaleDraft:
        """The open draft `key` made again with the buyer's certificate paying its share of
        the check first; the points spent are kept within what is left to pay."""
        return await self._remake(merchant_id, staff_id, key, certificate_id)

    async def drop(self, merchant_id: int, staff_id: int, key: str) -> SaleDraft:
        """The open draft `key` made again without its certificate."""
        return await self._remake(merchant_id, staff_id, key, None)

    async def _remake(
        self, merchant_id: int, staff_id: int, key: str, certificate_id: int | None
    ) -> SaleDraft:
        async with self.session.begin():
            now = self.clock()
            program = await self._program(merchant_id)
            # The seller is checked on this read before anything of it is used.
            row = await self._lookup(program, staff_id, now, draft_key=key, draft_receipt=True)
            self._check_draft(row.draft_status, row.draft_created_at, now)
            found = self._found(program, row)
            if found is not None:
                check = row.draft_amount + (row.draft_certificate_minor or 0)
                chosen = None
                if certificate_id is not None:
                    chosen = await self._chosen(program, found, certificate_id, check, now)
                rest = check - (chosen.share_minor if chosen is not None else 0)
                till = found.till
                most = policy.max_redeemable(rest, till.level, till.balance, till.point_value)
                return await self._draft(
                    program,
                    found,
                    staff_id,
                    rest,
                    min(row.draft_points, most),
                    row.draft_receipt,
                    now,
                    replaces=key,
                    certificate=chosen,
                )
            failure = await self._missed(merchant_id, staff_id, row.draft_code, now)
        raise failure

    async def _chosen(
        self, program: Program, found: Found, certificate_id: int, check: int, now: datetime
    ) -> SaleCertificate:
        """The buyer's certificate for this business, open and valid, and its share of the
        check; another customer's or another business's is refused as unknown."""
        row = await SaleCertificateRepo(self.session).held(
            certificate_id, program.id, found.membership_id
        )
        if row is None:
            raise CertificateRefused("unknown")
        if row.status == CertificateStatus.REDEEMED:
            raise CertificateRefused("redeemed")
        if row.status == CertificateStatus.CANCELLED:
            raise CertificateRefused("cancelled")
        if row.status == CertificateStatus.EXPIRED or row.expires_at <= now:
            raise CertificateRefused("expired")
        try:
            share = check_share(check, row.value_minor, row.min_check_minor)
        except ShareRefused as refused:
            if refused.reason == "min_check":
                raise ShareTooSmall(row.min_check_minor, program.merchant.currency) from None
            raise CertificateRefused(refused.reason) from None
        return SaleCertificate(row.id, share, row.item)
