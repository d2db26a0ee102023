"""The customer behind a code at the till, in one statement with the seller's check: what the
preview shows of them (Till), and a wrong code counted, paused and locked as services/limits
says. Every step of a sale (services/till.py) starts here, inside its one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.repositories import LimitRepo
from db.repositories.till import WRONG_CODE
from services import limits, policy
from services.dto import LevelInfo
from services.errors import CodeInvalid, CodesLocked, SaleRefused
from services.limits.daily import local_day_start
from services.limits.wrong_codes import MERCHANT_WINDOW, TICK, lock_since
from services.program import Program
from services.seller import SellerBase, check_seller

VOUCHER_MISS = "voucher"  # a wrong code's audit details when a voucher's code was typed
CERTIFICATE_MISS = "certificate"  # and when a certificate's was (issue 16)
JUST = timedelta(minutes=5)  # a Hand over this soon after the redemption: "just redeemed"


def just_redeemed(redeemed_at: datetime | None, now: datetime) -> bool:
    """Whether a voucher or certificate redeemed at `redeemed_at` was redeemed a moment ago:
    a second press or a colleague's, answered as such rather than as an old redemption."""
    return redeemed_at is not None and redeemed_at > now - JUST


@dataclass(frozen=True, slots=True)
class Till:
    """What a cashier may see of the customer: first name, masked phone, level, balance."""

    code: str
    telegram_id: int  # to refuse a cashier's sale to themselves; never shown
    first_name: str | None
    phone_masked: str | None
    level: LevelInfo
    balance: int
    currency: str
    receipt_required: bool
    max_sale_minor: int
    order_id: int | None = None  # a pre-order waiting for pickup under this code
    order_total_minor: int | None = None
    point_value: int = 1  # minor units one point is worth (Merchant.point_value_minor)
    open_vouchers: int = 0  # vouchers they could hand over now (the preview's 🎁 buttons)
    open_certificates: int = 0  # partners' certificates usable here now (its 🎟 buttons)


@dataclass(frozen=True, slots=True)
class Found:
    """The customer behind a code, and what the lookup read beside them for the draft."""

    till: Till
    membership_id: int
    level_rank: int
    row: Any  # the lookup's row: a draft's columns, the receipt and the day's spend


def clean_receipt(text: str | None, limit: int) -> str | None:
    return (text or "").strip()[:limit] or None


class TillLookup(SellerBase):
    async def check(self, merchant_id: int, staff_id: int) -> None:
        """An active, unpaused seller (NotStaff or StaffPaused otherwise)."""
        async with self.session.begin():
            await self._seller(merchant_id, staff_id, self.clock())

    async def _lookup(
        self,
        program: Program,
        staff_id: int,
        now: datetime,
        *,
        code: str | None = None,
        draft_key: str | None = None,
        receipt_no: str | None = None,
        draft_receipt: bool = False,
    ) -> Any:
        """The lookup's row, after the seller's check and the merchant's code lock (which
        raise); a code that is no payment code is looked up as none."""
        limit = program.wrong_codes_hour_limit
        capped = program.daily_amount_cap_minor
        row = await self.till.lookup(
            program.id,
            staff_id,
            now,
            code=code if code is not None and policy.is_payment_code(code) else None,
            draft_key=draft_key,
            lock_window=now - MERCHANT_WINDOW + TICK if limit > 0 else None,
            receipt_no=receipt_no,
            draft_receipt=draft_receipt,
            day_start=local_day_start(now, program.merchant.timezone) if capped else None,
        )
        owner = staff_id in self.owner_ids
        check_seller(owner, row.role, row.paused_until, row.last_pause, now)
        if limit > 0 and row.wrong_codes >= limit:
            since = lock_since(now, row.codes_resumed_at)
            nth = row.wrong_codes - limit + 1
            oldest = await LimitRepo(self.session).nth_action_since(
                program.id, WRONG_CODE, since, nth
            )
            raise CodesLocked((oldest or now) + MERCHANT_WINDOW)
        return row

    def _found(self, program: Program, row: Any) -> Found | None:
        """The customer the lookup found, or None: no active code matched (a text that is no
        payment code looks up no customer: its row has no customer's columns). A member the
        staff blocked (services/care/) can neither earn nor spend: refused."""
        if getattr(row, "membership_id", None) is None:
            return None
        if row.blocked_at is not None:
            raise SaleRefused("member_blocked")
        levels = program.levels
        level = next((lv for lv in levels if lv.rank == row.level_rank), levels[-1])
        merchant = program.merchant
        till = Till(
            code=row.code,
            telegram_id=row.telegram_id,
            first_name=row.first_name,
            phone_masked=policy.mask_phone(row.phone) if row.phone else None,
            level=level,
            balance=row.balance_minor,
            currency=merchant.currency,
            receipt_required=merchant.receipt_required,
            max_sale_minor=merchant.max_sale_minor,
            order_id=row.order_id,
            order_total_minor=row.order_total,
            point_value=merchant.point_value_minor,
            open_vouchers=row.open_vouchers or 0,
            open_certificates=row.open_certificates or 0,
        )
        return Found(till, row.membership_id, row.level_rank, row)

    async def _missed(
        self,
        merchant_id: int,
        staff_id: int,
        code: str,
        now: datetime,
        voucher: bool = False,
        miss: str = VOUCHER_MISS,
    ) -> CodeInvalid:
        """No active code matched: the merchant's turn is taken (code lookups that miss take
        turns on PostgreSQL, so no two slip under a limit), the pause and the lock checked
        again with every miss committed before, the attempt audited, and what follows from it
        (a pause, a lock, alerts) done. The refusal to raise once this commits. A `voucher`
        code that is none counts as a wrong payment code does; its audit row says `miss`
        (voucher, or certificate).
        Text that is no payment code at all can't be a guess: refused as such, not counted."""
        valid = policy.is_payment_code(code)
        if not valid and not voucher:
            return CodeInvalid("format")  # "abc", 7 digits: no guess, neither audited nor counted
        guard = limits.TillGuard(self.session, self.owner_ids)
        merchant = await guard.before_lookup(merchant_id, staff_id, now)
        stale = await self.codes.find_any(merchant_id, code) if valid else None
        reason = "unknown"
        if stale is not None:
            reason = "used" if stale.used_at is not None else "expired"
        # Only codes that match nobody count towards a pause: guessing looks like that,
        # while a code that expired during a slow sale does not.
        action = WRONG_CODE if reason == "unknown" else "stale_code"
        details = miss if voucher else reason
        self.audit.add(merchant_id, staff_id, action, now, details=details)
        await self.session.flush()
        return await guard.after_miss(merchant, staff_id, action, reason, now)


def code_typed(text: str) -> str:
    """A code as typed or scanned: spaces are no part of it."""
    return text.strip().replace(" ", "")
