"""A merchant's program changed from the chat by its owners and admins: the current values, a
preview of one change (before -> after, made from a version of the program), and its saving,
which writes only if the program is still that version. Each change is audited; one that
takes something from members raises the rules' version (members accept the new rules at their
next visit) and may be told to them at once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cached_property

from db.reads import read_only
from db.repositories.program_settings import ProgramSettingsRepo
from services import policy, program, program_gifts
from services._tx import in_transaction
from services.base import Service
from services.errors import DomainError
from services.notices import RulesChanged, encode
from services.policy.program_changes import (
    SettingKey,
    SettingRefused,
    Value,
    levels_after,
    new_level,
    parse_setting,
    worse_change,
    worse_levels,
)
from services.program import Program
from services.program_gifts import RewardChoice, is_flag, is_reward
from services.staff import require_admin


@dataclass(frozen=True, slots=True)
class Screen:
    """What the settings screen shows: the program and whether the point's value is fixed."""

    program: Program
    points_issued: bool
    rewards: tuple[RewardChoice, ...] = ()  # what the stamp card and the gifts may name


@dataclass(frozen=True, slots=True)
class Change:
    """One setting (a level's field when `rank` is set) from `before` to `after`, previewed
    from program `version`."""

    merchant_id: int
    key: SettingKey
    rank: int | None
    before: Value
    after: Value
    version: int
    worse: bool = False
    before_name: str | None = None  # a reward setting's rewards, by name
    after_name: str | None = None


@dataclass(frozen=True, slots=True)
class Current:
    """A setting's value now, and the merchant's name, currency, the level it belongs to."""

    program: Program
    key: SettingKey
    rank: int | None
    value: Value
    rewards: tuple[RewardChoice, ...] = ()  # a reward setting's choices


@dataclass(frozen=True, slots=True)
class Saved:
    change: Change
    program: Program
    told: int  # members told; 0 when not asked to
    again: bool = False  # the same change was saved already (a second press)
    new_rules: bool = False  # worse for members: they accept the rules again


class SettingChanged(DomainError):
    """The program changed since the preview: nothing was written; `current` is the value."""

    def __init__(self, current: Current) -> None:
        super().__init__(current.key)
        self.current = current


def value_of(prog: Program, key: SettingKey, rank: int | None) -> Value:
    """The value of `key` in a program (of the level at `rank` for a level's field)."""
    if key in (SettingKey.LEVEL_REMOVE, SettingKey.LEVEL_ADD):  # its name while it is there
        return next((lv.name for lv in prog.levels if lv.rank == rank), None)
    if rank is not None:
        level = next((lv for lv in prog.levels if lv.rank == rank), None)
        if level is None:
            raise SettingRefused("levels")
        value: Value = getattr(level, key.value)
        return value
    if key in (SettingKey.MAX_SALE, SettingKey.RECEIPT, SettingKey.CODE_TTL):
        return getattr(prog.merchant, key.value)  # type: ignore[no-any-return]
    if key is SettingKey.POINT_VALUE:
        return prog.point_value_minor
    return getattr(prog, key.value)  # type: ignore[no-any-return]


