"""The rewards' settings of /settings in words (issue 15): their labels, a reward setting's
value (a reward's name) and the hints for choosing a reward or a stamp's step.
handlers/ui/settings_render.py shows them among the other settings."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from handlers.ui.render import money
from services.policy.program_changes import SettingKey, Value
from services.program_gifts import CheckLimit, RewardChoice, name_of


def gift_labels() -> dict[SettingKey, str]:
    return {
        SettingKey.CASHBACK: _("Cashback on purchases"),
        SettingKey.STAMPS: _("Stamp card: stamps for the reward"),
        SettingKey.STAMP_REWARD: _("Stamp card: reward"),
        SettingKey.STAMP_MIN: _("Stamp card: smallest check for a stamp"),
        SettingKey.STAMP_STEP: _("Stamp card: stamps per check"),
        SettingKey.STAMP_DAILY: _("Stamp card: at most one stamp a day"),
        SettingKey.WELCOME_REWARD: _("Welcome gift"),
        SettingKey.FRIEND_GIFT: _("Invited friend's gift on their first purchase"),
        SettingKey.FRIEND_REWARD: _("Invited friend's gift reward"),
    }


def reward_shown(value: Value, rewards: tuple[RewardChoice, ...]) -> str:
    """A reward setting's value: the reward's name (a new gift's typed name), or none."""
    if value is None:
        return _("none")
    name = name_of(rewards, value)
    return escape(name) if name else _("a removed reward")


def step_shown(value: Value, currency: str) -> str:
    """One stamp per purchase (no step), or one per full step of the check."""
    if value is None:
        return _("one per purchase")
    return _("one per full {step} of a check").format(step=money(int(value), currency))


def reward_hint(key: SettingKey) -> str:
    """How a reward setting is chosen."""
    hint = _(
        "Choose one of your rewards below, or send a name (at most 60 characters) to make a "
        "new gift: not in the catalogue, no points, valid 30 days from when it is given."
    )
    if key is SettingKey.STAMP_REWARD:
        return hint
    return hint + "\n" + _("“No gift” takes it away.")


def step_hint() -> str:
    return _(
        "Send the amount of a check that earns one stamp, for example 5; 0: one per purchase."
    )


def check_limit_text(error: CheckLimit) -> str:
    """A stamp card no sale could reach, naming the check it is about."""
    amount = money(error.high, error.currency)
    if error.reason == "under_stamp_check":
        return _(
            "The stamp card needs a check of at least {amount} for a stamp: the largest check "
            "can't be smaller. Change the stamp card first."
        ).format(amount=amount)
    return _(
        "That is more than the largest check a sale may have ({largest}): no purchase could "
        "earn a stamp. Send a smaller amount, or raise the largest check first."
    ).format(largest=amount)
