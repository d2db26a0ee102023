"""The per-customer cap of a certificate offer holds when two hand-outs to the same customer come
at once (issue 16): two cashiers tapping Give on two sales of one member give one certificate,
on both databases; the other tap hears the limit is reached and the offer's count stays exact."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.methods import AnswerCallbackQuery

from db.models import HandOut
from tests.issuing_scene import ANNA, certificates, issued_count, scene, sell

GIVE = "🎟 Give: Café wash €10"


@pytest.mark.parametrize("attempt", range(3))
async def test_two_give_taps_for_one_customer_at_once_give_one(
    tg, bot, db, session_factory, clock, attempt
) -> None:
    s = await scene(tg, session_factory, clock, HandOut.CASHIER, 0, per_customer_limit=1)
    _, first = await sell(db, s.kasia, s.anna, "25")
    _, second = await sell(db, s.kasia, s.anna, "30")
    before = len(bot.session.requests)
    await asyncio.gather(s.kasia.press(first.button(GIVE)), s.owner.press(second.button(GIVE)))
    answers = bot.session.requests[before:]
    toasts = sorted(m.text or "" for m in answers if isinstance(m, AnswerCallbackQuery))
    assert len(toasts) == 2 and toasts[0] == "Certificate given."
    assert toasts[1] != "Certificate given."
    given = await certificates(db)
    assert [c.first_customer_id for c in given] == [given[0].first_customer_id]
    assert await issued_count(db, s.offer) == 1
    told = [m for m in answers if getattr(m, "chat_id", None) == ANNA]
    assert len(told) <= 1
