"""The outbox sender as a process of its own, for tests/test_delivery_crash.py to kill.

    PYTHONPATH=<repo> python tests/crash_sender.py <database_url> <bot_api_url> [--wait]
        [--lease SECONDS]

Drains the outbox through the Bot API server at <bot_api_url> (never Telegram's), unthrottled,
with the Sender's default concurrency, and exits 0 once no row is pending or sending. With
--lease, it sends only while it holds the sender's lease of that many seconds (bot/lease.py),
as production does, and waits as a standby while another process holds it.

With --wait it first reads a line from stdin and starts only then (at EOF it exits 1 without
touching the database): importing aiogram takes seconds, so the test starts both runs at once
and lets each one go when its turn comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import func, select

import db.models  # noqa: F401  (registers every table)
from bot.delivery import Sender
from bot.lease import SENDER, Lease
from db.engine import create_engine, create_session_factory
from db.models import Outbox, OutboxStatus
from handlers.i18n import create_i18n
from services.notices import NoticeBody, Push
from tests.telegram import TEST_TOKEN


def render(body: NoticeBody) -> tuple[str, None]:
    assert isinstance(body, Push)
    return body.text, None


async def main(database_url: str, api_url: str, lease_seconds: float | None = None) -> int:
    engine = create_engine(database_url)
    session_factory = create_session_factory(engine)
    session = AiohttpSession()
    session.api = TelegramAPIServer.from_base(api_url.rstrip("/"))
    bot = Bot(TEST_TOKEN, session=session)
    sender = Sender(
        bot, session_factory, create_i18n("en"), render, rate=2000, per_chat_interval=0
    )
    stop = asyncio.Event()
    if lease_seconds is None:
        running = asyncio.create_task(sender.run(stop, poll_seconds=0.2))
    else:
        sender.lease = Lease(session_factory, SENDER, sender.holder, lease_seconds)
        running = asyncio.create_task(sender.lease.hold(stop, sender.run))
    try:
        while not running.done():
            await asyncio.wait({running}, timeout=0.2)
            async with session_factory() as s, s.begin():
                left = await s.scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
                )
            if not left:
                stop.set()
                sender.wake()
                break
        await running  # finishes the batch in hand, or raises what went wrong
    finally:
        if not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        await session.close()
        await engine.dispose()
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    wait = "--wait" in args
    args = [a for a in args if a != "--wait"]
    lease = None
    if "--lease" in args:
        at = args.index("--lease")
        lease = float(args[at + 1])
        del args[at : at + 2]
    if len(args) != 2:
        sys.exit(f"usage: {sys.argv[0]} <database_url> <bot_api_url> [--wait] [--lease SECONDS]")
    if wait and not sys.stdin.readline():
        sys.exit(1)
    database_url, api_url = args
    sys.exit(asyncio.run(main(database_url, api_url, lease)))
