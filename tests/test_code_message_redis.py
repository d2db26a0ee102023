"""The payment code's message id in Redis, as a scaled deployment keeps FSM data: the runner's
storage carries the destiny in its keys, so the code's slot and the chat's forms live side by
side."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.methods import DeleteMessage, SendPhoto

from bot.runner import redis_storage

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def dp(settings, session_factory, i18n, clock, sender) -> AsyncIterator[Any]:
    from bot.app import create_dispatcher

    storage = redis_storage(REDIS_URL)
    try:
        await storage.redis.ping()  # type: ignore[attr-defined]
    except (OSError, ConnectionError) as exc:
        await storage.close()
        pytest.skip(f"Redis unreachable: {exc.__class__.__name__}")
    yield create_dispatcher(
        settings, session_factory, i18n=i18n, clock=clock, wake_sender=sender.wake, storage=storage
    )
    await storage.close()


async def test_a_second_code_deletes_the_first_with_redis_storage(tg, dp, monkeypatch) -> None:
    user_id = 7_000_000_000 + secrets.randbelow(1_000_000)  # no other run's keys
    anna = tg(user_id)
    try:
        joined = await anna.press((await anna.send("/start")).button("✅"))  # a form, in Redis
        await anna.press(joined.button("🔔"))
        ids: list[int] = []
        respond = anna.session._respond

        def recording(method: Any) -> Any:
            result = respond(method)
            if isinstance(method, SendPhoto):
                ids.append(result.message_id)
            return result

        monkeypatch.setattr(anna.session, "_respond", recording)
        await anna.send("/code")
        again = await anna.send("/code")
        assert [m.message_id for m in again.of(DeleteMessage)] == ids[:1]
    finally:
        redis = dp.storage.redis
        keys = [k async for k in redis.scan_iter(f"fsm:{user_id}:*")]
        if keys:
            await redis.delete(*keys)
