"""The pure policy: business rules as functions of plain values, table-tested, no database.

    cashback.py    cashback, redemption caps, referral shares, fixed bonuses (BP lives here)
    refunds.py     who gives back what in a refund; re-pricing after a lost level
    settlement.py  a purchase and a refund settled: ledger postings and counters after
    accounts.py    members' counters, postings, a credit that settles a clawback first
    levels.py      default levels, their validation, the level reached, progress
    currency.py    minor-unit exponents, a point's worth, whole-unit currencies
    links.py       /start payloads, referral codes, payment codes
    inputs.py      amounts, points, birthdays, phone numbers, languages as people type them

`from services import policy` gives the names below; settlement and accounts are imported
from their modules.
"""

from services.policy.cashback import (
    BP,
    MAX_REFERRAL_DEPTH,
    bonus_points,
    cashback,
    max_redeemable,
    points_worth,
    referral_shares,
    to_pay,
)
from services.policy.currency import cafe_unit, currency_exponent, point_value, whole_units_only
from services.policy.inputs import (
    LANGUAGES,
    MAX_AGE_YEARS,
    MIN_AGE_YEARS,
    mask_phone,
    normalize_phone,
    parse_amount,
    parse_birthday,
    parse_points,
)
from services.policy.levels import default_levels, level_for, progress_to_next, validate_levels
from services.policy.links import (
    PAYLOAD_RE,
    build_payload,
    is_payment_code,
    link_fields,
    new_payment_code,
    new_referral_code,
    parse_payload,
)
from services.policy.refunds import (
    RefundSplit,
    Repriced,
    parse_refund_amount,
    proportional,
    refund_paid,
    refund_split,
    reprice,
)

__all__ = [
    "BP",
    "LANGUAGES",
    "MAX_AGE_YEARS",
    "MAX_REFERRAL_DEPTH",
    "MIN_AGE_YEARS",
    "PAYLOAD_RE",
    "RefundSplit",
    "Repriced",
    "bonus_points",
    "build_payload",
    "cafe_unit",
    "cashback",
    "currency_exponent",
    "default_levels",
    "is_payment_code",
    "level_for",
    "link_fields",
    "mask_phone",
    "max_redeemable",
    "new_payment_code",
    "new_referral_code",
    "normalize_phone",
    "parse_amount",
    "parse_birthday",
    "parse_payload",
    "parse_points",
    "parse_refund_amount",
    "point_value",
    "points_worth",
    "progress_to_next",
    "proportional",
    "referral_shares",
    "refund_paid",
    "refund_split",
    "reprice",
    "to_pay",
    "validate_levels",
    "whole_units_only",
]
