"""The till's reads, in Core, one statement each: who may sell, with the customer behind a code
(or an open draft's code) and what the preview needs; and a draft with its buyer and referrers
read for update before it is confirmed. Services work out any refusal from what these return;
the rare paths (a wrong code, a locked merchant) ask again with the limits' own queries.

Each statement is built once per shape, with bound parameters (`_lookup`, till_family.py): building
one of these joins anew costs more than running it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased

from db.models import (
    AuditLog,
    Certificate,
    CertificateStatus,
    Customer,
    Membership,
    Merchant,
    Outbox,
    PaymentCode,
    Preorder,
    Purchase,
    Staff,
    Voucher,
    VoucherStatus,
)
from db.repositories.base import Repo, run_core
from db.repositories.bulk import insert_rows
from db.repositories.preorders import WAITING
from db.repositories.till_family import (
    active_staff,
    confirmed_here,
    family_statement,
    seller_columns,
)

WRONG_CODE = "wrong_code"
NO_RECEIPT, RECEIPT_GIVEN, DRAFTS_RECEIPT = 0, 1, 2  # which receipt number a lookup checks


def _open_vouchers() -> Any:
    """How many vouchers the customer could hand over now: the preview reads them (its 🎁
    buttons, handlers/sale_offer.py) only when there are any."""
    return (
        select(func.count())
        .where(
            Voucher.membership_id == Membership.id,
            Voucher.status == VoucherStatus.OPEN,
            Voucher.expires_at > bindparam("now"),
        )
        .correlate(Membership)
        .scalar_subquery()
    )


def _open_certificates() -> Any:
    """How many partners' certificates for this merchant the customer holds open now (issue
    16): the preview reads them (its 🎟 buttons) only when there are any."""
    return (
        select(func.count())
        .where(
            Certificate.customer_id == Membership.customer_id,
            Certificate.merchant_id == Merchant.id,
            Certificate.status == CertificateStatus.OPEN,
            Certificate.expires_at > bindparam("now"),
        )
        .correlate(Membership, Merchant)
        .scalar_subquery()
    )


@cache
def _lookup(lock: bool, draft_key: bool, code: bool, day: bool, receipt: int) -> Select[Any]:
    """TillRepo.lookup's statement for one combination of what it reads."""
    draft = aliased(Purchase, name="draft")
    drafted = aliased(Certificate, name="drafted")  # the certificate a draft uses (issue 16)
    columns: list[Any] = [Merchant.codes_resumed_at, *seller_columns()]
    query = select().select_from(Merchant).outerjoin(Staff, active_staff())
    if lock:
        wrong = select(func.count()).where(
            AuditLog.merchant_id == Merchant.id,
            AuditLog.action == WRONG_CODE,
            AuditLog.created_at >= bindparam("lock_window"),
            or_(
                Merchant.codes_resumed_at.is_(None),
                AuditLog.created_at > Merchant.codes_resumed_at,
            ),
        )
        columns.append(wrong.scalar_subquery().label("wrong_codes"))
    if draft_key:
        query = query.outerjoin(
            draft,
            and_(draft.idempotency_key == bindparam("key"), draft.merchant_id == Merchant.id),
        ).outerjoin(drafted, drafted.id == draft.certificate_id)
        columns += [
            draft.id.label("draft_id"),
            draft.status.label("draft_status"),
            draft.created_at.label("draft_created_at"),
            draft.amount_minor.label("draft_amount"),
            draft.points_spent.label("draft_points"),
            draft.receipt_no.label("draft_receipt"),
            draft.payment_code.label("draft_code"),
            draft.certificate_id.label("draft_certificate_id"),
            draft.certificate_minor.label("draft_certificate_minor"),
            drafted.item.label("draft_certificate_item"),
        ]
    if code or draft_key:
        value = bindparam("code", type_=PaymentCode.code.type) if code else draft.payment_code
        query = (
            query.outerjoin(
                PaymentCode,
                and_(
                    PaymentCode.merchant_id == Merchant.id,
                    PaymentCode.code == value,
                    PaymentCode.used_at.is_(None),
                    PaymentCode.expires_at > bindparam("now"),
                ),
            )
            .outerjoin(Membership, Membership.id == PaymentCode.membership_id)
            .outerjoin(Customer, Customer.id == Membership.customer_id)
            .outerjoin(
                Preorder,
                and_(
                    Preorder.membership_id == Membership.id,
                    Preorder.code == PaymentCode.code,
                    Preorder.status.in_(WAITING),
                ),
            )
        )
        columns += [
            PaymentCode.code.label("code"),
            Membership.id.label("membership_id"),
            Membership.level_rank,
            Membership.balance_minor,
            Membership.blocked_at,
            Customer.telegram_id,
            Customer.first_name,
            Customer.phone,
            Preorder.id.label("order_id"),
            Preorder.total_minor.label("order_total"),
            _open_vouchers().label("open_vouchers"),
            _open_certificates().label("open_certificates"),
        ]
        if day:
            net = func.coalesce(func.sum(Purchase.amount_minor - Purchase.refunded_minor), 0)
            spent = (
                select(net)
                .where(
                    *confirmed_here(Purchase),
                    Purchase.membership_id == Membership.id,
                    Purchase.confirmed_at >= bindparam("day_start"),
                )
                .correlate_except(Purchase)
            )
            columns.append(spent.scalar_subquery().label("spent_today"))
    if receipt != NO_RECEIPT:
        number = (
            draft.receipt_no
            if receipt == DRAFTS_RECEIPT
            else bindparam("receipt_no", type_=Purchase.receipt_no.type)
        )
        taken = (
            select(Purchase.id)
            .where(*confirmed_here(Purchase), Purchase.receipt_no == number)
            .correlate_except(Purchase)
            .exists()
        )
        columns.append(taken.label("receipt_taken"))
    return query.add_columns(*columns).where(Merchant.id == bindparam("merchant_id"))


