"""Small filters shared by the forms."""

from __future__ import annotations

from aiogram.types import Message


def plain_text(message: Message) -> bool:
    """Typed text that is not a command: /help or /card in the middle of a form still work."""
    return bool(message.text) and not (message.text or "").startswith("/")


def not_command(message: Message) -> bool:
    return not (message.text or "").startswith("/")
