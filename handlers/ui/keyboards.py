"""Keyboards. Button texts are translated in the current locale when built."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from handlers.ui.callbacks import (
    BirthdayConfirm,
    CardAction,
    Consent,
    EraseCb,
    HistoryPage,
    Language,
    Marketing,
    Nav,
    ProfileAction,
    ProfileCb,
)
from handlers.ui.render import LANGUAGE_NAMES
from handlers.ui.rewards_callbacks import RewardAction, RewardCb, VoucherAction, VoucherCb
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from services.dto import Birthday, Profile

# Lazy, so F.text == MENU_CARD compares in the locale of the update being filtered.
MENU_CARD = __("💳 Card")
MENU_CODE = __("🔢 Pay code")
MENU_INVITE = __("🎁 Invite friends")
MENU_PROFILE = __("👤 Profile")
MENU_ABOUT = __("ℹ️ About us")  # the business card (handlers/about.py)
CANCEL = __("✖️ Cancel")


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=str(MENU_CARD)), KeyboardButton(text=str(MENU_CODE))],
            [KeyboardButton(text=str(MENU_INVITE)), KeyboardButton(text=str(MENU_PROFILE))],
            [KeyboardButton(text=str(MENU_ABOUT))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def consent_keyboard(merchant_id: int, version: int, ref: str, src: str) -> InlineKeyboardMarkup:
    data = Consent(merchant_id=merchant_id, version=version, ref=ref, src=src)
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("✅ Accept"), callback_data=data.pack())]]
    )


def marketing_keyboard(merchant_id: int, origin: str = "join") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("🔔 Yes, send me offers"),
                    callback_data=Marketing(
                        merchant_id=merchant_id, opt_in=True, origin=origin
                    ).pack(),
                ),
                InlineKeyboardButton(
                    text=_("No, thanks"),
                    callback_data=Marketing(
                        merchant_id=merchant_id, opt_in=False, origin=origin
                    ).pack(),
                ),
            ]
        ]
    )


def _nav(text: str, to: CardAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=Nav(to=to).pack())


def card_keyboard() -> InlineKeyboardMarkup:
    return _card_keyboard(get_i18n().current_locale)


@lru_cache(maxsize=16)
def _card_keyboard(locale: str) -> InlineKeyboardMarkup:
    # The same buttons on every card in a language: built once (pydantic models, packed data).
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_nav(_("🔢 Pay code"), CardAction.CODE), _nav(_("🎁 Invite"), CardAction.INVITE)],
            [_nav(_("📜 History"), CardAction.HISTORY), _nav(_("👤 Profile"), CardAction.PROFILE)],
            [
                InlineKeyboardButton(
                    text=_("🎁 Rewards"), callback_data=RewardCb(action=RewardAction.LIST).pack()
                ),
                InlineKeyboardButton(
                    text=_("🎟 Vouchers"), callback_data=VoucherCb(action=VoucherAction.LIST).pack()
                ),
            ],
            [
                InlineKeyboardButton(
                    text=_("👛 Wallet"), callback_data=WalletCb(action=WalletAction.LIST).pack()
                )
            ],
        ]
    )


def code_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_nav(_("🔄 New code"), CardAction.CODE)]])


def invite_keyboard(link: str, share_text: str) -> InlineKeyboardMarkup:
    url = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(share_text, safe='')}"
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("📤 Share with a friend"), url=url)]]
    )


def history_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text="◀️", callback_data=HistoryPage(page=page - 1).pack()))
    if page < pages - 1:
        row.append(InlineKeyboardButton(text="▶️", callback_data=HistoryPage(page=page + 1).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


def profile_keyboard(profile: Profile, merchant_id: int) -> InlineKeyboardMarkup:
    def button(text: str, action: ProfileAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=ProfileCb(action=action).pack())

    rows = []
    if profile.birthday is None:
        rows.append([button(_("🎂 Set birthday"), ProfileAction.BIRTHDAY)])
    if profile.phone_masked is None:
        rows.append([button(_("📱 Share phone"), ProfileAction.PHONE)])
    else:
        rows.append([button(_("🗑 Remove phone"), ProfileAction.CLEAR_PHONE)])
    marketing = (
        InlineKeyboardButton(
            text=_("🔕 Stop news and offers"),
            callback_data=Marketing(
                merchant_id=merchant_id, opt_in=False, origin="profile"
            ).pack(),
        )
        if profile.marketing_opt_in
        else InlineKeyboardButton(
            text=_("🔔 Get news and offers"),
            callback_data=Marketing(merchant_id=merchant_id, opt_in=True, origin="profile").pack(),
        )
    )
    rows.append([marketing])
    rows.append([button(_("🌐 Language"), ProfileAction.LANGUAGE)])
    rows.append([button(_("📦 Download my data"), ProfileAction.DATA)])
    rows.append([button(_("❌ Leave the program and delete my data"), ProfileAction.ERASE)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def erase_keyboard(merchant_id: int, membership_id: int) -> InlineKeyboardMarkup:
    def data(confirm: bool) -> str:
        return EraseCb(
            merchant_id=merchant_id, membership_id=membership_id, confirm=confirm
        ).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("Yes, delete everything"), callback_data=data(True))],
            [InlineKeyboardButton(text=_("No, keep my card"), callback_data=data(False))],
        ]
    )


def birthday_confirm_keyboard(birthday: Birthday) -> InlineKeyboardMarkup:
    def data(save: bool) -> str:
        return BirthdayConfirm(
            day=birthday.day, month=birthday.month, year=birthday.year or 0, save=save
        ).pack()

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("✅ Save"), callback_data=data(True)),
                InlineKeyboardButton(text=_("✏️ Re-enter"), callback_data=data(False)),
            ]
        ]
    )


def phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📱 Share my phone"), request_contact=True)],
            [KeyboardButton(text=str(CANCEL))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=name, callback_data=Language(code=code).pack())
                for code, name in LANGUAGE_NAMES.items()
            ]
        ]
    )
