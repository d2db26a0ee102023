"""tests/test_delivery_crash.py with two sender processes under the lease, as a deployment runs
them: the second starts mid-push and waits as a standby (it claims nothing, returns nothing);
the holder is killed (SIGKILL) mid-push; once its lease runs out the standby takes over,
returns the dead one's claimed rows and sends the rest. Nothing is lost, and what is sent
twice is at most the holder's unmarked sends (`in_flight`).

SQLite only (a file database in tmp_path), as the test it varies."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from db.engine import create_engine
from db.models import Outbox
from tests.test_delivery_crash import (
    FIRST_CHAT,
    IN_FLIGHT,
    KILL_AFTER,
    ROOT,
    ROWS,
    SCRIPT,
    FakeBotApi,
    clean_up,
    finish,
    go,
    prepare_database,
    start_server,
    status_counts,
)

LEASE_SECONDS = 3.0  # the standby takes over at most this long (and a try) after the kill
STANDBY_FROM = 50  # accepted sends before the second process starts


class CountingApi(FakeBotApi):
    """Also says when the holder is well into the push."""

    def __init__(self, kill_after: int) -> None:
        super().__init__(kill_after)
        self.under_way = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        response = await super().handle(request)
        if len(self.received) >= STANDBY_FROM:
            self.under_way.set()
        return response


async def launch(url: str, api_url: str, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        url,
        api_url,
        "--wait",
        "--lease",
        str(LEASE_SECONDS),
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def claimers(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            query = select(Outbox.claimed_by).where(Outbox.claimed_by.is_not(None)).distinct()
            return {str(holder) for holder in (await conn.scalars(query)).all()}
    finally:
        await engine.dispose()


@pytest.mark.slow
async def test_the_standby_takes_over_from_a_killed_holder_and_repeats_at_most_its_in_flight(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/crash.sqlite3"
    api = CountingApi(KILL_AFTER)
    runner, api_url = await start_server(api)
    first = await launch(url, api_url, tmp_path)
    second = await launch(url, api_url, tmp_path)
    try:
        await prepare_database(url)
        await go(first)
        await asyncio.wait_for(api.under_way.wait(), 60)  # the first holds the lease
        assert second.stdin is not None
        second.stdin.write(b"go\n")  # mid-push: a standby
        await second.stdin.drain()
        second.stdin.close()
        await asyncio.wait_for(api.enough.wait(), 60)
        first.kill()  # SIGKILL: no release, no last mark
        await first.communicate()
        await asyncio.sleep(0.1)  # sends already in the server's hands are counted
        before_kill = len(api.received)
        at_kill = await status_counts(url)
        holders_at_kill = await claimers(url)
        unmarked = before_kill - at_kill.get("sent", 0)
        assert 0 <= unmarked <= IN_FLIGHT, at_kill
        assert at_kill.get("sending", 0) > 0, at_kill  # the dead one left a batch claimed
        await finish(second, "the standby")
    finally:
        await clean_up((first, second), runner)

    assert len(holders_at_kill) == 1  # while the holder lived, the standby claimed nothing
    assert len(await claimers(url)) == 2
    assert await status_counts(url) == {"sent": ROWS}
    expected = {(FIRST_CHAT + n, f"push {n}") for n in range(ROWS)}
    distinct_received = set(api.received)
    duplicates = len(api.received) - len(distinct_received)
    assert distinct_received == expected  # nothing lost, nothing stray
    assert duplicates <= unmarked <= IN_FLIGHT
