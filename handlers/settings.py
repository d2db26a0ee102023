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
    preview_keyboard,
    settings_keyboard,
)
from handlers.ui.settings_render import (
    changed_text,
    levels_text,
    preview_text,
    prompt_text,
    refusal_text,
    saved_text,
    settings_text,
)
from services.dto import MemberContext
from services.errors import NotStaff
from services.policy.program_changes import SettingKey, SettingRefused
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


@router.message(Command("settings"), flags=STAFF)
async def cmd_settings(
    message: Message, ctx: MemberContext, programs: ProgramSettingsService
) -> None:
    screen = await programs.screen(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(settings_text(screen), reply_markup=settings_keyboard())


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
            levels_text(screen.program), reply_markup=levels_keyboard(screen.program, rank)
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
    if key in (SettingKey.RECEIPT, SettingKey.LEVEL_REMOVE):  # nothing to type
        await show_preview(query.message, ctx, programs, state, key, rank, None)
        return
    current = await programs.current(ctx.work_merchant_id, ctx.telegram_id, key, rank)
    await state.set_state(SettingsForm.value)
    await state.update_data({EDIT: {"merchant_id": current.program.id, "key": key, "rank": rank}})
    if isinstance(query.message, Message):
        await query.message.answer(prompt_text(current))


@router.message(SettingsForm.value, F.text, ~F.text.startswith("/"), flags=STAFF)
async def msg_setting_value(
    message: Message, ctx: MemberContext, programs: ProgramSettingsService, state: FSMContext
) -> None:
    edit = (await state.get_data()).get(EDIT) or {}
    if not edit:
        await state.set_state(None)
        return
    await show_preview(
        message,
        ctx,
        programs,
        state,
        SettingKey(edit["key"]),
        edit["rank"],
        message.text or "",
        merchant_id=edit["merchant_id"],
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
) -> None:
    """Before -> after, with Save (or, for a change worse for members, whether to tell them)."""
    change, prog = await programs.preview(
        merchant_id or ctx.work_merchant_id, ctx.telegram_id, key, rank, text
    )
    await state.set_state(None)
    await state.update_data({EDIT: None, PENDING: asdict(change)})
    if isinstance(target, Message):
        await target.answer(preview_text(change, prog), reply_markup=preview_keyboard(change))


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
    if not pending or pending["version"] != callback_data.version:
        answer.toast(_("This button is no longer active."))
        return
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
    if callback_data.act is SaveAct.CANCEL:
        await state.update_data({PENDING: None})
        answer.toast(_("Cancelled. Nothing was changed."))
        return
    change = Change(**{**pending, "key": SettingKey(pending["key"])})
    saved = await programs.save(ctx.telegram_id, change, tell=callback_data.act is SaveAct.TELL)
    await state.update_data({PENDING: None})
    if isinstance(query.message, Message):
        await query.message.answer(saved_text(saved))


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
