"""A program's settings as an owner types them, and whether a change makes the program worse
for its members (then the owner is asked whether to tell them). Pure: no database."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from services.dto import LevelInfo
from services.errors import InvalidAmount, InvalidLevels, Refused
from services.numbers import InvalidNumber, parse_int
from services.policy.cashback import BP
from services.policy.inputs import parse_amount
from services.policy.levels import validate_levels

Value = int | bool | str | None  # None: a feature turned off


class SettingRefused(Refused):
    """Reasons: format, decimals, whole, zero, too_large, percent, range (low..high), name, same,
    points_issued (the point's value is fixed once points exist), levels (the set would break
    a rule of policy.validate_levels), last_level; of the rewards' settings: stamps_first
    (cashback goes off only while a stamp card runs), cashback_off (the card stays while
    cashback is off), stamp_reward (a card needs its reward first), reward (not one of the
    merchant's rewards)."""

    def __init__(self, reason: str, low: int = 0, high: int = 0) -> None:
        super().__init__(reason)
        self.low, self.high = low, high


class Kind(StrEnum):
    MONEY = "money"  # an amount, 0 allowed
    PRICE = "price"  # an amount above 0
    MONEY_OR_OFF = "money_or_off"  # 0 turns it off
    PERCENT = "percent"  # typed like 5, 2.5, 5%; kept in basis points
    COUNT = "count"
    COUNT_OR_OFF = "count_or_off"  # 0 turns it off
    MINUTES = "minutes"  # kept in seconds
    FLAG = "flag"  # toggled with a button, never typed
    NAME = "name"
    REWARD = "reward"  # a reward of the merchant, picked with a button or named to create it


class SettingKey(StrEnum):
    """The merchant's columns of the same names, and the fields of a level."""

    WELCOME_BONUS = "welcome_bonus_minor"
    REFERRAL_BONUS = "referral_bonus_minor"
    REFERRAL_1 = "referral_bp_1"
    REFERRAL_2 = "referral_bp_2"
    REFERRAL_3 = "referral_bp_3"
    BIRTHDAY_BONUS = "birthday_bonus_minor"
    BIRTHDAY_DAYS = "birthday_bonus_days"
    EXPIRY = "points_lifetime_months"
    POINT_VALUE = "point_value_minor"
    MAX_SALE = "max_sale_minor"
    DAILY_CAP = "daily_amount_cap_minor"
    DAILY_AMOUNT_FLAG = "daily_amount_flag_minor"
    DAILY_PURCHASES_FLAG = "daily_purchases_flag"
    STAFF_SALES_FLAG = "staff_daily_purchases_flag"
    STAFF_AMOUNT_FLAG = "staff_daily_amount_flag_minor"
    RECEIPT = "receipt_required"
    CODE_TTL = "code_ttl_seconds"
    # Rewards (issue 15): cashback beside or instead of a stamp card, and the gifts.
    CASHBACK = "cashback_on"
    STAMPS = "stamps_needed"  # 0 turns the stamp card off
    STAMP_REWARD = "stamp_reward_id"
    STAMP_MIN = "stamp_min_amount_minor"
    STAMP_STEP = "stamp_step_minor"  # None: one stamp per purchase
    STAMP_DAILY = "stamp_daily_once"
    WELCOME_REWARD = "welcome_reward_id"
    FRIEND_GIFT = "friend_gift_minor"
    FRIEND_REWARD = "friend_reward_id"
    # A level's fields (with its rank).
    LEVEL_NAME = "name"
    LEVEL_SPEND = "min_spend_minor"
    LEVEL_REFERRALS = "min_referrals"
    LEVEL_CASHBACK = "cashback_bp"
    LEVEL_REDEEM = "max_redeem_bp"
    LEVEL_REMOVE = "remove_level"  # the top level goes
    LEVEL_ADD = "add_level"  # a new top level, named, with the top level's thresholds and rates


@dataclass(frozen=True, slots=True)
class Spec:
    kind: Kind
    low: int = 0
    high: int = 0  # whole units for amounts
    better: int = 0  # +1: more is better for members, -1: less is, 0: neither


MAX_LEVELS = 10  # what policy.validate_levels allows
_MONEY_HIGH = 1_000_000  # whole units: far beyond any café's bonus or check
SPECS: dict[SettingKey, Spec] = {
    SettingKey.WELCOME_BONUS: Spec(Kind.MONEY, high=_MONEY_HIGH, better=1),
    SettingKey.REFERRAL_BONUS: Spec(Kind.MONEY, high=_MONEY_HIGH, better=1),
    SettingKey.REFERRAL_1: Spec(Kind.PERCENT, better=1),
    SettingKey.REFERRAL_2: Spec(Kind.PERCENT, better=1),
    SettingKey.REFERRAL_3: Spec(Kind.PERCENT, better=1),
    SettingKey.BIRTHDAY_BONUS: Spec(Kind.MONEY, high=_MONEY_HIGH, better=1),
    SettingKey.BIRTHDAY_DAYS: Spec(Kind.COUNT, 1, 365, better=1),
    SettingKey.EXPIRY: Spec(Kind.COUNT_OR_OFF, 1, 120, better=1),
    SettingKey.POINT_VALUE: Spec(Kind.PRICE, high=_MONEY_HIGH),
    SettingKey.MAX_SALE: Spec(Kind.PRICE, high=_MONEY_HIGH),
    SettingKey.DAILY_CAP: Spec(Kind.MONEY_OR_OFF, high=_MONEY_HIGH),
    SettingKey.DAILY_AMOUNT_FLAG: Spec(Kind.MONEY_OR_OFF, high=_MONEY_HIGH),
    SettingKey.DAILY_PURCHASES_FLAG: Spec(Kind.COUNT, 1, 1000),
    SettingKey.STAFF_SALES_FLAG: Spec(Kind.COUNT_OR_OFF, 1, 10_000),
    SettingKey.STAFF_AMOUNT_FLAG: Spec(Kind.MONEY_OR_OFF, high=_MONEY_HIGH),
    SettingKey.RECEIPT: Spec(Kind.FLAG),
    SettingKey.CODE_TTL: Spec(Kind.MINUTES, 1, 60),
    SettingKey.CASHBACK: Spec(Kind.FLAG, better=1),
    SettingKey.STAMPS: Spec(Kind.COUNT_OR_OFF, 2, 50, better=-1),
    SettingKey.STAMP_REWARD: Spec(Kind.REWARD, better=1),
    SettingKey.STAMP_MIN: Spec(Kind.MONEY, high=_MONEY_HIGH, better=-1),
    SettingKey.STAMP_STEP: Spec(Kind.MONEY_OR_OFF, high=_MONEY_HIGH, better=-1),
    SettingKey.STAMP_DAILY: Spec(Kind.FLAG, better=-1),
    SettingKey.WELCOME_REWARD: Spec(Kind.REWARD, better=1),
    SettingKey.FRIEND_GIFT: Spec(Kind.MONEY, high=_MONEY_HIGH, better=1),
    SettingKey.FRIEND_REWARD: Spec(Kind.REWARD, better=1),
    SettingKey.LEVEL_NAME: Spec(Kind.NAME, 1, 40),
    SettingKey.LEVEL_SPEND: Spec(Kind.MONEY, high=_MONEY_HIGH, better=-1),
    SettingKey.LEVEL_REFERRALS: Spec(Kind.COUNT, 0, 10_000, better=-1),
    SettingKey.LEVEL_CASHBACK: Spec(Kind.PERCENT, better=1),
    SettingKey.LEVEL_REDEEM: Spec(Kind.PERCENT, better=1),
}
# The stamp card's details: a change to them takes nothing from anyone while no card runs.
STAMP_DETAILS = (
    SettingKey.STAMP_REWARD,
    SettingKey.STAMP_MIN,
    SettingKey.STAMP_STEP,
    SettingKey.STAMP_DAILY,
)
MERCHANT_KEYS = tuple(k for k in SPECS if k.value not in LevelInfo.__dataclass_fields__)
LEVEL_KEYS = tuple(k for k in SPECS if k.value in LevelInfo.__dataclass_fields__)

_PERCENT_RE = re.compile(r"^\s*([0-9]{1,3})(?:[.,]([0-9]{1,2}))?\s*%?\s*$")
_ZERO_RE = re.compile(r"^\s*0+(?:[.,]0*)?\s*$")


def parse_percent(text: str) -> int:
    """`5`, `2.5`, `2,5`, `5%` -> basis points (500, 250, 250, 500); 0 to 100 %."""
    match = _PERCENT_RE.match(text)
    if not match:
        raise SettingRefused("percent", 0, 100)
    bp = int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0"))
    if bp > BP:
        raise SettingRefused("percent", 0, 100)
    return bp


def _amount(text: str, spec: Spec, exponent: int, whole_units: bool) -> int | None:
    if _ZERO_RE.match(text):
        if spec.kind is Kind.PRICE:
            raise SettingRefused("zero")
        return None if spec.kind is Kind.MONEY_OR_OFF else 0
    try:
        return parse_amount(text, exponent, spec.high * 10**exponent, whole_units=whole_units)
    except InvalidAmount as error:
        raise SettingRefused(error.reason, 0, spec.high) from None


def parse_setting(key: SettingKey, text: str, exponent: int, whole_units: bool = False) -> Value:
    """The value typed for `key`, as the column holds it; SettingRefused with the reason."""
    spec = SPECS[key]
    if spec.kind in (Kind.MONEY, Kind.PRICE, Kind.MONEY_OR_OFF):
        return _amount(text, spec, exponent, whole_units)
    if spec.kind is Kind.PERCENT:
        return parse_percent(text)
    if spec.kind is Kind.NAME:
        name = " ".join(text.split())
        if not spec.low <= len(name) <= spec.high:
            raise SettingRefused("name", spec.low, spec.high)
        return name
    if spec.kind in (Kind.FLAG, Kind.REWARD):  # a button's, never parsed here
        raise SettingRefused("format")
    off = spec.kind is Kind.COUNT_OR_OFF  # 0 turns it off; else from spec.low
    try:
        number = parse_int(text, 0 if off else spec.low, spec.high)
        if off and 0 < number < spec.low:
            raise InvalidNumber("range", spec.low, spec.high)
    except InvalidNumber as error:
        reason = ("range_or_off" if off else "range") if error.reason == "range" else "format"
        raise SettingRefused(reason, spec.low, spec.high) from None
    if off:
        return number or None
    return number * 60 if spec.kind is Kind.MINUTES else number


def worse_setting(key: SettingKey, before: Value, after: Value) -> bool:
    """Whether changing `key` from `before` to `after` takes something from members."""
    better = SPECS[key].better if key in SPECS else 0
    if better == 0 or before == after:
        return False
    if key is SettingKey.EXPIRY:  # None: points never expire
        return after is not None and (before is None or int(after) < int(before or 0))
    if key is SettingKey.STAMPS:  # None: no card; a card turned off takes the stamps' reward
        return after is None or (before is not None and int(after) > int(before))
    if key is SettingKey.STAMP_STEP:  # None: one per purchase; either way some checks earn less
        return before is None or after is None or int(after) > int(before)
    if SPECS[key].kind is Kind.REWARD:  # a gift taken away or swapped for another
        return before is not None
    if SPECS[key].kind is Kind.FLAG:
        return bool(after) != (better > 0)
    if before is None or after is None:
        return False
    return (int(after) - int(before)) * better < 0


def worse_change(key: SettingKey, before: Value, after: Value, card_runs: bool) -> bool:
    """worse_setting, but a detail of a stamp card that does not run yet never is."""
    if key in STAMP_DETAILS and not card_runs:
        return False
    return worse_setting(key, before, after)


def gift_refusal(
    key: SettingKey, after: Value, *, cashback_on: bool, card_runs: bool, has_reward: bool
) -> str | None:
    """Why a change of cashback or the stamp card can't be made (SettingRefused's reason):
    members must earn something, and a card must have its reward."""
    if key is SettingKey.CASHBACK and not after and not card_runs:
        return "stamps_first"
    if key is SettingKey.STAMPS and after is None and not cashback_on:
        return "cashback_off"
    if key is SettingKey.STAMPS and after is not None and not has_reward:
        return "stamp_reward"
    return None


def worse_levels(before: Sequence[LevelInfo], after: Sequence[LevelInfo]) -> bool:
    """A level removed, or a level's threshold raised or its rates lowered."""
    now = {lv.rank: lv for lv in after}
    for old in before:
        new = now.get(old.rank)
        if new is None:
            return True
        for key in LEVEL_KEYS:
            if worse_setting(key, getattr(old, key.value), getattr(new, key.value)):
                return True
    return False


def new_level(levels: Sequence[LevelInfo], name: str) -> LevelInfo:
    """A level above the top one, asking what it asks and giving what it gives, to edit next."""
    top = levels[-1]
    return replace(top, rank=top.rank + 1, name=name)


def levels_after(
    levels: Sequence[LevelInfo], key: SettingKey, rank: int, after: Value
) -> list[LevelInfo]:
    """The levels with the change made, checked as a set (policy.validate_levels)."""
    if key is SettingKey.LEVEL_REMOVE:
        changed = [lv for lv in levels if lv.rank != rank]
    elif key is SettingKey.LEVEL_ADD:
        changed = [*levels, new_level(levels, str(after))]
    else:
        changed = [
            replace(lv, **{key.value: after}) if lv.rank == rank else lv  # type: ignore[arg-type]
            for lv in levels
        ]
    try:
        validate_levels(changed)
    except InvalidLevels as error:
        raise SettingRefused("levels") from error
    return changed
