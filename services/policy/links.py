"""Deep links and codes: /start payloads (merchant, referral code, source tag, payment code,
staff invite), the referral codes members share and the payment codes shown at the till."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from services.dto import StartPayload

PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLUG_RE = re.compile(r"^[a-z0-9]{1,20}$")
_REF_RE = re.compile(r"^[A-Z0-9]{8}$")
_SOURCE_RE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_PAY_RE = re.compile(r"^[0-9]{6}$")
_INVITE_RE = re.compile(r"^[A-Za-z0-9]{16}$")


def build_payload(
    *,
    merchant_slug: str | None = None,
    referral_code: str | None = None,
    source: str | None = None,
    pay_code: str | None = None,
    staff_invite: str | None = None,
) -> str:
    """The inverse of parse_payload: `m<slug>-r<code>-s<source>`, `p<code>` or `i<token>`."""
    parts = []
    if merchant_slug:
        parts.append("m" + merchant_slug)
    if referral_code:
        parts.append("r" + referral_code)
    if source:
        parts.append("s" + source)
    if pay_code:
        parts.append("p" + pay_code)
    if staff_invite:
        parts.append("i" + staff_invite)
    payload = "-".join(parts)
    if not PAYLOAD_RE.fullmatch(payload):
        raise ValueError("payload does not fit Telegram's start parameter")
    return payload


def parse_payload(raw: str | None) -> StartPayload:
    """Read a /start payload; anything malformed is dropped, never fatal to joining."""
    if not raw:
        return StartPayload()
    if not PAYLOAD_RE.fullmatch(raw):
        return StartPayload(problem="malformed")
    found: dict[str, str] = {}
    problems: list[str] = []
    checks = {"m": _SLUG_RE, "r": _REF_RE, "s": _SOURCE_RE, "p": _PAY_RE, "i": _INVITE_RE}
    for token in raw.split("-"):
        key, value = token[:1], token[1:]
        rule = checks.get(key)
        if rule is None or not rule.fullmatch(value) or key in found:
            problems.append(f"bad token {key!r}" if key else "empty token")
            continue
        found[key] = value
    return StartPayload(
        merchant_slug=found.get("m"),
        referral_code=found.get("r"),
        source=found.get("s"),
        pay_code=found.get("p"),
        staff_invite=found.get("i"),
        problem="; ".join(problems) or None,
    )


# --- codes -------------------------------------------------------------------------------

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_payment_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    return f"{randbelow(1_000_000):06d}"


def is_payment_code(text: str) -> bool:
    return bool(_PAY_RE.fullmatch(text))


def link_fields(referral_code: str | None, source: str | None) -> tuple[str | None, str | None]:
    """A referral code and a source tag as a /start link may carry them; anything else (a
    forged Accept button) is dropped, as parse_payload drops it."""
    ref = referral_code if referral_code and _REF_RE.fullmatch(referral_code) else None
    src = source if source and _SOURCE_RE.fullmatch(source) else None
    return ref, src


def new_referral_code(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(_REF_ALPHABET) for _ in range(8))
