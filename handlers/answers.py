"""Every pressed button is answered exactly once, in one place.

Telegram shows a spinner on a pressed button until the bot answers the callback query, and
accepts one answer only. Handlers and their routers' error handlers say what the answer is
(`answer.toast(...)`, `answer.alert(...)`, or nothing for a quiet one); `AnswerButtons` sends it
when the update is handled. A handler about to do slow work (a chart) sends it first with
`await answer.now()`. An unexpected error sends nothing here: handlers/errors.py apologises in
the answer instead.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject, Update

from handlers.deps import Handler


class Answer:
    """The one answer to a pressed button: a quiet one unless a toast or an alert is set."""

    def __init__(self, query: CallbackQuery) -> None:
        self.query = query
        self.text: str | None = None
        self.show_alert = False
        self.sent = False

    def toast(self, text: str | None) -> None:
        """A short note at the top of the chat that goes away by itself."""
        self.text, self.show_alert = text, False

    def alert(self, text: str) -> None:
        """A box the person closes: for a refusal."""
        self.text, self.show_alert = text, True

    async def now(self) -> None:
        """Send the answer set so far at once (before slow work); later ones are not sent."""
        if not self.sent:
            self.sent = True
            await self.query.answer(self.text, show_alert=self.show_alert or None)


class AnswerButtons(BaseMiddleware):
    """Outer middleware of updates, inside the per-update context (bot/app.py): an `Answer`
    for each pressed button, sent once the update was handled without an error."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        query = event.callback_query if isinstance(event, Update) else None
        if query is None:
            return await handler(event, data)
        answer = data["answer"] = Answer(query)
        result = await handler(event, data)
        await answer.now()
        return result
