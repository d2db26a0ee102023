"""A member's own data: /mydata and the profile's "Download my data" send everything held
about the presser as a file; "Leave the program" deletes it."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ErrorEvent,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, pressed
from handlers.profile import show_profile
from handlers.ui.callbacks import EraseCb, ProfileAction, ProfileCb
from handlers.ui.edit import edit_text
from handlers.ui.keyboards import erase_keyboard
from handlers.ui.privacy_render import my_data_caption, my_data_file
from handlers.ui.render import money, points
from services.coalition.gifts import GiftService
from services.dto import MemberContext
from services.errors import NotAMember
from services.members import MemberService
from services.policy import points_worth
from services.privacy import PrivacyService

router = Router(name=__name__)
answer_refusals(router)


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
    if isinstance(query.message, Message):
        await send_my_data(query.message, ctx, privacy, locale)


# --- leaving the program ------------------------------------------------------------------


@router.callback_query(ProfileCb.filter(F.action == ProfileAction.ERASE))
async def cb_erase_ask(
    query: CallbackQuery, ctx: MemberContext, members: MemberService, wallet: GiftService
) -> None:
    card = await members.card(ctx.merchant.id, ctx.telegram_id)
    held = (await wallet.wallet(ctx.telegram_id)).open_count
    text = _(
        "Leave the loyalty program of {merchant} and delete your data?\n\n"
        "• Your card and your balance of {points} ({value}) are gone for good.\n"
        "• Your name, birthday, phone and settings are deleted.\n"
        "• Your purchases stay in the shop's accounts, with no name attached."
    ).format(
        merchant=escape(card.merchant.name),
        points=points(card.balance_minor),
        value=money(
            points_worth(card.balance_minor, card.merchant.point_value_minor),
            card.merchant.currency,
        ),
    )
    if held:  # the coalition's certificates (issue 16) go with the person's data there
        text += "\n" + _(
            "• Your gift certificates for {merchant} are cancelled; those for other "
            "businesses stay yours, unless this is the last program you are in."
        ).format(merchant=escape(card.merchant.name))
    text += "\n\n" + _("You can join again later, as a new member.")
    if isinstance(query.message, Message):
        membership = ctx.membership_id or 0
        await edit_text(
            query.message, text, reply_markup=erase_keyboard(ctx.merchant.id, membership)
        )


@router.callback_query(EraseCb.filter(F.confirm))
async def cb_erase(
    query: CallbackQuery,
    callback_data: EraseCb,
    ctx: MemberContext,
    members: MemberService,
    state: FSMContext,
) -> None:
    await members.erase(callback_data.merchant_id, ctx.telegram_id, callback_data.membership_id)
    await state.clear()
    if isinstance(query.message, Message):
        await edit_text(query.message, _("Your data is deleted. Thank you for being with us."))
        await query.message.answer(
            _("If you change your mind, send /start to join again."),
            reply_markup=ReplyKeyboardRemove(),
        )


@router.errors(ExceptionTypeFilter(NotAMember), pressed(EraseCb))
async def on_erased_before(event: ErrorEvent) -> None:
    """A second tap, or a card this confirmation was not for: a quiet answer."""


@router.callback_query(EraseCb.filter(~F.confirm))
async def cb_erase_keep(
    query: CallbackQuery, ctx: MemberContext, members: MemberService, answer: Answer
) -> None:
    profile = await members.profile(ctx.merchant.id, ctx.telegram_id)
    answer.toast(_("Glad you stay!"))
    if isinstance(query.message, Message):
        await show_profile(query.message, profile, ctx.merchant.id)