class TillRepo(Repo):
    async def lookup(
        self,
        merchant_id: int,
        actor: int,
        now: datetime,
        *,
        code: str | None = None,
        draft_key: str | None = None,
        lock_window: datetime | None = None,
        receipt_no: str | None = None,
        draft_receipt: bool = False,
        day_start: datetime | None = None,
    ) -> Row[Any]:
        """One row: the seller's staff row and last pause; with `lock_window`, the merchant's
        wrong codes since then (and since its last resume); the customer behind the active
        `code`, or behind the open draft `draft_key`'s code, with their open pre-order under
        it; with `receipt_no` (or `draft_receipt`: the draft's number, unless another is
        given), whether a confirmed purchase holds that number; with `day_start`, what the
        customer bought since (net of refunds)."""
        receipt = NO_RECEIPT
        if receipt_no is not None:
            receipt = RECEIPT_GIVEN
        elif draft_receipt and draft_key is not None:
            receipt = DRAFTS_RECEIPT
        customer = code is not None or draft_key is not None
        day = customer and day_start is not None
        statement = _lookup(
            lock_window is not None, draft_key is not None, code is not None, day, receipt
        )
        params: dict[str, Any] = {"merchant_id": merchant_id, "actor": actor}
        if customer:
            params["now"] = now
        optional = {
            "code": code,
            "key": draft_key,
            "lock_window": lock_window,
            "receipt_no": receipt_no,
            "day_start": day_start if day else None,
        }
        params.update((name, value) for name, value in optional.items() if value is not None)
        row: Row[Any] | None = (await run_core(self.s, statement, params)).first()
        assert row is not None, f"merchant {merchant_id}"
        return row

    async def draft_family(
        self,
        merchant_id: int,
        key: str,
        actor: int,
        depth: int,
        stamp_day: datetime | None = None,
    ) -> Sequence[Row[Any]]:
        """The draft `key` with its buyer (depth 0) and the referrers up to `depth` above
        them (a row per membership and depth, locked in id order: one global lock order),
        each with what their notices need, and the seller's staff row and last pause; no
        rows when there is no such draft. The buyer's open pre-order under the draft's code
        comes along. With `stamp_day`: whether the buyer holds a stamp of a purchase since
        then (`stamped_today`: a daily-once stamp card asks)."""
        params: dict[str, Any] = {
            "merchant_id": merchant_id,
            "key": key,
            "actor": actor,
            "depth": depth,
        }
        if stamp_day is not None:
            params["day_start"] = stamp_day
        statement = family_statement(stamp_day is not None)
        rows: Sequence[Row[Any]] = (await run_core(self.s, statement, params)).all()
        return rows

    async def queue(self, rows: Sequence[dict[str, Any]]) -> None:
        """Outbox rows, in one statement (services/outbox.py says what a row holds)."""
        await insert_rows(self.s, Outbox, rows)
