"""/mydata and the profile's "Download my data": everything held about the presser, as a file."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from handlers.ui.callbacks import ProfileAction, ProfileCb
from handlers.ui.privacy_render import my_data_caption, my_data_file
from services.dto import MemberContext
from services.privacy import PrivacyService

router = Router(name=__name__)


async def send_my_data(
    target: Message, ctx: MemberContext, privacy: PrivacyService, locale: str
) -> None:
    # Always the person writing: nothing from the update (a button's data) says whose file.
    data = await privacy.my_data(ctx.telegram_id, ctx.merchant.id)
    day = str(data["generated_at"])[:10]
    await target.answer_document(
        BufferedInputFile(my_data_file(data, locale), filename=f"my-data-{day}.json"),
        caption=my_data_caption(data),
    )


@router.message(Command("mydata"))
async def cmd_mydata(
    message: Message, ctx: MemberContext, privacy: PrivacyService, locale: str
) -> None:
    await send_my_data(message, ctx, privacy, locale)


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.DATA))
async def cb_mydata(
    query: CallbackQuery, ctx: MemberContext, privacy: PrivacyService, locale: str
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await send_my_data(query.message, ctx, privacy, locale)
