"""Holes a second audit found, each reproduced through the production dispatcher."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.db.models import Membership
from tests.test_handlers_sale import OWNER


async def test_a_forged_chart_button_is_refused_before_anything_is_worked_out(
    tg, caplog: pytest.LogCaptureFixture
) -> None:
    anna, owner = tg(101), tg(OWNER)
    await anna.press((await anna.send("/start")).button("✅"))
    with caplog.at_level(logging.ERROR):
        # A customer: the role first, whatever the button carries.
        refused = await anna.press("kpi:revenue:30:1")
        assert "Reports are for" in refused.text and "went wrong" not in refused.text
        # The owner: a period before year 1, or past today, is no button of ours.
        for data in ("kpi:revenue:30:1", "kpi:ratings:3:1", "kpi:points:30:3652059"):
            stale = await owner.press(data)
            assert stale.toasts == ["This button is no longer active."], data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_forged_accept_button_cannot_carry_a_source_or_referral_of_its_own(tg, db) -> None:
    for user_id, data in ((101, "ok:1:1::<b>x"), (102, "ok:1:1::" + "a" * 60), (103, "ok:1:1:x:")):
        user = tg(user_id)
        await user.send("/start")
        joined = await user.press(data)
        assert "went wrong" not in joined.text
    rows = await db.all(select(Membership).order_by(Membership.id))
    assert [(m.source, m.referrer_id) for m in rows] == [(None, None)] * 3
