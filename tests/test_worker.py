"""Workers: the sender and the scheduler of a process, each run under its lease. Two workers on
one database: one sends, one schedules, the others wait; `loyalty-bot worker` processes hand
over on SIGTERM by releasing their leases."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendMessage
from aiohttp import ClientSession, web

from bot.lease import SCHEDULER, SENDER
from bot.worker import Worker, create_sender
from db.engine import create_engine, create_session_factory
from db.repositories.leases import LeaseRepo
from services.notices import Notice, Push
from services.outbox import enqueue
from tests.factories import make_merchant
from tests.telegram import TEST_TOKEN, start_fake_api
from tests.test_lease import all_sent, claimers, until

ROOT = Path(__file__).resolve().parent.parent


def test_the_sender_sends_as_many_at_once_as_sender_concurrency_says(
    settings, bot, session_factory, i18n
) -> None:
    settings = settings.model_copy(update={"sender_concurrency": 50})
    sender = create_sender(settings, bot, session_factory, i18n)
    # The window of sends not yet marked (what a kill may repeat) keeps up with it.
    assert (sender.concurrency, sender.in_flight) == (50, 100)
    default = settings.model_copy(update={"sender_concurrency": 4})
    default_sender = create_sender(default, bot, session_factory, i18n)
    assert (default_sender.concurrency, default_sender.in_flight) == (4, 32)


async def test_of_two_workers_one_sends_and_one_schedules(
    settings, bot, session, session_factory, i18n, clock
) -> None:
    merchant = await make_merchant(session, clock)
    rows = 20
    async with session.begin():
        notices = [Notice(9000 + n, None, Push(text=f"push {n}")) for n in range(rows)]
        await enqueue(session, merchant.id, notices, clock(), "workers")
    settings = settings.model_copy(update={"sender_rate": 30.0})
    workers = [Worker(settings, bot, session_factory, i18n) for _ in range(2)]
    stops = [asyncio.Event(), asyncio.Event()]
    serving = [asyncio.create_task(w.serve(stop)) for w, stop in zip(workers, stops, strict=True)]
    await until(lambda: all_sent(session_factory, rows), "every row sent")
    await until(lambda: any(w.scheduler.ticks for w in workers), "a tick ran")
    # While both run: one holds each lease, the other waits.
    assert sorted(w.stats.holding for w in workers) == [False, True]
    assert sorted(w.scheduler.ticks > 0 for w in workers) == [False, True]
    sender = next(w for w in workers if w.stats.holding)
    assert sender.stats.sent == rows and sum(w.stats.sent for w in workers) == rows
    assert await claimers(session_factory) == {sender.holder: rows}
    chats = Counter(int(m.chat_id) for m in bot.session.requests if isinstance(m, SendMessage))
    assert chats == Counter(range(9000, 9000 + rows))  # each member once
    for stop in stops:
        stop.set()
    await asyncio.gather(*serving)
    async with session_factory() as s, s.begin():  # released on the way out
        for name in (SENDER, SCHEDULER):
            held = await LeaseRepo(s).holder(name)
            assert held is not None and held[1] is False


class Process:
    """A `loyalty-bot worker` whose log lines are collected as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode())

    def said(self, pattern: str) -> str | None:
        return next((m.group(1) for li in self.lines if (m := re.search(pattern, li))), None)

    async def stop(self, sig: int) -> str:
        self.proc.send_signal(sig)
        try:
            await asyncio.wait_for(self.proc.wait(), 60)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        await self.reading
        return "".join(self.lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_worker(cwd: Path, api_url: str, port: int = 0) -> Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MERCHANT_"))},
        "BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_URL": api_url,
        "PYTHONPATH": str(ROOT),
        "LEASE_SECONDS": "12",
        "WORKER_PORT": str(port),
        "WEB_HOST": "127.0.0.1",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "worker",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return Process(proc)


async def answer(request: web.Request) -> web.Response:
    result: Any = True
    if request.match_info["method"] == "getMe":
        result = {"id": 4242, "is_bot": True, "first_name": "Loyalty", "username": "b_bot"}
    return web.json_response({"ok": True, "result": result})


async def leases(url: str) -> dict[str, tuple[str, bool] | None]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as s, s.begin():
            return {name: await LeaseRepo(s).holder(name) for name in (SENDER, SCHEDULER)}
    finally:
        await engine.dispose()


@pytest.mark.slow
async def test_worker_processes_hand_over_on_sigterm_without_waiting_for_the_lease(
    tmp_path: Path,
) -> None:
    runner, api_url = await start_fake_api(answer)
    url = f"sqlite+aiosqlite:///{tmp_path}/data/loyalty.sqlite3"
    started: list[Process] = []
    acquired = r"lease {} acquired by (\S+)"
    try:
        port = free_port()
        first = await start_worker(tmp_path, api_url, port)
        started.append(first)
        for name in (SENDER, SCHEDULER):
            await until(lambda n=name: first.said(acquired.format(n)), f"the first takes {name}")
        metrics = f"http://127.0.0.1:{port}/metrics"  # the holder's shows its sender
        async with ClientSession() as http, http.get(metrics) as response:
            assert response.status == 200
            assert "loyalty_sender_sent_total 0.0" in await response.text()
        a = first.said(r"worker (\S+) started")
        second = await start_worker(tmp_path, api_url)
        started.append(second)
        await until(lambda: second.said(r"worker (\S+) started"), "the second one is up")
        assert not second.said(acquired.format(SENDER))  # a standby while the first holds
        first_log = await first.stop(signal.SIGTERM)
        assert first.proc.returncode == 0, first_log
        # Released on the way out: free now, or already the standby's (the lease had 12 s
        # left; the standby tries every 4 s).
        for name, held in (await leases(url)).items():
            assert held is not None and (held[0] != a or held[1] is False), name
        for name in (SENDER, SCHEDULER):
            await until(lambda n=name: second.said(acquired.format(n)), f"standby takes {name}")
        b = second.said(r"worker (\S+) started")
        assert b != a and second.said(acquired.format(SENDER)) == b
        second_log = await second.stop(signal.SIGINT)
        assert second.proc.returncode == 0, second_log
        assert await leases(url) == {SENDER: (b, False), SCHEDULER: (b, False)}
    finally:
        for worker in started:
            if worker.proc.returncode is None:
                worker.proc.kill()
                await worker.proc.wait()
        await runner.cleanup()
    for log in (first_log, second_log):
        assert "Traceback" not in log, log
        assert f"lease {SENDER} released by" in log and f"lease {SCHEDULER} released by" in log
