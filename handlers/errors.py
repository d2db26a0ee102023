"""What the user sees when a handler fails: an apology, never a traceback."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

from handlers.i18n import CatalogI18n
from services.errors import NotAMember
from services.numbers import InvalidNumber

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.error(ExceptionTypeFilter(InvalidNumber))
async def on_invalid_number(
    event: ErrorEvent, i18n: CatalogI18n, locale: str | None = None
) -> None:
    # A number no handler expected to refuse: say what is wanted, and log nothing.
    with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
        text = _("Please send a whole number, using the digits 0 to 9.")
        if event.update.message is not None:
            await event.update.message.answer(text)
        elif event.update.callback_query is not None:
            await event.update.callback_query.answer(text, show_alert=True)


@router.error()
async def on_error(event: ErrorEvent, i18n: CatalogI18n, locale: str | None = None) -> None:
    # Errors surface outside the update's middlewares, so the locale is set again here.
    with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
        await _apologise(event)


async def _apologise(event: ErrorEvent) -> None:
    update = event.update
    if not isinstance(event.exception, NotAMember):
        # Only the update id and the error type: no user data in logs.
        logger.error(
            "update %s failed: %s",
            update.update_id,
            type(event.exception).__name__,
            exc_info=event.exception,
        )
    text = (
        _("Please press /start to join first.")
        if isinstance(event.exception, NotAMember)
        else _("Sorry, something went wrong. Please try again.")
    )
    if update.message is not None:
        await update.message.answer(text)
    elif update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
