"""/settings: owners and the merchant's admins change the program from the chat. A button
picks a setting, the new value is typed (or a flag toggled), a preview shows before -> after,
and Save writes it if nobody changed the program meanwhile."""

from __future__ import annotations

from dataclasses import asdict

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, MaybeInaccessibleMessageUnion, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell, tell_refusals
from handlers.ui.edit import drop_keyboard
from handlers.ui.settings_keyboards import (
    LevelPick,
    SaveAct,
    SettingPick,
    SettingSave,
    levels_keyboard,
    preview_id,
    preview_keyboard,
    rewards_keyboard,
    settings_keyboard,
)
from handlers.ui.settings_refusals import refusal_text
from handlers.ui.settings_render import (
    changed_text,
    levels_text,
    preview_text,
    prompt_text,
    saved_text,
    settings_text,
    stored_name,
)
from services.dto import MemberContext
from services.errors import NotStaff
from services.policy.program_changes import SettingKey, SettingRefused
from services.program_gifts import REWARD_KEYS, is_flag
from services.program_settings import Change, ProgramSettingsService, SettingChanged

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}
EDIT, PENDING = "settings_edit", "settings_pending"  # FSM data: the setting typed, the preview

tell_refusals(
    router, lambda: _("Only the owners and admins of this place can change its program."), NotStaff
)


class SettingsForm(StatesGroup):
    value = State()


def stamped(ctx: MemberContext, merchant_id: int | None = None) -> bool:
    """Whether bot/workplace.py names the merchant above this person's staff messages (then
    the titles need not), for messages about `merchant_id` (default: where they work)."""
    return (
        ctx.works_in_several
        and ctx.staff_merchant_name is not None
        and merchant_id in (None, ctx.work_merchant_id)
    )


