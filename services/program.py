"""A merchant's program (its settings and levels), read once per process and read again only
when it changed. The database raises merchant.program_version on every change of the merchant
row or its levels, whoever makes it (db/models/program_version.py), so a copy is good while
its version is the row's.

Each update learns the versions of its merchants in the statement that finds who is writing
(services/members/context.py, `checked`); the use cases of that update then take the program
from here without a statement. A use case outside an update (a job, the sender) checks the
version with one small query. A change made while an update runs counts from the next one."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import MerchantRepo
from services.coalition.routes import Route, load_routes
from services.dto import LevelInfo, MerchantView
from services.errors import UnknownMerchant
from services.merchants import level_info, merchant_view, promotion_rule
from services.policy.promotions import PromotionRule, StampRule

CHECKED = "loyalty_programs_checked"  # session.info: merchant id -> version checked this update


@dataclass(frozen=True, slots=True)
class Program:
    """A frozen copy of a merchant's settings (the columns of the same names) and levels."""

    version: int
    merchant: MerchantView
    levels: tuple[LevelInfo, ...]
    welcome_bonus_minor: int
    referral_bp_1: int
    referral_bp_2: int
    referral_bp_3: int
    referral_bonus_minor: int
    daily_purchases_flag: int
    birthday_bonus_minor: int
    birthday_hour: int
    birthday_bonus_days: int
    birthday_lead_days: int
    points_lifetime_months: int | None
    wrong_codes_hour_limit: int
    daily_amount_flag_minor: int | None
    staff_daily_purchases_flag: int | None
    staff_daily_amount_flag_minor: int | None
    daily_amount_cap_minor: int | None
    # Rewards (issue 15): cashback may be off beside a stamp card; gifts; live promotions.
    cashback_on: bool = True
    stamps_needed: int | None = None
    stamp_reward_id: int | None = None
    stamp_min_amount_minor: int = 0
    stamp_step_minor: int | None = None
    stamp_daily_once: bool = False
    welcome_reward_id: int | None = None
    friend_gift_minor: int = 0
    friend_reward_id: int | None = None
    promotions: tuple[PromotionRule, ...] = ()  # not ended (ended_at), oldest first
    # The coalition (issue 16): the certificates this merchant hands out for its partners.
    routes: tuple[Route, ...] = ()

    @property
    def cashier_routes(self) -> tuple[Route, ...]:
        """The offers this merchant's cashiers give with a tap after a sale."""
        return tuple(r for r in self.routes if not r.auto)

    @property
    def stamp_rule(self) -> StampRule | None:
        """The stamp card, when the merchant runs one (and it has a reward)."""
        if not self.stamps_needed or self.stamp_reward_id is None:
            return None
        return StampRule(
            self.stamps_needed,
            self.stamp_min_amount_minor,
            self.stamp_step_minor,
            self.stamp_daily_once,
        )

    @property
    def id(self) -> int:
        return self.merchant.id

    @property
    def point_value_minor(self) -> int:
        return self.merchant.point_value_minor

    @property
    def referral_rates_bp(self) -> list[int]:
        return [self.referral_bp_1, self.referral_bp_2, self.referral_bp_3]

    def level_name(self, rank: int) -> str:
        """The name of the level at `rank`; past the top, the top level's."""
        return next((lv.name for lv in self.levels if lv.rank == rank), self.levels[-1].name)


_SETTINGS = tuple(
    f.name
    for f in fields(Program)
    if f.name not in ("version", "merchant", "levels", "promotions", "routes")
)

# One cache per database (tests make one engine each; a process may hold two), dropped with it.
_caches: WeakKeyDictionary[Any, dict[int, Program]] = WeakKeyDictionary()


def _cache(session: AsyncSession) -> dict[int, Program]:
    engine = session.bind
    assert engine is not None, "a session bound to an engine"
    return _caches.setdefault(engine.sync_engine, {})


def checked(session: AsyncSession, merchant_id: int, version: int) -> None:
    """The version of a merchant's program that a statement of this update read."""
    session.info.setdefault(CHECKED, {})[merchant_id] = version


def cached(session: AsyncSession, merchant_id: int) -> Program | None:
    """The process's copy of the program when it is the version this update checked."""
    version = session.info.get(CHECKED, {}).get(merchant_id)
    program = _cache(session).get(merchant_id)
    return program if program is not None and program.version == version else None


async def load(session: AsyncSession, merchant_id: int) -> Program:
    """The merchant's program as of this update, from the process's copy when it is current.
    Runs in the caller's transaction: no statement when this update checked the version
    already, one when not, four more when the program changed."""
    versions: dict[int, int] = session.info.setdefault(CHECKED, {})
    repo = MerchantRepo(session)
    version = versions.get(merchant_id)
    if version is None:
        version = await repo.program_version(merchant_id)
        if version is None:
            raise UnknownMerchant(str(merchant_id))
    cache = _cache(session)
    program = cache.get(merchant_id)
    if program is None or program.version != version:
        merchant = await repo.get(merchant_id, fresh=True)
        if merchant is None:
            raise UnknownMerchant(str(merchant_id))
        levels = tuple(level_info(lv) for lv in await repo.levels(merchant_id))
        # A promotion "from" a level an owner removed since counts from the top level, as a
        # member past the top is priced at the top level (settlement.priced_level).
        top = levels[-1].rank if levels else 0
        promotions = tuple(
            replace(rule, min_level_rank=min(rule.min_level_rank, top))
            for rule in map(promotion_rule, await repo.promotions(merchant_id))
        )
        program = Program(
            version=merchant.program_version,
            merchant=merchant_view(merchant),
            levels=levels,
            promotions=promotions,
            routes=await load_routes(session, merchant_id),
            **{name: getattr(merchant, name) for name in _SETTINGS},
        )
        cache[merchant_id] = program
    versions[merchant_id] = program.version
    return program
