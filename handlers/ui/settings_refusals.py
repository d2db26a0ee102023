"""Why a /settings change was refused, in the reader's words: a value typed wrong, a change
the program's rules forbid (levels out of order, a fixed point value), or one of the rewards'
settings that would leave members earning nothing."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.utils.i18n import gettext as _

from handlers.ui.render import whole_number
from handlers.ui.settings_gifts_render import check_limit_text
from services.policy.program_changes import SettingRefused
from services.program_gifts import CheckLimit


def refusal_text(error: SettingRefused) -> str:
    if isinstance(error, CheckLimit):
        return check_limit_text(error)
    texts: dict[str, Callable[[], str]] = {
        "format": lambda: _("Please send a number using the digits 0 to 9."),
        "decimals": lambda: _("Too many digits after the decimal point for this currency."),
        "whole": lambda: _("This currency has no smaller units: please send a whole amount."),
        "zero": lambda: _("The amount must be more than zero."),
        "too_large": lambda: _("That is too large: at most {high}.").format(
            high=whole_number(error.high)
        ),
        "percent": lambda: _("Please send a percentage from 0 to 100, like 5, 2.5 or 5%."),
        "range": lambda: _("Please send a whole number from {low} to {high}.").format(
            low=whole_number(error.low), high=whole_number(error.high)
        ),
        "range_or_off": lambda: _(
            "Please send a whole number from {low} to {high}, or 0 to turn it off."
        ).format(low=whole_number(error.low), high=whole_number(error.high)),
        "name": lambda: _("The name must be 1 to 40 characters long."),
        "same": lambda: _("That is the current value already: nothing to change."),
        "points_issued": lambda: _(
            "The value of a point cannot change any more: members hold points, and their "
            "balances count points."
        ),
        "levels": lambda: _(
            "The levels must keep their order: the first needs nothing, and each level needs "
            "at least the spend and the friends of the one below it."
        ),
        "last_level": lambda: _("Only the top level can be removed, and one level must stay."),
        "stamps_first": lambda: _(
            "Cashback can be turned off only while a stamp card runs (stamps instead of "
            "cashback): set up the stamp card first."
        ),
        "cashback_off": lambda: _(
            "The stamp card can't be turned off while cashback is off: members would earn "
            "nothing. Turn cashback on first."
        ),
        "stamp_reward": lambda: _("Choose the stamp card's reward first."),
        "reward": lambda: _("That reward is not available any more. Open /settings again."),
        "reward_name": lambda: _("The reward's name must be 1 to {high} characters long.").format(
            high=whole_number(error.high)
        ),
    }
    return texts.get(error.reason, texts["format"])()
