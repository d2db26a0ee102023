"""The columns and rows of the rewards' CSV exports (issue 15): every voucher (its reward,
source, status, points and dates, keyed by member number), and every promotion with what it
brought. services/exports.py writes them like the others; a merchant without rewards gets no
empty files (EXPORTS_IF_ANY).

Who redeemed a voucher is named like a purchase's seller; the cashier's Telegram id goes only
to owners, as in the members' export.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from db.models import VoucherStatus
from db.reports import ExportRepo
from db.reports.base import AnySelect

EXPORTS_IF_ANY = ("vouchers", "promotions", "certificates")
Columns = tuple[list[str], Callable[[Any], list[object]], AnySelect]


def _clock(minute: int | None) -> str:
    return "" if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"


def weekdays_iso(mask: int) -> str:
    """ "1 2 3 4 5" for Monday to Friday (ISO weekday numbers) from a promotion's bit mask."""
    return " ".join(str(day + 1) for day in range(7) if mask & (1 << day))


def reward_columns(
    kind: str,
    repo: ExportRepo,
    merchant_id: int,
    personal: bool,
    when: Callable[[datetime | None], str],
    amount: Callable[[int], str],
    currency: str,
    safe_text: Callable[[str | None], str],
) -> Columns:
    """The header, the row of a query's row, and the query of the `kind` export."""
    if kind == "vouchers":
        header = [
            "voucher",
            "member",
            "reward",
            "source",
            "status",
            "points",
            "claimed_at",
            "expires_at",
            "redeemed_at",
            "lapsed_at",
            "cancelled_at",
            "purchase",
            "redeemed_by",
        ]
        if personal:
            header.append("redeemed_by_telegram_id")

        def voucher_row(r: Any) -> list[object]:
            lapsed = r.closed_at if r.status == VoucherStatus.LAPSED else None
            cancelled = r.closed_at if r.status == VoucherStatus.CANCELLED else None
            row: list[object] = [
                r.id,
                r.membership_id,
                safe_text(r.reward),
                str(r.source),
                str(r.status),
                r.points,
                when(r.claimed_at),
                when(r.expires_at),
                when(r.redeemed_at),
                when(lapsed),
                when(cancelled),
                r.purchase_id or "",
                safe_text(r.staff),
            ]
            if personal:
                row.append(r.redeemed_by or "")
            return row

        return header, voucher_row, repo.vouchers_query(merchant_id)
    promotion_header = [
        "promotion",
        "name",
        "multiplier",
        "extra_stamps",
        "weekdays_iso",
        "from",
        "until",
        "starts_on",
        "ends_on",
        "min_level",
        "created_at",
        "ended_at",
        "purchases",
        f"revenue_{currency}",
        "extra_points",
    ]

    def promotion_row(r: Any) -> list[object]:
        return [
            r.id,
            safe_text(r.name),
            f"{r.multiplier_pct / 100:g}",
            r.extra_stamps,
            weekdays_iso(r.weekdays),
            _clock(r.start_minute),
            _clock(r.end_minute),
            r.starts_on.isoformat() if r.starts_on else "",
            r.ends_on.isoformat() if r.ends_on else "",
            r.min_level_rank + 1,
            when(r.created_at),
            when(r.ended_at),
            r.purchases,
            amount(r.revenue),
            r.extra_points,
        ]

    return promotion_header, promotion_row, repo.promotions_query(merchant_id)
