"""Vouchers handed out: their codes and the rows that issue them. A catalogue claim, a full
stamp card, a welcome gift and an invited friend's gift all issue through here, so every
voucher has a code of the same shape and a validity from its reward. Given the merchant's
timezone, a voucher runs to the end of its last local day (valid_days after the claim's day),
so the date a member reads is the whole day it is good for."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db.models import VoucherSource, VoucherStatus
from db.repositories.vouchers import VoucherRepo

CODE_DIGITS = 8  # a payment code has 6: the till tells them apart by length


def new_code() -> str:
    """A voucher code: 8 digits, the first not 0 (people drop a leading zero)."""
    return str(secrets.randbelow(9 * 10 ** (CODE_DIGITS - 1)) + 10 ** (CODE_DIGITS - 1))


def shown_code(code: str) -> str:
    """The code as a person reads it: `1234 5678`."""
    return f"{code[:4]} {code[4:]}"


def code_typed(text: str) -> str | None:
    """A voucher code as typed (spaces and dashes dropped), or None when it is not one."""
    digits = "".join(ch for ch in text if ch not in " -")
    if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def _distinct(count: int, kept: Sequence[str] = ()) -> list[str]:
    codes = dict.fromkeys(kept)
    while len(codes) < count:
        codes[new_code()] = None
    return list(codes)


@dataclass(frozen=True, slots=True)
class Gift:
    """A voucher to issue: which member, which reward, why, and the points it reserves."""

    membership_id: int
    reward_id: int
    valid_days: int
    source: VoucherSource
    points: int = 0


def expires_at(now: datetime, valid_days: int, timezone: str | None = None) -> datetime:
    """When a voucher issued at `now` lapses: the end of the local day `valid_days` after
    today in `timezone` (the next local midnight), or exactly `valid_days` later without one."""
    if timezone is None:
        return now + timedelta(days=valid_days)
    zone = ZoneInfo(timezone)
    last = now.astimezone(zone).date() + timedelta(days=valid_days)
    return datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)


def last_day(expires: datetime, timezone: str) -> datetime:
    """The local moment just before a voucher lapses: its date is the last day it is good."""
    return (expires - timedelta(microseconds=1)).astimezone(ZoneInfo(timezone))


def voucher_row(
    merchant_id: int, gift: Gift, code: str, now: datetime, timezone: str | None = None
) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "membership_id": gift.membership_id,
        "reward_id": gift.reward_id,
        "code": code,
        "points": gift.points,
        "source": gift.source,
        "status": VoucherStatus.OPEN,
        "claimed_at": now,
        "expires_at": expires_at(now, gift.valid_days, timezone),
        "redeemed_at": None,
        "redeemed_by": None,
        "purchase_id": None,
        "closed_at": None,
    }


async def issue(
    repo: VoucherRepo,
    merchant_id: int,
    gifts: Sequence[Gift],
    now: datetime,
    *,
    timezone: str | None = None,
) -> list[tuple[int, str]]:
    """Issue vouchers in one statement (two when a code was taken, which 10^8 codes make
    rare): each one's id and code, in the order given. `timezone` (the merchant's) makes
    them run to the end of their last local day; None keeps the exact time."""
    if not gifts:
        return []
    codes = _distinct(len(gifts))
    while taken := await repo.codes_taken(merchant_id, codes):
        codes = _distinct(len(gifts), [c for c in codes if c not in taken])
    ids = await repo.issue(
        [voucher_row(merchant_id, g, c, now, timezone) for g, c in zip(gifts, codes, strict=True)]
    )
    return list(zip(ids, codes, strict=True))
