"""The outbox sender against a fake Bot API that answers 429, 403, 400 and network errors in a
scripted order: every row ends sent, blocked or failed, and none is sent twice."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage, TelegramMethod
from sqlalchemy import select

from bot.delivery import Sender
from db.models import Customer, Outbox
from services.notices import BirthdayGift, Notice, NoticeBody, Push
from services.outbox import enqueue
from tests.factories import make_member, make_merchant, receipt
from tests.telegram import TEST_TOKEN, RecordingSession


class ScriptedSession(RecordingSession):
    """Answers each chat's sends from its script ("ok", "429", "403", "400", "net")."""

    def __init__(self, scripts: dict[int, list[str]]) -> None:
        super().__init__()
        self.scripts = defaultdict(list, {k: list(v) for k, v in scripts.items()})
        self.delivered: Counter[int] = Counter()

    def _respond(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, SendMessage):
            chat = int(method.chat_id)
            outcome = self.scripts[chat].pop(0) if self.scripts[chat] else "ok"
            if outcome == "429":
                raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=0)
            if outcome == "403":
                raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked")
            if outcome == "400":
                raise TelegramBadRequest(method=method, message="Bad Request: chat not found")
            if outcome == "net":
                raise TelegramNetworkError(method=method, message="connection reset")
            if outcome == "404":
                raise TelegramNotFound(method=method, message="Not Found")
            self.delivered[chat] += 1
        return super()._respond(method)


def render(body: NoticeBody) -> tuple[str, None]:
    return repr(body), None


def make_sender(session: BaseSession, session_factory, i18n, clock) -> Sender:
    bot = Bot(TEST_TOKEN, session=session)
    return Sender(bot, session_factory, i18n, render, rate=1000, per_chat_interval=0, clock=clock)


async def test_every_row_ends_sent_blocked_or_failed_once(
    session, session_factory, i18n, clock
) -> None:
    merchant = await make_merchant(session, clock)
    for tg in range(1, 9):
        await make_member(session, clock, merchant, tg)
    scripts = {
        1: ["ok"],
        2: ["429", "ok"],
        3: ["403"],
        4: ["net", "net", "ok"],
        5: ["net"] * 5,
        6: ["400"],
        7: ["net", "429", "ok"],
        8: ["404"],  # an error the sender has no special case for: fails, is not retried
    }
    async with session.begin():
        notices = [Notice(tg, None, receipt(tg)) for tg in scripts]
        notices.append(Notice(3, None, Push(text="99")))  # a second message to the blocker
        await enqueue(session, merchant.id, notices, clock(), "t1")
    fake = ScriptedSession(scripts)
    sender = make_sender(fake, session_factory, i18n, clock)
    for _ in range(10):  # retries wait with backoff on the (fake) clock
        await sender.drain()
        clock.advance(minutes=1)
    async with session.begin():
        rows = {(r.chat_id, r.kind): r for r in (await session.scalars(select(Outbox))).all()}
        blocked = await session.scalar(select(Customer).where(Customer.telegram_id == 3))
    status = {chat: rows[(chat, "receipt")].status for chat in scripts}
    assert status == {
        1: "sent",
        2: "sent",
        3: "blocked",
        4: "sent",
        5: "failed",
        6: "failed",
        7: "sent",
        8: "failed",
    }
    assert rows[(8, "receipt")].attempts == 1  # not retried
    assert rows[(3, "push")].status == "blocked"  # never tried: the customer blocked the bot
    assert rows[(5, "receipt")].attempts == 5 and "network" in rows[(5, "receipt")].last_error
    assert rows[(6, "receipt")].last_error.startswith("400")
    assert blocked.bot_blocked is True
    assert dict(fake.delivered) == {1: 1, 2: 1, 4: 1, 7: 1}  # nothing twice
    assert sender.stats.throttled == 2


async def test_transactional_messages_go_before_promotions(
    session, session_factory, i18n, clock
) -> None:
    merchant = await make_merchant(session, clock)
    async with session.begin():
        await enqueue(
            session,
            merchant.id,
            [Notice(10 + i, None, Push(text=str(i))) for i in range(5)],
            clock(),
            "p",
        )
        await enqueue(session, merchant.id, [Notice(50, None, receipt(1))], clock(), "r")
    fake = RecordingSession()
    sender = make_sender(fake, session_factory, i18n, clock)
    sender.concurrency = 1
    await sender.drain()
    order = [int(m.chat_id) for m in fake.requests if isinstance(m, SendMessage)]
    assert order[0] == 50 and sorted(order[1:]) == [10, 11, 12, 13, 14]


async def test_the_same_dedupe_key_enqueues_once(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    async with session.begin():
        gift = Notice(1, None, BirthdayGift(merchant="Shop", bonus=100, balance=100))
        first = await enqueue(session, merchant.id, [gift], clock(), "bd:2026")
        again = await enqueue(session, merchant.id, [gift], clock(), "bd:2026")
    assert (first, again) == (1, 0)


async def test_rows_left_sending_by_a_crash_are_sent_again(
    session, session_factory, i18n, clock
) -> None:
    merchant = await make_merchant(session, clock)
    async with session.begin():
        await enqueue(session, merchant.id, [Notice(1, None, receipt(1))], clock(), "c")
        row = await session.scalar(select(Outbox))
        row.status = "sending"  # claimed, then the process died
    fake = RecordingSession()
    sender = make_sender(fake, session_factory, i18n, clock)
    assert await sender.recover() == 1
    await sender.drain()
    async with session.begin():
        await session.refresh(row)
        assert row.status == "sent"
    assert len(fake.requests) == 1


async def test_a_drain_after_a_stopped_run_sends_what_came_since(
    session, session_factory, i18n, clock
) -> None:
    """The halt of a run is that run's: what is queued after it stopped is sent by a drain
    (the end of a bench or a test), not left pending."""
    merchant = await make_merchant(session, clock)
    fake = RecordingSession()
    sender = make_sender(fake, session_factory, i18n, clock)
    stop = asyncio.Event()
    stop.set()  # stopped before its first look
    await sender.run(stop)
    async with session.begin():
        await enqueue(session, merchant.id, [Notice(7, None, receipt(1))], clock(), "late")
    assert await sender.drain() == 1
    assert [int(m.chat_id) for m in fake.requests if isinstance(m, SendMessage)] == [7]
