"""The README's run command against a fake Bot API server (TELEGRAM_API_URL): the process
applies migrations, registers commands, polls, and answers a /start like Telegram would see."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.telegram import TEST_TOKEN, start_fake_api

ROOT = Path(__file__).resolve().parent.parent


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = [
            {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1_700_000_000,
                    "chat": {"id": 918273645, "type": "private", "first_name": "Kasia"},
                    "from": {
                        "id": 918273645,
                        "is_bot": False,
                        "first_name": "Kasia",
                        "language_code": "pl",
                    },
                    "text": "/start sqr_counter",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
        ]
        self.answered = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        self.calls.append((method, fields))
        result: Any = True
        if method == "getMe":
            result = {
                "id": 4242,
                "is_bot": True,
                "first_name": "Loyalty",
                "username": "loyalty_test_bot",
            }
        elif method == "getUpdates":
            offset = int(fields.get("offset", 0) or 0)
            result = [u for u in self.updates if u["update_id"] >= offset]
            if not result:
                await asyncio.sleep(0.2)
        elif method == "sendMessage":
            result = {
                "message_id": 10,
                "date": 1_700_000_001,
                "chat": {"id": int(fields["chat_id"]), "type": "private"},
                "text": fields.get("text", ""),
            }
            self.answered.set()
        return web.json_response({"ok": True, "result": result})


@pytest.mark.slow
async def test_run_answers_start_through_a_bot_api_server(tmp_path: Path) -> None:
    api = FakeBotApi()
    runner, api_url = await start_fake_api(api.handle)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MERCHANT_"))},
        "BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_URL": api_url,
        "PYTHONPATH": str(ROOT),
        "MERCHANT_NAME": "Kawiarnia",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(api.answered.wait(), timeout=90)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
        except TimeoutError:
            proc.kill()
            _, stderr = await proc.communicate()
        await runner.cleanup()
    methods = [m for m, _ in api.calls]
    assert "setMyCommands" in methods
    languages = {f.get("language_code") for m, f in api.calls if m == "setMyCommands"}
    assert {"en", "ru", "pl", "hu"} <= languages
    sent = [f for m, f in api.calls if m == "sendMessage"]
    assert sent[0]["chat_id"] == "918273645"
    assert "Zasady programu" in sent[0]["text"] and "Kawiarnia" in sent[0]["text"]
    keyboard = json.loads(sent[0]["reply_markup"])
    assert keyboard["inline_keyboard"][0][0]["callback_data"].startswith("ok:")
    assert (tmp_path / "data" / "loyalty.sqlite3").exists()
    log = stderr.decode()
    assert "Traceback" not in log
    assert "Kasia" not in log and "918273645" not in log  # no personal data in the logs
