"""What the reward catalogue and members' vouchers hand to handlers: frozen views, the fields
an admin edits with the rules each typed value must meet (pure, table-tested), and the
refusals a handler words. services/rewards/catalogue.py and claims.py use them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zlib import crc32

from db.models import Reward, VoucherStatus
from services.errors import InvalidAmount, Refused
from services.numbers import InvalidNumber, parse_int
from services.policy.inputs import parse_points, ungrouped

MAX_NAME = 60
MAX_DESCRIPTION = 300
MAX_STOCK = 1_000_000
MAX_LIMIT = 1_000
MAX_VALID_DAYS = 365
TERMS = 1_000_000  # the range of RewardView.terms


class RewardField(StrEnum):
    NAME = "name"
    DESCRIPTION = "description"
    PHOTO = "photo"
    PRICE = "price"
    STOCK = "stock"
    LIMIT = "limit"
    DAYS = "days"
    LEVEL = "level"


# The form's steps, in order; the column each field is stored in.
STEPS = tuple(RewardField)
COLUMNS = {
    RewardField.NAME: "name",
    RewardField.DESCRIPTION: "description",
    RewardField.PHOTO: "photo_file_id",
    RewardField.PRICE: "points_price",
    RewardField.STOCK: "stock_left",
    RewardField.LIMIT: "per_member_limit",
    RewardField.DAYS: "valid_days",
    RewardField.LEVEL: "min_level_rank",
}
OPTIONAL = frozenset(
    {RewardField.DESCRIPTION, RewardField.PHOTO, RewardField.STOCK, RewardField.LIMIT}
)


class RewardRefused(Refused):
    """Reasons. Admin: name_empty, name_long, name_taken, description_long, price, stock,
    limit, days, level, gone (archived or not this merchant's). Member: gone, points (`short`
    more needed), stock, limit, level, blocked, stale (the balance moved since the screen),
    terms (price, validity or level changed since the screen), voucher (none of theirs)."""

    def __init__(self, reason: str, short: int = 0) -> None:
        super().__init__(reason)
        self.short = short


def parse_value(field: RewardField, text: str) -> Any:
    """A typed value of `field` as stored; RewardRefused(field's reason) when it is not one.
    Optional fields are cleared with their button, not typed."""
    text = text.strip()
    if field == RewardField.NAME:
        if not text:
            raise RewardRefused("name_empty")
        if len(text) > MAX_NAME:
            raise RewardRefused("name_long")
        return text
    if field == RewardField.DESCRIPTION:
        if len(text) > MAX_DESCRIPTION:
            raise RewardRefused("description_long")
        return text or None
    try:
        if field == RewardField.PRICE:
            price = parse_points(text)
            if price <= 0:
                raise RewardRefused("price")
            return price
        if field == RewardField.STOCK:
            return parse_int(ungrouped(text), 0, MAX_STOCK)
        if field == RewardField.LIMIT:
            return parse_int(ungrouped(text), 1, MAX_LIMIT)
        if field == RewardField.DAYS:
            return parse_int(text, 1, MAX_VALID_DAYS)
    except (InvalidNumber, InvalidAmount):
        raise RewardRefused(field.value) from None
    raise RewardRefused(field.value)  # photo and level come by their own way


@dataclass(frozen=True, slots=True)
class RewardView:
    id: int
    name: str
    description: str | None
    photo: str | None
    price: int
    stock_left: int | None  # None: unlimited
    per_member_limit: int | None
    valid_days: int
    min_level_rank: int
    level_name: str  # of min_level_rank, as the merchant named it

    @property
    def terms(self) -> int:
        """A short digest of what a member agrees to (price, validity, level): the Claim
        button carries the one its screen showed, and a claim at other terms is refused."""
        return crc32(f"{self.price}:{self.valid_days}:{self.min_level_rank}".encode()) % TERMS

    @classmethod
    def of(cls, reward: Reward | Any, levels: dict[int, str]) -> RewardView:
        """The reward as members read it. One "from" a level an owner removed since is from
        the top level, as members past the top are priced (settlement.priced_level)."""
        rank = min(reward.min_level_rank, max(levels)) if levels else reward.min_level_rank
        return cls(
            reward.id if reward.id is not None else 0,
            reward.name,
            reward.description,
            reward.photo_file_id,
            reward.points_price,
            reward.stock_left,
            reward.per_member_limit,
            reward.valid_days,
            rank,
            levels.get(rank, ""),
        )

    @classmethod
    def draft(cls, values: dict[str, Any], levels: dict[int, str]) -> RewardView:
        """The admins' form's values (field name -> value as stored), as a reward reads."""
        rank = values.get("level") or 0
        return cls(
            0,
            values.get("name") or "",
            values.get("description"),
            values.get("photo"),
            values.get("price") or 0,
            values.get("stock"),
            values.get("limit"),
            values.get("days") or 0,
            rank,
            levels.get(rank, ""),
        )


@dataclass(frozen=True, slots=True)
class AdminShelf:
    """The catalogue as its admins see it, and the merchant's levels (rank, name)."""

    rewards: tuple[RewardView, ...]
    levels: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Shelf:
    """The catalogue as a member sees it: what they have and what they may claim."""

    balance: int
    level_rank: int
    rewards: tuple[RewardView, ...]
    paused: bool = False  # the member is blocked: nothing may be claimed now
    at_limit: frozenset[int] = frozenset()  # rewards the member holds as many of as allowed


@dataclass(frozen=True, slots=True)
class VoucherView:
    id: int
    code: str
    reward_name: str
    status: VoucherStatus
    points: int
    claimed_at: datetime
    expires_at: datetime
    closed_at: datetime | None  # redeemed, lapsed or cancelled at
    timezone: str  # the merchant's: dates read in it
