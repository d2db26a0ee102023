"""`loyalty-bot web` as it serves (on PostgreSQL and Redis): asked to stop while an update is
in progress, it stops listening, lets the update finish and answer, then closes the bot."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod
from aiohttp import web
from pydantic import SecretStr
from redis.exceptions import RedisError

from bot.web import serve_webhook
from tests.telegram import RecordingSession

SECRET = "serve-secret-0123456789"
REDIS_URL = "redis://127.0.0.1:6379/0"


class HeldSession(RecordingSession):
    """Holds the first sendMessage until released: an update in progress."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.closed = False
        self.open_when_replied: bool | None = None

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: Any = None,  # noqa: ASYNC109 - the signature is aiogram's
    ) -> Any:
        if isinstance(method, SendMessage) and not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
            self.open_when_replied = not self.closed
        return await super().make_request(bot, method, timeout)

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
async def web_settings(settings, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("loyalty-bot web needs PostgreSQL: set TEST_DATABASE_URL")
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, RedisError) as exc:
        pytest.skip(f"Redis unreachable: {exc.__class__.__name__}")
    finally:
        await client.aclose()
    return settings.model_copy(
        update={
            "webhook_secret": SecretStr(SECRET),
            "redis_url": REDIS_URL,
            "web_host": "127.0.0.1",
        }
    )


def start_update(user_id: int) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Ola", "language_code": "en"}
    return {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": user_id, "type": "private"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_stopped_replica_finishes_the_update_in_progress(web_settings, monkeypatch):
    monkeypatch.setattr("bot.web.settle", lambda: None)  # no gc.freeze in the test process
    shutting_down = asyncio.Event()
    original = web.AppRunner.shutdown

    async def shutdown(self: web.AppRunner) -> None:
        await original(self)
        shutting_down.set()  # the site is closed; next, aiohttp waits for the requests

    monkeypatch.setattr(web.AppRunner, "shutdown", shutdown)
    session = HeldSession()
    stop = asyncio.Event()
    listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    serving = asyncio.create_task(
        serve_webhook(web_settings, session=session, port=0, stop=stop, listening=listening)
    )
    port = await listening
    url = f"http://127.0.0.1:{port}/webhook"
    user_id = 7_100_000_000 + secrets.randbelow(1_000_000)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        async with aiohttp.ClientSession() as http:
            posted = asyncio.create_task(
                http.post(url, json=start_update(user_id), headers=headers)
            )
            await session.entered.wait()  # the reply is being sent
            stop.set()  # SIGTERM
            await shutting_down.wait()
            session.release.set()
            response = await posted
            assert response.status == 200
            await serving
            with pytest.raises(aiohttp.ClientConnectionError):
                await http.post(url, json=start_update(user_id), headers=headers)
    finally:
        stop.set()
        session.release.set()
        await asyncio.gather(serving, return_exceptions=True)
        await _forget(user_id)
    replies = [m for m in session.requests if isinstance(m, SendMessage)]
    assert [m.chat_id for m in replies] == [user_id]
    assert "Test Café" in (replies[0].text or "")
    assert session.open_when_replied  # the bot was closed after the update, not before
    assert session.closed


async def _forget(user_id: int) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(f"fsm:{user_id}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
