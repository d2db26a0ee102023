"""/catalog and /cart for customers; /additem and /delitem for admins."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import (
    CallbackQuery,
    ErrorEvent,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.ui.callbacks import CatalogCb
from handlers.ui.edit import edit_text
from handlers.ui.member_render import paused_note
from handlers.ui.order_render import my_orders_button, my_orders_keyboard_or_none, order_keyboard
from handlers.ui.render import money
from services.catalog import CartView, CatalogRefused, CatalogService, ItemView, OrderView
from services.dto import MemberContext
from services.errors import NotStaff
from services.numbers import MAX_ID, InvalidNumber, parse_id

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}


def cb(action: str, value: str | int = "") -> str:
    return CatalogCb(action=action, value=str(value)).pack()


def cart_button(view: CartView) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("🛒 Cart ({n})").format(n=view.count), callback_data=cb("cart")
    )


def items_keyboard(items: list[ItemView], view: CartView, currency: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=f"➕ {item.title} — {money(item.price_minor, currency)}",
                callback_data=cb("add", item.id),
            )
        ]
        for item in items
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [cart_button(view)]])


def cart_text(view: CartView) -> str:
    if not view.lines:
        return _("🛒 Your cart is empty. Add something from /catalog.")
    lines = [_("🛒 <b>Your cart</b>"), ""]
    for line in view.lines:
        lines.append(
            f"{escape(line.title)} × {line.qty} — {money(line.amount_minor, view.currency)}"
        )
    lines += ["", _("Total: <b>{total}</b>").format(total=money(view.total_minor, view.currency))]
    return "\n".join(lines)


def cart_keyboard(view: CartView) -> InlineKeyboardMarkup | None:
    if not view.lines:
        return my_orders_keyboard_or_none(view.waiting_orders)
    rows = [
        [InlineKeyboardButton(text=f"➖ {line.title}", callback_data=cb("remove", line.item_id))]
        for line in view.lines
    ]
    rows.append(
        [
            InlineKeyboardButton(text=_("🗑 Empty"), callback_data=cb("empty")),
            InlineKeyboardButton(text=_("✅ Check out"), callback_data=cb("checkout")),
        ]
    )
    if view.waiting_orders:
        rows.append(my_orders_button(view.waiting_orders))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def order_text(order: OrderView) -> str:
    text = _(
        "✅ Pre-order #{id} for pickup: {total}.\n"
        "Your code: <b>{code}</b>. Show it at the counter; the staff will complete the order."
    ).format(
        id=order.id,
        total=money(order.cart.total_minor, order.cart.currency),
        code=f"{order.code[:3]} {order.code[3:]}",
    )
    return text + "\n" + _("It stays valid until you collect or cancel the order.")


@router.message(Command("catalog"))
async def cmd_catalog(message: Message, ctx: MemberContext, catalog: CatalogService) -> None:
    categories = await catalog.categories(ctx.merchant.id)
    if not categories:
        await message.answer(_("The catalog is empty for now."))
        return
    view = await catalog.cart(ctx.merchant.id, ctx.telegram_id)
    rows = [
        [InlineKeyboardButton(text=c, callback_data=cb("category", i))]
        for i, c in enumerate(categories)
    ]
    await message.answer(
        _("📋 What would you like?"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, [cart_button(view)]]),
    )


@router.callback_query(CatalogCb.filter(F.action == "category"))
async def cb_category(
    query: CallbackQuery, callback_data: CatalogCb, ctx: MemberContext, catalog: CatalogService
) -> None:
    categories = await catalog.categories(ctx.merchant.id)
    index = int(callback_data.value) if callback_data.value.isdigit() else -1
    if not 0 <= index < len(categories) or not isinstance(query.message, Message):
        return
    items = await catalog.items(ctx.merchant.id, categories[index])
    view = await catalog.cart(ctx.merchant.id, ctx.telegram_id)
    await query.message.answer(
        f"<b>{escape(categories[index])}</b>",
        reply_markup=items_keyboard(items, view, ctx.merchant.currency),
    )


@router.callback_query(CatalogCb.filter(F.action.in_({"add", "remove"})))
async def cb_change_cart(
    query: CallbackQuery,
    callback_data: CatalogCb,
    ctx: MemberContext,
    catalog: CatalogService,
    answer: Answer,
) -> None:
    delta = 1 if callback_data.action == "add" else -1
    view = await catalog.change(
        ctx.merchant.id, ctx.telegram_id, int(callback_data.value or 0), delta
    )
    if delta > 0:
        answer.toast(_("Added. In the cart: {n}").format(n=view.count))
    elif isinstance(query.message, Message):
        await edit_text(query.message, cart_text(view), reply_markup=cart_keyboard(view))


@router.message(Command("cart"))
async def cmd_cart(message: Message, ctx: MemberContext, catalog: CatalogService) -> None:
    view = await catalog.cart(ctx.merchant.id, ctx.telegram_id)
    await message.answer(cart_text(view), reply_markup=cart_keyboard(view))


@router.callback_query(CatalogCb.filter(F.action == "cart"))
async def cb_cart(query: CallbackQuery, ctx: MemberContext, catalog: CatalogService) -> None:
    view = await catalog.cart(ctx.merchant.id, ctx.telegram_id)
    if isinstance(query.message, Message):
        await query.message.answer(cart_text(view), reply_markup=cart_keyboard(view))


@router.callback_query(CatalogCb.filter(F.action == "empty"))
async def cb_empty_cart(
    query: CallbackQuery, ctx: MemberContext, catalog: CatalogService, answer: Answer
) -> None:
    view = await catalog.empty(ctx.merchant.id, ctx.telegram_id)
    answer.toast(_("The cart is empty."))
    if isinstance(query.message, Message):
        await edit_text(query.message, cart_text(view))


@router.callback_query(CatalogCb.filter(F.action == "checkout"))
async def cb_checkout(
    query: CallbackQuery,
    ctx: MemberContext,
    catalog: CatalogService,
    wake_sender: Callable[[], None],
) -> None:
    order = await catalog.checkout(ctx.merchant.id, ctx.telegram_id)
    if isinstance(query.message, Message):
        await query.message.answer(order_text(order), reply_markup=order_keyboard(order.id))
    wake_sender()  # the admins are told of the order


@router.message(Command("additem"), flags=STAFF)
async def cmd_add_item(
    message: Message, command: CommandObject, ctx: MemberContext, catalog: CatalogService
) -> None:
    photo = message.photo[-1].file_id if message.photo else None
    item = await catalog.add_item(ctx.work_merchant_id, ctx.telegram_id, command.args or "", photo)
    await message.answer(
        _("Added #{id}: {title} — {price} in {category}.").format(
            id=item.id,
            title=escape(item.title),
            price=money(item.price_minor, ctx.merchant.currency),
            category=escape(item.category),
        )
    )


@router.message(Command("delitem"), flags=STAFF)
async def cmd_delete_item(
    message: Message, command: CommandObject, ctx: MemberContext, catalog: CatalogService
) -> None:
    try:
        item_id = parse_id(command.args or "", MAX_ID)
    except InvalidNumber:
        item_id = 0  # no item has it; the service says so after checking the role
    item = await catalog.archive_item(ctx.work_merchant_id, ctx.telegram_id, item_id)
    await message.answer(_("Removed from the catalog: {title}.").format(title=escape(item.title)))


# --- refusals ------------------------------------------------------------------------------


def one_sale_cap(ctx: MemberContext) -> str:
    return money(ctx.merchant.max_sale_minor, ctx.merchant.currency)


@router.errors(ExceptionTypeFilter(CatalogRefused), F.update.callback_query)
async def on_cart_refused(event: ErrorEvent, ctx: MemberContext, answer: Answer) -> None:
    assert isinstance(event.exception, CatalogRefused)
    reason = event.exception.reason
    if reason == "too_large":  # at checkout
        answer.alert(
            _(
                "That is more than one purchase here can be ({limit}). Take something out, or "
                "order it in two parts."
            ).format(limit=one_sale_cap(ctx))
        )
    elif reason == "empty":
        answer.toast(_("The cart is empty."))
    elif reason == "paused":
        answer.alert(paused_note())
    else:
        answer.toast(_("This item is no longer available."))


@router.errors(ExceptionTypeFilter(NotStaff, CatalogRefused), F.update.message.as_("message"))
async def on_item_refused(
    event: ErrorEvent, message: Message, ctx: MemberContext, command: CommandObject | None = None
) -> None:
    error = event.exception
    if isinstance(error, NotStaff):
        await message.answer(_("Only the admins of this place can edit the catalog."))
    elif command is not None and command.command == "delitem":
        await message.answer(_("There is no such item. Use: /delitem 12"))
    elif isinstance(error, CatalogRefused) and error.reason == "too_large":
        await message.answer(
            _("That price is over the limit for one sale ({limit}).").format(
                limit=one_sale_cap(ctx)
            )
        )
    else:
        await message.answer(
            _("Use: /additem Category | Title | 3.50 (a photo with this caption adds a picture)"),
            parse_mode=None,
        )
