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
from collections.abc import Callable

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from handlers.push import AdminsOnly, PushForm
from handlers.sale import SELLER_ERRORS, SaleForm, begin_with_code, refuse_seller
from handlers.ui.callbacks import PushStep
from handlers.ui.filters import off_topic
from handlers.ui.keyboards import CANCEL, main_menu
from handlers.ui.sale_render import amount_error, ask_receipt
from services.dto import MemberContext
from services.errors import NotStaff
from services.sales import SaleService

STAFF = {"staff": True}
EVERYONE = {"guest": True}
CODE = re.compile(r"^\s*[0-9]{6}\s*$")

cancel_router = Router(name=__name__ + ".cancel")
sale_router = Router(name=__name__ + ".sale")
push_router = Router(name=__name__ + ".push")
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


async def _still_seller(
    message: Message, ctx: MemberContext, sales: SaleService, state: FSMContext
) -> bool:
    """A revoked or paused cashier is told so (and the form ends) before any prompt."""
    try:
        await sales.start(ctx.work_merchant_id, ctx.telegram_id)
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx, state)
        return False
    return True


@sale_router.message(StateFilter(SaleForm.code), off_topic, flags=STAFF)
async def sale_code_expected(
    message: Message, ctx: MemberContext, sales: SaleService, state: FSMContext
) -> None:
    if await _still_seller(message, ctx, sales, state):
        await message.answer(
            _("Enter the customer's 6-digit code, or scan their QR with the phone's camera.")
        )


@sale_router.message(StateFilter(SaleForm.amount), off_topic, flags=STAFF)
async def sale_amount_expected(
    message: Message, ctx: MemberContext, sales: SaleService, state: FSMContext
) -> None:
    if await _still_seller(message, ctx, sales, state):
        merchant = ctx.merchant
        await message.answer(amount_error("format", merchant.max_sale_minor, merchant.currency))


@sale_router.message(StateFilter(SaleForm.receipt), off_topic, flags=STAFF)
async def sale_receipt_expected(
    message: Message, ctx: MemberContext, sales: SaleService, state: FSMContext
) -> None:
    if await _still_seller(message, ctx, sales, state):
        await message.answer(ask_receipt())


@sale_router.message(StateFilter(None), F.text.regexp(CODE), flags=STAFF)
async def code_outside_a_form(
    message: Message,
    ctx: MemberContext,
    sales: SaleService,
    state: FSMContext,
    wake_sender: Callable[[], None],
) -> None:
    """Staff typing a customer's code with no form open (the sale ended, or sales are
    paused) start a sale with it, or hear why they can't; anyone else goes on as before."""
    try:
        await sales.start(ctx.work_merchant_id, ctx.telegram_id)
    except NotStaff:
        raise SkipHandler() from None  # not staff: the digits go on to the other handlers
    except SELLER_ERRORS as error:
        await refuse_seller(message, error, ctx, state)  # paused, or codes locked: until when
        return
    await begin_with_code(message, (message.text or "").strip(), ctx, sales, state, wake_sender)


# --- the push form -------------------------------------------------------------------------


def _skip(action: str) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=_("Skip"), callback_data=PushStep(action=action).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@push_router.message(StateFilter(PushForm.text), off_topic, flags=STAFF)
async def push_text_expected(message: Message) -> None:
    await message.answer(
        _(
            "✍️ Send the text of the push, or a photo with the text as its caption: up to 1000 "
            "characters; bold, italic and links are fine. /cancel to stop."
        )
    )


@push_router.message(StateFilter(PushForm.photo), off_topic, flags=STAFF)
async def push_photo_expected(message: Message) -> None:
    await message.answer(
        _(
            "Add a photo or a link button? Send a photo, or a link like: Menu | "
            "https://example.com — or skip."
        ),
        reply_markup=_skip("skip_photo"),
    )


@push_router.message(StateFilter(PushForm.button), off_topic, flags=STAFF)
async def push_button_expected(message: Message) -> None:
    await message.answer(
        _("Add a link button? Send it like: Menu | https://example.com — or skip."),
        reply_markup=_skip("skip_button"),
    )


@push_router.message(StateFilter(PushForm.days), off_topic, flags=STAFF)
async def push_days_expected(message: Message) -> None:
    await message.answer(
        _("Send the number of days in digits, for example 30; ten years at most.")
    )


@push_router.message(StateFilter(PushForm.schedule), off_topic, flags=STAFF)
async def push_time_expected(message: Message) -> None:
    await message.answer(
        _("When? Send the date and time like 24.12 18:30 (the merchant's local time).")
    )
