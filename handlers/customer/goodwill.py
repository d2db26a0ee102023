"""The low-rating alert's 🎁 Goodwill points: an amount button (or typed), once per sale."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.customer.form import DATA, STAFF, CareForm, ask, form_data
from handlers.errors import answer_refusals, tell
from handlers.stamp import about
from handlers.ui import customer_render as ui
from handlers.ui.care_callbacks import GoodwillCb
from handlers.ui.customer_render import CustAction, CustCb
from handlers.ui.edit import edit_text
from handlers.ui.filters import plain_text
from services.care import (
    CareService,
    parse_points,
)
from services.care.goodwill import GoodwillRefused
from services.dto import MemberContext

router = Router(name=__name__)
answer_refusals(router)
Wake = Callable[[], None]


@router.callback_query(GoodwillCb.filter(), flags=STAFF)
async def cb_goodwill(
    query: CallbackQuery,
    callback_data: GoodwillCb,
    ctx: MemberContext,
    care: CareService,
    state: FSMContext,
) -> None:
    gw = await care.goodwill_state(
        ctx.work_merchant_id, query.from_user.id, callback_data.purchase_id
    )
    about(gw.merchant)
    if gw.given is not None:
        raise gw.given
    # An amount typed instead of pressed is taken as "Another amount" would take it.
    await state.set_state(CareForm.goodwill)
    await state.update_data({DATA: {"p": gw.purchase_id}})
    if isinstance(query.message, Message):
        await query.message.answer(
            ui.goodwill_prompt(gw.purchase_id),
            reply_markup=ui.goodwill_keyboard(gw.purchase_id),
        )


@router.callback_query(CustCb.filter(F.action == CustAction.GOODWILL), flags=STAFF)
async def cb_give_goodwill(
    query: CallbackQuery,
    callback_data: CustCb,
    ctx: MemberContext,
    care: CareService,
    answer: Answer,
    state: FSMContext,
    wake_sender: Wake,
) -> None:
    c = callback_data
    done = await care.goodwill(ctx.work_merchant_id, query.from_user.id, c.target, c.points)
    if (await form_data(state)).get("p") == done.purchase_id:
        await state.clear()  # given: nothing more to type for this sale
    about(done.merchant)
    answer.toast(_("Saved."))
    if isinstance(query.message, Message):
        await edit_text(query.message, ui.goodwill_done_text(done.purchase_id, done.points))
    wake_sender()


@router.callback_query(CustCb.filter(F.action == CustAction.GOODWILL_TYPED), flags=STAFF)
async def cb_goodwill_typed(
    query: CallbackQuery,
    callback_data: CustCb,
    ctx: MemberContext,
    care: CareService,
    state: FSMContext,
) -> None:
    gw = await care.goodwill_state(ctx.work_merchant_id, query.from_user.id, callback_data.target)
    about(gw.merchant)
    if gw.given is not None:
        raise gw.given
    await ask(query, state, CareForm.goodwill, {"p": gw.purchase_id}, ui.ask_goodwill_points())


@router.message(CareForm.goodwill, plain_text, flags=STAFF)
async def msg_goodwill_points(
    message: Message, ctx: MemberContext, care: CareService, state: FSMContext, wake_sender: Wake
) -> None:
    purchase = (await form_data(state)).get("p", 0)
    done = await care.goodwill(
        ctx.work_merchant_id, ctx.telegram_id, purchase, parse_points(message.text or "")
    )
    await state.clear()
    about(done.merchant)
    await message.answer(ui.goodwill_done_text(done.purchase_id, done.points))
    wake_sender()


@router.errors(ExceptionTypeFilter(GoodwillRefused))
async def on_goodwill_refused(
    event: ErrorEvent, state: FSMContext, answer: Answer | None = None
) -> None:
    assert isinstance(event.exception, GoodwillRefused)
    await state.clear()  # a typed amount would be refused again
    texts = {
        "not_confirmed": _("Goodwill points are for a confirmed sale that was not refunded."),
        "not_low": _("Goodwill points are for a sale rated low (1 or 2 stars)."),
        "blocked": _("The card is paused: unblock it first."),
    }
    await tell(event, texts[event.exception.reason], answer)
