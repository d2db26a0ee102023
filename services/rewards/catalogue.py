"""The reward catalogue as its owners and admins keep it: the list, a reward added from the
form's values, a field edited, a reward archived. Every call checks the actor's role in the
merchant before it reads or changes anything; every change is audited (reward_add,
reward_edit, reward_archive, with the reward's name)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from db.models import Reward
from db.repositories.rewards import RewardRepo
from services._tx import in_transaction
from services.base import Service
from services.errors import NotStaff
from services.program import load
from services.rewards.values import (
    COLUMNS,
    OPTIONAL,
    AdminShelf,
    RewardField,
    RewardRefused,
    RewardView,
    parse_value,
)
from services.staff import require_admin


class Catalogue(Service):
    @cached_property
    def rewards(self) -> RewardRepo:
        return RewardRepo(self.session)

    async def _admin(self, merchant_id: int, actor: int) -> None:
        await require_admin(self.staff, merchant_id, actor, self.owner_ids)

    async def _levels(self, merchant_id: int) -> dict[int, str]:
        """The levels' names by rank, from the program's copy (services/program.py)."""
        return {level.rank: level.name for level in (await load(self.session, merchant_id)).levels}

    async def is_admin(self, merchant_id: int, actor: int) -> bool:
        """Whether /rewards shows this person the admins' catalogue."""
        try:
            await self.check_admin(merchant_id, actor)
        except NotStaff:
            return False
        return True

    async def check_admin(self, merchant_id: int, actor: int) -> None:
        """NotStaff unless the actor may keep this catalogue: every step asks first."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)

    async def admin_shelf(self, merchant_id: int, actor: int) -> AdminShelf:
        """The active rewards (listed or given) and the merchant's levels."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            levels = await self._levels(merchant_id)
            rewards = await self.rewards.active(merchant_id, listed_only=True)
            return AdminShelf(
                tuple(RewardView.of(r, levels) for r in rewards), tuple(sorted(levels.items()))
            )

    async def admin_reward(self, merchant_id: int, actor: int, reward_id: int) -> RewardView:
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            return await self._view(merchant_id, reward_id)

    async def _view(self, merchant_id: int, reward_id: int) -> RewardView:
        reward = await self.rewards.of(merchant_id, reward_id)
        if reward is None:
            raise RewardRefused("gone")
        return RewardView.of(reward, await self._levels(merchant_id))

    async def check_value(
        self, merchant_id: int, actor: int, field: RewardField, text: str
    ) -> Any:
        """A typed value of the form, checked after the actor's role."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
        return parse_value(field, text)

    async def check_level(self, merchant_id: int, actor: int, rank: int) -> int:
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            if rank not in await self._levels(merchant_id):
                raise RewardRefused("level")
            return rank

    async def add(self, merchant_id: int, actor: int, values: dict[str, Any]) -> RewardView:
        """A new listed reward from the form's values (field name -> value as stored)."""

        async def work() -> RewardView:
            await self._admin(merchant_id, actor)
            fields = {f: values.get(f.value) for f in RewardField}
            missing = [f for f, v in fields.items() if v is None and f not in OPTIONAL]
            if missing:
                raise RewardRefused(missing[0].value)
            name = str(fields[RewardField.NAME])
            if await self.rewards.name_taken(merchant_id, name):
                raise RewardRefused("name_taken")
            levels = await self._levels(merchant_id)
            if fields[RewardField.LEVEL] not in levels:
                raise RewardRefused("level")
            now = self.clock()
            reward = Reward(
                merchant_id=merchant_id,
                listed=True,
                created_at=now,
                **{COLUMNS[f]: v for f, v in fields.items()},
            )
            self.rewards.add(reward)
            await self.session.flush()
            self.audit.add(
                merchant_id, actor, "reward_add", now, target=str(reward.id), details=name
            )
            return RewardView.of(reward, levels)

        return await in_transaction(self.session, work)

    async def edit(
        self, merchant_id: int, actor: int, reward_id: int, field: RewardField, value: Any
    ) -> RewardView:
        """One field of an active reward set (None clears an optional one)."""

        async def work() -> RewardView:
            await self._admin(merchant_id, actor)
            reward = await self._view(merchant_id, reward_id)
            if value is None and field not in OPTIONAL:
                raise RewardRefused(field.value)
            if field == RewardField.NAME and await self.rewards.name_taken(
                merchant_id, str(value), but=reward_id
            ):
                raise RewardRefused("name_taken")
            if field == RewardField.LEVEL and value not in await self._levels(merchant_id):
                raise RewardRefused("level")
            if not await self.rewards.change(reward_id, {COLUMNS[field]: value}):
                raise RewardRefused("gone")
            name = value if field == RewardField.NAME else reward.name
            now = self.clock()
            self.audit.add(
                merchant_id, actor, "reward_edit", now, target=field.value, details=name
            )
            return await self._view(merchant_id, reward_id)

        return await in_transaction(self.session, work)

    async def archive(self, merchant_id: int, actor: int, reward_id: int) -> RewardView:
        """Out of the catalogue; vouchers already claimed stay good. Twice: `gone`."""

        async def work() -> RewardView:
            await self._admin(merchant_id, actor)
            reward = await self._view(merchant_id, reward_id)
            now = self.clock()
            if not await self.rewards.archive(reward_id, now):
                raise RewardRefused("gone")
            self.audit.add(
                merchant_id,
                actor,
                "reward_archive",
                now,
                target=str(reward_id),
                details=reward.name,
            )
            return reward

        return await in_transaction(self.session, work)
