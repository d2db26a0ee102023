"""Redeeming a voucher at the till (issue 15): the cashier finds it by its code (typed at the
till, after /redeem, or from the voucher's QR), sees what it is and whose, and hands it over.

Who asks is checked before anything about the voucher is read: an active, unpaused seller of
the merchant (owners too), at a merchant whose code entry is not locked. A code that is no
voucher anywhere counts as a wrong code towards the pause and the lock (services/limits/), as a
payment code does; another merchant's voucher is only said to be not this place's. Handing
over is one conditional update (open and still valid -> redeemed), so a second press or a
second cashier finds it done. A claimed voucher's points left the balance when it was claimed
(the reservation), so redeeming posts no ledger entry: the reservation became the spend.

In a sale, the preview offers the customer's open vouchers. One handed over from there is
redeemed at once, with purchase_id set to the sale's row: a draft keeps its id when it is
confirmed, so the redemption is recorded with the purchase without touching the purchase's
use case (services/purchases.py). A sale cancelled afterwards leaves the voucher redeemed and
pointing at the cancelled row: the reward was handed over all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from db.models import VoucherSource, VoucherStatus
from db.repositories.vouchers import VoucherRepo
from services import policy
from services.errors import CodeInvalid, Refused
from services.notices import Notice
from services.notices.redeem import VoucherRedeemed
from services.program import Program
from services.rewards.issue import code_typed
from services.till_lookup import TillLookup, just_redeemed

__all__ = [
    "RedeemService",
    "Redeemed",
    "SaleGift",
    "VoucherRefused",
    "VoucherSource",
    "VoucherUnknown",
    "VoucherView",
    "voucher_payload",
]

VOUCHERS_IN_SALE = 3  # the sale's preview stays small
PAYLOAD_PREFIX = "v"  # t.me/<bot>?start=v12345678: the voucher's QR


def voucher_payload(raw: str | None) -> str | None:
    """The voucher code a /start payload carries (`v` and 8 digits), else None."""
    if not raw or not raw.startswith(PAYLOAD_PREFIX):
        return None
    return code_typed(raw[len(PAYLOAD_PREFIX) :])


class VoucherRefused(Refused):
    """Reasons: format (not 8 digits), elsewhere (not a voucher of this merchant), redeemed
    (on `at`), just_redeemed (by another press a moment ago), lapsed (on `at`), cancelled,
    member_blocked, own_voucher (the cashier's own: a colleague hands it over). `timezone`:
    the merchant's, to say `at` in."""

    def __init__(self, reason: str, at: datetime | None = None, timezone: str = "UTC") -> None:
        super().__init__(reason)
        self.at = at
        self.timezone = timezone


class VoucherUnknown(CodeInvalid):
    """A code that is no voucher: a wrong code, with the pause or the lock it caused."""


@dataclass(frozen=True, slots=True)
class VoucherView:
    """What the cashier sees before handing a voucher over."""

    voucher_id: int
    reward: str
    first_name: str | None
    phone_masked: str | None
    source: VoucherSource
    points: int  # what a claimed voucher cost; 0 for a gift
    expires_at: datetime
    timezone: str
    sale_id: int | None = None  # handed over during this sale


@dataclass(frozen=True, slots=True)
class Redeemed:
    view: VoucherView
    redeemed_at: datetime


@dataclass(frozen=True, slots=True)
class SaleGift:
    """An open voucher of the customer at the till, offered on the sale's preview."""

    voucher_id: int
    reward: str
    sale_id: int


class RedeemService(TillLookup):
    """The till's vouchers: find one, hand it over, list a sale's customer's open ones."""

    @cached_property
    def vouchers(self) -> VoucherRepo:
        return VoucherRepo(self.session)

    async def find(self, merchant_id: int, staff_id: int, typed: str) -> VoucherView:
        """The voucher behind a code as typed or scanned, ready to hand over; a refusal
        otherwise. A code that is no voucher is audited and counted before it is refused."""
        code = code_typed(typed)
        async with self.session.begin():
            now = self.clock()
            program = await self._program(merchant_id)
            await self._lookup(program, staff_id, now)  # the seller and the code lock first
            if code is None:
                raise VoucherRefused("format")  # no guess: not counted
            row = await self.vouchers.for_till(merchant_id, code=code)
            if row is not None:
                return self._view(program, row, now, staff_id)
            if await self.vouchers.held_elsewhere(merchant_id, code):
                raise VoucherRefused("elsewhere")
            failure = await self._missed(merchant_id, staff_id, code, now, voucher=True)
        raise VoucherUnknown(failure.reason, failure.paused, failure.until, failure.locked_until)

    async def show(
        self, merchant_id: int, staff_id: int, voucher_id: int, sale_id: int | None
    ) -> VoucherView:
        """A voucher offered on a sale's preview, ready to hand over with that sale."""
        async with self.session.begin():
            now = self.clock()
            program, row = await self._by_id(merchant_id, staff_id, voucher_id, now)
            return self._view(program, row, now, staff_id, sale_id)

    async def keep(self, merchant_id: int, staff_id: int, voucher_id: int) -> VoucherView:
        """Cancel on a voucher shown at the till: nothing changes. The voucher is this
        merchant's and still open, or the refusal says what it really is."""
        async with self.session.begin():
            now = self.clock()
            program, row = await self._by_id(merchant_id, staff_id, voucher_id, now)
            return self._view(program, row, now, staff_id)

    async def hand_over(
        self, merchant_id: int, staff_id: int, voucher_id: int, sale_id: int | None
    ) -> Redeemed:
        """Redeem the voucher, once; the member is told, the act audited. With `sale_id` (a
        sale of the same member here) it is recorded with that sale."""
        async with self.session.begin():
            now = self.clock()
            program, row = await self._by_id(merchant_id, staff_id, voucher_id, now)
            try:
                view = self._view(program, row, now, staff_id, sale_id)
            except VoucherRefused as refused:
                if refused.reason == "redeemed" and just_redeemed(refused.at, now):
                    raise VoucherRefused("just_redeemed") from None  # a race, or a double press
                raise
            if sale_id is not None and not await self.vouchers.sale_of(
                merchant_id, sale_id, row.membership_id
            ):
                sale_id = None  # not this member's sale here: redeemed on its own
            if not await self.vouchers.redeem(merchant_id, voucher_id, staff_id, now, sale_id):
                raise VoucherRefused("just_redeemed")
            self.audit.add(
                merchant_id,
                staff_id,
                "voucher_redeem",
                now,
                target=str(voucher_id),
                details=str(sale_id) if sale_id is not None else None,
            )
            body = VoucherRedeemed(merchant=program.merchant.name, reward=row.reward)
            await self._announce(
                merchant_id, [Notice(row.telegram_id, None, body)], f"voucher:{voucher_id}"
            )
            return Redeemed(view, now)

    async def for_sale(self, merchant_id: int, staff_id: int, draft_key: str) -> list[SaleGift]:
        """The open vouchers of the customer of a sale's draft, a few, soonest to lapse first:
        one read. Only for the draft's own cashier, right after the sale's step that made it
        checked their role in the same update (each 🎁 button checks it again when pressed)."""
        async with self.session.begin():
            rows = await self.vouchers.open_for_draft(
                merchant_id, draft_key, staff_id, self.clock(), VOUCHERS_IN_SALE
            )
            return [SaleGift(r.id, r.reward, r.sale_id) for r in rows]

    async def _by_id(
        self, merchant_id: int, staff_id: int, voucher_id: int, now: datetime
    ) -> tuple[Program, Any]:
        """The seller checked first, then the voucher a button names: this merchant's only
        (another's is refused as not of this place, saying nothing of it)."""
        await self._seller(merchant_id, staff_id, now)
        program = await self._program(merchant_id)
        row = await self.vouchers.for_till(merchant_id, voucher_id=voucher_id)
        if row is None:
            raise VoucherRefused("elsewhere")
        return program, row

    @staticmethod
    def _view(
        program: Program, row: Any, now: datetime, staff_id: int, sale_id: int | None = None
    ) -> VoucherView:
        """The voucher as the till shows it, or the reason it can't be handed over: a
        cashier's own voucher is a colleague's to hand over, as the till's own sale is."""
        zone = program.merchant.timezone
        if row.telegram_id == staff_id:
            raise VoucherRefused("own_voucher")
        if row.status == VoucherStatus.REDEEMED:
            raise VoucherRefused("redeemed", row.redeemed_at, zone)
        if row.status == VoucherStatus.CANCELLED or row.deleted_at is not None:
            raise VoucherRefused("cancelled")
        if row.status == VoucherStatus.LAPSED or row.expires_at <= now:
            raise VoucherRefused("lapsed", row.expires_at, zone)
        if row.blocked_at is not None:
            raise VoucherRefused("member_blocked")
        return VoucherView(
            voucher_id=row.id,
            reward=row.reward,
            first_name=row.first_name,
            phone_masked=policy.mask_phone(row.phone) if row.phone else None,
            source=VoucherSource(row.source),
            points=row.points,
            expires_at=row.expires_at,
            timezone=zone,
            sale_id=sale_id,
        )
