"""Are PostgreSQL and Redis there? Checked before a command starts (with a few tries, as a
container often starts beside them) and by /healthz; the answer is one line that names the
server and the reason, never the password and never a traceback.

Without it PostgreSQL down at start was a 144-line traceback, and Redis down was accepted at
start, then every update failed.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from redis.exceptions import AuthenticationError, RedisError, ResponseError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.config import Settings, SettingsError
from db.engine import READ_ONLY

logger = logging.getLogger(__name__)
TRIES = 5
TRY_TIMEOUT = 5.0  # seconds one try may take: a host that drops packets never refuses
# SQLSTATE classes no waiting mends: a refused login (28...), a database that does not exist.
FATAL_SQLSTATES = ("28", "3D")


class Unreachable(SettingsError):
    """A server did not answer; the message is one line, safe to print."""


class _Refused(Exception):
    """The server answered, and waiting will not change its answer (a wrong password)."""


def database_name(url: str) -> str:
    """`PostgreSQL at db:5432`, for messages: the host and port, never the credentials."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite at {parsed.database}"
    return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}"


def redis_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"Redis at {parts.path}"
    return f"Redis at {parts.hostname or 'localhost'}:{parts.port or 6379}"


def reason(error: BaseException, timeout: float = TRY_TIMEOUT) -> str:
    """Why a connection failed, in a few words from the error itself or the OS error under it
    (redis-py wraps it)."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        return str(error.orig).splitlines()[0]
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return f"no answer within {timeout:g} s"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "unknown host"
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror[0].lower() + seen.strerror[1:]
        seen = seen.__cause__ or seen.__context__
    return str(error).splitlines()[0] if str(error) else type(error).__name__


async def ping_database(engine: AsyncEngine, seconds: float = TRY_TIMEOUT) -> None:
    """`SELECT 1`, or the error; a password refused or a missing database raises _Refused."""

    async def select_one() -> None:
        async with engine.connect() as connection:
            # On SQLite: a deferred BEGIN that takes no write lock (db/engine.py).
            reading = await connection.execution_options(**{READ_ONLY: True})
            await reading.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(select_one(), seconds)
    except DBAPIError as error:
        if str(getattr(error.orig, "sqlstate", "")).startswith(FATAL_SQLSTATES):
            raise _Refused(reason(error)) from None
        raise


async def ping_redis(client: Any, seconds: float = TRY_TIMEOUT) -> None:
    """PING on a redis.asyncio client, or the error; a refused password raises _Refused."""
    try:
        await asyncio.wait_for(client.ping(), seconds)
    except (AuthenticationError, ResponseError) as error:
        raise _Refused(reason(error)) from None


async def _check_database(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": TRY_TIMEOUT})
    try:
        await ping_database(engine)
    finally:
        await engine.dispose()


async def _check_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=TRY_TIMEOUT, socket_timeout=TRY_TIMEOUT)
    try:
        await ping_redis(client)
    finally:
        await client.aclose()


def pauses(wait: float) -> list[float]:
    """The pauses between the tries: doubling, adding up to `wait` (none for 0: one try)."""
    if wait <= 0:
        return []
    unit = wait / (2 ** (TRIES - 1) - 1)
    return [unit * 2**n for n in range(TRIES - 1)]


async def wait_for_services(
    settings: Settings,
    *,
    redis: bool = True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Wait until PostgreSQL (and Redis when REDIS_URL is set and `redis`) answer, for about
    SERVICES_WAIT_SECONDS; else raise Unreachable with one line. Each failed try is logged on
    one line. SQLite is a file: nothing to wait for."""
    checks: list[tuple[str, Callable[[], Awaitable[None]]]] = []
    if not settings.is_sqlite():
        url = settings.database_url
        checks.append((database_name(url), lambda: _check_database(url)))
    if redis and settings.redis_url:
        redis_url = settings.redis_url
        checks.append((redis_name(redis_url), lambda: _check_redis(redis_url)))
    for name, check in checks:
        await _wait_for(name, check, pauses(settings.services_wait_seconds), sleep)


async def _wait_for(
    name: str,
    check: Callable[[], Awaitable[None]],
    waits: list[float],
    sleep: Callable[[float], Awaitable[None]],
) -> None:
    tries = len(waits) + 1
    for attempt in range(1, tries + 1):
        try:
            await check()
            return
        except _Refused as refused:
            raise Unreachable(f"{name} refused the connection: {refused}") from None
        except (OSError, TimeoutError, DBAPIError, RedisError) as error:
            why = reason(error)
        if attempt == tries:
            raise Unreachable(f"{name} is unreachable: {why}")
        pause = waits[attempt - 1]
        logger.warning(
            "%s is unreachable: %s (try %d of %d, next in %.0f s)",
            name,
            why,
            attempt,
            tries,
            pause,
        )
        await sleep(pause)
