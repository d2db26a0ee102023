"""The command menus: one for customers per language, one more for each staff member's chat."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    MenuButtonCommands,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from handlers.i18n import CatalogI18n
from services.policy import LANGUAGES
from services.states import StaffRole

logger = logging.getLogger(__name__)


CUSTOMER, CASHIER, ADMIN, OWNER = "customer", "cashier", "admin", "owner"
# Each command's line in the menu (in the current locale when read), and who sees it. A staff
# member's menu has the till's commands, then (admins) the admin's, (owners) the owner's, then
# a customer's.
COMMANDS = {
    "sale": (__("Confirm a purchase"), CASHIER),
    "sales": (__("Today's sales"), CASHIER),
    "refund": (__("Refund a sale"), CASHIER),
    "redeem": (__("Redeem a voucher or a gift certificate"), CASHIER),
    "openorders": (__("Pre-orders waiting for pickup"), CASHIER),
    "settings": (__("Program settings: levels, bonuses, limits"), ADMIN),
    "customer": (__("Find a member by code, number or phone"), CASHIER),
    "staff": (__("Invite and manage staff"), ADMIN),
    "push": (__("Send a promo push"), ADMIN),
    "promos": (__("Double points and other promotions"), ADMIN),
    "offers": (__("Gift certificates your partners hand out"), ADMIN),
    "stats": (__("Program dashboard"), ADMIN),
    "kpi": (__("One report with its chart"), ADMIN),
    "ratings": (__("Ratings, CSAT and NPS"), ADMIN),
    "campaigns": (__("What pushes and offers brought"), ADMIN),
    "export": (__("CSV files of members and sales"), ADMIN),
    "poster": (__("A QR poster for the counter"), ADMIN),
    "birthday": (__("Correct a member's birthday"), ADMIN),
    "business": (__("Edit the card and news of the place"), ADMIN),
    "inbox": (__("Members' messages waiting for an answer"), ADMIN),
    "audit": (__("Who did what: the audit log"), ADMIN),
    "merchant": (__("Choose the place you work in"), ADMIN),
    "merchants": (__("Create a new place"), OWNER),
    "card": (__("Your card, balance and level"), CUSTOMER),
    "code": (__("A payment code for the till"), CUSTOMER),
    "invite": (__("Invite friends"), CUSTOMER),
    "history": (__("Points history"), CUSTOMER),
    "rewards": (__("Rewards for points"), CUSTOMER),
    "vouchers": (__("Your reward vouchers"), CUSTOMER),
    "wallet": (__("Your certificates from partner places"), CUSTOMER),
    "catalog": (__("Order ahead for pickup"), CUSTOMER),
    "about": (__("About the place: hours, address, news"), CUSTOMER),
    "partners": (__("Partner businesses and their cards"), CUSTOMER),
    "orders": (__("Your pre-orders"), CUSTOMER),
    "profile": (__("Birthday, phone, offers"), CUSTOMER),
    "mydata": (__("Download my data"), CUSTOMER),
    "language": (__("Change the language"), CUSTOMER),
    "help": (__("How it works"), CUSTOMER),
}


# A customer's command that opens an admin's console for admins: its line in their menu and
# /help (with the admin's commands).
ADMIN_WORDING = {"partners": __("Partners: invite, end, see them")}


def menu(*audiences: str) -> list[BotCommand]:
    admin = ADMIN in audiences
    return [
        BotCommand(command=name, description=str(ADMIN_WORDING.get(name, text) if admin else text))
        for name, (text, audience) in COMMANDS.items()
        if audience in audiences
    ]


def customer_commands() -> list[BotCommand]:
    """The menu of commands, in the current locale."""
    return menu(CUSTOMER)


def staff_commands(role: StaffRole) -> list[BotCommand]:
    if role == StaffRole.OWNER:
        return menu(CASHIER, ADMIN, OWNER, CUSTOMER)
    if role == StaffRole.ADMIN:
        return menu(CASHIER, ADMIN, CUSTOMER)
    return menu(CASHIER, CUSTOMER)


async def set_commands(bot: Bot, i18n: CatalogI18n) -> None:
    """Register the command menu for each language, and the default language for the rest."""
    with i18n.context():
        for language in LANGUAGES:
            with i18n.use_locale(language):
                await bot.set_my_commands(
                    customer_commands(), scope=BotCommandScopeDefault(), language_code=language
                )
        with i18n.use_locale(i18n.default_locale):
            await bot.set_my_commands(customer_commands(), scope=BotCommandScopeDefault())


DESCRIPTION_LIMIT = 512  # Telegram's, for the bot's description
SHORT_DESCRIPTION_LIMIT = 120  # and for its short description


def _limited(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bot_description(merchant: str) -> str:
    """What a person sees in the empty chat before pressing Start, in the current locale."""
    return _limited(
        _(
            "The loyalty card of {merchant}, right here in Telegram.\n\n"
            "• Earn points on every purchase and pay with them next time.\n"
            "• Reach higher levels for more cashback.\n"
            "• News and offers, only if you want them.\n\n"
            "Press Start to join: it takes a few seconds, no app or plastic card needed."
        ).format(merchant=merchant),
        DESCRIPTION_LIMIT,
    )


def bot_short_description(merchant: str) -> str:
    """The line on the bot's profile page and in shared links."""
    text = _("{merchant} loyalty card: earn points on every purchase and pay with them.")
    return _limited(text.format(merchant=merchant), SHORT_DESCRIPTION_LIMIT)


async def set_profile(bot: Bot, i18n: CatalogI18n, merchant: str) -> None:
    """The bot's description and short description in each language (and the default
    language for the rest), and the menu button opening the commands. Best effort: a refusal
    is a warning, the bot runs anyway."""
    with i18n.context():
        for language in (*LANGUAGES, None):
            with i18n.use_locale(language or i18n.default_locale):
                try:
                    await bot.set_my_description(bot_description(merchant), language_code=language)
                    await bot.set_my_short_description(
                        bot_short_description(merchant), language_code=language
                    )
                except TelegramAPIError as error:
                    logger.warning(
                        "bot description (%s) not set: %s",
                        language or "default",
                        type(error).__name__,
                    )
    try:
        await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    except TelegramAPIError as error:
        logger.warning("menu button not set: %s", type(error).__name__)


async def set_chat_commands(bot: Bot, chat_id: int, commands: list[BotCommand]) -> None:
    """One chat's own menu (staff commands, a chosen language); best effort, a convenience."""
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:
        logger.warning("chat commands not set: %s", type(error).__name__)


async def set_staff_commands(bot: Bot, chat_id: int, role: StaffRole) -> None:
    await set_chat_commands(bot, chat_id, staff_commands(role))
