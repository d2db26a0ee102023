"""Pure policy: levels, payloads, codes, birthdays, phones. Table-tested."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import date

from services.dto import Birthday, LevelInfo, Progress, StartPayload
from services.errors import InvalidBirthday, InvalidLevels, InvalidPhone

BP = 10_000  # basis points in 100 %
LANGUAGES = ("en", "ru", "pl", "hu")  # the catalogs in locales/

# Minor units of a currency that buy what one euro buys in a café; scales the default level
# thresholds so a merchant in Budapest or Warsaw starts with sensible numbers.
_CAFE_EURO = {
    "EUR": 100,
    "USD": 100,
    "GBP": 100,
    "CHF": 100,
    "CAD": 150,
    "AUD": 150,
    "PLN": 400,
    "HUF": 40_000,
    "CZK": 2_500,
    "RUB": 10_000,
    "UAH": 4_500,
    "KZT": 50_000,
    "RON": 500,
    "SEK": 1_100,
    "NOK": 1_100,
    "DKK": 700,
    "TRY": 3_500,
    "JPY": 150,
}
# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3}

# What one point is worth for a new merchant, in minor units: one whole unit where the minor
# unit is too small to buy anything (a fillér, a kopeck, a haléř, a tiyn: a point worth that
# reads "1 point = 0 Ft" and balances run to eight digits), and the minor unit elsewhere.
# 1 ¥, 1 ₩, 1 kr (ISK) are already the smallest unit (exponent 0), so 1 minor unit is 1 whole
# one. Where a cent buys a little (EUR, USD, GBP, CHF, PLN, ...), 1 point = 0.01 keeps the
# familiar "3 % back = 3 points per 1 €" of a café card. Not listed: 1 minor unit.
_POINT_VALUE = {
    "HUF": 100,  # 1 Ft: the forint has no coins below 5 Ft, the fillér went in 1999
    "RUB": 100,  # 1 ₽: prices and balances in kopecks would run to eight digits
    "CZK": 100,  # 1 Kč: haléře survive only on price tags, not in change
    "UAH": 100,  # 1 ₴
    "KZT": 100,  # 1 ₸: the tiyn is not in circulation
    "TRY": 100,  # 1 ₺
    "SEK": 100,  # 1 kr: no öre coins since 2010
    "NOK": 100,  # 1 kr: no øre coins since 2012
    "DKK": 100,  # 1 kr: a 50-øre coin is the smallest left
}
# Currencies whose amounts are whole units in practice, though ISO 4217 gives them two
# decimals: prices are whole and cash has no coin below the unit, so "1990,50 Ft" is a typo
# rather than an amount. CZK is not here: prices like 24,90 Kč are still written and paid
# exactly by card. Exponent-0 currencies (JPY, ISK, ...) refuse decimals anyway.
_WHOLE_UNITS = frozenset({"HUF", "KZT"})


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def point_value(currency: str) -> int:
    """Minor units one point of a new merchant in `currency` is worth (see _POINT_VALUE)."""
    return _POINT_VALUE.get(currency.upper(), 1)


def whole_units_only(currency: str) -> bool:
    """Amounts in `currency` are typed without decimals (see _WHOLE_UNITS)."""
    return currency.upper() in _WHOLE_UNITS


def cafe_unit(currency: str) -> int:
    """Minor units of `currency` that buy what one euro buys in a café."""
    return _CAFE_EURO.get(currency.upper(), int(10 ** currency_exponent(currency)))


def default_levels(currency: str) -> list[LevelInfo]:
    """Five levels that make sense for a café: thresholds by lifetime spend or by friends."""
    unit = cafe_unit(currency)
    rows = [
        # name, spend (in café euros), effective referrals, cashback bp, max share payable bp
        ("Bronze", 0, 0, 300, 2000),
        ("Silver", 100, 2, 500, 3000),
        ("Gold", 300, 5, 700, 4000),
        ("Platinum", 700, 10, 1000, 5000),
        ("Diamond", 1500, 20, 1200, 5000),
    ]
    return [
        LevelInfo(rank, name, spend * unit, refs, cashback, redeem)
        for rank, (name, spend, refs, cashback, redeem) in enumerate(rows)
    ]


def validate_levels(levels: Sequence[LevelInfo]) -> None:
    """Ranks 0..n-1, the first free, thresholds and rates never falling as ranks rise."""
    if not 1 <= len(levels) <= 10:
        raise InvalidLevels("between 1 and 10 levels")
    ordered = sorted(levels, key=lambda lv: lv.rank)
    if [lv.rank for lv in ordered] != list(range(len(ordered))):
        raise InvalidLevels("ranks must be 0, 1, 2, ... without gaps")
    first = ordered[0]
    if first.min_spend_minor != 0 or first.min_referrals != 0:
        raise InvalidLevels("the first level must need nothing")
    for lv in ordered:
        if not lv.name.strip() or len(lv.name) > 40:
            raise InvalidLevels("each level needs a name of at most 40 characters")
        if not (0 <= lv.cashback_bp <= BP and 0 <= lv.max_redeem_bp <= BP):
            raise InvalidLevels("rates must be between 0 and 100 %")
        if lv.min_spend_minor < 0 or lv.min_referrals < 0:
            raise InvalidLevels("thresholds cannot be negative")
    for lower, higher in itertools.pairwise(ordered):
        if higher.min_spend_minor < lower.min_spend_minor:
            raise InvalidLevels("spend thresholds must not fall as levels rise")
        if higher.min_referrals < lower.min_referrals:
            raise InvalidLevels("referral thresholds must not fall as levels rise")


def _reached(level: LevelInfo, spend: int, referrals: int) -> bool:
    by_spend = spend >= level.min_spend_minor
    # A level with no referral threshold can't be reached by referrals alone, unless it is free.
    by_refs = level.min_referrals > 0 and referrals >= level.min_referrals
    return by_spend or by_refs


def level_for(levels: Sequence[LevelInfo], spend_minor: int, referrals: int) -> LevelInfo:
    """The highest level reached by lifetime spend or by effective referrals."""
    ordered = sorted(levels, key=lambda lv: lv.rank)
    best = ordered[0]
    for lv in ordered:
        if _reached(lv, spend_minor, referrals):
            best = lv
    return best


def progress_to_next(
    levels: Sequence[LevelInfo], current_rank: int, spend_minor: int, referrals: int
) -> Progress | None:
    """What is left to reach the level above the current one; None at the top."""
    above = sorted((lv for lv in levels if lv.rank > current_rank), key=lambda lv: lv.rank)
    if not above:
        return None
    nxt = above[0]
    spend_left = max(0, nxt.min_spend_minor - spend_minor)
    refs_left = max(0, nxt.min_referrals - referrals) if nxt.min_referrals > 0 else 0
    fractions = [min(1.0, spend_minor / nxt.min_spend_minor) if nxt.min_spend_minor else 1.0]
    if nxt.min_referrals > 0:
        fractions.append(min(1.0, referrals / nxt.min_referrals))
    return Progress(nxt, spend_left, refs_left, max(fractions))


# --- deep-link payloads -------------------------------------------------------------------

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


# --- profile -----------------------------------------------------------------------------

_BIRTHDAY_RE = re.compile(
    r"^\s*([0-9]{1,2})\s*[./\-\s]\s*([0-9]{1,2})(?:\s*[./\-\s]\s*([0-9]{2,4}))?\s*$"
)
# Year first, as Hungarians write a date: `1990.05.24.` or `1990. 05. 24.` (also ISO 1990-05-24).
_BIRTHDAY_YEAR_FIRST_RE = re.compile(
    r"^\s*([0-9]{4})\s*([.\-])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})\s*\.?\s*$"
)
MIN_AGE_YEARS = 6
MAX_AGE_YEARS = 120


def parse_birthday(text: str, today: date) -> Birthday:
    """`DD.MM` or `DD.MM.YYYY` (also with / or -); the year is optional. Or year first:
    `YYYY.MM.DD`, with an optional trailing dot, or `YYYY-MM-DD`."""
    if year_first := _BIRTHDAY_YEAR_FIRST_RE.match(text):
        year_text, month_text, day_text = year_first.group(1, 3, 4)
    elif match := _BIRTHDAY_RE.match(text):
        day_text, month_text, year_text = match.group(1, 2, 3)
    else:
        raise InvalidBirthday("format")
    day, month = int(day_text), int(month_text)
    year = int(year_text) if year_text else None
    if year_text is not None and len(year_text) != 4:
        raise InvalidBirthday("format")
    try:
        # 29 February is a real birthday; check it against a leap year when no year is given.
        date(year if year is not None else 2000, month, day)
    except ValueError:
        raise InvalidBirthday("date") from None
    if year is not None:
        born = date(year, month, day)
        if born > today:
            raise InvalidBirthday("future")
        age = today.year - year - ((today.month, today.day) < (month, day))
        if age > MAX_AGE_YEARS:
            raise InvalidBirthday("too_old")
        if age < MIN_AGE_YEARS:
            raise InvalidBirthday("too_young")
    return Birthday(day, month, year)


def normalize_phone(raw: str) -> str:
    """Digits with a leading +, as Telegram shares them (sometimes without the +)."""
    digits = re.sub(r"[\s()\-.]", "", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not (digits.isascii() and digits.isdigit()) or not 7 <= len(digits) <= 15:
        raise InvalidPhone(raw)
    return "+" + digits


def mask_phone(phone: str) -> str:
    """`+48 *** *** 123`: enough to recognise, not enough to call."""
    return f"{phone[:3]} *** *** {phone[-3:]}" if len(phone) > 6 else "***"
