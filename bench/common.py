"""What every bench shares: the machine line and logging it starts with, the Bench Café's
settings, counting log records, and timing the calls into a worker thread that SQLite's
connections make (db/sqlite/; aiosqlite's, where an engine still uses it)."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sqlite3
import time
from typing import Any

import aiogram
import aiosqlite
import sqlalchemy

from bot.config import Settings
from db.sqlite import LoopConnection
from tests.telegram import TEST_TOKEN


def machine_line() -> str:
    """What the figures were measured with, printed first by every bench."""
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"aiogram {aiogram.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {platform.machine()}"
    )


def start(*lines: str, note: str = "") -> None:
    """Warnings and errors logged one line each, as the bot's CLI logs them; then the machine
    line (with `note` after it) and the `lines` that say what this run does."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    print(machine_line() + note)
    for line in lines:
        print(line)


def add_profile_option(parser: argparse.ArgumentParser, phase: str) -> None:
    """--profile TOP: the timed `phase` under cProfile, its TOP functions printed."""
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="TOP",
        help=f"run {phase} under cProfile and print the TOP functions "
        "(slows it down; figures are then not comparable)",
    )


def bench_settings(url: str, **values: Any) -> Settings:
    """The Bench Café (EUR, Berlin, English) on the database at `url`; `values` add settings."""
    return Settings(
        _env_file=None,
        bot_token=TEST_TOKEN,
        database_url=url,
        merchant_name="Bench Café",
        merchant_slug="main",
        merchant_currency="EUR",
        merchant_timezone="Europe/Berlin",
        default_language="en",
        **values,
    )


class LogCounter(logging.Handler):
    """Counts log records from `level` up; with `mentioning`, only those whose message or
    exception says it."""

    def __init__(self, level: int = logging.ERROR, mentioning: str | None = None) -> None:
        super().__init__(level=level)
        self.count = 0
        self.mentioning = mentioning

    def emit(self, record: logging.LogRecord) -> None:
        if self.mentioning is not None:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + repr(record.exc_info[1])
            if self.mentioning not in text:
                return
        self.count += 1


class ThreadCalls:
    """While installed, every call that SQLite's connections make into a worker thread goes to
    `took` with the wall time the event loop awaited it: db/sqlite/'s (a report's statements,
    a SELECT that ran too long on the loop) and aiosqlite's (each cursor, execute, fetch,
    commit and close, on an engine that still uses its thread)."""

    _patched: tuple[tuple[type, str, Any], ...] = ()

    def took(self, fn: Any, seconds: float) -> None:
        raise NotImplementedError

    def install(self) -> None:
        calls = self
        self._patched = (
            (aiosqlite.core.Connection, "_execute", aiosqlite.core.Connection._execute),
            (LoopConnection, "_in_thread", LoopConnection._in_thread),
        )
        for owner, name, original in self._patched:

            async def timed(
                conn: Any, fn: Any, *args: Any, _original: Any = original, **kwargs: Any
            ) -> Any:
                t0 = time.perf_counter()
                try:
                    return await _original(conn, fn, *args, **kwargs)
                finally:
                    calls.took(fn, time.perf_counter() - t0)

            setattr(owner, name, timed)

    def uninstall(self) -> None:
        for owner, name, original in self._patched:
            setattr(owner, name, original)
        self._patched = ()
