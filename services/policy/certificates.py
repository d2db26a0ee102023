"""Certificates between partners (issue 16), as pure rules: their codes and the deep links that
carry codes and tokens, the share of a check a certificate pays, and when a member's
redemptions of a day look like abuse.

A certificate code has 10 digits, a voucher's 8 and a payment code 6: the till tells them apart
by length. Codes are unique across the deployment, so a cashier typing a partner's certificate
hears whose it is rather than "no such code".
"""

from __future__ import annotations

import re
import secrets

CODE_DIGITS = 10
TOKEN_RE = re.compile(r"^[A-Za-z0-9]{16}$")
# /start payload prefixes: the partner invite link, the gift link a member shares, and the
# certificate's QR (which opens the bot for a cashier with the code filled in).
INVITE_PREFIX = "k"
GIFT_PREFIX = "g"
CODE_PREFIX = "c"
FLAG_PER_DAY = 3  # a member's redemptions in one local day from which the admins are told


def new_code() -> str:
    """A certificate code: 10 digits, the first not 0 (people drop a leading zero)."""
    return str(secrets.randbelow(9 * 10 ** (CODE_DIGITS - 1)) + 10 ** (CODE_DIGITS - 1))


def shown_code(code: str) -> str:
    """The code as a person reads it: `12345 67890`."""
    return f"{code[:5]} {code[5:]}"


def code_typed(text: str) -> str | None:
    """A certificate code as typed (spaces and dashes dropped), or None when it is not one."""
    digits = "".join(ch for ch in text if ch not in " -")
    if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def new_token() -> str:
    """A link token (partner invite, gift): 16 letters and digits."""
    return "".join(
        secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789")
        for _ in range(16)
    )


def _after(raw: str | None, prefix: str) -> str | None:
    if not raw or not raw.startswith(prefix):
        return None
    return raw[len(prefix) :]


def invite_payload(raw: str | None) -> str | None:
    """The partner invite token a /start payload carries (`k` + 16), else None."""
    token = _after(raw, INVITE_PREFIX)
    return token if token is not None and TOKEN_RE.fullmatch(token) else None


def gift_payload(raw: str | None) -> str | None:
    """The gift token a /start payload carries (`g` + 16), else None."""
    token = _after(raw, GIFT_PREFIX)
    return token if token is not None and TOKEN_RE.fullmatch(token) else None


def code_payload(raw: str | None) -> str | None:
    """The certificate code a /start payload carries (`c` + 10 digits), else None."""
    code = _after(raw, CODE_PREFIX)
    return code_typed(code) if code is not None else None


class ShareRefused(ValueError):
    """Reasons: 'min_check' (the check is below the certificate's minimum), 'covers_check'
    (a money certificate worth the whole check or more: hand it over on its own)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_share(check_minor: int, value_minor: int, min_check_minor: int) -> int:
    """What a certificate pays of a check, before points: its whole value (0 for a named
    item). The check must reach the certificate's minimum, and a money certificate must leave
    something to pay, since a purchase is never of nothing."""
    if check_minor < min_check_minor:
        raise ShareRefused("min_check")
    if value_minor and value_minor >= check_minor:
        raise ShareRefused("covers_check")
    return value_minor


def flagged(redeemed_today: int) -> bool:
    """Whether a member's redemptions today (this one counted) call for the admins' look: from
    the threshold on, so two redemptions committing at once cannot both count one short; the
    alert's dedupe key (one a customer and day) tells the admins once."""
    return redeemed_today >= FLAG_PER_DAY
