"""A fake Telegram Bot API server over HTTP, for the bot run as real processes (webhook
replicas, workers) with TELEGRAM_API_URL pointing here.

Each request is parsed back into aiogram's own method model (SendMessage, SendPhoto, ...) and
answered by tests.telegram.RecordingSession, the fake that handler tests use in-process: one
set of answers (message ids, "can't parse entities", "message is not modified"), so the two
cannot drift. A request that does not fit the method's model is refused with a 400, as
Telegram refuses it.

A message counts as delivered when its request arrives, not when the answer leaves: from then
on Telegram would deliver it whatever becomes of the sender. `hold()` keeps the answers back
(the requests still count), so a test can kill a sender with messages in flight.

Each process may get a base URL of its own (`api.url("web1")`): every call records which one
made it (`Call.via`).
"""

from __future__ import annotations

import asyncio
import json
import time
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiogram.methods
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import GetUpdates, GetWebhookInfo, SetWebhook, TelegramMethod
from aiogram.types import BufferedInputFile, TelegramObject, WebhookInfo
from aiohttp import web

from tests.telegram import TEST_TOKEN, RecordingSession, text_of

T = TypeVar("T")

# "sendMessage" -> SendMessage, for every method aiogram knows.
METHODS: dict[str, type[TelegramMethod[Any]]] = {
    cls.__api_method__: cls
    for name in aiogram.methods.__all__
    if isinstance(cls := getattr(aiogram.methods, name), type)
    and issubclass(cls, TelegramMethod)
    and hasattr(cls, "__api_method__")
}


@dataclass(frozen=True)
class Call:
    """One request as it arrived: which process sent it, the method, its chat and text."""

    via: str  # the path before /bot<token>/ in the sender's TELEGRAM_API_URL; "" for none
    method: str  # as in the URL: "sendMessage"
    chat_id: int | None
    text: str  # text_of(): the message text, a caption or a callback answer's toast
    request: TelegramMethod[Any] = field(repr=False)
    at: float = field(default_factory=time.monotonic, repr=False)


def _is_text(annotation: Any) -> bool:
    """Fields that aiogram sends as plain strings (str, or str | None) are kept as they came;
    every other value arrives as JSON (numbers, booleans, markup, entities)."""
    if annotation is str:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set(typing.get_args(annotation)) <= {str, type(None)}
    return False


class ServerSession(RecordingSession):
    """RecordingSession's answers, plus the few a server needs that handler tests do not."""

    def __init__(self) -> None:
        super().__init__()
        self.webhook = ""

    def _respond(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, SetWebhook):
            self.webhook = method.url
        if isinstance(method, GetWebhookInfo):
            return WebhookInfo(
                url=self.webhook, has_custom_certificate=False, pending_update_count=0
            )
        if isinstance(method, GetUpdates):
            return []
        return super()._respond(method)


class FakeBotApi:
    """The server: `await api.start()`, then TELEGRAM_API_URL=api.url("name") per process."""

    def __init__(self, token: str = TEST_TOKEN, delay: float = 0.0) -> None:
        self.token = token
        self.delay = delay  # seconds each sendMessage/sendPhoto takes to answer
        self.session = ServerSession()
        self.calls: list[Call] = []
        self._bot = Bot(token, session=self.session)
        self._changed = asyncio.Condition()
        self._open = asyncio.Event()
        self._open.set()
        self._held_chats: frozenset[int] | None = None
        self._pass = 0  # messages to the held chats still answered before the hold begins
        self.waiting = 0  # requests whose answer is held back now
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_post("/{via}/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    def url(self, via: str) -> str:
        """The TELEGRAM_API_URL of one process; its calls are recorded with `via`."""
        return f"{self.base}/{via}"

    async def close(self) -> None:
        self._open.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def hold(self, chats: Iterable[int] | None = None, after: int = 0) -> None:
        """Answer no message to these chats (any, without `chats`) after the next `after`
        ones, until release(); the requests still arrive and count as delivered."""
        self._held_chats = None if chats is None else frozenset(chats)
        self._pass = after
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def until(self, check: Callable[[], T], within: float = 30.0) -> T:
        """Wait until `check()` is true (asked after each request and each hold); its value."""
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(check), within)

    def sent(self, via: str | None = None) -> list[Call]:
        """Messages and photos delivered, in order; from one process with `via`."""
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendPhoto") and (via is None or c.via == via)
        ]

    def to(self, chat_id: int) -> list[str]:
        """The texts (and captions) delivered to one chat, in order."""
        return [c.text for c in self.sent() if c.chat_id == chat_id]

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        cls = METHODS.get(name)
        if cls is None:
            return _error(404, "Not Found: method not found")
        try:
            method = cls.model_validate(await _fields(request, cls))
        except ValueError as exc:
            return _error(400, f"Bad Request: {exc.__class__.__name__}")
        try:
            # RecordingSession checks (HTML, edits) and records before it answers.
            result = await self.session.make_request(self._bot, method)
        except TelegramBadRequest as refused:
            return _error(400, refused.message)
        chat = getattr(method, "chat_id", None)
        chat_id = (
            int(chat) if isinstance(chat, int | str) and str(chat).lstrip("-").isdigit() else None
        )
        async with self._changed:
            self.calls.append(
                Call(request.match_info.get("via", ""), name, chat_id, text_of(method), method)
            )
            self._changed.notify_all()
        if name in ("sendMessage", "sendPhoto"):
            await self._held(chat_id)
            if self.delay:
                await asyncio.sleep(self.delay)
        if isinstance(result, TelegramObject):
            result = result.model_dump(mode="json", exclude_none=True, by_alias=True)
        elif isinstance(result, list):
            result = [r.model_dump(mode="json", exclude_none=True, by_alias=True) for r in result]
        return web.json_response({"ok": True, "result": result})

    async def _held(self, chat_id: int | None) -> None:
        if self._open.is_set() or (
            self._held_chats is not None and chat_id not in self._held_chats
        ):
            return
        if self._pass > 0:
            self._pass -= 1
            return
        self.waiting += 1
        async with self._changed:
            self._changed.notify_all()
        try:
            await self._open.wait()
        finally:
            self.waiting -= 1


async def _fields(request: web.Request, cls: type[TelegramMethod[Any]]) -> dict[str, Any]:
    """The form aiogram's AiohttpSession sent, as the method model's fields: JSON decoded,
    files (attach://name) as BufferedInputFile."""
    form = await request.post()
    files = {k: v for k, v in form.items() if isinstance(v, web.FileField)}
    fields: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            continue
        if value.startswith("attach://") and value[9:] in files:
            upload = files[value[9:]]
            fields[key] = BufferedInputFile(upload.file.read(), filename=upload.filename)
            continue
        info = cls.model_fields.get(key)
        if info is not None and _is_text(info.annotation):
            fields[key] = value
            continue
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value  # an enum's value, a @channel name
    return fields


def _error(status: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description}, status=status
    )
