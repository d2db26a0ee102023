"""Running a use case as one transaction, retried when a unique key says someone raced us."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def in_transaction(
    session: AsyncSession, work: Callable[[], Awaitable[T]], *, attempts: int = 3
) -> T:
    """Run `work` inside one transaction that commits at its end.

    A unique-key conflict (a double tap, two processes at once) rolls everything back and runs
    `work` again, which then sees the other transaction's row. Other errors propagate.
    """
    for attempt in range(attempts):
        try:
            async with session.begin():
                return await work()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
