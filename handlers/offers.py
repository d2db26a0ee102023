"""/offers for owners and the working merchant's admins: the certificate offers their partners
hand out (archived ones under their own button), one offer's page, editing its terms, caps and
routes (handlers/offer_form.py from the step edited), and archiving one (asked first). Every
command, step and button asks the service first, which checks the presser's role before it
reads or says anything; another merchant's offer is "not one of this place's"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, ErrorEvent, Message

from handlers import offer_form
from handlers.answers import Answer
from handlers.errors import answer_refusals, tell
from handlers.offer_steps import OfferForm, ask, pack
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.offer_form_render import admins_only, input_refused, offer_refused
from handlers.ui.offers_render import (
    EditField,
    OfferAction,
    OfferCb,
    archive_question,
    archived_text,
    board_keyboard,
    board_text,
    page_keyboard,
    page_text,
)
from services.coalition.offer_inputs import OfferInput, OfferRefused, OfferTerms
from services.coalition.offers import OfferService
from services.dto import MemberContext
from services.errors import NotStaff

router = Router(name=__name__)
router.include_router(offer_form.router)
answer_refusals(router)
STAFF = {"staff": True}
FIRST_STEP: dict[EditField, State] = {
    EditField.VALUE: OfferForm.kind,
    EditField.MIN_CHECK: OfferForm.min_check,
    EditField.DAYS: OfferForm.days,
    EditField.CAPS: OfferForm.total,
    EditField.ROUTES: OfferForm.routes,
}


@router.errors(ExceptionTypeFilter(NotStaff))
async def on_not_admin(event: ErrorEvent, state: FSMContext, answer: Answer | None = None) -> None:
    if await state.get_state() in OfferForm:
        await state.clear()
    await tell(event, admins_only(), answer)


@router.errors(ExceptionTypeFilter(OfferInput))
async def on_input_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    """A value the step cannot take (raised after the role was checked): said in the currency
    it is typed in (a partner's threshold in the partner's), and the step waits."""
    assert isinstance(event.exception, OfferInput)
    await tell(event, input_refused(event.exception), answer)


@router.errors(ExceptionTypeFilter(OfferRefused))
async def on_offer_refused(event: ErrorEvent, answer: Answer | None = None) -> None:
    assert isinstance(event.exception, OfferRefused)
    await tell(event, offer_refused(event.exception), answer)


@router.message(Command("offers"), flags=STAFF)
async def cmd_offers(
    message: Message, ctx: MemberContext, offers: OfferService, state: FSMContext
) -> None:
    board = await offers.board(ctx.work_merchant_id, ctx.telegram_id)
    if await state.get_state() in OfferForm:
        await state.clear()
    await message.answer(board_text(board), reply_markup=board_keyboard(board))


@router.callback_query(
    OfferCb.filter(F.action.in_({OfferAction.LIST, OfferAction.ARCHIVED, OfferAction.NEW})),
    flags=STAFF,
)
async def cb_list_or_new(
    query: CallbackQuery,
    callback_data: OfferCb,
    ctx: MemberContext,
    offers: OfferService,
    state: FSMContext,
) -> None:
    archived = callback_data.action is OfferAction.ARCHIVED
    merchant_id, actor = ctx.work_merchant_id, ctx.telegram_id
    board = await offers.board(merchant_id, actor, archived, callback_data.page)
    if not isinstance(query.message, Message):
        return
    if callback_data.action is not OfferAction.NEW:
        await edit_text(
            query.message, board_text(board, archived), board_keyboard(board, archived)
        )
        return
    if not board.place.partners:
        raise OfferRefused("no_partners")
    await state.set_data(pack(OfferTerms()))  # a form left half-way before starts afresh
    await ask(query.message, state, OfferForm.kind, board.place)


@router.callback_query(
    OfferCb.filter(F.action.in_({OfferAction.SHOW, OfferAction.ARCHIVE})), flags=STAFF
)
async def cb_show(
    query: CallbackQuery, callback_data: OfferCb, ctx: MemberContext, offers: OfferService
) -> None:
    place, view = await offers.one(ctx.work_merchant_id, ctx.telegram_id, callback_data.offer)
    if not isinstance(query.message, Message):
        return
    if callback_data.action is OfferAction.ARCHIVE and not view.archived:
        text, keyboard = archive_question(view, place)
    else:
        text, keyboard = page_text(view, place), page_keyboard(view)
    await edit_text(query.message, text, keyboard)


@router.callback_query(OfferCb.filter(F.action == OfferAction.ARCHIVE_OK), flags=STAFF)
async def cb_archive(
    query: CallbackQuery, callback_data: OfferCb, ctx: MemberContext, offers: OfferService
) -> None:
    done = await offers.archive(ctx.work_merchant_id, ctx.telegram_id, callback_data.offer)
    if isinstance(query.message, Message):
        await drop_keyboard(query.message)
        await query.message.answer(archived_text(done.now))


@router.callback_query(OfferCb.filter(F.action == OfferAction.EDIT), flags=STAFF)
async def cb_edit(
    query: CallbackQuery,
    callback_data: OfferCb,
    ctx: MemberContext,
    offers: OfferService,
    state: FSMContext,
) -> None:
    """The form over the offer's terms, from the step edited to the preview."""
    place, view = await offers.one(ctx.work_merchant_id, ctx.telegram_id, callback_data.offer)
    step = FIRST_STEP.get(callback_data.field)
    if view.archived:
        raise OfferRefused("archived")
    if step is None or not isinstance(query.message, Message):
        raise OfferRefused("stale")
    if step == OfferForm.routes and not place.partners:
        raise OfferRefused("no_partners")
    data = pack(view.terms, view.id, view.issued)
    data["offer"]["money"] = view.terms.item is None
    await state.set_data(data)
    await ask(query.message, state, step, place)
