"""The buttons of /settings: a setting to change, the levels, Save or Cancel of a preview."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.render import level_name
from handlers.ui.settings_render import LEVEL_FIELDS, label
from services.policy.program_changes import MAX_LEVELS, SPECS, SettingKey
from services.program import Program
from services.program_gifts import NO_REWARD, is_reward
from services.program_settings import Change, Current


class SettingPick(CallbackData, prefix="set"):
    """A setting of the merchant to change."""

    key: SettingKey


class LevelPick(CallbackData, prefix="setl"):
    """rank -1: the list of levels; a field: that field of the level at `rank`; a reward
    setting (stamp card, welcome or friend's gift): `rank` is the reward's id chosen for it
    (0: no reward)."""

    rank: int
    key: SettingKey | None = None


class SaveAct(StrEnum):
    SAVE = "save"  # a change that takes nothing from members
    TELL = "tell"  # worse for members: save, tell them now; they accept the new rules
    QUIET = "quiet"  # worse for members: save; they accept the new rules at their next visit
    CANCEL = "cancel"


class SettingSave(CallbackData, prefix="setp"):
    """A button of one preview: `preview` is preview_id() of its change (which setting, of
    which level, to what, from which version of the program)."""

    act: SaveAct
    preview: str


def preview_id(change: Change) -> str:
    """A short digest naming one preview: a button of an older one never saves a newer one."""
    fields = json.dumps(asdict(change), sort_keys=True, default=str)
    return hashlib.sha256(fields.encode()).hexdigest()[:12]


def _rows(buttons: list[InlineKeyboardButton], width: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def settings_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=_("🏅 Levels"), callback_data=LevelPick(rank=-1).pack())]
    buttons += [
        InlineKeyboardButton(text=label(key), callback_data=SettingPick(key=key).pack())
        for key in SPECS
        if key.value not in LEVEL_FIELDS
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons))


def levels_keyboard(prog: Program, rank: int | None = None) -> InlineKeyboardMarkup:
    """Every level to pick, or the fields of the level at `rank`."""
    if rank is None:
        buttons = [
            InlineKeyboardButton(text=level_name(lv), callback_data=LevelPick(rank=lv.rank).pack())
            for lv in prog.levels
        ]
        if len(prog.levels) < MAX_LEVELS:
            new = LevelPick(rank=len(prog.levels), key=SettingKey.LEVEL_ADD)
            buttons.append(
                InlineKeyboardButton(text=_("➕ Add a level"), callback_data=new.pack())
            )
    else:
        keys = [k for k in SettingKey if k.value in LEVEL_FIELDS]
        if len(prog.levels) > 1 and rank == prog.levels[-1].rank:
            keys.append(SettingKey.LEVEL_REMOVE)
        buttons = [
            InlineKeyboardButton(
                text=_("🗑 Remove this level") if key is SettingKey.LEVEL_REMOVE else label(key),
                callback_data=LevelPick(rank=rank, key=key).pack(),
            )
            for key in keys
        ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons))


def preview_keyboard(change: Change) -> InlineKeyboardMarkup:
    preview = preview_id(change)

    def button(text: str, act: SaveAct) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=SettingSave(act=act, preview=preview).pack()
        )

    rows = (
        [
            [button(_("📣 Save and tell members now"), SaveAct.TELL)],
            [button(_("💾 Save (members see the new rules next time)"), SaveAct.QUIET)],
        ]
        if change.worse
        else [[button(_("✅ Save"), SaveAct.SAVE)]]
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [button(_("✖️ Cancel"), SaveAct.CANCEL)]])


def rewards_keyboard(current: Current) -> InlineKeyboardMarkup | None:
    """A reward setting's choices: the merchant's rewards, and "No gift" for a gift."""
    if not is_reward(current.key):
        return None
    buttons = [
        InlineKeyboardButton(
            text=reward.name, callback_data=LevelPick(rank=reward.id, key=current.key).pack()
        )
        for reward in current.rewards
        if not reward.archived
    ]
    if current.key is not SettingKey.STAMP_REWARD:
        none = LevelPick(rank=NO_REWARD, key=current.key)
        buttons.append(InlineKeyboardButton(text=_("✖️ No gift"), callback_data=none.pack()))
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, width=1)) if buttons else None
