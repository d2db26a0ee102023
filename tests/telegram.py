"""A recording fake Bot API session and a simulated chat, after aiogram's tests/mocked_bot.py,
and the steps many handler tests share (join the program, hire a cashier, count actions).

Every request the bot makes is recorded and answered locally with a plausible result, so
handler tests go through the production dispatcher without Telegram's servers.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    Chat,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardMarkup,
    Update,
    User,
)

BOT_USER = User(id=4242, is_bot=True, first_name="Loyalty", username="loyalty_test_bot")
TEST_TOKEN = "4242:" + "A" * 35


class RecordingSession(BaseSession):
    """Answers every method locally and keeps the list of what was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.uploads: list[tuple[str, bytes]] = []  # (file name, content) of photos, documents
        self._ids = itertools.count(1000)
        self._edited: dict[tuple[Any, Any], tuple[Any, Any]] = {}

    def _check_html(self, method: TelegramMethod[Any], text: str | None) -> None:
        """Refuse what Telegram's HTML parse mode refuses, with Telegram's error."""
        from aiogram.exceptions import TelegramBadRequest

        from services.campaigns.content import telegram_html_ok

        if text and not telegram_html_ok(text):
            raise TelegramBadRequest(method=method, message="Bad Request: can't parse entities")

    def _check_edit(self, method: TelegramMethod[Any]) -> None:
        """A second identical edit fails as on Telegram: "message is not modified"."""
        from aiogram.exceptions import TelegramBadRequest

        key = (getattr(method, "chat_id", None), getattr(method, "message_id", None))
        markup = getattr(method, "reply_markup", None)
        content = (getattr(method, "text", None), markup.model_dump_json() if markup else None)
        if self._edited.get(key) == content:
            raise TelegramBadRequest(method=method, message="Bad Request: message is not modified")
        self._edited[key] = content

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - the signature is aiogram's
    ) -> TelegramType:
        # What Telegram refuses never reaches the user, so it is not recorded as sent.
        if getattr(method, "parse_mode", None) is not None:
            self._check_html(
                method, getattr(method, "text", None) or getattr(method, "caption", None)
            )
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            self._check_edit(method)
        for field in ("photo", "document"):
            upload = getattr(method, field, None)
            if isinstance(upload, InputFile):  # read now: a temporary file may go right after
                content = b"".join([chunk async for chunk in upload.read(bot)])
                self.uploads.append((upload.filename or "", content))
        self.requests.append(method)
        response: TelegramType = self._respond(method)
        return response

    def _respond(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(
            method,
            (SendMessage, SendPhoto, SendDocument, EditMessageText, EditMessageReplyMarkup),
        ):
            chat_id = getattr(method, "chat_id", None) or 1
            return Message(
                message_id=getattr(method, "message_id", None) or next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(chat_id), type="private"),
                from_user=BOT_USER,
                text=getattr(method, "text", None),
                caption=getattr(method, "caption", None),
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""  # pragma: no cover

    async def close(self) -> None:
        pass


def text_of(method: TelegramMethod[Any]) -> str:
    """What the user reads: message text, photo caption or callback toast."""
    for field in ("text", "caption"):
        value = getattr(method, field, None)
        if isinstance(value, str):
            return value
    return ""


def inline_buttons(method: TelegramMethod[Any]) -> dict[str, str]:
    """Inline buttons of a sent message: text -> callback data (or url)."""
    markup = getattr(method, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return {}
    return {
        b.text: (b.callback_data or b.url or "") for row in markup.inline_keyboard for b in row
    }


def reply_buttons(method: TelegramMethod[Any]) -> list[str]:
    markup = getattr(method, "reply_markup", None)
    if not isinstance(markup, ReplyKeyboardMarkup):
        return []
    return [b.text for row in markup.keyboard for b in row]


class Sent(list[TelegramMethod[Any]]):
    """The requests one update caused, with readable accessors."""

    @property
    def texts(self) -> list[str]:
        return [text_of(m) for m in self if not isinstance(m, AnswerCallbackQuery) and text_of(m)]

    @property
    def text(self) -> str:
        return "\n---\n".join(self.texts)

    @property
    def toasts(self) -> list[str]:
        return [m.text or "" for m in self if isinstance(m, AnswerCallbackQuery)]

    def of(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [m for m in self if isinstance(m, kind)]

    def to(self, chat_id: int) -> list[str]:
        """The texts of the messages sent to `chat_id`."""
        return [m.text for m in self.of(SendMessage) if m.chat_id == chat_id]

    def button_or_none(self, label_part: str) -> str | None:
        try:
            return self.button(label_part)
        except AssertionError:
            return None

    def button(self, label_part: str) -> str:
        """The callback data of the first inline button whose text contains `label_part`."""
        for m in self:
            for text, data in inline_buttons(m).items():
                if label_part in text:
                    return data
        raise AssertionError(
            f"no button with {label_part!r} in {[inline_buttons(m) for m in self]}"
        )


class TgUser:
    """One person writing to the bot, through the production dispatcher."""

    _update_ids = itertools.count(1)

    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        user_id: int,
        first_name: str = "Anna",
        language_code: str | None = "en",
        after: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.dp, self.bot, self.id = dp, bot, user_id
        self.after = after
        self.user = User(
            id=user_id, is_bot=False, first_name=first_name, language_code=language_code
        )
        self.chat = Chat(id=user_id, type="private", first_name=first_name)
        self._message_ids = itertools.count(1)
        self._last: dict[str, Any] | None = None

    @property
    def session(self) -> RecordingSession:
        assert isinstance(self.bot.session, RecordingSession)
        return self.bot.session

    async def _feed(self, **update: Any) -> Sent:
        return await self._feed_payload({"update_id": next(self._update_ids), **update})

    async def replay(self) -> Sent:
        """The last update again, with the same update id: Telegram's at-least-once delivery
        (a webhook retried, a poller that crashed before acknowledging)."""
        assert self._last is not None, "nothing was sent yet"
        return await self._feed_payload(self._last)

    async def _feed_payload(self, payload: dict[str, Any]) -> Sent:
        self._last = payload
        before = len(self.session.requests)
        await self.dp.feed_update(
            self.bot, Update.model_validate(payload, context={"bot": self.bot})
        )
        if self.after is not None:
            await self.after()
        return Sent(self.session.requests[before:])

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": datetime.now(UTC),
            "chat": self.chat,
            "from": self.user,
            **fields,
        }

    async def send(self, text: str, entities: list[dict[str, Any]] | None = None) -> Sent:
        """A text message; formatting comes as entities, as Telegram clients send it."""
        if text.startswith("/"):
            length = len(text.split()[0])
            entities = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self._feed(message=self._message(text=text, entities=entities))

    async def share_contact(self, phone: str, owner_id: int | None = None) -> Sent:
        contact: dict[str, object] = {"phone_number": phone, "first_name": self.user.first_name}
        contact["user_id"] = self.id if owner_id is None else owner_id
        return await self._feed(message=self._message(contact=contact))

    async def press(self, data: str, message_id: int = 1) -> Sent:
        message = {
            "message_id": message_id,
            "date": datetime.now(UTC),
            "chat": self.chat,
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": str(next(self._update_ids)),
            "from": self.user,
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
        return await self._feed(callback_query=query)


async def join(user: TgUser, payload: str = "", offers: bool | None = None) -> Sent:
    """/start (with a deep-link payload) and Accept, pressed in any language; with `offers`,
    the answer to "news and offers?" too (yes has the bell). Returns what the last step sent."""
    joined = await user.press((await user.send(f"/start {payload}".strip())).button("✅"))
    if offers is None:
        return joined
    return await user.press(joined.button("🔔") if offers else "mk:1:0:join")


async def hire(owner: TgUser, person: TgUser, role: str = "staff") -> Sent:
    """The owner invites `person` from /staff, as an "admin" or else a cashier, and `person`
    opens the link; returns what opening it sent."""
    await owner.send("/staff")
    invite = await owner.press("sinv:admin" if role == "admin" else "sinv:staff")
    return await person.send("/start " + invite.text.split()[-1].split("start=")[1])


class Counted:
    """A user whose messages and presses are counted (how many actions a flow takes)."""

    def __init__(self, user: TgUser) -> None:
        self.user, self.actions = user, 0

    async def send(self, text: str) -> Sent:
        self.actions += 1
        return await self.user.send(text)

    async def press(self, data: str) -> Sent:
        self.actions += 1
        return await self.user.press(data)


async def start_fake_api(handle: Any) -> tuple[Any, str]:
    """A fake Bot API server on a free local port: (aiohttp runner to clean up, base URL for
    TELEGRAM_API_URL). `handle(request)` answers POST /bot<token>/<method>."""
    from aiohttp import web

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"
