"""Which merchant a staff message is about when it is not the one its reader works in now: a
handler acting on another merchant's alert (a reply, goodwill) names it with `about`, and the
workplace stamp (bot/workplace.py) puts that name on top of what the handler sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ABOUT: ContextVar[str | None] = ContextVar("stamp_about", default=None)


def about(merchant_name: str) -> None:
    """What the running handler sends from now on is about this merchant."""
    _ABOUT.set(merchant_name)


def named() -> str | None:
    """The merchant the running handler said its messages are about, if it said one."""
    return _ABOUT.get()


@contextmanager
def handler_scope() -> Iterator[None]:
    """One handler's say: nothing before it, nothing left after it."""
    token = _ABOUT.set(None)
    try:
        yield
    finally:
        _ABOUT.reset(token)
