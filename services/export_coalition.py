"""The columns and rows of the coalition's CSV export (issue 16): every certificate the
business accepts or handed out as a partner: both businesses, its terms (amounts in the
accepting business's currency, named in a column), status and dates, the holder's member
number here when they are a member; the accepting business's own sale and redeeming cashier,
or the partner's own source purchase and cashier who handed it out (each reads only its own
side). services/exports.py writes it like the others; a
business outside the coalition gets no empty file (EXPORTS_IF_ANY).

Telegram ids (the holder's when a member here, the cashiers') go only to owners, as in the
vouchers' and members' exports. A certificate's code is not exported: it is what pays at the
till."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from db.models import CertificateStatus
from db.reports.base import AnySelect
from db.reports.certificate_export import certificates_query
from services.privacy import major

LAST_MOMENT = timedelta(seconds=1)  # expires_at is the first moment it no longer works
Columns = tuple[list[str], Callable[[Any], list[object]], AnySelect]
HEADER = [
    "certificate",
    "offer",
    "accepted_by",
    "handed_out_by",
    "currency",
    "value",
    "item",
    "min_check",
    "status",
    "issued_at",
    "valid_until",  # its last moment: the end of its last day, as the wallet shows the day
    "gifted_at",
    "redeemed_at",
    "expired_at",
    "cancelled_at",
    "purchase",
    "member",
    "redeemed_by",
    "source_purchase",
    "handed_out_by_cashier",
]
PERSONAL = ["holder_telegram_id", "redeemed_by_telegram_id", "handed_out_by_telegram_id"]


def certificate_columns(
    merchant_id: int,
    personal: bool,
    when: Callable[[datetime | None], str],
    safe_text: Callable[[str | None], str],
) -> Columns:
    """The header, the row of a query's row, and the query of the certificates' export."""

    def row_of(r: Any) -> list[object]:
        expired = r.closed_at if r.status == CertificateStatus.EXPIRED else None
        cancelled = r.closed_at if r.status == CertificateStatus.CANCELLED else None
        row: list[object] = [
            r.id,
            r.offer_id,
            safe_text(r.accepted_by),
            safe_text(r.handed_out_by),
            r.currency,
            major(r.value_minor, r.currency),
            safe_text(r.item),
            major(r.min_check_minor, r.currency),
            str(r.status),
            when(r.issued_at),
            when(r.expires_at - LAST_MOMENT),
            when(r.gifted_at),
            when(r.redeemed_at),
            when(expired),
            when(cancelled),
            r.purchase_id or "",
            r.member or "",
            safe_text(r.staff),
            r.source_purchase_id or "",
            safe_text(r.issuer),
        ]
        if personal:
            row += [r.holder_telegram_id or "", r.redeemed_by or "", r.issued_by or ""]
        return row

    header = HEADER + PERSONAL if personal else list(HEADER)
    return header, row_of, certificates_query(merchant_id)
