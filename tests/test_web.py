"""`loyalty-bot web`'s app over HTTP (aiohttp's test server): Telegram's updates with the secret
reach the production dispatcher, without it nothing is handled; /healthz asks the database and
Redis; /metrics counts updates, their time, their errors and the outbox."""

from __future__ import annotations

import itertools
import socket
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.methods import SendMessage
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from redis.exceptions import RedisError
from sqlalchemy import select

from bot.app import create_dispatcher
from bot.metrics import Metrics
from bot.web import create_web_app, start_health_server
from db.models import Customer, Membership
from tests.telegram import Sent

SECRET = "s3cret_" + "x" * 20
HEADER = "X-Telegram-Bot-Api-Secret-Token"
REDIS_URL = "redis://127.0.0.1:6379/0"


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def redis_client(url: str = REDIS_URL) -> Any:
    from redis.asyncio import Redis

    return Redis.from_url(url)


async def reachable_redis() -> Any:
    client = await redis_client()
    try:
        await client.ping()
    except (OSError, RedisError) as exc:
        await client.aclose()
        pytest.skip(f"Redis unreachable: {exc.__class__.__name__}")
    return client


class Chat:
    """A person writing to the bot through Telegram's webhook: JSON posted with the secret."""

    _ids = itertools.count(1)

    def __init__(self, client: TestClient[Any, Any], user_id: int) -> None:
        self.client, self.user_id = client, user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "Ola", "language_code": "en"}

    def message(self, text: str) -> dict[str, Any]:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {
            "update_id": next(self._ids),
            "message": {
                "message_id": next(self._ids),
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": self.user_id, "type": "private", "first_name": "Ola"},
                "from": self.user,
                "text": text,
                "entities": entities if text.startswith("/") else [],
            },
        }

    def press(self, data: str) -> dict[str, Any]:
        message = {
            "message_id": 1,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": self.user_id, "type": "private"},
            "text": "…",
        }
        query = {"id": str(next(self._ids)), "from": self.user, "chat_instance": "ci"}
        return {
            "update_id": next(self._ids),
            "callback_query": {**query, "message": message, "data": data},
        }

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {HEADER: secret} if secret is not None else {}
        response = await self.client.post("/webhook", json=update, headers=headers)
        await response.read()
        return response.status


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def client(settings, session_factory, engine, i18n, clock, bot, metrics):
    """The web app around the production dispatcher (with its metrics) and a recording Bot."""
    dp = create_dispatcher(settings, session_factory, i18n=i18n, clock=clock, metrics=metrics)
    app = create_web_app(dp, bot, engine, metrics, None, secret=SECRET)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def sent(bot, before: int = 0) -> Sent:
    return Sent(bot.session.requests[before:])


async def test_an_update_with_the_secret_reaches_the_dispatcher(client, bot, db) -> None:
    ola = Chat(client, 555_001)
    assert await ola.post(ola.message("/start")) == 200
    rules = sent(bot)
    assert [m.chat_id for m in rules.of(SendMessage)] == [555_001]
    assert "Test Café" in rules.text
    before = len(bot.session.requests)
    assert await ola.post(ola.press(rules.button("✅"))) == 200
    assert sent(bot, before).button("🔔")  # joined: now asked about news and offers
    joined = await db.scalar(
        select(Membership.id).join(Customer).where(Customer.telegram_id == 555_001)
    )
    assert joined is not None


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
async def test_without_the_right_secret_nothing_is_handled(client, bot, db, metrics, secret):
    ola = Chat(client, 555_002)
    assert await ola.post(ola.message("/start"), secret=secret) == 401
    assert bot.session.requests == []
    assert await db.count(Customer) == 0
    assert "loyalty_updates_total{" not in (await metrics.render(None)).decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format, or None when absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


async def scrape(client) -> str:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return str(await response.text())


async def test_metrics_count_updates_errors_and_the_outbox(client, bot, monkeypatch) -> None:
    before = await scrape(client)
    assert sample(before, "loyalty_updates_total", type="message") is None
    assert sample(before, "loyalty_outbox_messages", status="pending") == 0
    ola = Chat(client, 555_003)
    await ola.post(ola.message("/start"))
    await ola.post(ola.press(sent(bot).button("✅")))
    after = await scrape(client)
    assert sample(after, "loyalty_updates_total", type="message") == 1
    assert sample(after, "loyalty_updates_total", type="callback_query") == 1
    assert sample(after, "loyalty_update_seconds_count", type="message") == 1
    assert (
        sample(after, "loyalty_update_errors_total", type="message", error="RuntimeError") is None
    )

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the card broke")

    monkeypatch.setattr("services.members.MemberService.card", broken)
    asked = len(bot.session.requests)
    assert await ola.post(ola.message("/card")) == 200  # handled: the user was told
    assert "Sorry, something went wrong" in sent(bot, asked).text
    errors = await scrape(client)
    assert sample(errors, "loyalty_update_errors_total", type="message", error="RuntimeError") == 1
    assert sample(errors, "loyalty_updates_total", type="message") == 2


async def test_healthz_with_the_database_and_redis(settings, session_factory, engine, bot, dp):
    redis = await reachable_redis()
    try:
        app = create_web_app(dp, bot, engine, Metrics(), redis, secret=SECRET)
        async with TestClient(TestServer(app)) as client:
            response = await client.get("/healthz")
            assert response.status == 200
            assert await response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    finally:
        await redis.aclose()


async def test_healthz_is_503_when_redis_is_down(engine, bot, dp) -> None:
    redis = await redis_client(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        app = create_web_app(dp, bot, engine, Metrics(), redis, secret=SECRET)
        async with TestClient(TestServer(app)) as client:
            response = await client.get("/healthz")
            body = await response.json()
    finally:
        await redis.aclose()
    assert response.status == 503
    assert body == {"status": "down", "database": "ok", "redis": "down: connection refused"}


async def test_the_workers_health_server_shows_the_senders_counters(settings, engine) -> None:
    stats = SimpleNamespace(sent=7, failed=1, retry_after_429=2, rate=12.5)
    runner = await start_health_server(settings, engine, stats=stats, port=0, host="127.0.0.1")
    try:
        (address,) = runner.addresses
        base = f"http://127.0.0.1:{address[1]}"
        async with ClientSession() as http:
            async with http.get(base + "/healthz") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok", "database": "ok"}
            async with http.get(base + "/metrics") as response:
                text = await response.text()
        assert sample(text, "loyalty_sender_sent_total") == 7
        assert sample(text, "loyalty_sender_failed_total") == 1
        assert sample(text, "loyalty_sender_retry_after_429_total") == 2
        assert sample(text, "loyalty_sender_rate") == 12.5
        assert sample(text, "loyalty_outbox_messages", status="sent") == 0
    finally:
        await runner.cleanup()