class ProgramSettingsService(Service):
    @cached_property
    def repo(self) -> ProgramSettingsRepo:
        return ProgramSettingsRepo(self.session)

    async def _program(self, merchant_id: int, actor: int | None) -> Program:
        if actor is not None:
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
        return await program.load(self.session, merchant_id)

    async def rules(self, merchant_id: int) -> Program:
        """The program whose rules a person is asked to accept (no role needed)."""
        found = program.cached(self.session, merchant_id)
        if found is not None:
            return found
        async with read_only(self.session):
            return await program.load(self.session, merchant_id)

    async def accepted_before(self, merchant_id: int, telegram_id: int) -> bool:
        """Whether this person accepted an earlier version of the merchant's rules."""
        async with read_only(self.session):
            return await self.repo.accepted_before(merchant_id, telegram_id)

    async def rewards_named(self, prog: Program) -> dict[int, str]:
        """The names of the rewards the rules promise (stamp card, gifts); none: no query."""
        if not program_gifts.promised_ids(prog):
            return {}
        async with read_only(self.session):
            return await program_gifts.promised(self.repo, prog)

    async def check(self, merchant_id: int, actor: int) -> None:
        """NotStaff unless `actor` is an owner or an admin of the merchant."""
        async with read_only(self.session):
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)

    async def screen(self, merchant_id: int, actor: int) -> Screen:
        """Every setting of the merchant's program; owners and its admins only."""
        async with read_only(self.session):
            prog = await self._program(merchant_id, actor)
            rewards = await program_gifts.choices(self.repo, merchant_id)
            return Screen(prog, await self.repo.points_issued(merchant_id), rewards)

    async def current(
        self, merchant_id: int, actor: int, key: SettingKey, rank: int | None
    ) -> Current:
        """The value of one setting, before the new one is typed."""
        async with read_only(self.session):
            prog = await self._program(merchant_id, actor)
            if key is SettingKey.POINT_VALUE and await self.repo.points_issued(merchant_id):
                raise SettingRefused("points_issued")
            rewards = await program_gifts.choices(self.repo, merchant_id, key)
            return Current(prog, key, rank, value_of(prog, key, rank), rewards)

    async def preview(
        self,
        merchant_id: int,
        actor: int,
        key: SettingKey,
        rank: int | None,
        text: str | None,
        picked: int | None = None,
    ) -> tuple[Change, Program]:
        """The change `text` asks for (a flag or a level's removal needs none; a reward
        setting's button sends the reward `picked`), checked."""
        async with read_only(self.session):
            prog = await self._program(merchant_id, actor)
            if key is SettingKey.POINT_VALUE and await self.repo.points_issued(merchant_id):
                raise SettingRefused("points_issued")
            rewards = await program_gifts.choices(self.repo, merchant_id, key)
        before = value_of(prog, key, rank)
        currency = prog.merchant.currency
        names: tuple[str | None, ...] = ()
        if is_flag(key):
            after: Value = not before
        elif is_reward(key):
            after = program_gifts.reward_value(key, rewards, picked, text)
            names = tuple(program_gifts.name_of(rewards, v) for v in (before, after))
        elif key is SettingKey.LEVEL_REMOVE:
            if len(prog.levels) <= 1 or rank != prog.levels[-1].rank:
                raise SettingRefused("last_level")
            after = None
        elif key is SettingKey.LEVEL_ADD:
            if rank != len(prog.levels):
                raise SettingRefused("levels")
            after = parse_setting(SettingKey.LEVEL_NAME, text or "", 0)
        else:
            exponent = policy.currency_exponent(currency)
            after = parse_setting(key, text or "", exponent, policy.whole_units_only(currency))
        if after == before:
            raise SettingRefused("same")
        program_gifts.check(prog, key, after)
        worse = worse_change(key, before, after, prog.stamp_rule is not None)
        if rank is not None:
            levels = levels_after(prog.levels, key, rank, after)
            worse = worse_levels(prog.levels, levels)
        change = Change(merchant_id, key, rank, before, after, prog.version, worse, *names)
        return change, prog

    async def save(self, actor: int, change: Change, tell: bool) -> Saved:
        """Write the change if the program is still the previewed version; audited. A change
        worse for members raises the rules' version: each accepts the new rules at their next
        visit; `tell` also queues the notice to every member now."""

        async def work() -> Saved:
            prog = await self._program(change.merchant_id, actor)
            if not await self.repo.claim(change.merchant_id, change.version):
                # Changed since the preview (maybe by this very change, saved a moment ago):
                # the program as it is now, not as this update found it.
                self.session.info.get(program.CHECKED, {}).pop(change.merchant_id, None)
                prog = await program.load(self.session, change.merchant_id)
                current = value_of(prog, change.key, change.rank)
                rewards = await program_gifts.choices(self.repo, change.merchant_id, change.key)
                if current == change.after or (
                    rewards and program_gifts.name_of(rewards, current) == change.after_name
                ):
                    return Saved(change, prog, 0, again=True)
                raise SettingChanged(Current(prog, change.key, change.rank, current, rewards))
            if change.key is SettingKey.POINT_VALUE and await self.repo.points_issued(
                change.merchant_id
            ):
                raise SettingRefused("points_issued")
            now = self.clock()
            await self._write(change, prog, now)
            self._audit(actor, change, now)
            if not change.worse:
                return Saved(change, prog, 0)
            version = await self.repo.new_rules(change.merchant_id)
            told = 0
            if tell:
                told = await self.repo.queue_to_members(
                    change.merchant_id,
                    RulesChanged.kind,
                    encode(RulesChanged(merchant=prog.merchant.name)),
                    f"rules:{change.merchant_id}:{version}:",
                    prog.merchant.default_language,
                    now,
                )
            return Saved(change, prog, told, new_rules=True)

        return await in_transaction(self.session, work)

    async def _write(self, change: Change, prog: Program, now: datetime) -> None:
        if isinstance(change.after, str) and is_reward(change.key):  # a new gift, named
            reward_id = await self.repo.add_gift_reward(change.merchant_id, change.after, now)
            await self.repo.set_merchant(change.merchant_id, change.key.value, reward_id)
        elif change.key is SettingKey.LEVEL_REMOVE:
            await self.repo.remove_level(change.merchant_id, change.rank or 0)
        elif change.key is SettingKey.LEVEL_ADD:
            level = new_level(prog.levels, str(change.after))
            await self.repo.add_level(change.merchant_id, asdict(level))
        elif change.rank is not None:
            await self.repo.set_level(
                change.merchant_id, change.rank, change.key.value, change.after
            )
        else:
            await self.repo.set_merchant(change.merchant_id, change.key.value, change.after)

    def _audit(self, actor: int, change: Change, now: datetime) -> None:
        details: dict[str, object]
        if change.rank is None:
            action, target = "settings_change", change.key.value
            names = is_reward(change.key)  # a reward by its name: an id says nothing in /audit
            details = {
                "before": change.before_name if names else change.before,
                "after": change.after_name if names else change.after,
            }
        else:
            action, target = "levels_change", f"level:{change.rank}"
            details = {"rank": change.rank, change.key.value: [change.before, change.after]}
        text = json.dumps(details, ensure_ascii=False, separators=(",", ":"))[:500]
        self.audit.add(change.merchant_id, actor, action, now, target=target, details=text)
