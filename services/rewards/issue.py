"""Vouchers handed out: their codes and the rows that issue them. A catalogue claim, a full
stamp card, a welcome gift and an invited friend's gift all issue through here, so every
voucher has a code of the same shape and a validity from its reward."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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


def voucher_row(merchant_id: int, gift: Gift, code: str, now: datetime) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "membership_id": gift.membership_id,
        "reward_id": gift.reward_id,
        "code": code,
        "points": gift.points,
        "source": gift.source,
        "status": VoucherStatus.OPEN,
        "claimed_at": now,
        "expires_at": now + timedelta(days=gift.valid_days),
        "redeemed_at": None,
        "redeemed_by": None,
        "purchase_id": None,
        "closed_at": None,
    }


async def issue(
    repo: VoucherRepo, merchant_id: int, gifts: Sequence[Gift], now: datetime
) -> list[tuple[int, str]]:
    """Issue vouchers in one statement (two when a code was taken, which 10^8 codes make
    rare): each one's id and code, in the order given."""
    if not gifts:
        return []
    codes = _distinct(len(gifts))
    while taken := await repo.codes_taken(merchant_id, codes):
        codes = _distinct(len(gifts), [c for c in codes if c not in taken])
    ids = await repo.issue(
        [voucher_row(merchant_id, g, c, now) for g, c in zip(gifts, codes, strict=True)]
    )
    return list(zip(ids, codes, strict=True))
