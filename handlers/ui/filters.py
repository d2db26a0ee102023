"""Small filters shared by the forms."""

from __future__ import annotations

from aiogram.types import Message


def plain_text(message: Message) -> bool:
    """Typed text that is not a command: /help or /card in the middle of a form still work."""
    return bool(message.text) and not (message.text or "").startswith("/")


def not_command(message: Message) -> bool:
    return not (message.text or "").startswith("/")


def not_menu(message: Message) -> bool:
    """Not one of the menu buttons (in the current language): a tap on the menu is not a
    comment or an answer, and goes to its own handler."""
    from handlers.ui.keyboards import MENU_CARD, MENU_CODE, MENU_INVITE, MENU_PROFILE

    labels = {str(label) for label in (MENU_CARD, MENU_CODE, MENU_INVITE, MENU_PROFILE)}
    return message.text not in labels


def off_topic(message: Message) -> bool:
    """What a form step did not take (a sticker, a photo, a location, other text), except
    what has a handler of its own everywhere: a command, a menu button, the Cancel button."""
    from handlers.ui.keyboards import CANCEL

    text = message.text or ""
    return not text.startswith("/") and text != str(CANCEL) and not_menu(message)
