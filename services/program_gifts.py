"""The rewards' settings of /settings (issue 15): the rewards a stamp card or a gift may name,
the value a reward button or a typed name asks for, and the checks that keep members earning
something. services/program_settings.py previews and saves them like every other setting."""

from __future__ import annotations

from dataclasses import dataclass

from db.repositories.program_settings import ProgramSettingsRepo
from services.policy.program_changes import (
    SPECS,
    Kind,
    SettingKey,
    SettingRefused,
    Value,
    gift_refusal,
)
from services.program import Program

REWARD_NAME_MAX = 60  # reward.name's length
NO_REWARD = 0  # the id a "no gift" button sends
REWARD_KEYS = tuple(key for key, spec in SPECS.items() if spec.kind is Kind.REWARD)


@dataclass(frozen=True, slots=True)
class RewardChoice:
    """A reward of the merchant, as a setting names it (archived ones stay nameable)."""

    id: int
    name: str
    archived: bool = False


class CheckLimit(SettingRefused):
    """A stamp card out of the sales' reach. over_max_sale: its smallest check or step is above
    the largest check a sale may have (`high`); under_stamp_check: the largest check would go
    below what the running card needs (`high`). `currency`: to say `high` in."""

    def __init__(self, reason: str, high: int, currency: str) -> None:
        super().__init__(reason, 0, high)
        self.currency = currency


def is_flag(key: SettingKey) -> bool:
    """A setting toggled by its button (nothing to type)."""
    return key in SPECS and SPECS[key].kind is Kind.FLAG


def is_reward(key: SettingKey) -> bool:
    return key in SPECS and SPECS[key].kind is Kind.REWARD


async def choices(
    repo: ProgramSettingsRepo, merchant_id: int, key: SettingKey | None = None
) -> tuple[RewardChoice, ...]:
    """The merchant's rewards (for `key`: only when it is a reward setting)."""
    if key is not None and not is_reward(key):
        return ()
    return tuple(RewardChoice(*row) for row in await repo.rewards(merchant_id))


def name_of(rewards: tuple[RewardChoice, ...], value: Value) -> str | None:
    """The reward a setting names: a new gift's typed name, or an existing reward's."""
    if value is None or isinstance(value, str):
        return value
    return next((r.name for r in rewards if r.id == value), None)


def reward_value(
    key: SettingKey, rewards: tuple[RewardChoice, ...], picked: int | None, text: str | None
) -> Value:
    """What a reward setting becomes: a button's reward (NO_REWARD: none), or a typed name,
    which names an existing reward of that name or a new gift made at Save."""
    if picked is not None:
        if picked == NO_REWARD and key is not SettingKey.STAMP_REWARD:
            return None  # the stamp card goes off with its stamps, not its reward
        if any(r.id == picked and not r.archived for r in rewards):
            return picked
        raise SettingRefused("reward")  # a forged or stale button
    name = " ".join((text or "").split())
    if not 1 <= len(name) <= REWARD_NAME_MAX:
        raise SettingRefused("reward_name", 1, REWARD_NAME_MAX)
    same = (r.id for r in rewards if not r.archived and r.name.casefold() == name.casefold())
    return next(same, name)


def check(prog: Program, key: SettingKey, after: Value) -> None:
    """SettingRefused when the change would leave members earning nothing, or a stamp card
    without its reward; CheckLimit when no check a sale may have could earn a stamp."""
    reason = gift_refusal(
        key,
        after,
        cashback_on=prog.cashback_on,
        card_runs=prog.stamp_rule is not None,
        has_reward=prog.stamp_reward_id is not None,
    )
    if reason is not None:
        raise SettingRefused(reason)
    merchant = prog.merchant
    stamp_check = key in (SettingKey.STAMP_MIN, SettingKey.STAMP_STEP)
    if stamp_check and isinstance(after, int) and after > merchant.max_sale_minor:
        raise CheckLimit("over_max_sale", merchant.max_sale_minor, merchant.currency)
    rule = prog.stamp_rule
    if key is SettingKey.MAX_SALE and isinstance(after, int) and rule is not None:
        needed = max(rule.min_amount_minor, rule.step_minor or 0)
        if after < needed:
            raise CheckLimit("under_stamp_check", needed, merchant.currency)


def promised_ids(prog: Program) -> set[int]:
    """The rewards a program's rules name: the running stamp card's and the gifts'."""
    card = prog.stamp_reward_id if prog.stamp_rule is not None else None
    return {i for i in (card, prog.welcome_reward_id, prog.friend_reward_id) if i is not None}


async def promised(repo: ProgramSettingsRepo, prog: Program) -> dict[int, str]:
    """Reward id -> name of the rewards a program's rules name."""
    wanted = promised_ids(prog)
    return {id_: name for id_, name, _ in await repo.rewards(prog.id) if id_ in wanted}
