"""Joining through the production dispatcher: rules, consent, deep links, the gate."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import Customer, Membership
from tests.telegram import TgUser


async def join(user: TgUser, payload: str = "") -> None:
    sent = await user.send(f"/start {payload}".strip())
    await user.press(sent.button("Accept"))


async def test_start_shows_rules_and_stores_nothing(tg, session) -> None:  # type: ignore[no-untyped-def]
    anna = tg(101)
    sent = await anna.send("/start")
    assert "Program rules" in sent.text
    assert sent.button("Accept").startswith("ok:")
    assert await session.scalar(select(func.count()).select_from(Customer)) == 0


async def test_accept_creates_one_membership_even_twice(tg, session) -> None:  # type: ignore[no-untyped-def]
    anna = tg(101)
    sent = await anna.send("/start")
    data = sent.button("Accept")
    first = await anna.press(data)
    second = await anna.press(data)
    assert "You are in" in first.text
    assert "news" in first.text
    assert second.toasts == ["You are already a member."]
    rows = (await session.scalars(select(Membership))).all()
    assert len(rows) == 1
    assert rows[0].consent_version == 1
