"""The live chat. A member's free text (no command, no form) is offered to the staff; Send
queues it to the admins and owners. Their Reply (on the message, in /inbox, or on a low
rating's alert) asks for the answer, which reaches the member in the merchant's name."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell, tell_refusals
from handlers.stamp import about
from handlers.ui import chat_render as ui
from handlers.ui.care_callbacks import ChatReplyCb, RatingReplyCb
from handlers.ui.edit import edit_text
from handlers.ui.filters import off_topic, plain_text
from services.chat import REPLY_LIMIT, ChatRefused, ChatService, ChatTooLong, ReplyTo
from services.dto import MemberContext
from services.errors import NotStaff
from services.staff import StaffService

router = Router(name=__name__)
answer_refusals(router)
tell_refusals(router, lambda: _("Only the admins of this place can answer messages."), NotStaff)
STAFF = {"staff": True}
Wake = Callable[[], None]


class ReplyForm(StatesGroup):
    text = State()


def member_writes(message: Message, ctx: MemberContext | None, staff: StaffService) -> bool:
    """A member's own words: staff and owners keep the fallback's answer, and so does a bare
    number (a payment code typed in the wrong chat is no message to the staff)."""
    return (
        not (message.text or "").replace(" ", "").isdigit()
        and ctx is not None
        and ctx.is_member
        and ctx.staff_merchant_id is None
        and ctx.telegram_id not in staff.owner_ids
    )


@router.message(StateFilter(None), F.text, off_topic, member_writes)
async def msg_free_text(message: Message, ctx: MemberContext, chat: ChatService) -> None:
    assert ctx.membership_id is not None
    draft = await chat.offer(
        ctx.merchant.id, ctx.membership_id, message.message_id, message.text or ""
    )
    await message.reply(ui.offer_text(draft.merchant), reply_markup=ui.offer_keyboard(draft.id))


@router.callback_query(ui.ChatCb.filter(F.action == ui.DraftAction.SEND))
async def cb_send(
    query: CallbackQuery,
    callback_data: ui.ChatCb,
    ctx: MemberContext,
    chat: ChatService,
    answer: Answer,
    wake_sender: Wake,
) -> None:
    assert ctx.membership_id is not None
    sent = await chat.send(ctx.merchant.id, ctx.membership_id, callback_data.draft_id)
    wake_sender()
    answer.toast(_("Sent."))
    if isinstance(query.message, Message):
        await edit_text(query.message, ui.delivered_text(sent, ctx.merchant.timezone))


@router.callback_query(ui.ChatCb.filter(F.action == ui.DraftAction.CANCEL))
async def cb_cancel(
    query: CallbackQuery,
    callback_data: ui.ChatCb,
    ctx: MemberContext,
    chat: ChatService,
    answer: Answer,
) -> None:
    assert ctx.membership_id is not None
    if not await chat.cancel(ctx.membership_id, callback_data.draft_id):
        raise ChatRefused("gone")
    answer.toast(_("Not sent."))
    if isinstance(query.message, Message):
        await edit_text(query.message, _("OK, not sent."))


async def _ask_reply(
    query: CallbackQuery,
    chat: ChatService,
    ctx: MemberContext,
    state: FSMContext,
    to: ReplyTo,
    target_id: int,
) -> None:
    target = await chat.reply_target(ctx.work_merchant_id, ctx.telegram_id, to, target_id)
    about(target.merchant)
    await state.set_state(ReplyForm.text)
    # Whether they were told it was answered: else an answer meanwhile is told on send.
    seen = target.answered_by is not None
    await state.update_data(reply_to=to.value, target_id=target_id, seen=seen)
    if isinstance(query.message, Message):
        await query.message.answer(ui.reply_prompt(target, REPLY_LIMIT))


@router.callback_query(ChatReplyCb.filter(), flags=STAFF)
async def cb_reply(
    query: CallbackQuery,
    callback_data: ChatReplyCb,
    ctx: MemberContext,
    chat: ChatService,
    state: FSMContext,
) -> None:
    await _ask_reply(query, chat, ctx, state, ReplyTo.MESSAGE, callback_data.message_id)


@router.callback_query(RatingReplyCb.filter(), flags=STAFF)
async def cb_rating_reply(
    query: CallbackQuery,
    callback_data: RatingReplyCb,
    ctx: MemberContext,
    chat: ChatService,
    state: FSMContext,
) -> None:
    await _ask_reply(query, chat, ctx, state, ReplyTo.RATING, callback_data.purchase_id)


@router.message(StateFilter(ReplyForm.text), plain_text, flags=STAFF)
async def msg_reply_entered(
    message: Message,
    ctx: MemberContext,
    chat: ChatService,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    data = await state.get_data()
    to, target_id = ReplyTo(data["reply_to"]), int(data["target_id"])
    target = await chat.reply(
        ctx.work_merchant_id, ctx.telegram_id, to, target_id, message.text or ""
    )
    await state.clear()
    wake_sender()
    about(target.merchant)
    await message.answer(ui.replied_text(target, warned=bool(data.get("seen"))))


@router.message(StateFilter(ReplyForm.text), off_topic, flags=STAFF)
async def msg_reply_expected(message: Message) -> None:
    await message.answer(_("Write your answer as text, or /cancel."))


@router.message(Command("inbox"), flags=STAFF)
async def cmd_inbox(message: Message, ctx: MemberContext, chat: ChatService) -> None:
    inbox = await chat.inbox(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(ui.inbox_text(inbox), reply_markup=ui.inbox_keyboard(inbox))


@router.errors(ExceptionTypeFilter(ChatTooLong))
async def on_too_long(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, ChatTooLong)
    await tell(event, ui.too_long_text(event.exception.length, event.exception.limit), answer)


@router.errors(ExceptionTypeFilter(ChatRefused))
async def on_chat_refused(
    event: ErrorEvent, state: FSMContext, answer: Answer | None = None
) -> None:
    assert isinstance(event.exception, ChatRefused)
    reason = event.exception.reason
    if reason in ("left", "not_found"):
        await state.clear()  # nothing to answer any more
    texts = {
        "expired": _("This draft has expired. Please write your message again."),
        "gone": _("This message was already sent or cancelled."),
        "too_many": _("You have sent many messages this hour. Please wait for an answer."),
        "not_found": _("There is no such message here."),
        "left": _("This customer has left the program; they cannot be answered."),
    }
    await tell(event, texts.get(reason, texts["not_found"]), answer)
