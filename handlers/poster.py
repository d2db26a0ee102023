"""/poster [source tag] for owners and admins: a printable counter poster with a QR of the
join link, as a PNG and a PDF, in the language the admin picks with a button.

Members who join through it are counted under the tag ("poster" unless another is given) in
/kpi referrals, new members by source: a poster at the till and one in the window compare.
"""

from __future__ import annotations

import asyncio

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, tell_refusals
from handlers.ui.callbacks import PosterCb
from handlers.ui.poster import poster_files, poster_text
from handlers.ui.render import LANGUAGE_NAMES
from services import policy
from services.dto import MemberContext, MerchantView
from services.errors import NotStaff
from services.merchants import MerchantService
from services.reports import ReportService

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}
DEFAULT_TAG = "poster"

tell_refusals(router, lambda: _("Posters are for the owners and admins of this place."), NotStaff)


def bad_tag() -> str:
    return _(
        "A poster's tag is one word of up to 32 Latin letters, digits or _, like window "
        "or table_2. Send /poster window, or /poster alone for the tag poster."
    )


def join_payload(merchant: MerchantView, tag: str) -> str | None:
    """The /start payload of the poster's link; None if the tag breaks the payload rules."""
    try:
        payload = policy.build_payload(merchant_slug=merchant.slug, source=tag)
    except ValueError:
        return None
    parsed = policy.parse_payload(payload)
    if parsed.problem or parsed.source != tag or parsed.merchant_slug != merchant.slug:
        return None
    return payload


def language_keyboard(tag: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=LANGUAGE_NAMES[code], callback_data=PosterCb(lang=code, tag=tag).pack()
                )
                for code in policy.LANGUAGES
            ]
        ]
    )


@router.message(Command("poster"), flags=STAFF)
async def cmd_poster(
    message: Message, command: CommandObject, ctx: MemberContext, reports: ReportService
) -> None:
    merchant = await reports.merchant(ctx.work_merchant_id, ctx.telegram_id)
    tag = (command.args or "").strip() or DEFAULT_TAG
    if join_payload(merchant, tag) is None:
        await message.answer(bad_tag())
        return
    await message.answer(
        _("Which language should the poster be in?"), reply_markup=language_keyboard(tag)
    )


@router.callback_query(PosterCb.filter(), flags=STAFF)
async def cb_poster(
    query: CallbackQuery,
    callback_data: PosterCb,
    ctx: MemberContext,
    reports: ReportService,
    merchants: MerchantService,
    answer: Answer,
    bot: Bot,
) -> None:
    merchant = await reports.merchant(ctx.work_merchant_id, ctx.telegram_id)
    payload = join_payload(merchant, callback_data.tag)
    if (
        payload is None
        or callback_data.lang not in policy.LANGUAGES
        or not isinstance(query.message, Message)
    ):
        answer.alert(bad_tag())
        return
    await answer.now()  # before drawing: it takes a moment
    link = await create_start_link(bot, payload)
    levels = sorted(await merchants.levels(merchant.id), key=lambda level: level.rank)
    cashback = levels[0].cashback_bp if levels else 0
    with get_i18n().use_locale(callback_data.lang):
        text = poster_text(merchant.name, link, cashback)
    png, pdf = await asyncio.to_thread(poster_files, text)
    name = f"{merchant.slug}-{callback_data.tag}-{callback_data.lang}"
    caption = _(
        "Your poster, ready to print. Members who join with its code are counted under "
        "the tag {tag} in /kpi referrals.\n{link}"
    ).format(tag=callback_data.tag, link=link)
    await query.message.answer_photo(BufferedInputFile(png, filename=f"{name}.png"))
    await query.message.answer_document(
        BufferedInputFile(pdf, filename=f"{name}.pdf"), caption=caption
    )
