"""Promotions as owners and admins run them from the chat (/promos): the list (running,
upcoming, ended), a new one saved once, one ended early, and what an announcement says.

Every method checks the actor's role first (owners and the merchant's admins), then reads or
changes only that merchant's promotions. A change raises the program's version in the same
transaction, so every process applies it from its next sale (services/program.py). The purchase
path that applies promotions: services/policy/promotions.py, through the program's copy."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from db.models import Promotion
from db.repositories.promotions import PromotionRepo
from services import program as programs
from services._tx import in_transaction
from services.base import Service
from services.dto import LevelInfo
from services.errors import Refused
from services.merchants import promotion_rule
from services.policy.promo_inputs import MAX_EXTRA_STAMPS, MAX_MULTIPLIER_PCT, parse_name
from services.policy.promotions import (
    ALL_WEEKDAYS,
    Phase,
    PromotionRule,
    falls_on_weekdays,
    phase,
)
from services.staff import require_admin

MAX_LIVE = 20  # running and upcoming promotions a merchant may have at once
LISTED = 30  # ended promotions /promos lists, newest first, after every live one


class PromoRefused(Refused):
    """Reasons: gone (not this merchant's), too_many, name_taken, nothing (neither more
    points nor stamps), stamps (extra stamps without a stamp card), level, past, no_day (no
    date of it falls on its weekdays), cashback_off (more points where no cashback is earned)."""


@dataclass(frozen=True, slots=True)
class PromoPlace:
    """What the form and the list need to know of the merchant."""

    merchant_id: int
    timezone: str
    language: str  # the merchant's default language: announcements are written in it
    today: date  # the merchant's local day
    levels: tuple[LevelInfo, ...]
    stamps: bool  # runs a stamp card: extra stamps may be offered
    local: datetime  # the merchant's local time now: where a promotion stands
    cashback: bool = True  # earns cashback: a multiplier does something


@dataclass(frozen=True, slots=True)
class PromoView:
    rule: PromotionRule
    phase: Phase
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PromoBoard:
    place: PromoPlace
    promotions: tuple[PromoView, ...]  # newest first


@dataclass(frozen=True, slots=True)
class Ended:
    view: PromoView
    now: bool  # ended by this press; False: it had ended already


def draft(name: str, cashback: bool = True) -> PromotionRule:
    """A new promotion as the form starts it: double points (×1 where no cashback is earned:
    it adds stamps), every day, all day, always."""
    return PromotionRule(id=0, name=parse_name(name), multiplier_pct=200 if cashback else 100)


def check_draft(rule: PromotionRule, place: PromoPlace) -> PromotionRule:
    """The draft as it may be saved, or PromoRefused: what a forged or stale form could send."""
    parse_name(rule.name)
    if not 100 <= rule.multiplier_pct <= MAX_MULTIPLIER_PCT:
        raise PromoRefused("nothing")
    if not 0 <= rule.extra_stamps <= MAX_EXTRA_STAMPS or (rule.extra_stamps and not place.stamps):
        raise PromoRefused("stamps")
    if rule.multiplier_pct == 100 and rule.extra_stamps == 0:
        raise PromoRefused("nothing")
    if rule.multiplier_pct > 100 and not place.cashback:
        raise PromoRefused("cashback_off")
    if not 0 < rule.weekdays <= ALL_WEEKDAYS:
        raise PromoRefused("nothing")
    if rule.min_level_rank not in {lv.rank for lv in place.levels}:
        raise PromoRefused("level")
    if rule.ends_on is not None and rule.ends_on < place.today:
        raise PromoRefused("past")
    check_days(rule)
    return rule


def check_gives(rule: PromotionRule, place: PromoPlace, stamps_step_done: bool) -> None:
    """PromoRefused nothing when the draft can give nothing more: ×1 at a place without a
    stamp card, or ×1 and no extra stamps chosen; PromoRefused cashback_off for more points
    where no cashback is earned (nothing to multiply)."""
    if rule.multiplier_pct > 100 and not place.cashback:
        raise PromoRefused("cashback_off")
    more = rule.multiplier_pct > 100 or rule.extra_stamps > 0
    if not more and (stamps_step_done or not place.stamps):
        raise PromoRefused("nothing")


def check_days(rule: PromotionRule) -> None:
    """PromoRefused no_day when none of its dates falls on its weekdays (Sundays only, on
    24 December 2026, a Thursday): it would never apply."""
    first, last = rule.starts_on, rule.ends_on
    if (
        first is not None
        and last is not None
        and not falls_on_weekdays(rule.weekdays, first, last)
    ):
        raise PromoRefused("no_day")


class PromotionService(Service):
    @cached_property
    def repo(self) -> PromotionRepo:
        return PromotionRepo(self.session)

    async def _place(self, merchant_id: int, actor: int) -> PromoPlace:
        await require_admin(self.staff, merchant_id, actor, self.owner_ids)
        program = await programs.load(self.session, merchant_id)
        merchant = program.merchant
        local = self.clock().astimezone(ZoneInfo(merchant.timezone))
        stamps = program.stamp_rule is not None
        return PromoPlace(
            merchant_id,
            merchant.timezone,
            merchant.default_language,
            local.date(),
            program.levels,
            stamps,
            local,
            program.cashback_on,
        )

    def _view(self, row: Promotion, place: PromoPlace) -> PromoView:
        rule = promotion_rule(row)
        return PromoView(rule, phase(rule, place.local, row.ended_at is not None), row.ended_at)

    async def _taken(self, place: PromoPlace, name: str) -> list[PromoView]:
        """The promotions not ended (running or upcoming) whose name is this one, whatever
        its case in any script (casefold: Обед is обед, Éjszaka is éjszaka)."""
        key = name.casefold()
        since = place.today - timedelta(days=1)  # hours past midnight of a last day run on
        rows = await self.repo.live(place.merchant_id, since)
        views = (self._view(row, place) for row in rows if row.name.casefold() == key)
        return [v for v in views if v.phase is not Phase.ENDED]

    async def check_admin(self, merchant_id: int, actor: int) -> None:
        """NotStaff unless the actor is an owner or an admin of this merchant."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)

    async def place(self, merchant_id: int, actor: int) -> PromoPlace:
        """The merchant as the form needs it (levels, stamp card, today)."""
        async with self.session.begin():
            return await self._place(merchant_id, actor)

    async def board(self, merchant_id: int, actor: int) -> PromoBoard:
        """The list of /promos: every running and upcoming promotion (an old one can always be
        ended), then the newest ended ones, each with where it stands now."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            since = place.today - timedelta(days=1)
            rows = await self.repo.listing(merchant_id, since, LISTED)
            return PromoBoard(place, tuple(self._view(r, place) for r in rows))

    async def check_name(self, merchant_id: int, actor: int, name: str) -> str:
        """The name as the form keeps it; PromoRefused name_taken when a promotion not ended
        has it already."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            checked = parse_name(name)
            if await self._taken(place, checked):
                raise PromoRefused("name_taken")
            return checked

    async def check_room(self, merchant_id: int, actor: int) -> None:
        """PromoRefused too_many when the place runs as many promotions as it may: asked when
        New is pressed, before a name is typed."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            if await self.repo.live_count(merchant_id, place.today) >= MAX_LIVE:
                raise PromoRefused("too_many")

    async def one(self, merchant_id: int, actor: int, promotion_id: int) -> PromoBoard:
        """One promotion of this merchant (PromoRefused gone for anyone else's)."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            row = await self.repo.get(merchant_id, promotion_id)
            if row is None:
                raise PromoRefused("gone")
            return PromoBoard(place, (self._view(row, place),))

    async def add(self, merchant_id: int, actor: int, rule: PromotionRule) -> PromoView:
        """Save a new promotion, audited; the same one saved again (a double press) is the
        one saved before, not a second."""

        async def work() -> PromoView:
            place = await self._place(merchant_id, actor)
            checked = check_draft(rule, place)
            # The version first: its row lock makes a double press wait for the first save,
            # then see it below.
            await self.merchants.bump_program(merchant_id)
            for view in await self._taken(place, checked.name):
                if replace(view.rule, id=0) == replace(checked, id=0):
                    return view  # saved by the first press
                raise PromoRefused("name_taken")
            if await self.repo.live_count(merchant_id, place.today) >= MAX_LIVE:
                raise PromoRefused("too_many")
            now = self.clock()
            row = Promotion(
                merchant_id=merchant_id,
                created_by=actor,
                created_at=now,
                **{k: getattr(checked, k) for k in _COLUMNS},
            )
            promotion_id = await self.repo.add(row)
            self.audit.add(
                merchant_id, actor, "promotion_add", now, str(promotion_id), checked.name
            )
            return self._view(row, place)

        return await in_transaction(self.session, work)

    async def end(self, merchant_id: int, actor: int, promotion_id: int) -> Ended:
        """End a promotion now, audited; ending it again, or one whose dates are over, says it
        had ended (no audit, no new version)."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            now = self.clock()
            row = await self.repo.get(merchant_id, promotion_id)
            if row is None:
                raise PromoRefused("gone")
            if self._view(row, place).phase is Phase.ENDED:
                return Ended(self._view(row, place), False)
            ended = await self.repo.end(merchant_id, promotion_id, now)
            if ended:
                await self.merchants.bump_program(merchant_id)
                self.audit.add(
                    merchant_id, actor, "promotion_end", now, str(promotion_id), row.name
                )
                await self.session.refresh(row)
            return Ended(self._view(row, place), ended)


_COLUMNS = (
    "name",
    "multiplier_pct",
    "extra_stamps",
    "weekdays",
    "start_minute",
    "end_minute",
    "starts_on",
    "ends_on",
    "min_level_rank",
)