@router.message(Command("settings"), flags=STAFF)
async def cmd_settings(
    message: Message, ctx: MemberContext, programs: ProgramSettingsService
) -> None:
    screen = await programs.screen(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(settings_text(screen, stamped(ctx)), reply_markup=settings_keyboard())


@router.callback_query(LevelPick.filter(F.key.is_(None)), flags=STAFF)
async def cb_levels(
    query: CallbackQuery,
    callback_data: LevelPick,
    ctx: MemberContext,
    programs: ProgramSettingsService,
) -> None:
    screen = await programs.screen(ctx.work_merchant_id, ctx.telegram_id)
    rank = None if callback_data.rank < 0 else callback_data.rank
    if isinstance(query.message, Message):
        await query.message.answer(
            levels_text(screen.program, stamped(ctx)),
            reply_markup=levels_keyboard(screen.program, rank),
        )


@router.callback_query(LevelPick.filter(F.key.in_(REWARD_KEYS)), flags=STAFF)
async def cb_pick_reward(
    query: CallbackQuery,
    callback_data: LevelPick,
    ctx: MemberContext,
    programs: ProgramSettingsService,
    state: FSMContext,
) -> None:
    """A reward chosen for the stamp card or a gift (its id in `rank`): the preview."""
    assert callback_data.key is not None
    await show_preview(
        query.message,
        ctx,
        programs,
        state,
        callback_data.key,
        None,
        None,
        picked=callback_data.rank,
    )


@router.callback_query(SettingPick.filter(), flags=STAFF)
@router.callback_query(LevelPick.filter(F.key.is_not(None)), flags=STAFF)
async def cb_pick_setting(
    query: CallbackQuery,
    callback_data: SettingPick | LevelPick,
    ctx: MemberContext,
    programs: ProgramSettingsService,
    state: FSMContext,
) -> None:
    key = callback_data.key
    assert key is not None
    rank = callback_data.rank if isinstance(callback_data, LevelPick) else None
    if key is SettingKey.LEVEL_REMOVE or is_flag(key):  # nothing to type
        await show_preview(query.message, ctx, programs, state, key, rank, None)
        return
    current = await programs.current(ctx.work_merchant_id, ctx.telegram_id, key, rank)
    await state.set_state(SettingsForm.value)
    await state.update_data({EDIT: {"merchant_id": current.program.id, "key": key, "rank": rank}})
    if isinstance(query.message, Message):
        await query.message.answer(
            prompt_text(current, stamped(ctx, current.program.id)),
            reply_markup=rewards_keyboard(current),
        )


@router.message(SettingsForm.value, F.text, ~F.text.startswith("/"), flags=STAFF)
async def msg_setting_value(
    message: Message, ctx: MemberContext, programs: ProgramSettingsService, state: FSMContext
) -> None:
    edit = (await state.get_data()).get(EDIT) or {}
    if not edit:
        await state.set_state(None)
        return
    key, text = SettingKey(edit["key"]), message.text or ""
    if key is SettingKey.LEVEL_NAME:
        now = await programs.current(edit["merchant_id"], ctx.telegram_id, key, edit["rank"])
        text = stored_name(now.value, text)
    await show_preview(
        message, ctx, programs, state, key, edit["rank"], text, merchant_id=edit["merchant_id"]
    )


async def show_preview(
    target: MaybeInaccessibleMessageUnion | None,
    ctx: MemberContext,
    programs: ProgramSettingsService,
    state: FSMContext,
    key: SettingKey,
    rank: int | None,
    text: str | None,
    merchant_id: int | None = None,
    picked: int | None = None,
) -> None:
    """Before -> after, with Save (or, for a change worse for members, whether to tell them)."""
    change, prog = await programs.preview(
        merchant_id or ctx.work_merchant_id, ctx.telegram_id, key, rank, text, picked
    )
    if text is None:  # nothing typed: no value step stays open
        await state.set_state(None)
        await state.update_data({EDIT: None})
    # A typed value keeps its step open: a value typed again makes a newer preview.
    await state.update_data({PENDING: asdict(change)})
    if isinstance(target, Message):
        await target.answer(
            preview_text(change, prog, stamped(ctx, prog.merchant.id)),
            reply_markup=preview_keyboard(change),
        )


@router.callback_query(SettingSave.filter(), flags=STAFF)
async def cb_save_setting(
    query: CallbackQuery,
    callback_data: SettingSave,
    ctx: MemberContext,
    programs: ProgramSettingsService,
    state: FSMContext,
    answer: Answer,
) -> None:
    pending = (await state.get_data()).get(PENDING)
    await programs.check(
        (pending or {}).get("merchant_id") or ctx.work_merchant_id, ctx.telegram_id
    )
    if not pending:
        answer.toast(_("This button is no longer active."))
        return
    change = Change(**{**pending, "key": SettingKey(pending["key"])})
    if preview_id(change) != callback_data.preview:  # an older preview's button
        answer.toast(_("This preview was replaced by a newer one. Nothing was saved."))
        return
    if callback_data.act is SaveAct.SAVE and change.worse:  # a forged plain Save
        answer.toast(_("This button is no longer active."))
        return
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
    if callback_data.act is SaveAct.CANCEL:
        await end_step(state, change)
        answer.toast(_("Cancelled. Nothing was changed."))
        return
    saved = await programs.save(ctx.telegram_id, change, tell=callback_data.act is SaveAct.TELL)
    await end_step(state, change)
    if isinstance(query.message, Message):
        await query.message.answer(saved_text(saved))


async def end_step(state: FSMContext, change: Change) -> None:
    """The preview is done with; so is the value step, if it is still this setting's."""
    edit = (await state.get_data()).get(EDIT) or {}
    if (edit.get("merchant_id"), edit.get("key"), edit.get("rank")) == (
        change.merchant_id,
        change.key,
        change.rank,
    ):
        await state.set_state(None)
        await state.update_data({EDIT: None})
    await state.update_data({PENDING: None})


@router.errors(ExceptionTypeFilter(SettingRefused))
async def on_setting_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, SettingRefused)
    await tell(event, refusal_text(event.exception), answer)


@router.errors(ExceptionTypeFilter(SettingChanged))
async def on_setting_changed(
    event: ErrorEvent, state: FSMContext, answer: Answer | None = None
) -> None:
    assert isinstance(event.exception, SettingChanged)
    await state.update_data({PENDING: None})
    query = event.update.callback_query
    if query is not None and isinstance(query.message, Message):  # too long for an alert
        await query.message.answer(changed_text(event.exception.current))
    else:
        await tell(event, changed_text(event.exception.current), answer)
