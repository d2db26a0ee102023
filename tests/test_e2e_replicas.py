"""Issue 13 end to end: two `loyalty-bot web` replicas and `loyalty-bot worker`s as real
processes, on a PostgreSQL database of this test's own and Redis, against a fake Bot API server
(tests/fake_bot_api.py) in this process. Updates are POSTed to the replicas in turn, with the
webhook's secret, as Telegram posts them.

- A member's forms go on across replicas: /start on one, Accept on the other, and the profile's
  birthday form asked on one and answered on the other (FSM state in Redis).
- Requests without the secret, or with a wrong one, are refused and change nothing.
- The owner's push (/push, five steps over both replicas) reaches every opted-in member; a
  second worker started mid-push waits as a standby and sends nothing twice.
- The sender's holder killed (SIGKILL) mid-push with messages in flight: the standby takes the
  lease once it runs out (LEASE_SECONDS=3 here) and sends the rest. Every member gets the push;
  only what the killed holder had handed to Telegram without marking it may come twice (the
  sender's `in_flight` at most, bot/delivery.py), and only to members it had sent to.

Runs in the PostgreSQL pass only (TEST_DATABASE_URL=postgresql...): the replicas need
PostgreSQL and refuse SQLite, and one run is enough; it creates a database of its own on that
server (scripts/pg_database.py), so the processes never meet the suite's tables. Skips with
the reason when PostgreSQL or Redis cannot be reached.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiogram.methods import EditMessageText
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.delivery import Sender
from db.engine import create_engine, create_session_factory
from db.models import Customer, Lease, Membership, Outbox
from tests.fake_bot_api import Call, FakeBotApi
from tests.replicas import (
    BotProcess,
    WebhookUser,
    deployment_env,
    forget_keys,
    pg_database,
    redis_problem,
)

pytestmark = pytest.mark.slow

LEASE_SECONDS = 3.0
CONCURRENCY = 4  # SENDER_CONCURRENCY: the sends in flight when the holder is killed
IN_FLIGHT = inspect.signature(Sender).parameters["in_flight"].default
MEMBERS = 40  # opted in to news; the push must outlast two holds of 10 + CONCURRENCY sends
REDIS_DB = 13  # this test's own; its keys are also deleted at the end
PUSH_TEXT = "Two for one on Friday!"


def pg_server() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip(
            "web replicas need PostgreSQL: runs in the TEST_DATABASE_URL=postgresql+asyncpg:// "
            "pass (README, Development)"
        )
    return url


@dataclass
class Deployment:
    api: FakeBotApi
    client: aiohttp.ClientSession
    folder: Path
    database_url: str
    redis_url: str
    secret: str
    owner: int
    first_id: int  # members are first_id + 1, first_id + 2, ...
    processes: list[BotProcess]

    def settings(self, name: str, command: str) -> dict[str, str]:
        return deployment_env(
            self.api,
            name,
            command,
            database_url=self.database_url,
            redis_url=self.redis_url,
            secret=self.secret,
            lease_seconds=LEASE_SECONDS,
            sender_concurrency=CONCURRENCY,
            sender_rate=30,
            owner_ids=self.owner,
            merchant_name="Replica Café",
            merchant_timezone="Europe/Warsaw",
        )

    async def start(self, name: str, command: str) -> BotProcess:
        process = BotProcess(name, command, self.settings(name, command), self.folder)
        self.processes.append(process)
        await process.start()
        return process

    def user(self, user_id: int, first_name: str = "Anna") -> WebhookUser:
        return WebhookUser(self.api, self.client, self.secret, user_id, first_name)


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    server = pg_server()
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    if problem := await redis_problem(redis_url):
        pytest.skip(problem)
    database_url = await pg_database("create", server)
    if database_url == server:
        where = make_url(server).set(password=None).render_as_string()
        pytest.skip(f"PostgreSQL {where} unreachable: no database of the test's own")
    api = FakeBotApi()
    await api.start()
    first_id = 7_100_000_000 + secrets.randbelow(10_000_000)  # no other run's Redis keys
    client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
    deployment = Deployment(
        api,
        client,
        tmp_path,
        database_url,
        redis_url,
        "e2e-" + secrets.token_hex(16),
        first_id,
        first_id,
        [],
    )
    try:
        yield deployment
    finally:
        await asyncio.gather(*(p.stop(grace=10) for p in deployment.processes))
        await client.close()
        await api.close()
        await forget_keys(redis_url, range(first_id, first_id + MEMBERS + 10))
        await pg_database("drop", database_url)


async def test_replicas_share_conversations_and_one_sender_survives_a_kill(deployment) -> None:
    d = deployment
    # All three migrate the empty database at start, one at a time (an advisory lock).
    web1, web2 = await d.start("web1", "web"), await d.start("web2", "web")
    worker1 = await d.start("worker1", "worker")
    for process in (web1, web2, worker1):
        await process.healthy(d.client)

    await a_conversation_goes_on_across_replicas(d, web1, web2)
    await requests_without_the_secret_are_refused(d, web1, web2)
    members = await members_join(d, web1, web2)
    await the_push_survives_a_second_worker_and_a_killed_holder(d, web1, web2, worker1, members)


async def a_conversation_goes_on_across_replicas(
    d: Deployment, web1: BotProcess, web2: BotProcess
) -> None:
    anna = d.user(d.first_id + MEMBERS + 1)
    rules = await anna.send(web1, "/start")
    assert "Replica Café" in rules.text
    joined = await anna.press(web2, rules.button("✅"))
    assert joined.toasts == ["Welcome!"]
    await anna.press(web1, joined.button("🔔"))
    profile = await anna.send(web2, "/profile")
    asked = await anna.press(web1, profile.button("Set birthday"))
    assert "DD.MM" in asked.text
    # The form's state was written by web1; web2 reads it from Redis.
    preview = await anna.send(web2, "24.05.1990")
    assert "Save 24 May 1990 as your birthday?" in preview.text
    saved = await anna.press(web1, preview.button("Save"))
    assert "Saved: 24 May 1990" in saved.of(EditMessageText)[0].text
    engine = create_engine(d.database_url)
    try:
        async with create_session_factory(engine)() as s:
            customer = await s.scalar(select(Customer).where(Customer.telegram_id == anna.id))
    finally:
        await engine.dispose()
    assert customer is not None
    assert (customer.birthday_day, customer.birthday_month, customer.birthday_year) == (
        24,
        5,
        1990,
    )


async def requests_without_the_secret_are_refused(
    d: Deployment, web1: BotProcess, web2: BotProcess
) -> None:
    stranger = d.user(d.first_id + MEMBERS + 2, "Mallory")
    assert await stranger.post(web1, stranger.message("/start"), secret=None) == 401
    assert await stranger.post(web2, stranger.message("/start"), secret="wrong") == 401
    assert d.api.to(stranger.id) == []
    engine = create_engine(d.database_url)
    try:
        async with create_session_factory(engine)() as s:
            found = await s.scalar(select(Customer.id).where(Customer.telegram_id == stranger.id))
    finally:
        await engine.dispose()
    assert found is None


async def members_join(d: Deployment, web1: BotProcess, web2: BotProcess) -> list[int]:
    """MEMBERS members join and opt in to news, eight at a time, each step at the other
    replica than the last; one more joins without news. Returns the opted-in ids."""

    async def join(n: int, offers: bool) -> None:
        user = d.user(d.first_id + n, f"Fan{n}")
        first, second = (web1, web2) if n % 2 else (web2, web1)
        rules = await user.send(first, "/start")
        joined = await user.press(second, rules.button("✅"))
        await user.press(first, joined.button("🔔") if offers else "mk:1:0:join")

    ids = list(range(1, MEMBERS + 1))
    for start in range(0, len(ids), 8):
        await asyncio.gather(*(join(n, offers=True) for n in ids[start : start + 8]))
    await join(MEMBERS + 3, offers=False)
    return [d.first_id + n for n in ids]


async def the_push_survives_a_second_worker_and_a_killed_holder(
    d: Deployment, web1: BotProcess, web2: BotProcess, worker1: BotProcess, members: list[int]
) -> None:
    api = d.api
    owner = d.user(d.owner, "Olga")
    asked = await owner.send(web1, "/push")
    assert "Send the text" in asked.text
    extras = await owner.send(web2, PUSH_TEXT)
    who = await owner.press(web1, extras.button("Skip"))
    # Anna opted in too: the members and her.
    preview = await owner.press(web2, who.button(f"Everyone who opted in ({MEMBERS + 1})"))
    recipients = [*members, d.first_id + MEMBERS + 1]

    # Ten sends are answered, then the next ones wait at the fake Bot API: the push is under
    # way, with CONCURRENCY messages in flight, when the second worker starts.
    api.hold(recipients, after=10)
    queued = await owner.press(web1, preview.button("Send now"))
    assert f"Push #1 queued for {MEMBERS + 1} members" in queued.text
    await api.until(lambda: api.waiting == CONCURRENCY)
    holder = await lease_holder(d, "sender")
    assert f":{worker1.pid}:" in holder  # the only worker holds the sender's lease
    worker2 = await d.start("worker2", "worker")
    await worker2.healthy(d.client)

    # Ten more, then the holder is killed with CONCURRENCY sends handed to Telegram.
    api.release()
    api.hold(recipients, after=10)
    await api.until(lambda: api.waiting == CONCURRENCY and len(pushes(api)) >= 24)
    before_kill = pushes(api)
    assert {c.via for c in before_kill} == {"worker1"}  # the standby sent nothing
    assert len({c.chat_id for c in before_kill}) == len(before_kill)  # nothing twice
    worker1.kill()
    killed_at = time.monotonic()
    await worker1.proc.wait()  # type: ignore[union-attr]
    api.release()

    # The standby takes over once the lease has run out, and sends the rest.
    await api.until(lambda: {c.chat_id for c in pushes(api)} >= set(recipients), within=45)
    took_over = min(c.at for c in pushes(api) if c.via == "worker2") - killed_at
    # The lease runs out LEASE_SECONDS after its last renewal, and a standby asks every
    # third of that; the rest is the standby's first claim and send.
    assert took_over < LEASE_SECONDS * 4 / 3 + 2.0, took_over
    assert await lease_holder(d, "sender") != holder

    summary = await api.until(lambda: [t for t in api.to(d.owner) if "is done" in t], within=30)
    assert f"Delivered: {MEMBERS + 1} of {MEMBERS + 1}" in summary[0]
    counts = Counter(c.chat_id for c in pushes(api))
    twice = {chat for chat, n in counts.items() if n > 1}
    # Only what the killed holder had handed over (and not yet marked) may come again.
    assert twice <= {c.chat_id for c in before_kill}
    assert len(twice) <= IN_FLIGHT and max(counts.values()) == 2
    assert counts.keys() == set(recipients)
    engine = create_engine(d.database_url)
    try:
        async with create_session_factory(engine)() as s:
            statuses = Counter(
                (await s.execute(select(Outbox.status).where(Outbox.campaign_id == 1))).scalars()
            )
            opted_in = await s.scalar(
                select(func.count()).select_from(Membership).where(Membership.marketing_opt_in)
            )
    finally:
        await engine.dispose()
    assert statuses == {"sent": MEMBERS + 1}
    assert opted_in == MEMBERS + 1


def pushes(api: FakeBotApi) -> list[Call]:
    """The push as the workers sent it (the owner's preview came from a replica)."""
    return [c for c in api.sent() if c.text == PUSH_TEXT and c.via.startswith("worker")]


async def lease_holder(d: Deployment, name: str) -> str:
    engine = create_engine(d.database_url)
    try:
        async with create_session_factory(engine)() as s:
            holder = await s.scalar(select(Lease.holder).where(Lease.name == name))
    finally:
        await engine.dispose()
    assert holder is not None, f"nobody holds the {name} lease"
    return holder
