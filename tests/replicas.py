"""The bot as real processes (`loyalty-bot web` replicas, workers) for the end-to-end test and
the web bench: start one with its own settings, wait until its /healthz answers, post updates
to a replica's webhook as Telegram does, stop it or kill it.

Each process runs `python -m bot` in a folder of its own (no .env is read there) with only the
settings given here; its log goes to a file, shown when it fails to start.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
from aiogram.methods import AnswerCallbackQuery

from tests.fake_bot_api import Call, FakeBotApi
from tests.telegram import TEST_TOKEN, Sent

ROOT = Path(__file__).resolve().parent.parent
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The environment a process keeps from ours: what Python and the system need, no settings.
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def free_port() -> int:
    """A TCP port nobody listens on now (the process binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(**settings: object) -> dict[str, str]:
    """The environment of a bot process: `settings` as SETTING=value, the test token, the
    repository on PYTHONPATH, nothing of this process's own settings."""
    env = {k: v for k, v in os.environ.items() if k in KEPT}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", BOT_TOKEN=TEST_TOKEN)
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


def deployment_env(
    api: FakeBotApi,
    name: str,
    command: str,
    *,
    database_url: str,
    redis_url: str,
    secret: str,
    **settings: object,
) -> dict[str, str]:
    """The settings of one process of a deployment on this machine: the shared database,
    Redis, webhook secret and marker key; a TELEGRAM_API_URL of its own `name`; a free port
    for its health (WORKER_PORT for a worker, else WEB_PORT, and the other one too), and
    `settings` on top."""
    port, other = free_port(), free_port()
    return bot_env(
        database_url=database_url,
        redis_url=redis_url,
        telegram_api_url=api.url(name),
        webhook_secret=secret,
        web_host="127.0.0.1",
        web_port=other if command == "worker" else port,
        worker_port=port if command == "worker" else 0,
        marker_key="replicas-marker-key-0123456789abcdef0123456789abcdef",
        **settings,
    )


async def run_command(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """`loyalty-bot <args>` to its end (migrate); its output, or AssertionError on failure."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    assert proc.returncode == 0, f"loyalty-bot {' '.join(args)} exited {proc.returncode}:\n{text}"
    return text


async def pg_database(action: str, url: str) -> str:
    """scripts/pg_database.py: "create" a database of one's own on the server of `url` (its URL,
    or `url` itself when the server is unreachable), or "drop" it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "scripts" / "pg_database.py"),
        action,
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    return out.decode().strip()


async def redis_problem(redis_url: str) -> str | None:
    """Why Redis at `redis_url` cannot be used (one line), or None when it answers."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    redis = Redis.from_url(redis_url)
    try:
        await redis.ping()
    except (OSError, RedisError) as exc:
        return f"Redis unreachable at {redis_url}: {exc.__class__.__name__}"
    finally:
        await redis.aclose()
    return None


async def forget_keys(redis_url: str, user_ids: range) -> None:
    """Delete the FSM keys (forms, the code's message) of these users' private chats."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        for uid in user_ids:
            keys = [k async for k in redis.scan_iter(f"fsm:{uid}:*")]
            if keys:
                await redis.delete(*keys)
    finally:
        await redis.aclose()


class BotProcess:
    """`python -m <module> <command>` (`loyalty-bot <command>` by default) with /healthz on
    `port` (WORKER_PORT for a worker, else WEB_PORT, from `env`). `name` is also the path of
    its TELEGRAM_API_URL, so the fake Bot API knows its calls."""

    def __init__(
        self, name: str, command: str, env: dict[str, str], folder: Path, module: str = "bot"
    ) -> None:
        self.name, self.command, self.env, self.module = name, command, env, module
        self.port = int(env["WORKER_PORT"] if command == "worker" else env["WEB_PORT"])
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log_path = self.folder / "log.txt"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                self.module,
                self.command,
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def healthy(self, client: aiohttp.ClientSession, within: float = 60.0) -> None:
        """Wait until GET /healthz answers 200; AssertionError with the log if the process
        ended or never got there."""
        assert self.proc is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            if self.proc.returncode is not None:
                raise AssertionError(f"{self.name} exited {self.proc.returncode}:\n{self.log()}")
            try:
                async with client.get(self.url + "/healthz") as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} not healthy after {within} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lease released, nothing marked."""
        assert self.proc is not None
        self.proc.kill()

    async def stop(self, grace: float = 30.0) -> int | None:
        """SIGTERM, then wait (SIGKILL after `grace` seconds); the exit status."""
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()


class WebhookUser:
    """One person writing to the bot: each message or button press is an update POSTed to a
    replica's webhook with the secret, as Telegram posts it. The answer is what that replica
    sent to this chat (or as this button's toast) while it handled the update: the replicas
    answer the webhook only after handling it (aiogram's handle_in_background=False)."""

    _update_ids = itertools.count(1)

    def __init__(
        self,
        api: FakeBotApi,
        client: aiohttp.ClientSession,
        secret: str,
        user_id: int,
        first_name: str = "Anna",
        language_code: str = "en",
    ) -> None:
        self.api, self.client, self.secret, self.id = api, client, secret, user_id
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        self.chat = {"id": user_id, "type": "private", "first_name": first_name}
        self._message_ids = itertools.count(1)

    def message(self, text: str) -> dict[str, Any]:
        """A text message update; a leading /command is marked as a bot command."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": 1_700_000_000,
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def callback(self, data: str, message_id: int = 1) -> dict[str, Any]:
        query_id = f"q{next(self._update_ids)}"
        message = {
            "message_id": message_id,
            "date": 1_700_000_000,
            "chat": self.chat,
            "from": {"id": 4242, "is_bot": True, "first_name": "Loyalty"},
            "text": "…",
        }
        query = {
            "id": query_id,
            "from": self.user,
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    async def post(self, replica: BotProcess, update: dict[str, Any], secret: str | None) -> int:
        """POST one update; the HTTP status."""
        headers = {} if secret is None else {SECRET_HEADER: secret}
        url = replica.url + replica.env.get("WEBHOOK_PATH", "/webhook")
        async with self.client.post(url, json=update, headers=headers) as reply:
            await reply.read()
            return reply.status

    async def _feed(self, replica: BotProcess, update: dict[str, Any]) -> Sent:
        before = len(self.api.calls)
        status = await self.post(replica, update, self.secret)
        assert status == 200, f"{replica.name} answered {status}:\n{replica.log()[-3000:]}"
        query = update.get("callback_query", {}).get("id")
        return Sent(
            c.request
            for c in self.api.calls[before:]
            if c.via == replica.name and self._mine(c, query)
        )

    def _mine(self, call: Call, query: str | None) -> bool:
        if isinstance(call.request, AnswerCallbackQuery):
            return query is not None and call.request.callback_query_id == query
        return call.chat_id == self.id

    async def send(self, replica: BotProcess, text: str) -> Sent:
        return await self._feed(replica, self.message(text))

    async def press(self, replica: BotProcess, data: str, message_id: int = 1) -> Sent:
        return await self._feed(replica, self.callback(data, message_id))
