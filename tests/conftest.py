"""Fixtures: a fresh database per test (SQLite file, or TEST_DATABASE_URL), the production
dispatcher with a recording Bot session, a clock the test can move."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from bot.config import Settings
from db import models as _models  # noqa: F401 - registers every table on Base.metadata
from db.base import Base
from db.engine import create_engine, create_session_factory

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TEST_MARKER_KEY = "test-marker-key-0123456789abcdef0123456789abcdef"


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def database_url(tmp_path: object) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path}/test.sqlite3"


async def reset_schema(conn: AsyncConnection) -> None:
    """Empty tables for every model; on PostgreSQL whatever an older checkout or a crashed
    run left there goes too."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    else:
        await conn.run_sync(Base.metadata.drop_all)
    await conn.run_sync(Base.metadata.create_all)


async def fresh_engine(url: str) -> AsyncEngine:
    """An engine on an empty schema; skips the test when the server can't be reached."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await reset_schema(conn)
    except (OSError, ConnectionError) as exc:
        await engine.dispose()
        where = make_url(url).set(password=None).render_as_string()
        pytest.skip(f"database {where} unreachable: {exc.__class__.__name__}")
    return engine


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))


@pytest.fixture
async def engine(tmp_path: object) -> AsyncIterator[AsyncEngine]:
    engine = await fresh_engine(database_url(tmp_path))
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as s:
        yield s


@pytest.fixture
def settings(engine: AsyncEngine) -> Settings:
    from tests.telegram import TEST_TOKEN

    return Settings(
        _env_file=None,
        bot_token=TEST_TOKEN,
        database_url=engine.url.render_as_string(hide_password=False),
        owner_ids=(1,),
        merchant_name="Test Café",
        merchant_slug="main",
        merchant_currency="EUR",
        merchant_timezone="Europe/Warsaw",
        default_language="en",
        marker_key=TEST_MARKER_KEY,  # never a key file in the working directory
    )


@pytest.fixture(scope="session")
def i18n():
    from handlers.i18n import create_i18n

    return create_i18n("en")


@pytest.fixture
def bot(settings: Settings):
    from bot.app import create_bot
    from tests.telegram import RecordingSession

    return create_bot(settings, session=RecordingSession())


@pytest.fixture
def sender(bot, session_factory, i18n, clock):
    """The production outbox sender, unthrottled, on the recording session."""
    from bot.delivery import Sender
    from handlers.ui.notices import notice_text

    return Sender(
        bot, session_factory, i18n, notice_text, rate=1000, per_chat_interval=0, clock=clock
    )


@pytest.fixture
def dp(settings, session_factory, i18n, clock, sender):
    from bot.app import create_dispatcher

    return create_dispatcher(
        settings, session_factory, i18n=i18n, clock=clock, wake_sender=sender.wake
    )


@pytest.fixture
def tg(dp, bot, sender):
    """tg(user_id, first_name=..., language_code=...) -> a TgUser talking to the bot.

    After each update the outbox is drained, so what an update queued for others (receipts,
    alerts) is among the requests it caused, as the in-process sender would send it."""
    from tests.telegram import TgUser

    def make(user_id: int, **kwargs):
        return TgUser(dp, bot, user_id, after=sender.drain, **kwargs)

    return make


@pytest.fixture
async def anna(tg):
    """Member 101 (Anna, English), joined: the customer of most handler tests."""
    from tests.telegram import join

    user = tg(101)
    await join(user)
    return user


class Db:
    """Reads for assertions, each in its own short transaction (never holding SQLite's lock
    while the bot works), and small writes to set a scene."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    async def scalar(self, statement):
        async with self.factory() as s, s.begin():
            return await s.scalar(statement)

    async def all(self, statement):
        async with self.factory() as s, s.begin():
            return list((await s.scalars(statement)).all())

    async def count(self, model) -> int:
        from sqlalchemy import func, select

        return int(await self.scalar(select(func.count()).select_from(model)) or 0)

    async def pay_code(self, telegram_id: int) -> str:
        """The member's newest unused till code (what /code shows), not a pre-order's."""
        from sqlalchemy import select

        from db.models import Customer, Membership, PaymentCode

        code = await self.scalar(
            select(PaymentCode.code)
            .join(Membership, Membership.id == PaymentCode.membership_id)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(Customer.telegram_id == telegram_id, PaymentCode.preorder_id.is_(None))
            .where(PaymentCode.used_at.is_(None))
            .order_by(PaymentCode.id.desc())
        )
        assert code is not None
        return str(code)

    async def credit(self, telegram_id: int, amount: int, reason: str = "manual") -> None:
        """Post a ledger entry for a member, as a purchase or a reward will."""
        from datetime import UTC, datetime

        from sqlalchemy import select

        from db.models import Customer, LedgerReason, Membership
        from db.repositories import LedgerRepo

        async with self.factory() as s, s.begin():
            member = await s.scalar(
                select(Membership).join(Customer).where(Customer.telegram_id == telegram_id)
            )
            assert member is not None
            await LedgerRepo(s).post(member, amount, LedgerReason(reason), datetime.now(UTC))


@pytest.fixture
def db(session_factory: async_sessionmaker[AsyncSession]) -> Db:
    return Db(session_factory)
