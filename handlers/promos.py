"""/promos for owners and the working merchant's admins: the promotions (running now, upcoming,
ended), one promotion's page, ending one early (asked first), announcing one as a push (the push
form takes over with the text written), and the new-promotion form (handlers/promo_form.py).
Every command, step and button asks the service first, which checks the presser's role before
it reads or says anything; another merchant's promotion is "not one of this place's"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message

from handlers import promo_form
from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.i18n import CatalogI18n
from handlers.promo_form import PromoForm
from handlers.push.content import begin_with_text
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.promo_form_render import admins_only, input_refused, name_prompt, promo_refused
from handlers.ui.promo_render import (
    PromoAction,
    PromoCb,
    announcement,
    board_keyboard,
    board_text,
    end_question,
    ended_text,
    page_keyboard,
    page_text,
)
from services.campaigns import CampaignService
from services.dto import MemberContext
from services.errors import NotStaff
from services.policy.promo_inputs import PromoInput
from services.policy.promotions import Phase
from services.promotions import PromoRefused, PromotionService

router = Router(name=__name__)
router.include_router(promo_form.router)
answer_refusals(router)
STAFF = {"staff": True}


@router.errors(ExceptionTypeFilter(NotStaff))
async def on_not_admin(event: ErrorEvent, state: FSMContext, answer: Answer | None = None) -> None:
    if await state.get_state() in PromoForm:
        await state.clear()
    await tell(event, admins_only(), answer)


@router.errors(ExceptionTypeFilter(PromoInput))
async def on_input_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    """A value the step cannot take: said, and the step waits for another."""
    assert isinstance(event.exception, PromoInput)
    await tell(event, input_refused(event.exception), answer)


@router.errors(ExceptionTypeFilter(PromoRefused))
async def on_promo_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, PromoRefused)
    await tell(event, promo_refused(event.exception), answer)


@router.message(Command("promos"), flags=STAFF)
async def cmd_promos(
    message: Message, ctx: MemberContext, promotions: PromotionService, state: FSMContext
) -> None:
    board = await promotions.board(ctx.work_merchant_id, ctx.telegram_id)
    if await state.get_state() in PromoForm:
        await state.clear()
    await message.answer(board_text(board), reply_markup=board_keyboard(board))


@router.callback_query(
    PromoCb.filter(F.action.in_({PromoAction.LIST, PromoAction.NEW})), flags=STAFF
)
async def cb_list_or_new(
    query: CallbackQuery,
    callback_data: PromoCb,
    ctx: MemberContext,
    promotions: PromotionService,
    state: FSMContext,
) -> None:
    board = await promotions.board(ctx.work_merchant_id, ctx.telegram_id)
    if not isinstance(query.message, Message):
        return
    if callback_data.action is PromoAction.LIST:
        await edit_text(query.message, board_text(board), board_keyboard(board))
        return
    await promotions.check_room(ctx.work_merchant_id, ctx.telegram_id)  # too many: said now
    await state.set_state(PromoForm.name)
    await state.set_data({})  # a form left half-way before starts afresh
    await query.message.answer(name_prompt())


@router.callback_query(
    PromoCb.filter(F.action.in_({PromoAction.SHOW, PromoAction.END})), flags=STAFF
)
async def cb_show(
    query: CallbackQuery, callback_data: PromoCb, ctx: MemberContext, promotions: PromotionService
) -> None:
    board = await promotions.one(ctx.work_merchant_id, ctx.telegram_id, callback_data.promo)
    view = board.promotions[0]
    if not isinstance(query.message, Message):
        return
    if callback_data.action is PromoAction.END and view.phase is not Phase.ENDED:
        text, keyboard = end_question(view)
    else:
        text, keyboard = page_text(view, board.place), page_keyboard(view)
    await edit_text(query.message, text, keyboard)


@router.callback_query(PromoCb.filter(F.action == PromoAction.END_OK), flags=STAFF)
async def cb_end(
    query: CallbackQuery,
    callback_data: PromoCb,
    ctx: MemberContext,
    promotions: PromotionService,
) -> None:
    ended = await promotions.end(ctx.work_merchant_id, ctx.telegram_id, callback_data.promo)
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await query.message.answer(ended_text(ended.view.rule.name, ended.now))


@router.callback_query(PromoCb.filter(F.action == PromoAction.ANNOUNCE), flags=STAFF)
async def cb_announce(
    query: CallbackQuery,
    callback_data: PromoCb,
    ctx: MemberContext,
    promotions: PromotionService,
    campaigns: CampaignService,
    state: FSMContext,
    i18n: CatalogI18n,
    answer: Answer,
) -> None:
    """The push form takes over with the announcement written in the merchant's default
    language (a push is one text for everyone); the owner picks who gets it, previews and
    sends it as any push."""
    board = await promotions.one(ctx.work_merchant_id, ctx.telegram_id, callback_data.promo)
    view = board.promotions[0]
    if view.phase is Phase.ENDED:
        answer.alert(ended_text(view.rule.name, False))
        return
    with i18n.use_locale(board.place.language):
        html = announcement(view.rule, board.place)
    if isinstance(query.message, Message):
        await begin_with_text(query.message, ctx, campaigns, state, html)
