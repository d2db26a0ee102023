"""Pre-orders waiting for pickup: /orders for a customer's own, /openorders for the staff.

Two commands rather than one that changes meaning with the role: a cashier may order ahead at
their own café, and an owner tries the bot as a customer; each keeps both views. The staff's
buttons carry `staff=True` and go to services that check the role before reading the order.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.ui.callbacks import OrderAction, OrderCb
from handlers.ui.edit import edit_text
from handlers.ui.order_render import (
    cancel_prompt,
    cancel_prompt_keyboard,
    my_orders_keyboard,
    my_orders_text,
    order_refused,
    staff_orders_keyboard,
    staff_orders_text,
)
from services.dto import MemberContext
from services.errors import NotStaff
from services.preorders import OrderRefused, PreorderService

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}
Wake = Callable[[], None]


# --- the customer ----------------------------------------------------------------------------


@router.message(Command("orders"))
async def cmd_orders(message: Message, ctx: MemberContext, preorders: PreorderService) -> None:
    orders = await preorders.mine(ctx.merchant.id, ctx.telegram_id)
    await message.answer(my_orders_text(orders), reply_markup=my_orders_keyboard(orders))


@router.callback_query(OrderCb.filter(F.action == OrderAction.MINE))
async def cb_my_orders(
    query: CallbackQuery, ctx: MemberContext, preorders: PreorderService
) -> None:
    orders = await preorders.mine(ctx.merchant.id, ctx.telegram_id)
    if isinstance(query.message, Message):
        await query.message.answer(my_orders_text(orders), reply_markup=my_orders_keyboard(orders))


@router.callback_query(OrderCb.filter((F.action == OrderAction.ASK) & ~F.staff))
async def cb_ask_cancel_mine(query: CallbackQuery, callback_data: OrderCb) -> None:
    if isinstance(query.message, Message):
        await query.message.answer(
            cancel_prompt(callback_data.order_id),
            reply_markup=cancel_prompt_keyboard(callback_data.order_id, staff=False),
        )


@router.callback_query(OrderCb.filter((F.action == OrderAction.CANCEL) & ~F.staff))
@router.callback_query(OrderCb.filter((F.action == OrderAction.CANCEL) & F.staff), flags=STAFF)
async def cb_cancel(
    query: CallbackQuery,
    callback_data: OrderCb,
    ctx: MemberContext,
    preorders: PreorderService,
    answer: Answer,
    wake_sender: Wake,
) -> None:
    """A cancel pressed, by the customer or the staff: the other side is told, and the
    prompt becomes what happened."""
    if callback_data.staff:
        actor = query.from_user.id
        change = await preorders.cancel(ctx.work_merchant_id, actor, callback_data.order_id)
        done = _("✖️ Pre-order #{id} is cancelled; the customer has been told.")
    else:
        change = await preorders.cancel_mine(
            ctx.merchant.id, ctx.telegram_id, callback_data.order_id
        )
        done = _("✖️ Pre-order #{id} is cancelled; the staff have been told.")
    answer.toast(_("Cancelled.") if change.changed else _("Already cancelled."))
    if change.changed and isinstance(query.message, Message):
        await edit_text(query.message, done.format(id=change.order_id))
    wake_sender()


@router.callback_query(OrderCb.filter(F.action == OrderAction.KEEP), flags=STAFF)
async def cb_keep_order(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        await edit_text(query.message, _("Nothing was cancelled."))


# --- the staff -----------------------------------------------------------------------------------


@router.message(Command("openorders"), flags=STAFF)
async def cmd_open_orders(
    message: Message, ctx: MemberContext, preorders: PreorderService
) -> None:
    listing = await preorders.waiting(ctx.work_merchant_id, ctx.telegram_id)
    await message.answer(staff_orders_text(listing), reply_markup=staff_orders_keyboard(listing))


@router.callback_query(OrderCb.filter((F.action == OrderAction.READY) & F.staff), flags=STAFF)
async def cb_order_ready(
    query: CallbackQuery,
    callback_data: OrderCb,
    ctx: MemberContext,
    preorders: PreorderService,
    answer: Answer,
    wake_sender: Wake,
) -> None:
    merchant_id, actor = ctx.work_merchant_id, query.from_user.id
    change = await preorders.mark_ready(merchant_id, actor, callback_data.order_id)
    listing = await preorders.waiting(merchant_id, actor)
    if not change.changed:
        answer.toast(_("Already marked ready."))
        return
    answer.toast(_("#{id} is ready; the customer has been told.").format(id=change.order_id))
    if isinstance(query.message, Message):
        await edit_text(query.message, staff_orders_text(listing), staff_orders_keyboard(listing))
    wake_sender()


@router.callback_query(OrderCb.filter((F.action == OrderAction.ASK) & F.staff), flags=STAFF)
async def cb_ask_cancel_order(
    query: CallbackQuery, callback_data: OrderCb, ctx: MemberContext, preorders: PreorderService
) -> None:
    order = await preorders.order(ctx.work_merchant_id, query.from_user.id, callback_data.order_id)
    if isinstance(query.message, Message):
        await query.message.answer(
            cancel_prompt(order.id, order), reply_markup=cancel_prompt_keyboard(order.id, True)
        )


# --- refusals ------------------------------------------------------------------------------


@router.errors(ExceptionTypeFilter(NotStaff), F.update.message.as_("message"))
async def on_not_staff(event: ErrorEvent, message: Message) -> None:
    await message.answer(_("This command is for the staff of this place."))


@router.errors(ExceptionTypeFilter(NotStaff, OrderRefused), F.update.callback_query)
async def on_button_refused(event: ErrorEvent, answer: Answer) -> None:
    """Nothing about the order reaches someone who may not act on it."""
    error = event.exception
    if isinstance(error, OrderRefused):
        answer.alert(order_refused(error.reason))
    else:
        answer.alert(_("This is for the staff of this place."))
