"""/rewards for owners and the working merchant's admins: the catalogue, a reward added in a
form (one step a field, a preview, Save), a field edited, a reward archived. Every button and
step asks the service first, which checks the presser's role in the merchant they work in
(and that the reward is that merchant's) before it reads or changes anything."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.ui.filters import plain_text
from handlers.ui.rewards_callbacks import AdminAction, RewardAdminCb
from handlers.ui.rewards_render import (
    admin_list_keyboard,
    admin_list_text,
    admin_refusal,
    admin_reward_keyboard,
    archive_confirm,
    details,
    preview_keyboard,
    preview_text,
    prompt,
    prompt_keyboard,
)
from services.dto import MemberContext
from services.errors import NotStaff
from services.rewards.claims import RewardService
from services.rewards.values import STEPS, RewardField, RewardRefused, RewardView

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}


class RewardForm(StatesGroup):
    value = State()  # the field named in the data: typed, a photo, or a button


def on(action: AdminAction) -> Any:
    return RewardAdminCb.filter(F.action == action)


async def send_admin_list(message: Message, ctx: MemberContext, rewards: RewardService) -> None:
    shelf = await rewards.admin_shelf(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(
        admin_list_text(shelf.rewards), reply_markup=admin_list_keyboard(shelf.rewards)
    )


async def send_reward(message: Message, reward: RewardView) -> None:
    await send_with_photo(
        message, reward.photo, "\n".join(details(reward)), admin_reward_keyboard(reward)
    )


async def send_with_photo(
    message: Message, photo: str | None, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    """A reward's screen: its photo with the text as the caption, if it has one."""
    if photo:
        await message.answer_photo(photo, caption=text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


async def ask(
    message: Message,
    ctx: MemberContext,
    rewards: RewardService,
    field: RewardField,
    reward_id: int,
) -> None:
    levels: tuple[tuple[int, str], ...] = ()
    if field == RewardField.LEVEL:
        levels = (await rewards.admin_shelf(ctx.work_merchant_id, ctx.telegram_id)).levels
    await message.answer(prompt(field), reply_markup=prompt_keyboard(field, reward_id, levels))


@router.callback_query(on(AdminAction.LIST), flags=STAFF)
async def cb_list(query: CallbackQuery, ctx: MemberContext, rewards: RewardService) -> None:
    if isinstance(query.message, Message):
        await send_admin_list(query.message, ctx, rewards)


@router.callback_query(on(AdminAction.OPEN), flags=STAFF)
@router.callback_query(on(AdminAction.ARCHIVE), flags=STAFF)
async def cb_open(
    query: CallbackQuery, callback_data: RewardAdminCb, ctx: MemberContext, rewards: RewardService
) -> None:
    """A reward's details with its edit buttons, or (Archive) the question before archiving."""
    reward = await rewards.admin_reward(
        ctx.work_merchant_id, ctx.telegram_id, callback_data.reward_id
    )
    if not isinstance(query.message, Message):
        return
    if callback_data.action == AdminAction.OPEN:
        await send_reward(query.message, reward)
    else:
        text, keyboard = archive_confirm(reward)
        await query.message.answer(text, reply_markup=keyboard)


@router.callback_query(on(AdminAction.ADD), flags=STAFF)
@router.callback_query(on(AdminAction.EDIT), flags=STAFF)
async def cb_start_form(
    query: CallbackQuery,
    callback_data: RewardAdminCb,
    ctx: MemberContext,
    rewards: RewardService,
    state: FSMContext,
) -> None:
    """Add: the form from its first step. Edit: one field of a reward of this merchant."""
    reward_id, field = 0, RewardField.NAME
    if callback_data.action == AdminAction.EDIT and callback_data.field is not None:
        reward_id, field = callback_data.reward_id, callback_data.field
        await rewards.admin_reward(ctx.work_merchant_id, ctx.telegram_id, reward_id)
    else:
        await rewards.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    await state.set_state(RewardForm.value)
    await state.set_data({"field": field.value, "reward": reward_id, "values": {}})
    if isinstance(query.message, Message):
        await ask(query.message, ctx, rewards, field, reward_id)


async def advance(
    message: Message, ctx: MemberContext, rewards: RewardService, state: FSMContext, value: Any
) -> None:
    """The value of the current step: saved (an edit), or kept and the next step asked; after
    the last step, the preview."""
    data = await state.get_data()
    field, reward_id = RewardField(data["field"]), int(data["reward"])
    merchant_id, actor = ctx.work_merchant_id, ctx.telegram_id
    if reward_id:
        reward = await rewards.edit(merchant_id, actor, reward_id, field, value)
        await state.clear()
        await message.answer(_("Saved."))
        await send_reward(message, reward)
        return
    values = {**data["values"], field.value: value}
    following = len(STEPS) if data.get("back") else STEPS.index(field) + 1
    if following < len(STEPS):
        await state.update_data(field=STEPS[following].value, values=values)
        await ask(message, ctx, rewards, STEPS[following], 0)
        return
    await state.update_data(field=None, values=values)
    shelf = await rewards.admin_shelf(merchant_id, actor)
    preview = RewardView.draft(values, dict(shelf.levels))
    await message.answer(preview_text(preview), reply_markup=preview_keyboard())


async def current(
    state: FSMContext, field: RewardField | None = None, reward_id: int = -1
) -> bool:
    """Whether the form waits for `field` (of `reward_id`): an old button finds it moved on."""
    if await state.get_state() != RewardForm.value.state:
        return False
    data = await state.get_data()
    if field is not None and data.get("field") != field.value:
        return False
    return reward_id < 0 or data.get("reward") == reward_id


@router.message(StateFilter(RewardForm.value), plain_text, flags=STAFF)
async def msg_value(
    message: Message, ctx: MemberContext, rewards: RewardService, state: FSMContext
) -> None:
    field = (await state.get_data()).get("field")
    if field in (None, RewardField.PHOTO, RewardField.LEVEL):  # a button or a photo is due
        await rewards.check_admin(ctx.work_merchant_id, ctx.telegram_id)
        await message.answer(prompt(RewardField(field)) if field else _("Press Save or Cancel."))
        return
    value = await rewards.check_value(
        ctx.work_merchant_id, ctx.telegram_id, RewardField(field), message.text or ""
    )
    await advance(message, ctx, rewards, state, value)


@router.message(StateFilter(RewardForm.value), F.photo, flags=STAFF)
async def msg_photo(
    message: Message, ctx: MemberContext, rewards: RewardService, state: FSMContext
) -> None:
    await rewards.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    if not await current(state, RewardField.PHOTO):
        await message.answer(_("A photo is not what this step asks for."))
        return
    assert message.photo
    await advance(message, ctx, rewards, state, message.photo[-1].file_id)


@router.callback_query(on(AdminAction.SKIP), flags=STAFF)
@router.callback_query(on(AdminAction.LEVEL), flags=STAFF)
async def cb_step_button(
    query: CallbackQuery,
    callback_data: RewardAdminCb,
    ctx: MemberContext,
    rewards: RewardService,
    state: FSMContext,
    answer: Answer,
) -> None:
    """Skip (an optional field left empty) or a level picked, at the step that asked."""
    value: int | None = None
    field = callback_data.field
    if callback_data.action == AdminAction.LEVEL:
        field = RewardField.LEVEL
        value = await rewards.check_level(
            ctx.work_merchant_id, ctx.telegram_id, callback_data.value
        )
    else:
        await rewards.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    if field is None or not await current(state, field, callback_data.reward_id):
        answer.alert(_("This step is over. Open /rewards to start again."))
        return
    if isinstance(query.message, Message):
        await advance(query.message, ctx, rewards, state, value)


@router.callback_query(on(AdminAction.SAVE), flags=STAFF)
async def cb_save(
    query: CallbackQuery,
    ctx: MemberContext,
    rewards: RewardService,
    state: FSMContext,
    answer: Answer,
) -> None:
    await rewards.check_admin(ctx.work_merchant_id, ctx.telegram_id)
    data = await state.get_data()
    # Taken out of the form before the save: a second press finds nothing to save.
    await state.clear()
    if data.get("field", "") is not None or data.get("reward"):
        answer.alert(_("This form is closed. Open /rewards to start again."))
        return
    values = data.get("values", {})
    try:
        reward = await rewards.add(ctx.work_merchant_id, ctx.telegram_id, values)
    except RewardRefused as error:
        # The draft is kept: back to the step refused, then straight to the preview again.
        step = RewardField.NAME if error.reason == "name_taken" else None
        step = step or next((f for f in RewardField if f.value == error.reason), None)
        if step is None or not isinstance(query.message, Message):
            raise
        await state.set_state(RewardForm.value)
        await state.set_data({"field": step.value, "reward": 0, "values": values, "back": 1})
        answer.alert(admin_refusal(error.reason))
        await ask(query.message, ctx, rewards, step, 0)
        return
    answer.toast(_("Saved."))
    if isinstance(query.message, Message):
        await send_reward(query.message, reward)


@router.callback_query(on(AdminAction.CANCEL), flags=STAFF)
async def cb_cancel(query: CallbackQuery, state: FSMContext, answer: Answer) -> None:
    if await state.get_state() == RewardForm.value.state:
        await state.clear()
    answer.toast(_("Cancelled."))


@router.callback_query(on(AdminAction.ARCHIVE_OK), flags=STAFF)
async def cb_archive_ok(
    query: CallbackQuery,
    callback_data: RewardAdminCb,
    ctx: MemberContext,
    rewards: RewardService,
    answer: Answer,
) -> None:
    await rewards.archive(ctx.work_merchant_id, ctx.telegram_id, callback_data.reward_id)
    answer.toast(_("Archived."))
    if isinstance(query.message, Message):
        await send_admin_list(query.message, ctx, rewards)


@router.errors(ExceptionTypeFilter(NotStaff))
async def on_not_admin(event: ErrorEvent, state: FSMContext, answer: Answer | None = None) -> None:
    if await state.get_state() == RewardForm.value.state:
        await state.clear()
    await tell(event, _("Only the owners and admins of this place can edit its rewards."), answer)


@router.errors(ExceptionTypeFilter(RewardRefused))
async def on_refused(event: ErrorEvent, state: FSMContext, answer: Answer | None = None) -> None:
    """Said in the chat (a button's as an alert); a typed step waits for another try. A
    reward gone (archived meanwhile) closes the form: nothing is left to edit."""
    assert isinstance(event.exception, RewardRefused)
    if event.exception.reason == "gone" and await state.get_state() == RewardForm.value.state:
        await state.clear()
    await tell(event, admin_refusal(event.exception.reason), answer)
