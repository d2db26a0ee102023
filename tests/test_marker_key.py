"""The marker key: MARKER_KEY, else a file created once outside the database and reused."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.config import Settings, SettingsError
from bot.markers import marker_key
from bot.runner import create_scheduler
from db.models import Customer, Membership, Merchant, RewardGrant
from services import grants
from tests.conftest import TEST_MARKER_KEY
from tests.factories import make_member, make_merchant


def settings_with(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_the_key_file_is_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "marker.key"
    settings = settings_with(marker_key="", marker_key_file=str(path))  # MARKER_KEY= is unset
    first = marker_key(settings)
    assert path.exists() and len(first) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert marker_key(settings) == first  # the next start reads it
    assert [p.name for p in path.parent.iterdir()] == ["marker.key"]  # no temporary left
    # The file's content, copied into MARKER_KEY, is the same key (for a second machine).
    shared = settings_with(marker_key=path.read_text().strip(), marker_key_file="/nonexistent/k")
    assert marker_key(shared) == first


def test_the_default_file_sits_next_to_the_default_database() -> None:
    settings = settings_with()
    assert settings.marker_key_file == "data/marker.key"
    assert settings.database_url.endswith("data/loyalty.sqlite3")


def test_a_short_or_empty_key_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MARKER_KEY must be at least 32 characters"):
        marker_key(settings_with(marker_key="short"))
    empty = tmp_path / "marker.key"
    empty.write_text("")
    with pytest.raises(SettingsError, match="does not hold a marker key"):
        marker_key(settings_with(marker_key_file=str(empty)))


async def test_the_scheduler_uses_the_settings_key(settings, session, session_factory, clock):
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 5)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Warsaw"))  # the merchant's date
    async with session.begin():
        await session.execute(update(Merchant).values(birthday_hour=0, birthday_lead_days=0))
        await session.execute(
            update(Customer).values(birthday_day=today.day, birthday_month=today.month)
        )
        await session.execute(update(Membership).values(marketing_opt_in=True))
    scheduler = create_scheduler(settings, session_factory, lambda: None)
    clock.now = now
    scheduler.clock = clock
    assert await scheduler.tick() >= 1  # the birthday (and a weekly digest on some days)
    async with session.begin():
        markers = (await session.scalars(select(RewardGrant.marker))).all()
    assert markers == [grants.marker(TEST_MARKER_KEY.encode(), merchant.id, 5)]
