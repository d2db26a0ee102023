"""An open draft at the till made again with other points or a receipt number, checked before
its receipt number is asked, or cancelled: each one transaction."""

from __future__ import annotations

from datetime import datetime

from db.models import Purchase, PurchaseStatus
from services.coalition.sale_share import drafted
from services.errors import SaleRefused
from services.seller import DRAFT_TTL
from services.till import RECEIPT_MAX, SaleDraft, TillService
from services.till_lookup import clean_receipt


class DraftService(TillService):
    """A draft between its preview and Confirm (services/purchases.py confirms it)."""

    async def reprice(
        self,
        merchant_id: int,
        staff_id: int,
        key: str,
        *,
        points: int | None = None,
        receipt_no: str | None = None,
    ) -> SaleDraft:
        """The open draft `key` with other points or a receipt number, in one transaction. A
        new draft replaces it, so the old preview's Confirm can no longer confirm the old
        numbers."""
        receipt = clean_receipt(receipt_no, RECEIPT_MAX)
        async with self.session.begin():
            now = self.clock()
            program = await self._program(merchant_id)
            row = await self._lookup(
                program, staff_id, now, draft_key=key, receipt_no=receipt, draft_receipt=True
            )
            self._check_draft(row.draft_status, row.draft_created_at, now)
            found = self._found(program, row)
            if found is not None:
                return await self._draft(
                    program,
                    found,
                    staff_id,
                    row.draft_amount,
                    row.draft_points if points is None else points,
                    row.draft_receipt if receipt_no is None else receipt,
                    now,
                    replaces=key,
                    certificate=drafted(row),
                )
            failure = await self._missed(merchant_id, staff_id, row.draft_code, now)
        raise failure

    @staticmethod
    def _check_draft(
        status: PurchaseStatus | None, created_at: datetime | None, now: datetime
    ) -> None:
        """An open draft of this merchant (SaleRefused otherwise)."""
        if status != PurchaseStatus.DRAFT or created_at is None:
            raise SaleRefused("not_found")
        if created_at + DRAFT_TTL < now:
            raise SaleRefused("expired_draft")

    async def draft_open(self, merchant_id: int, staff_id: int, key: str) -> None:
        """Check the seller, then that the draft is still open (SaleRefused otherwise)."""
        await self._open_draft(merchant_id, staff_id, key)

    async def _open_draft(self, merchant_id: int, staff_id: int, key: str) -> Purchase:
        async with self.session.begin():
            now = self.clock()
            await self._seller(merchant_id, staff_id, now)  # before reading the draft at all
            purchase = await self.purchases.by_key(key)
            if purchase is None or purchase.merchant_id != merchant_id:
                raise SaleRefused("not_found")
            self._check_draft(purchase.status, purchase.created_at, now)
            return purchase

    async def cancel(self, merchant_id: int, staff_id: int, key: str) -> bool:
        """Drop a draft; only staff of the merchant may (NotStaff, StaffPaused otherwise)."""
        async with self.session.begin():
            await self._seller(merchant_id, staff_id, self.clock())
            purchase = await self.purchases.by_key(key)
            if purchase is None or purchase.merchant_id != merchant_id:
                return False
            now = self.clock()
            cancelled = await self.purchases.transition(
                purchase.id, PurchaseStatus.DRAFT, PurchaseStatus.CANCELLED, now
            )
            if cancelled:
                self.audit.add(merchant_id, staff_id, "sale_cancel", now, target=str(purchase.id))
            return cancelled
