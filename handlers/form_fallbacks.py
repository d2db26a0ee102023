"""Every way out of a form, for everyone; every form's answer to what it can't take.

`cancel_router` goes right after /start, before any form: /cancel and the ✖️ Cancel button
end whatever form is open, for members, staff and anyone else, and no form's text step ever
takes the Cancel button for its input. `sale_router` and `push_router` go right after their
forms' routers: a sticker, a photo, a location or a voice note in a step gets that step's own
prompt again, instead of falling through to the member handlers (or, for staff who are not
members, to the program rules).
"""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from handlers.errors import answer_refusals
from handlers.push import AdminsOnly, PushForm
from handlers.push import router as push_form
from handlers.push.form import ask_link, ask_photo, ask_text, days_wanted, time_wanted
from handlers.sale import SaleForm, ask_code, begin_with_code
from handlers.sale import router as sale_form
from handlers.ui.filters import off_topic
from handlers.ui.keyboards import CANCEL, main_menu
from handlers.ui.sale_render import amount_error, ask_receipt
from services.dto import MemberContext
from services.errors import NotStaff
from services.rewards.redeem import RedeemService
from services.sales import SaleService

STAFF = {"staff": True}
EVERYONE = {"guest": True}
CODE = re.compile(r"^\s*[0-9]{6}\s*$")

cancel_router = Router(name=__name__ + ".cancel")
sale_router = Router(name=__name__ + ".sale")
answer_refusals(sale_router, sale_form)
push_router = Router(name=__name__ + ".push")
answer_refusals(push_router, push_form)
push_router.message.middleware(AdminsOnly())


# --- the way out ---------------------------------------------------------------------------


@cancel_router.message(Command("cancel"), flags=EVERYONE)
@cancel_router.message(F.text == CANCEL, flags=EVERYONE)
async def cmd_cancel(message: Message, state: FSMContext, ctx: MemberContext | None) -> None:
    await state.clear()
    member = ctx is not None and ctx.is_member
    await message.answer(
        _("OK, cancelled."), reply_markup=main_menu() if member else ReplyKeyboardRemove()
    )


# --- the sale form -------------------------------------------------------------------------
# Each asks the service first: a revoked or paused cashier is told so (and the form ends)
# before any prompt (the sale form's error handlers, handlers/sale.py).


@sale_router.message(StateFilter(SaleForm.code), off_topic, flags=STAFF)
async def sale_code_expected(message: Message, ctx: MemberContext, sales: SaleService) -> None:
    await sales.start(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(ask_code())


@sale_router.message(StateFilter(SaleForm.amount), off_topic, flags=STAFF)
async def sale_amount_expected(message: Message, ctx: MemberContext, sales: SaleService) -> None:
    await sales.start(ctx.work_merchant_id, ctx.telegram_id)
    merchant = ctx.merchant
    await message.answer(amount_error("format", merchant.max_sale_minor, merchant.currency))


@sale_router.message(StateFilter(SaleForm.receipt), off_topic, flags=STAFF)
async def sale_receipt_expected(message: Message, ctx: MemberContext, sales: SaleService) -> None:
    await sales.start(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(ask_receipt())


@sale_router.message(StateFilter(None), F.text.regexp(CODE), flags=STAFF)
async def code_outside_a_form(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    redeem: RedeemService,
) -> None:
    """Staff typing a customer's code with no form open (the sale ended, or sales are
    paused) start a sale with it, or hear why they can't; anyone else goes on as before."""
    try:
        await sales.start(ctx.work_merchant_id, ctx.telegram_id)  # paused or locked: until when
    except NotStaff:
        raise SkipHandler() from None  # not staff: the digits go on to the other handlers
    await begin_with_code(message, (message.text or "").strip(), ctx, sales, state, redeem)


# --- the push form -------------------------------------------------------------------------


@push_router.message(StateFilter(PushForm.text), off_topic, flags=STAFF)
async def push_text_expected(message: Message) -> None:
    await ask_text(message)


@push_router.message(StateFilter(PushForm.photo), off_topic, flags=STAFF)
async def push_photo_expected(message: Message) -> None:
    await ask_photo(message)


@push_router.message(StateFilter(PushForm.button), off_topic, flags=STAFF)
async def push_button_expected(message: Message) -> None:
    await ask_link(message)


@push_router.message(StateFilter(PushForm.days), off_topic, flags=STAFF)
async def push_days_expected(message: Message) -> None:
    await message.answer(days_wanted())


@push_router.message(StateFilter(PushForm.schedule), off_topic, flags=STAFF)
async def push_time_expected(message: Message) -> None:
    await message.answer(time_wanted())
