"""A push sent as a paid broadcast: an owner's large push goes at up to 1000 messages a second
instead of about 30, paid in Telegram Stars from the bot's balance (services/campaigns/paid.py).
The preview offers it to owners only; pressing it shows what it costs at most, and only a
second press sends it (`paid_send`, handlers/push/sending.py)."""

from __future__ import annotations

from decimal import Decimal

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from handlers.push.form import STAFF, button, no_longer_open
from handlers.ui.callbacks import PushStep
from handlers.ui.render import babel_locale, locale
from services.campaigns import CampaignService
from services.campaigns.content import parse_segment
from services.campaigns.paid import STAR_TENTHS_A_MESSAGE, PaidQuote
from services.dto import MemberContext

router = Router(name=__name__)


def stars(tenths: int) -> str:
    """0.1 / 0,1 / 1,234.5: Stars as the reader writes numbers, always with the tenth."""
    return format_decimal(Decimal(tenths) / 10, format="#,##0.0", locale=babel_locale(locale()))


def cost_text(quote: PaidQuote) -> str:
    return "\n\n".join(
        [
            _(
                "⚡ <b>Paid broadcast</b>: Telegram delivers up to 1000 messages a second "
                "instead of about 30, and charges {price} ⭐ for each message over its free "
                "limit, from the bot's Telegram Stars balance."
            ).format(price=stars(STAR_TENTHS_A_MESSAGE)),
            ngettext(
                "{count} recipient × {price} ⭐: at most {total} ⭐.",
                "{count} recipients × {price} ⭐: at most {total} ⭐.",
                quote.recipients,
            ).format(
                count=format_decimal(quote.recipients, locale=babel_locale(locale())),
                price=stars(STAR_TENTHS_A_MESSAGE),
                total=stars(quote.star_tenths),
            ),
            _("Send it this way now?"),
        ]
    )


def paid_row() -> list[InlineKeyboardButton]:
    """The preview's row offering it (to owners, for large pushes)."""
    return [button(_("⚡ Faster, as a paid broadcast…"), "paid")]


@router.callback_query(PushStep.filter(F.action == "paid"), flags=STAFF)
async def cb_paid(
    query: CallbackQuery, ctx: MemberContext, campaigns: CampaignService, state: FSMContext
) -> None:
    campaigns.require_owner(ctx.telegram_id)  # before the form or the audience is read
    data = await state.get_data()
    if not isinstance(query.message, Message):
        return
    if "segment" not in data:
        await query.message.answer(no_longer_open())
        return
    segment = parse_segment(data["segment"])
    quote = await campaigns.paid_quote(ctx.work_merchant_id, ctx.telegram_id, segment)
    await query.message.answer(
        cost_text(quote),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [button(_("⚡ Pay and send now"), "paid_send")],
                [button(_("✖️ Cancel"), "cancel")],
            ]
        ),
    )
