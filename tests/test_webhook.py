"""`set-webhook` registers the webhook once with what the replicas expect; `delete-webhook`
returns the bot to polling; polling refuses a bot that has a webhook (fake Bot API session)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import DeleteWebhook, GetWebhookInfo, SetMyCommands, SetWebhook
from aiogram.types import WebhookInfo

from bot.config import Settings, SettingsError
from bot.webhook import delete_webhook, refuse_if_webhook, set_webhook, used_update_types
from tests.telegram import TEST_TOKEN, RecordingSession

SECRET = "hook-secret-0123456789"


@pytest.fixture
def scaled(tmp_path, monkeypatch) -> Settings:
    monkeypatch.chdir(tmp_path)  # a key file created by mistake would land here
    return Settings(
        _env_file=None,
        bot_token=TEST_TOKEN,
        database_url="postgresql+asyncpg://bot:dbpass@db.internal:5432/loyalty",
        redis_url="redis://cache.internal:6379/0",
        webhook_secret=SECRET,
        webhook_max_connections=60,
        marker_key_file=str(tmp_path / "data" / "marker.key"),
    )


async def test_set_webhook_sends_the_url_secret_updates_and_connections(scaled, tmp_path):
    session = RecordingSession()
    line = await set_webhook(
        scaled, "https://bot.example.org/webhook", "Kawiarnia", drop_pending=True, session=session
    )
    (hook,) = [m for m in session.requests if isinstance(m, SetWebhook)]
    assert hook.url == "https://bot.example.org/webhook"
    assert hook.secret_token == SECRET
    assert hook.max_connections == 60
    assert hook.drop_pending_updates is True
    assert hook.allowed_updates == used_update_types(scaled)
    assert {"message", "callback_query"} <= set(hook.allowed_updates or [])
    assert session.requests.index(hook) == 0  # registered before the menus
    assert len([m for m in session.requests if isinstance(m, SetMyCommands)]) == 5
    assert "\n" not in line and SECRET not in line
    assert line.startswith("webhook set: https://bot.example.org/webhook (updates: ")
    assert "max connections 60" in line and "pending updates dropped" in line
    assert not (tmp_path / "data").exists()  # no marker key file was created to ask


async def test_set_webhook_keeps_pending_updates_unless_asked(scaled):
    session = RecordingSession()
    await set_webhook(scaled, "https://bot.example.org/hook", "Kawiarnia", session=session)
    (hook,) = [m for m in session.requests if isinstance(m, SetWebhook)]
    assert hook.drop_pending_updates is False


@pytest.mark.parametrize("url", ["http://bot.example.org/webhook", "bot.example.org", "https://"])
async def test_set_webhook_needs_https(scaled, url):
    session = RecordingSession()
    with pytest.raises(SettingsError, match="must start with https://"):
        await set_webhook(scaled, url, "Kawiarnia", session=session)
    assert session.requests == []


async def test_set_webhook_needs_the_secret(scaled):
    unset = scaled.model_copy(update={"webhook_secret": None})
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET is not set"):
        await set_webhook(
            unset, "https://bot.example.org/webhook", "K", session=RecordingSession()
        )


async def test_delete_webhook_returns_to_polling(scaled):
    session = RecordingSession()
    line = await delete_webhook(scaled, drop_pending=False, session=session)
    (deleted,) = [m for m in session.requests if isinstance(m, DeleteWebhook)]
    assert deleted.drop_pending_updates is False
    assert line == "webhook deleted: `loyalty-bot run` can poll again"


class HookedSession(RecordingSession):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def _respond(self, method: Any) -> Any:
        if isinstance(method, GetWebhookInfo):
            return WebhookInfo(url=self.url, has_custom_certificate=False, pending_update_count=3)
        return super()._respond(method)


async def test_polling_refuses_a_bot_with_a_webhook(scaled):
    with pytest.raises(SettingsError) as refused:
        await refuse_if_webhook(scaled, session=HookedSession("https://bot.example.org/webhook"))
    message = str(refused.value)
    assert "\n" not in message
    assert "https://bot.example.org/webhook" in message and "loyalty-bot delete-webhook" in message


async def test_polling_goes_on_without_a_webhook(scaled):
    session = HookedSession("")
    await refuse_if_webhook(scaled, session=session)
    assert [type(m) for m in session.requests] == [GetWebhookInfo]
