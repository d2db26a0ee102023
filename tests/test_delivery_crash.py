"""Issue 4's crash test: a sender process killed (SIGKILL) in the middle of a 2000-row push,
then restarted, neither loses a row nor repeats more than the messages it had in flight.

The sender runs as a separate process (tests/crash_sender.py) against a fake Bot API server
in this one, which records every sendMessage it accepts. The kill lands once about 400 have
been accepted; the second run recovers the rows left `sending` (the claimed batch) and drains
the rest. Counted: what was accepted before the kill, in all, the duplicates (receipts minus
distinct messages) and the losses (rows never received). Duplicates may be at most the
Sender's `in_flight` (messages handed to Telegram whose mark was not yet committed), however
many rows were claimed. tests/test_delivery_batches.py kills at chosen points in-process.

SQLite only (a file database in tmp_path), whatever TEST_DATABASE_URL says: two processes
share the file as the single-server deployment does.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

import db.models  # noqa: F401  (registers every table)
from bot.delivery import Sender
from db.base import Base
from db.engine import create_engine, create_session_factory
from db.models import Outbox
from services.notices import Notice, Push
from services.outbox import enqueue
from tests.conftest import FakeClock
from tests.factories import make_merchant
from tests.telegram import start_fake_api

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "crash_sender.py"
ROWS = 2000
KILL_AFTER = 400  # accepted sends before the SIGKILL
FIRST_CHAT = 100_000
IN_FLIGHT = inspect.signature(Sender).parameters["in_flight"].default
BATCH = inspect.signature(Sender).parameters["batch"].default


class FakeBotApi:
    """getMe and sendMessage; each send takes a little while, as Telegram's do."""

    def __init__(self, kill_after: int) -> None:
        self.received: list[tuple[int, str]] = []
        self.kill_after = kill_after
        self.enough = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        result: Any = True
        if method == "getMe":
            result = {"id": 4242, "is_bot": True, "first_name": "Loyalty"}
        elif method == "sendMessage":
            chat_id, text = int(fields["chat_id"]), fields.get("text", "")
            # Counted on arrival: from here on, Telegram would deliver it whatever happens
            # to the sender, which may die before it reads the answer.
            self.received.append((chat_id, text))
            if len(self.received) >= self.kill_after:
                self.enough.set()
            await asyncio.sleep(0.002)
            result = {
                "message_id": len(self.received),
                "date": 1_700_000_001,
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            }
        return web.json_response({"ok": True, "result": result})


async def start_server(api: FakeBotApi) -> tuple[web.AppRunner, str]:
    return await start_fake_api(api.handle)


async def prepare_database(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = create_session_factory(engine)
    clock = FakeClock(datetime.now(UTC) - timedelta(minutes=1))  # every row is due at once
    async with factory() as session:
        merchant = await make_merchant(session, clock)
        async with session.begin():
            notices = [Notice(FIRST_CHAT + n, None, Push(text=f"push {n}")) for n in range(ROWS)]
            assert await enqueue(session, merchant.id, notices, clock(), "crash") == ROWS
    await engine.dispose()


async def status_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
            return {status: int(n) for status, n in rows.all()}
    finally:
        await engine.dispose()


async def launch(url: str, api_url: str, cwd: Path) -> asyncio.subprocess.Process:
    """A sender process that imports what it needs, then waits for a line on stdin to start."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        url,
        api_url,
        "--wait",
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def go(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdin is not None
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    proc.stdin.close()


async def finish(proc: asyncio.subprocess.Process, what: str, line: bytes | None = None) -> None:
    """Let `proc` drain the outbox (after `line` on its stdin) and exit 0, without a traceback."""
    try:
        _, err = await asyncio.wait_for(proc.communicate(line), timeout=120)
    except TimeoutError:
        proc.kill()
        _, err = await proc.communicate()
        raise AssertionError(f"{what} did not finish:\n{err.decode()}") from None
    assert proc.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()


async def clean_up(procs: tuple[asyncio.subprocess.Process, ...], runner: web.AppRunner) -> None:
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    await runner.cleanup()


@pytest.mark.slow
async def test_a_sender_killed_mid_push_loses_nothing_and_repeats_at_most_its_in_flight(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    url = f"sqlite+aiosqlite:///{tmp_path}/crash.sqlite3"
    api = FakeBotApi(KILL_AFTER)
    runner, api_url = await start_server(api)
    # Both runs import aiogram (seconds) while the push is being enqueued; the second one
    # touches nothing until the first is dead.
    first = await launch(url, api_url, tmp_path)
    second = await launch(url, api_url, tmp_path)
    try:
        await prepare_database(url)
        await go(first)
        enough = asyncio.create_task(api.enough.wait())
        exited = asyncio.create_task(first.wait())
        await asyncio.wait({enough, exited}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        enough.cancel()
        if first.returncode is not None:
            _, err = await first.communicate()
            raise AssertionError(f"the sender ended before the kill:\n{err.decode()}")
        assert api.enough.is_set(), f"only {len(api.received)} sends within 60 s"
        first.kill()  # SIGKILL: no cleanup, no last commit
        await first.communicate()
        await exited
        await asyncio.sleep(0.1)  # sends already in the server's hands are counted
        before_kill = len(api.received)
        at_kill = await status_counts(url)
        claimed = at_kill.get("sending", 0)
        unmarked = before_kill - at_kill.get("sent", 0)
        assert 0 <= unmarked <= IN_FLIGHT, at_kill  # marked sent only once accepted
        assert claimed <= BATCH, at_kill

        await finish(second, "the restarted sender", b"go\n")
    finally:
        await clean_up((first, second), runner)

    final = await status_counts(url)
    expected = {(FIRST_CHAT + n, f"push {n}") for n in range(ROWS)}
    distinct = set(api.received)
    duplicates = len(api.received) - len(distinct)
    losses = len(expected - distinct)
    print(
        f"\ncrash test: {before_kill} sent before the kill ({claimed} rows claimed, {unmarked} "
        "of them sent and not marked), "
        f"{len(api.received)} received in all, {duplicates} duplicates, {losses} losses, "
        f"{time.monotonic() - started:.1f} s"
    )
    assert final == {"sent": ROWS}
    assert distinct == expected  # nothing lost, nothing stray
    assert duplicates <= unmarked <= IN_FLIGHT
