"""Certificates handed out: their codes, their rows and their `issued` ledger entries. Every
way a certificate comes into being (after a purchase at a partner, a partner cashier's tap, a
test's factory) issues through `issue`, in three statements for any number of them; and every
later change of a certificate writes its entry with `entry_row`.

A certificate runs to the end of its last local day in the accepting business's time zone,
as a voucher does (services/rewards/issue.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.models import CertificateReason, CertificateStatus
from db.models.coalition import DELTA
from db.repositories.certificates import CertificateRepo
from services.policy.certificates import new_code
from services.rewards.issue import expires_at


@dataclass(frozen=True, slots=True)
class Grant:
    """A certificate to issue: whose, for which business, handed out by which partner, on
    the offer's terms as they stand now."""

    offer_id: int
    merchant_id: int  # the business that accepts it
    partner_merchant_id: int  # the business that hands it out
    customer_id: int
    value_minor: int
    item: str | None
    min_check_minor: int
    valid_days: int
    timezone: str  # the accepting business's
    source_purchase_id: int | None = None  # the purchase at the partner that earned it
    issued_by: int | None = None  # the partner's cashier who gave it


@dataclass(frozen=True, slots=True)
class Issued:
    id: int
    code: str
    grant: Grant
    expires_at: datetime


def entry_row(
    certificate: Any,
    reason: CertificateReason,
    now: datetime,
    *,
    customer_id: int | None,
    purchase_id: int | None = None,
    staff_telegram_id: int | None = None,
) -> dict[str, Any]:
    """A ledger entry of `certificate` (anything with its id, merchant_id,
    partner_merchant_id and value_minor); `customer_id` is its holder after the change."""
    return {
        "certificate_id": certificate.id,
        "merchant_id": certificate.merchant_id,
        "partner_merchant_id": certificate.partner_merchant_id,
        "reason": reason,
        "delta": DELTA[reason],
        "value_minor": certificate.value_minor,
        "customer_id": customer_id,
        "purchase_id": purchase_id,
        "staff_telegram_id": staff_telegram_id,
        "created_at": now,
    }


def _distinct(count: int, kept: Sequence[str] = ()) -> list[str]:
    codes = dict.fromkeys(kept)
    while len(codes) < count:
        codes[new_code()] = None
    return list(codes)


def certificate_row(grant: Grant, code: str, now: datetime) -> dict[str, Any]:
    return {
        "code": code,
        "offer_id": grant.offer_id,
        "merchant_id": grant.merchant_id,
        "partner_merchant_id": grant.partner_merchant_id,
        "customer_id": grant.customer_id,
        "first_customer_id": grant.customer_id,
        "value_minor": grant.value_minor,
        "item": grant.item,
        "min_check_minor": grant.min_check_minor,
        "status": CertificateStatus.OPEN,
        "issued_at": now,
        "issued_by": grant.issued_by,
        "source_purchase_id": grant.source_purchase_id,
        "expires_at": expires_at(now, grant.valid_days, grant.timezone),
        "gift_token": None,
        "gifted_at": None,
        "redeemed_at": None,
        "redeemed_by": None,
        "purchase_id": None,
        "closed_at": None,
    }


async def issue(repo: CertificateRepo, grants: Sequence[Grant], now: datetime) -> list[Issued]:
    """Issue certificates with their `issued` entries: three statements (four when a code
    was taken, which 9·10^9 codes make rare). Caps (the offer's total, per customer) are the
    caller's to check first, in the same transaction."""
    if not grants:
        return []
    codes = _distinct(len(grants))
    while taken := await repo.codes_taken(codes):
        codes = _distinct(len(grants), [c for c in codes if c not in taken])
    rows = [certificate_row(g, c, now) for g, c in zip(grants, codes, strict=True)]
    ids = await repo.issue(rows)
    issued = [
        Issued(i, row["code"], g, row["expires_at"])
        for i, row, g in zip(ids, rows, grants, strict=True)
    ]
    await repo.add_entries(
        [
            entry_row(
                _Ref(i.id, i.grant.merchant_id, i.grant.partner_merchant_id, i.grant.value_minor),
                CertificateReason.ISSUED,
                now,
                customer_id=i.grant.customer_id,
                staff_telegram_id=i.grant.issued_by,
            )
            for i in issued
        ]
    )
    return issued


@dataclass(frozen=True, slots=True)
class _Ref:
    id: int
    merchant_id: int
    partner_merchant_id: int
    value_minor: int
