"""What the user sees when a handler fails.

A domain error (services/errors.py) is a refusal the user is told about: each feature router
words its own in error handlers of its own (`@router.errors(ExceptionTypeFilter(...))`), and
`answer_refusals` hands them its handlers' errors. That happens inside the update, as a
handler's own `except` would: in the user's language, with the form's state and the
update's services at hand. The service that refused has already rolled its transaction back.

aiogram itself offers an error to every router from the dispatcher down, after the update's
session is closed; there the first router, this one, takes them all: a domain error that no
feature router took (NotAMember: "join first"), and anything unexpected, which gets an
apology, never a traceback. So a feature router's error handlers never see another router's
errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import ExceptionTypeFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import ErrorEvent, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.deps import Handler
from handlers.i18n import CatalogI18n
from services.errors import DomainError, NotAMember
from services.numbers import InvalidNumber

router = Router(name=__name__)
logger = logging.getLogger(__name__)


class Refusals(BaseMiddleware):
    """Inner middleware: a domain error raised by a handler goes to the error handlers of
    `routers`, in turn; what none of them takes goes on to the dispatcher (this module)."""

    def __init__(self, *routers: Router) -> None:
        self.routers = routers

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except DomainError as error:
            refusal = ErrorEvent(update=data["event_update"], exception=error)
            for errors in self.routers:
                result = await errors.errors.trigger(refusal, **data)
                if result is not UNHANDLED:
                    return result
            raise


def answer_refusals(router: Router, *also: Router) -> None:
    """The domain errors of `router`'s handlers (its sub-routers' too) are worded by its own
    error handlers, then by those of `also` (a form's steps living in another module)."""
    refusals = Refusals(router, *also)
    router.message.middleware(refusals)
    router.callback_query.middleware(refusals)


def pressed(*kinds: type[CallbackData]) -> Callable[..., bool]:
    """Filter for an error handler: the error came from a button of one of these kinds."""

    def check(event: ErrorEvent, callback_data: object = None) -> bool:
        return isinstance(callback_data, kinds)

    return check


def tell_refusals(router: Router, text: Callable[[], str], *errors: type[DomainError]) -> None:
    """These errors of `router`'s handlers are told with `text` (called in the user's
    language): a message's refusal as a message, a button's as an alert."""

    async def refused(event: ErrorEvent, answer: Answer | None = None) -> None:
        await tell(event, text(), answer)

    router.errors.register(refused, ExceptionTypeFilter(*errors))


async def tell(event: ErrorEvent, text: str, answer: Answer | None) -> None:
    """A message, or the pressed button's alert (a message if its answer went already)."""
    update, query = event.update, event.update.callback_query
    if update.message is not None:
        await update.message.answer(text)
    elif query is not None:
        answer = answer or Answer(query)
        if not answer.sent:
            answer.alert(text)
            await answer.now()
        elif isinstance(query.message, Message):
            await query.message.answer(text)


@router.error(ExceptionTypeFilter(InvalidNumber))
async def on_invalid_number(
    event: ErrorEvent, i18n: CatalogI18n, locale: str | None = None, answer: Answer | None = None
) -> None:
    # A number no handler expected to refuse: say what is wanted, and log nothing.
    with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
        await tell(event, _("Please send a whole number, using the digits 0 to 9."), answer)


@router.error()
async def on_error(
    event: ErrorEvent, i18n: CatalogI18n, locale: str | None = None, answer: Answer | None = None
) -> None:
    if not isinstance(event.exception, NotAMember):
        # Only the update id and the error type: no user data in logs.
        logger.error(
            "update %s failed: %s",
            event.update.update_id,
            type(event.exception).__name__,
            exc_info=event.exception,
        )
    # Errors surface outside the update's middlewares, so the locale is set again here.
    with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
        text = (
            _("Please press /start to join first.")
            if isinstance(event.exception, NotAMember)
            else _("Sorry, something went wrong. Please try again.")
        )
        await tell(event, text, answer)
